"""
Menus from plain strings, for bots scripted without a config file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from convroute._arguments import optional_text_argument, sequence_argument, text_argument
from convroute._blank import is_blank
from convroute._frozen import optional_unicode_text, unicode_text
from convroute._text import one_line
from convroute._whatsapp_limits import (
    MAX_BODY_TEXT,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BUTTON,
    MAX_MENU_OPTIONS,
)
from convroute.errors import MenuError
from convroute.menus._build import fit_choices, plain_text
from convroute.menus._fit import fit_text
from convroute.menus._model import Menu, MenuKind, id_problem
from convroute.menus._settings import Display


def simple_menu(
    body: str,
    options: Sequence[str | tuple[str, str | None]],
    *,
    ids: Sequence[str] | None = None,
    header: str | None = None,
    footer: str | None = None,
    list_button: str = "Options",
    display: Display = "buttons",
) -> Menu:
    """
    Build a menu from plain strings: the bot's own question and options.

    Texts are fitted to WhatsApp's limits as the engine's menus are: cut by
    code points with an ellipsis, titles kept unique (a repeat gets `` (2)``)
    and apart from the options' numbers (a title ``1`` second of two is
    shown as ``1 (Option 2)``).  Braces are text: nothing is mail-merged.

    Args:
        body: The message text.
        options: The options in order: labels, or ``(label, description)``
            pairs (a description shows under a list row; buttons have none).
        ids: The bot's own option ids, one per option, kept as given:
            1 to 200 printable ASCII characters without spaces, unique.
            Without them each option gets a stable id made from its label.
        header: A header line, if any; left out when blank.
        footer: A footer, if any; left out when blank.
        list_button: The label of the button that opens a list.
        display: ``buttons`` or ``list``; more than three options are a
            list whatever is asked.

    Returns:
        The menu, for `render_menu` and `interpret_reply`; a chosen option's
        ``id`` is the bot's id, its ``key`` the label as given.

    Raises:
        TypeError: When an argument is of the wrong type: a text that is
            not a ``str``, *options* or *ids* that are not a sequence (a
            bare ``str`` or a mapping), an option that is neither a label
            nor a pair, an id that is not a ``str``.
        TextError: When a text holds a lone surrogate.
        MenuError: When the menu cannot be sent: no options or more than
            ten, a blank label, body or list button, ids that are not
            WhatsApp's or repeat, or an unknown *display*.
    """
    text_argument(body, "body")
    text_argument(list_button, "list_button")
    optional_text_argument(header, "header")
    optional_text_argument(footer, "footer")
    choices = _choices(options)
    problems = [*_text_problems(body, list_button, display), *_choice_problems(choices)]
    if ids is not None:
        problems.extend(_id_problems(sequence_argument(ids, "ids", "ids"), len(choices)))
    if problems:
        raise MenuError(problems)
    layout, fitted = fit_choices(display, choices, None if ids is None else tuple(ids))
    return Menu(
        MenuKind.SIMPLE,
        layout,
        fit_text(body.strip(), MAX_BODY_TEXT),
        fitted,
        fit_text(one_line(list_button), MAX_LIST_BUTTON),
        plain_text(optional_unicode_text(header), MAX_HEADER_TEXT, line=True),
        plain_text(optional_unicode_text(footer), MAX_FOOTER_TEXT, line=False),
    )


def _choices(options: Sequence[str | tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    choices: list[tuple[str, str | None]] = []
    for at, option in enumerate(sequence_argument(options, "options", "labels")):
        if isinstance(option, str):
            label, description = option, None
        elif (
            isinstance(option, Sequence)
            and len(option) == 2
            and isinstance(option[0], str)
            and (option[1] is None or isinstance(option[1], str))
        ):
            label, description = option[0], option[1]
        else:
            raise TypeError(
                f"options[{at}] must be a label or a (label, description) pair, not {option!r}"
            )
        unicode_text(label)
        if description is not None:
            unicode_text(description)
        choices.append((label, description))
    return choices


def _text_problems(body: str, list_button: str, display: str) -> list[str]:
    problems = []
    for what, text in (("body", body), ("list_button", list_button)):
        if is_blank(unicode_text(text)):
            problems.append(f"{what} is blank")
    if display not in get_args(Display):
        problems.append(f"display must be 'buttons' or 'list', not {display!r}")
    return problems


def _choice_problems(choices: Sequence[tuple[str, str | None]]) -> list[str]:
    count = len(choices)
    problems = []
    if not 1 <= count <= MAX_MENU_OPTIONS:
        problems.append(f"{count} options: a menu has 1 to {MAX_MENU_OPTIONS}")
    problems.extend(
        f"options[{at}] label is blank" for at, (label, _) in enumerate(choices) if is_blank(label)
    )
    return problems


def _id_problems(ids: Sequence[object], count: int) -> list[str]:
    problems = []
    if len(ids) != count:
        problems.append(f"{len(ids)} ids for {count} options")
    seen: set[str] = set()
    for at, option_id in enumerate(ids):
        if not isinstance(option_id, str):
            raise TypeError(f"ids[{at}] must be a str, not {option_id!r}")
        problem = id_problem(option_id, seen)
        if problem:
            problems.append(f"ids[{at}] {problem}")
        seen.add(option_id)
    return problems
