"""
Reading a lead's reply against the menu it answers.
"""

from __future__ import annotations

import enum

from collections.abc import Iterable
from typing import TypeAlias

import attrs

from convroute._arguments import iterable_argument, wrong_type
from convroute._text import title_key
from convroute.menus._fit import DEFAULT_NUMBER_WORD, read_number
from convroute.menus._model import Menu, MenuOption, OptionKind


class MatchedBy(enum.StrEnum):
    """
    How a reply picked its option.
    """

    ID = "id"
    """
    The id of a tapped button or row.
    """
    NUMBER = "number"
    """
    The option's number, typed: ``2``.
    """
    TITLE = "title"
    """
    The option's title, typed; case and spacing aside.
    """


class InvalidReason(enum.StrEnum):
    """
    Why a reply picked nothing.
    """

    EMPTY = "empty"
    """
    There was no text and no id, or only spaces.
    """
    UNKNOWN_ID = "unknown_id"
    """
    A tapped id that is not one of this menu's, e.g. from an older menu.
    """
    OUT_OF_RANGE = "out_of_range"
    """
    A number with no option: ``0``, or ``5`` of four.
    """
    NO_MATCH = "no_match"
    """
    Text that is neither a number nor an option's title.
    """


@attrs.frozen
class Selected:
    """
    A reply that picked an option.

    Attributes:
        option: The option picked.
        by: How it was picked.
    """

    option: MenuOption
    by: MatchedBy


@attrs.frozen
class InvalidReply:
    """
    A reply that picked nothing; the engine decides what follows.

    Attributes:
        reason: Why nothing was picked.
        reply: The id or text received.
    """

    reason: InvalidReason
    reply: str


ReplyOutcome: TypeAlias = Selected | InvalidReply
"""
What `interpret_reply` makes of a reply.
"""


def interpret_reply(
    menu: Menu,
    *,
    reply_id: str | None = None,
    text: str | None = None,
    number_words: Iterable[str] = (DEFAULT_NUMBER_WORD,),
) -> ReplyOutcome:
    """
    Find the option of *menu* a lead's reply picks.

    A tapped button or row sends its id, and the id alone decides.  Typed
    text picks by number (``2``, in any script's digits or in keycap
    emoji, ``2️⃣``, and ``2.``, ``2)``, ``#2``, ``Option 2``) or by title,
    case, normal form, spacing, emoji variation selectors and zero-width
    characters aside; a product's full label, and an option's
    default-language title (its aliases), pick it too.

    Args:
        menu: The menu replied to.
        reply_id: The ``button_reply`` or ``list_reply`` id, for a tap.
        text: The text typed, otherwise.
        number_words: The words that may come before a typed number
            (``Option``, ``Opção``), compared like titles.

    Returns:
        `Selected`, or `InvalidReply` saying why nothing was picked.

    Raises:
        TypeError: When an argument is of the wrong type (what a lead
            types never raises: *text* is read whatever it holds).
    """
    words = _checked(menu, reply_id, text, number_words)
    if reply_id is not None:
        for option in menu.options:
            if option.id == reply_id:
                return Selected(option=option, by=MatchedBy.ID)
        return InvalidReply(reason=InvalidReason.UNKNOWN_ID, reply=reply_id)
    if text is None or not text.strip():
        return InvalidReply(reason=InvalidReason.EMPTY, reply=text or "")
    number = read_number(text, words)
    if number is not None and 1 <= number <= len(menu.options):
        return Selected(option=menu.options[number - 1], by=MatchedBy.NUMBER)
    # A number out of range may still be a title: a product called "2027".
    titled = _by_title(menu, title_key(text))
    if titled is not None:
        return Selected(option=titled, by=MatchedBy.TITLE)
    reason = InvalidReason.NO_MATCH if number is None else InvalidReason.OUT_OF_RANGE
    return InvalidReply(reason=reason, reply=text)


def _checked(
    menu: Menu, reply_id: str | None, text: str | None, number_words: Iterable[str]
) -> tuple[str, ...]:
    """
    The number words as a tuple, once each argument is known to be of its type.
    """
    if not isinstance(menu, Menu):
        raise wrong_type("menu", menu, "a Menu")
    if reply_id is not None and not isinstance(reply_id, str):
        raise wrong_type("reply_id", reply_id, "a str or None")
    if text is not None and not isinstance(text, str):
        raise wrong_type("text", text, "a str or None")
    # The engine's words come as a tuple, taken as it is.
    words = (
        number_words
        if type(number_words) is tuple
        else tuple(iterable_argument(number_words, "number_words", "words"))
    )
    for at, word in enumerate(words):
        if not isinstance(word, str):
            raise wrong_type(f"number_words[{at}]", word, "a str")
    return words


# The kinds of option whose key is the label the title was fitted from.
_LABELLED = frozenset({OptionKind.PRODUCT, OptionKind.CHOICE})


def _by_title(menu: Menu, key: str) -> MenuOption | None:
    for option in menu.options:
        if title_key(option.title) == key:
            return option
    for option in menu.options:
        if any(title_key(alias) == key for alias in option.aliases):
            return option
    # A product's or a bot's option's title may be cut to fit; its full
    # label picks it too.
    for option in menu.options:
        if option.kind in _LABELLED and title_key(option.key) == key:
            return option
    return None
