"""
The menu model: what a menu shows and what each of its options selects.

A `Menu` is a plain frozen value of strings, tuples and enums, so that the
engine can store a pending menu (cattrs structures and unstructures it) and
read the lead's reply against it later.  It is checked when built: a menu
that exists fits every WhatsApp limit.
"""

from __future__ import annotations

import enum

from collections.abc import Iterable
from operator import attrgetter

import attrs

from convroute._frozen import str_tuple
from convroute.errors import MenuError
from convroute.menus._fit import reads_as_other_number, title_key
from convroute.menus._limits import (
    MAX_BODY_TEXT,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BUTTON,
    MAX_MENU_OPTIONS,
    MAX_OPTION_ID,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
)
from convroute.menus._settings import Display


class MenuKind(enum.StrEnum):
    """
    Which auto-response a menu is.
    """

    FIRST_RESPONSE = "first_response"
    """
    Which product is this about?
    """
    SECOND_RESPONSE = "second_response"
    """
    Which of your opportunities is this about?
    """


class OptionKind(enum.StrEnum):
    """
    What choosing an option selects.
    """

    PRODUCT = "product"
    """
    One of the number's products; the option's key is its label.
    """
    OTHER_QUERIES = "other_queries"
    """
    *Other queries*: routed with the number's ``other_queries_rule``.
    """
    OPPORTUNITY = "opportunity"
    """
    One of the lead's opportunities; the option's key is its id.
    """
    NEW_OPPORTUNITY = "new_opportunity"
    """
    *New opportunity*: none of the lead's existing ones.
    """


@attrs.frozen
class MenuOption:
    """
    One option of a menu: a reply button or a list row.

    Attributes:
        id: The option's id, sent back when the lead taps it: stable (the
            same option always gets the same id), opaque, ASCII, no spaces.
        title: The title shown, fitted and unique within its menu.
        kind: What the option selects.
        key: The product's label for `OptionKind.PRODUCT`, the opportunity's
            id for `OptionKind.OPPORTUNITY`, ``""`` otherwise.
        description: The line shown under a list row's title, if any;
            buttons have none.
    """

    id: str
    title: str
    kind: OptionKind
    key: str = ""
    description: str | None = None


def _options(values: Iterable[MenuOption]) -> tuple[MenuOption, ...]:
    return tuple(values)


@attrs.frozen
class Menu:
    """
    An auto-response ready to send: its texts fitted, its options chosen.

    Build one with `build_first_response` or `build_second_response`, send
    it with `render_menu`, read the reply with `interpret_reply`.

    Attributes:
        kind: Which auto-response it is.
        layout: ``buttons`` (at most three options) or ``list``.
        body: The message text.
        options: The options, in the order shown; a typed ``1`` picks the
            first.
        list_button: The label of the button that opens a list (unused by
            buttons).
        header: The header text, if any.
        footer: The footer text, if any.
        left_out: The ids of the lead's opportunities that matched but did
            not fit, most recent first; empty when all fit.

    Raises:
        MenuError: When WhatsApp would not accept the menu.
    """

    kind: MenuKind
    layout: Display
    body: str
    options: tuple[MenuOption, ...] = attrs.field(converter=_options)
    list_button: str
    header: str | None = None
    footer: str | None = None
    left_out: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)

    def __attrs_post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise MenuError(problems)

    @property
    def title_limit(self) -> int:
        """
        The most code points an option title may have in this menu's layout.
        """
        return title_limit(self.layout)


def title_limit(layout: Display) -> int:
    """
    The most code points an option title may have in *layout*.
    """
    return MAX_BUTTON_TITLE if layout == "buttons" else MAX_ROW_TITLE


def _problems(menu: Menu) -> list[str]:
    if _holds(menu):
        return []
    return _describe_problems(menu)


def _describe_problems(menu: Menu) -> list[str]:
    problems = []
    count = len(menu.options)
    if not 1 <= count <= MAX_MENU_OPTIONS:
        problems.append(f"{count} options: a menu has 1 to {MAX_MENU_OPTIONS}")
    if menu.layout == "buttons" and count > MAX_BUTTONS:
        problems.append(f"{count} options cannot be buttons: at most {MAX_BUTTONS}")
    problems.extend(_text_problems("body", menu.body, MAX_BODY_TEXT))
    problems.extend(_text_problems("list_button", menu.list_button, MAX_LIST_BUTTON))
    if menu.header is not None:
        problems.extend(_text_problems("header", menu.header, MAX_HEADER_TEXT))
    if menu.footer is not None:
        problems.extend(_text_problems("footer", menu.footer, MAX_FOOTER_TEXT))
    problems.extend(_describe_option_problems(menu.layout, menu.options))
    return problems


# A menu is checked whenever a Menu is made, and the same texts come back
# again and again: a number's first response for every lead, a second
# response's texts and the names of a lead's opportunities, a pending menu
# read back from a store, a menu sent again.  Whether its texts hold
# depends on its layout and texts alone (strings), so those are the key;
# the options' ids, which differ from lead to lead, are checked every time,
# and quickly.  A menu that does not hold is described afresh.
_CHECKED: dict[tuple[object, ...], bool] = {}
_MAX_CHECKED = 1024
_CHECKED_PARTS = attrgetter("title", "description")


def _holds(menu: Menu) -> bool:
    # The checks of `_describe_problems`, as one yes or no, the texts'
    # answer cached.
    options = menu.options
    try:
        key = (
            menu.layout,
            menu.body,
            menu.list_button,
            menu.header,
            menu.footer,
            *map(_CHECKED_PARTS, options),
        )
        texts_hold = _CHECKED.get(key)
    except TypeError:  # unhashable: not a menu as built, described as it is
        return False
    if texts_hold is None:
        texts_hold = _texts_hold_afresh(menu)
        if len(_CHECKED) >= _MAX_CHECKED:
            _CHECKED.clear()
        _CHECKED[key] = texts_hold
    return texts_hold and _ids_hold(options)


def _holds_afresh(menu: Menu) -> bool:
    # `_holds` without its cache.
    return _texts_hold_afresh(menu) and _ids_hold(menu.options)


def _texts_hold_afresh(menu: Menu) -> bool:
    count = len(menu.options)
    layout = menu.layout
    return (
        1 <= count <= MAX_MENU_OPTIONS
        and not (layout == "buttons" and count > MAX_BUTTONS)
        and not _text_problems("body", menu.body, MAX_BODY_TEXT)
        and not _text_problems("list_button", menu.list_button, MAX_LIST_BUTTON)
        and (menu.header is None or not _text_problems("header", menu.header, MAX_HEADER_TEXT))
        and (menu.footer is None or not _text_problems("footer", menu.footer, MAX_FOOTER_TEXT))
        and _texts_hold(layout, menu.options)
    )


def _texts_hold(layout: Display, options: tuple[MenuOption, ...]) -> bool:
    count = len(options)
    limit = title_limit(layout)
    titles: set[str] = set()
    for position, option in enumerate(options, start=1):
        title = option.title
        stripped = title.strip()
        if not stripped or len(title) > limit or title != stripped:
            return False
        key = title_key(title)
        if key in titles or reads_as_other_number(title, position, count):
            return False
        titles.add(key)
        description = option.description
        if description is not None and (
            layout == "buttons" or not description.strip() or len(description) > MAX_ROW_DESCRIPTION
        ):
            return False
    return True


def _ids_hold(options: tuple[MenuOption, ...]) -> bool:
    # Each id checked at once with the others: the ids are new with every
    # lead, so this runs for every menu made.
    ids = [option.id for option in options]
    if not ids:
        return True
    try:
        joined = "".join(ids)
    except TypeError:  # an id that is not text: described as it is
        return False
    return (
        min(map(len, ids)) > 0
        and max(map(len, ids)) <= MAX_OPTION_ID
        and joined.isascii()
        and joined.isprintable()
        and " " not in joined
        and len(set(ids)) == len(ids)
    )


def _describe_option_problems(layout: Display, options: tuple[MenuOption, ...]) -> tuple[str, ...]:
    problems = []
    count = len(options)
    limit = title_limit(layout)
    titles: set[str] = set()
    ids: set[str] = set()
    for position, option in enumerate(options, start=1):
        at = f"options[{position - 1}]"
        title = option.title
        problems.extend(_text_problems(f"{at}.title", title, limit))
        if title != title.strip():
            problems.append(f"{at}.title has surrounding spaces")
        key = title_key(title)
        if key in titles:
            problems.append(f"{at}.title {title!r} repeats an earlier title")
        if reads_as_other_number(title, position, count):
            problems.append(f"{at}.title {title!r} reads as another option's number")
        titles.add(key)
        problems.extend(_id_problems(at, option.id, ids))
        ids.add(option.id)
        if option.description is not None:
            if layout == "buttons":
                problems.append(f"{at}.description: buttons have no description")
            problems.extend(
                _text_problems(f"{at}.description", option.description, MAX_ROW_DESCRIPTION)
            )
    return tuple(problems)


def _text_problems(what: str, text: str, limit: int) -> list[str]:
    if not text.strip():
        return [f"{what} is blank"]
    if len(text) > limit:
        return [f"{what} has {len(text)} characters, more than {limit}"]
    return []


def _id_problems(at: str, option_id: str, ids: set[str]) -> list[str]:
    if not option_id or len(option_id) > MAX_OPTION_ID:
        return [f"{at}.id must have 1 to {MAX_OPTION_ID} characters"]
    if not option_id.isascii() or not option_id.isprintable() or " " in option_id:
        return [f"{at}.id {option_id!r} must be printable ASCII without spaces"]
    if option_id in ids:
        return [f"{at}.id {option_id!r} repeats an earlier id"]
    return []
