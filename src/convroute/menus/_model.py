"""
The menu model: what a menu shows and what each of its options selects.

A `Menu` is a plain frozen value of strings, tuples and enums, so that the
engine can store a pending menu (cattrs structures and unstructures it) and
read the lead's reply against it later.  It is checked when built: a menu
that exists fits every WhatsApp limit.
"""

from __future__ import annotations

import enum

from collections.abc import Iterable, Iterator
from typing import TypeVar, get_args

import attrs

from convroute._arguments import iterable_argument, wrong_type
from convroute._frozen import optional_unicode_text_field, str_tuple, unicode_text_field
from convroute._text import title_key
from convroute._whatsapp_limits import (
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
from convroute.errors import MenuError
from convroute.menus._fit import reads_as_other_number, unique_titles
from convroute.menus._settings import Display


_Kind = TypeVar("_Kind", bound=enum.StrEnum)


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
    SIMPLE = "simple"
    """
    A bot's own menu, built from plain strings by `simple_menu`.
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
    CHOICE = "choice"
    """
    One of a bot's options (`simple_menu`); the option's key is its label.
    """


_LAYOUTS = get_args(Display)


def _member(kind: type[_Kind], value: object, field: str, what: str) -> _Kind:
    # A kind is its member or the member's value, as the model's enums are.
    if type(value) is kind:  # as every menu the engine builds gives it
        return value
    if not isinstance(value, str):
        raise wrong_type(field, value, f"{_articled(kind.__name__)} or its value")
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(kind)
        raise ValueError(f"unknown {what} {value!r}; known: {known}") from None


def _articled(name: str) -> str:
    return f"an {name}" if name[0] in "AEIOU" else f"a {name}"


def _option_kind(value: OptionKind | str) -> OptionKind:
    return _member(OptionKind, value, "MenuOption.kind", "option kind")


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
            id for `OptionKind.OPPORTUNITY`, the label as given for
            `OptionKind.CHOICE`, ``""`` otherwise.
        description: The line shown under a list row's title, if any;
            buttons have none.
        aliases: Other titles a typed reply may pick it by: its title in
            the default language, when the menu is a translation.
    """

    id: str = attrs.field(validator=unicode_text_field)
    title: str = attrs.field(validator=unicode_text_field)
    kind: OptionKind = attrs.field(converter=_option_kind)
    key: str = attrs.field(default="", validator=unicode_text_field)
    description: str | None = attrs.field(default=None, validator=optional_unicode_text_field)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)


def _options(values: Iterable[MenuOption]) -> tuple[MenuOption, ...]:
    options = tuple(iterable_argument(values, "Menu.options", "MenuOption values"))
    for at, option in enumerate(options):
        if not isinstance(option, MenuOption):
            raise wrong_type(f"Menu.options[{at}]", option, "a MenuOption")
    return options


def _menu_kind(value: MenuKind | str) -> MenuKind:
    return _member(MenuKind, value, "Menu.kind", "menu kind")


@attrs.frozen
class Menu:
    """
    An auto-response ready to send: its texts fitted, its options chosen.

    Build one with `build_first_response`, `build_second_response` or,
    from plain strings, `simple_menu`; send
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

    kind: MenuKind = attrs.field(converter=_menu_kind)
    layout: Display
    body: str = attrs.field(validator=unicode_text_field)
    options: tuple[MenuOption, ...] = attrs.field(converter=_options)
    list_button: str = attrs.field(validator=unicode_text_field)
    header: str | None = attrs.field(default=None, validator=optional_unicode_text_field)
    footer: str | None = attrs.field(default=None, validator=optional_unicode_text_field)
    left_out: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)

    def __attrs_post_init__(self) -> None:
        problems = list(_problems(self))
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


def distinct_titles(options: Iterable[MenuOption], layout: Display) -> tuple[MenuOption, ...]:
    """
    *options* with titles a menu accepts: each kept apart from the others.

    For a menu stored by an earlier convroute, read back: titles are
    compared more strictly as convroute learns what leads type (the
    characters Unicode calls ignorable now count as nothing), so two
    titles that were distinct when the menu was built may repeat each
    other now.  The first keeps its title, a later one gets a suffix
    `` (2)``, as a menu built today would show it; ids are unchanged, so a
    tap still picks the option tapped, and a typed title the first option
    it matches.

    Args:
        options: The options as stored, in menu order.
        layout: The menu's layout, which limits a title's length.

    Returns:
        The options, each whose title a menu would refuse given one that
        it would accept.
    """
    options = tuple(options)
    titles = unique_titles([option.title for option in options], title_limit(layout))
    return tuple(
        option if option.title == title else attrs.evolve(option, title=title)
        for option, title in zip(options, titles, strict=True)
    )


def _problems(menu: Menu) -> Iterator[str]:
    # Every reason WhatsApp would refuse *menu*, in order: the one check of
    # a menu, its problems listed when it is refused.
    if menu.layout not in _LAYOUTS:
        yield f"layout must be 'buttons' or 'list', not {menu.layout!r}"
    count = len(menu.options)
    if not 1 <= count <= MAX_MENU_OPTIONS:
        yield f"{count} options: a menu has 1 to {MAX_MENU_OPTIONS}"
    if menu.layout == "buttons" and count > MAX_BUTTONS:
        yield f"{count} options cannot be buttons: at most {MAX_BUTTONS}"
    for what, text, limit in (
        ("body", menu.body, MAX_BODY_TEXT),
        ("list_button", menu.list_button, MAX_LIST_BUTTON),
        ("header", menu.header, MAX_HEADER_TEXT),
        ("footer", menu.footer, MAX_FOOTER_TEXT),
    ):
        problem = None if text is None else _text_problem(text, limit)
        if problem:
            yield f"{what} {problem}"
    yield from _option_problems(menu.layout, menu.options)


def _option_problems(layout: Display, options: tuple[MenuOption, ...]) -> Iterator[str]:
    count = len(options)
    limit = title_limit(layout)
    titles: set[str] = set()
    ids: set[str] = set()
    for position, option in enumerate(options, start=1):
        at = position - 1
        title = option.title
        problem = _text_problem(title, limit)
        if problem:
            yield f"options[{at}].title {problem}"
        if title != title.strip():
            yield f"options[{at}].title has surrounding spaces"
        key = title_key(title)
        if key in titles:
            yield f"options[{at}].title {title!r} repeats an earlier title"
        if reads_as_other_number(title, position, count):
            yield f"options[{at}].title {title!r} reads as another option's number"
        titles.add(key)
        problem = id_problem(option.id, ids)
        if problem:
            yield f"options[{at}].id {problem}"
        ids.add(option.id)
        description = option.description
        if description is not None:
            if layout == "buttons":
                yield f"options[{at}].description: buttons have no description"
            problem = _text_problem(description, MAX_ROW_DESCRIPTION)
            if problem:
                yield f"options[{at}].description {problem}"


def _text_problem(text: str, limit: int) -> str | None:
    if not text.strip():
        return "is blank"
    if len(text) > limit:
        return f"has {len(text)} characters, more than {limit}"
    return None


def id_problem(option_id: str, ids: set[str]) -> str | None:
    """
    What keeps *option_id* from being an option's id, after *ids*; ``None`` if nothing.
    """
    if not option_id or len(option_id) > MAX_OPTION_ID:
        return f"must have 1 to {MAX_OPTION_ID} characters"
    if not option_id.isascii() or not option_id.isprintable() or " " in option_id:
        return f"{option_id!r} must be printable ASCII without spaces"
    if option_id in ids:
        return f"{option_id!r} repeats an earlier id"
    return None
