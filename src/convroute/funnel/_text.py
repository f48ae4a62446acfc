"""
How phrases are compared, in one place: NFC, then case folding.

Trigger and follow-up phrases are matched against messages as
case-insensitive literal substrings.  Both sides go through `fold` so that
``STRASSE`` finds ``straße`` and an NFD message finds an NFC phrase, while
accents still matter (``não`` is not ``nao``).
"""

from __future__ import annotations

import unicodedata

import regex


# Emoji in every form WhatsApp shows them: pictographs, characters shown as
# emoji by default, flags (regional indicators and tag sequences), skin-tone
# modifiers, variation selectors and the keycap combining mark.
_EMOJI = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Presentation}\p{Regional_Indicator}"
    r"\p{Emoji_Modifier}\p{Variation_Selector}\u20E3\U000E0020-\U000E007F]"
)


def fold(text: str) -> str:
    """
    Put *text* in the form phrases and messages are compared in.

    Args:
        text: Any text.

    Returns:
        *text* in Unicode NFC, case-folded.
    """
    return unicodedata.normalize("NFC", text).casefold()


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
