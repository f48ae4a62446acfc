"""
How phrases are compared, in one place: case folding, then NFC.

Trigger and follow-up phrases are matched against messages as
case-insensitive literal substrings.  Both sides go through `fold` so that
``STRASSE`` finds ``straße`` and an NFD message finds an NFC phrase, while
accents still matter (``não`` is not ``nao``).
"""

from __future__ import annotations

import unicodedata

import regex


# Emoji in every form WhatsApp shows them: pictographs that are emoji (not
# every pictograph: ★ is plain text), characters shown as emoji by default,
# flags (regional indicators and tag sequences), skin-tone modifiers, the
# variation selectors VS1-VS16 (VS15/VS16 pick text or emoji style) and the
# keycap combining mark.  The ideographic variation selectors (VS17 on) are
# left alone: they pick the glyph of a CJK ideograph.
_EMOJI = regex.compile(
    r"[\p{Extended_Pictographic}&&\p{Emoji}]"
    r"|[\p{Emoji_Presentation}\p{Regional_Indicator}\p{Emoji_Modifier}"
    r"\uFE00-\uFE0F\u20E3\U000E0020-\U000E007F]",
    regex.VERSION1,
)


def fold(text: str) -> str:
    """
    Put *text* in the form phrases and messages are compared in.

    Case folding first (``ß`` becomes ``ss``), then NFC, so that text in any
    normal form folds alike: the result is always NFC.

    Args:
        text: Any text.

    Returns:
        *text* case-folded, in Unicode NFC.
    """
    return unicodedata.normalize("NFC", text.casefold())


def find_emoji(text: str) -> str | None:
    """
    Find the first emoji, or emoji part, in *text*.

    Args:
        text: A phrase.

    Returns:
        The offending character, or ``None`` when there is none.
    """
    found = _EMOJI.search(text)
    return None if found is None else found.group()
