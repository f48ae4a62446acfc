"""
What counts as blank text, in one place.

Text is blank when nothing in it shows: besides spaces and line breaks,
that covers the format and control characters (zero-width space U+200B, word
joiner U+2060, soft hyphen U+00AD, the byte order mark…) and every other
character Unicode says is ignorable by default (the Hangul fillers, the
variation selectors).  A trigger phrase made of a lone zero-width space
would otherwise be found in every message holding one.
"""

from __future__ import annotations

import regex


_VISIBLE = regex.compile(
    r"[^\p{White_Space}\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]"
)


def is_blank(text: str) -> bool:
    """
    Tell whether *text* shows nothing: empty, spaces or invisible characters.

    Args:
        text: Any text.

    Returns:
        ``True`` when no character of *text* is visible.
    """
    return _VISIBLE.search(text) is None
