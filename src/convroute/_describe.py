"""
Short, safe descriptions of bad values for error messages: one wording.

A config file, a stored row or a webhook may hold anything, a megabyte in
one field included: a message shows a prefix of text, a number or a
boolean as it is, and only the kind of anything else, never a whole value.
Where a value may be personal data (a webhook's message text, a phone),
only its kind is shown (`kind_of`).

A leaf: it imports only the standard library, so that every package may use
it.
"""

from __future__ import annotations

from collections.abc import Mapping


__all__ = ["described", "kind_of", "quoted"]


_SHOWN_CHARACTERS = 40
# The longest quote of them, escapes included.
_SHOWN_QUOTE = 60
# The whole numbers convroute takes (config, event lines, stores): a signed
# 64-bit integer is the widest every store and host language holds.  One
# beyond them is not shown: Python cannot even write one of more than 4 300
# digits.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# bool before int: True is an int too.
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    ((int, float), "a number"),
    (str, "text"),
    (Mapping, "an object"),
    ((list, tuple), "a list"),
)


def described(value: object) -> str:
    """
    Describe *value* in a message: its kind, and what it is where that is short and safe.

    Args:
        value: Anything found in a file, a store or a webhook.

    Returns:
        E.g. ``the text 'soon'``, ``the text 'aaaa…' (5000 characters)``,
        ``the number 1.9``, ``the boolean true``, ``a list`` or ``null``.
    """
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return "a whole number outside the signed 64-bit range"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {quoted(value)}"
    return kind_of(value)


def kind_of(value: object) -> str:
    """
    Name the JSON kind of *value*: ``text``, ``a number``, ``a list``...

    Args:
        value: Anything found in a file, a store or a webhook.

    Returns:
        A short phrase, e.g. ``an object``.
    """
    if value is None:
        return "null"
    for kinds, name in _KINDS:
        if isinstance(value, kinds):
            return name
    return f"a {type(value).__name__}"


def quoted(text: str) -> str:
    """
    Quote *text* in a message, cut short.

    Returns:
        E.g. ``'soon'`` or ``'aaaa…' (5000 characters)``.
    """
    # At most _SHOWN_CHARACTERS characters, and fewer where their escapes
    # (``\U0001f600`` for a character that cannot be shown) make the quote long.
    shown = text[:_SHOWN_CHARACTERS]
    while len(repr(shown)) > _SHOWN_QUOTE:
        shown = shown[:-1]
    if shown == text:
        return repr(text)
    return f"{shown!r}… ({len(text)} characters)"
