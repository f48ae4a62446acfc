"""
How text is compared, in one place: case folding, then NFC.

Trigger and follow-up phrases are matched against messages as
case-insensitive literal substrings.  Both sides go through `fold` so that
``STRASSE`` finds ``straße`` and an NFD message finds an NFC phrase, while
accents still matter (``não`` is not ``nao``).  Menu titles and typed
replies are compared the same way, on one line (`title_key`).  The funnel,
the menus and the configuration's checks all take their comparisons from
here.
"""

from __future__ import annotations

import functools
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


def one_line(text: str) -> str:
    """
    Put *text* on one line: runs of whitespace become one space, ends trimmed.

    Titles, labels and headers are shown on one line, and typed replies are
    compared the same way.
    """
    return " ".join(text.split())


# What a title is compared without: the variation selectors VS1-VS16 (an
# emoji typed with or without its VS16 is the same heart) and the
# zero-width characters that keyboards and copy-paste slip in unseen (ZWSP,
# ZWNJ, ZWJ, WORD JOINER, ZERO WIDTH NO-BREAK SPACE).
INVISIBLE = "".join(map(chr, [*range(0xFE00, 0xFE10), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]))
"""
The characters `title_key` leaves out: variation selectors and zero-width characters.
"""
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


# A memo of a pure function of text (see docs/performance.md, "How the hot paths are written").
@functools.lru_cache(maxsize=4096)
def title_key(title: str) -> str:
    """
    The form in which titles are compared with each other and with replies.

    Case, normal form and spacing do not matter: ``Data  science`` is
    ``DATA SCIENCE``; neither do emoji variation selectors and zero-width
    characters: ``❤ love`` is ``❤️ Love``.
    """
    return fold(one_line(title.translate(_INVISIBLE)))
