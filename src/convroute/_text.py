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


def original_span(text: str, start: int, end: int) -> tuple[int, int]:
    """
    Map a piece of ``fold(text)`` back to the piece of *text* it came from.

    Folding can change the length of text (``ß`` becomes ``ss``, ``ﬁ``
    becomes ``fi``, an NFD ``a`` and its accent become one ``á``), so
    positions in the folded text are not positions in *text*.  *text* can
    be cut where it folds piece by piece (``fold(text[:i]) +
    fold(text[i:]) == fold(text)``); the span returned is the shortest
    between two such cuts whose folded form holds the piece.  It is exact
    unless the piece starts or ends inside what one character folds to
    (``s`` out of ``ß``): then the whole character is in.

    Args:
        text: The text as given.
        start: Where the piece starts in ``fold(text)``.
        end: Where it ends in ``fold(text)``.

    Returns:
        ``(start, end)`` in *text*, as `re.Match.span` gives them.
    """
    # Most text folds character for character: every position is a cut and
    # keeps its index (see docs/performance.md, "How the hot paths are written").
    if text.isascii():
        return start, end
    folded = text.casefold()
    if len(folded) == len(text) and unicodedata.is_normalized("NFC", folded):
        return start, end
    cuts = _cuts(text)
    first = max(index for index, offset in cuts if offset <= start)
    last = min(index for index, offset in cuts if offset >= end)
    return first, last


# A character that never joins what comes before it when text is put in
# NFC: a starter (combining class 0) that NFC keeps as it is.
_STARTS_AFRESH = regex.compile(r"[\p{ccc=0}&&\p{NFC_QC=Y}]", regex.VERSION1)


def _cuts(text: str) -> list[tuple[int, int]]:
    """
    Every position of *text* where it folds piece by piece, with its folded offset.

    Case folding works character by character, and NFC never joins across
    a character that starts afresh once folded: the text splits into
    pieces there.  Inside a piece (a letter and its marks, say) each
    position is tried.
    """
    starts = [i for i in range(1, len(text)) if _STARTS_AFRESH.match(text[i].casefold())]
    cuts: list[tuple[int, int]] = [(0, 0)]
    offset = 0
    for begin, stop in zip([0, *starts], [*starts, len(text)], strict=True):
        piece = text[begin:stop]
        whole = fold(piece)
        for inner in range(1, len(piece)):
            head = fold(piece[:inner])
            if head + fold(piece[inner:]) == whole:
                cuts.append((begin + inner, offset + len(head)))
        offset += len(whole)
        cuts.append((stop, offset))
    return cuts


def name_key(name: str) -> str:
    """
    Put a name in the form names of one kind are told apart in.

    Two names that differ only by case, by Unicode normal form, by a
    compatibility variant (full-width letters, ligatures) or by characters
    that show nothing (a zero-width space, a soft hyphen) read as the same
    name to people, so they may not name two things of one kind.

    Args:
        name: A user id or the name of a group, rule, type, funnel or stage.

    Returns:
        *name* without its ignorable characters, in Unicode NFKC, case-folded.
    """
    # Left out before the normal form too: between a letter and its accent,
    # a zero-width space would keep the two from composing.
    shown = without_ignorable(name)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", shown).casefold())
    return without_ignorable(folded)


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


# The characters Unicode says are ignorable by default: the variation
# selectors VS1-VS16 (an emoji typed with or without its VS16 is the same
# heart), the zero-width characters keyboards and copy-paste slip in unseen
# (ZWSP, ZWNJ, ZWJ, WORD JOINER, the BOM), the soft hyphen…  The same class
# `_blank.is_blank` counts as showing nothing.
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")


def without_ignorable(text: str) -> str:
    """
    *text* without the characters Unicode says are ignorable by default.
    """
    return _IGNORABLE.sub("", text)


# A memo of a pure function of text (see docs/performance.md, "How the hot paths are written").
@functools.lru_cache(maxsize=4096)
def title_key(title: str) -> str:
    """
    The form in which titles are compared with each other and with replies.

    Case, normal form and spacing do not matter: ``Data  science`` is
    ``DATA SCIENCE``; neither do emoji variation selectors and zero-width
    characters: ``❤ love`` is ``❤️ Love``.
    """
    return fold(one_line(without_ignorable(title)))
