"""
Short, safe descriptions of untrusted values for error messages.

A webhook may hold a megabyte in one field: messages show a prefix of text
and only the kind of anything else, never a whole value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


_SHOWN_CHARACTERS = 40
# bool before int: True is an int too.
_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    ((int, float), "a number"),
    (str, "text"),
    (Mapping, "an object"),
    ((list, tuple), "a list"),
)


def kind_of(value: Any) -> str:
    """
    Name the JSON kind of *value*: ``text``, ``a number``, ``a list``...

    Args:
        value: Anything found in a webhook.

    Returns:
        A short phrase, e.g. ``an object``.
    """
    if value is None:
        return "null"
    for kinds, name in _KINDS:
        if isinstance(value, kinds):
            return name
    return f"a {type(value).__name__}"


def shown(value: Any) -> str:
    """
    Show *value* in a message: text quoted and cut short, the rest by kind.

    Args:
        value: Anything found in a webhook.

    Returns:
        E.g. ``'soon'``, ``'aaaa…' (5000 characters)`` or ``a list``.
    """
    if not isinstance(value, str):
        return kind_of(value)
    if len(value) <= _SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:_SHOWN_CHARACTERS]!r}… ({len(value)} characters)"
