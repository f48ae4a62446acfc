"""
Fitting merged text into WhatsApp's limits, and keeping titles apart.

Lengths count code points, as Meta counts them.  Text is cut between
grapheme clusters where it can be, so that a cut never leaves half a flag,
an emoji without its skin tone or a letter without its accent.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from convroute._text import title_key


ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"
"""
What ends a text that was cut: one code point.
"""

_GRAPHEME = regex.compile(r"\X")


def fit_text(text: str, limit: int) -> str:
    """
    Cut *text* to at most *limit* code points, ending with an ellipsis when cut.

    Args:
        text: Any text.
        limit: The most code points allowed, at least 2.

    Returns:
        *text* itself when it fits; otherwise its longest run of whole
        grapheme clusters that leaves room for the ellipsis, trailing spaces
        dropped, then ``…``.
    """
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    size = 0
    end = 0
    for cluster in _GRAPHEME.finditer(text):
        size += len(cluster.group())
        if size > room:
            break
        end = cluster.end()
    # One cluster longer than the room (a letter under a pile of combining
    # marks): cut inside it rather than show nothing but the ellipsis.
    head = text[:end].rstrip() or text[:room].rstrip()
    return head + ELLIPSIS


def read_number(text: str) -> int | None:
    """
    Read typed text as an option number, e.g. ``" 2 "`` or ``"٢"``.

    Returns:
        The number, or ``None`` when *text* is not digits alone.
    """
    stripped = text.strip()
    # isdecimal, not isdigit: int() reads exactly the decimal digits of any
    # script, and nothing else (not "²").
    if not stripped.isdecimal():
        return None
    try:
        return int(stripped)
    except ValueError:  # more digits than int() reads: no option's number
        return None


def reads_as_other_number(title: str, position: int, count: int) -> bool:
    """
    Whether typing *title* would pick another option by its number.

    Args:
        title: An option's title.
        position: The option's own number, from 1.
        count: How many options the menu has.
    """
    number = read_number(title)
    return number is not None and number != position and 1 <= number <= count


def unique_titles(titles: Sequence[str], limit: int) -> tuple[str, ...]:
    """
    Fit each title to *limit*, keeping them apart from each other.

    A title that repeats an earlier one (compared by `title_key`), or that
    reads as another option's number, gets a suffix `` (2)``, `` (3)``…,
    its text cut further so that title and suffix fit together.

    Args:
        titles: The titles wanted, in menu order, on one line and not blank.
        limit: The most code points a title may have.

    Returns:
        The titles to show, in the same order.
    """
    taken: set[str] = set()
    shown = []
    count = len(titles)
    for position, title in enumerate(titles, start=1):
        candidate = fit_text(title, limit)
        key = title_key(candidate)
        copy = 1
        while key in taken or reads_as_other_number(candidate, position, count):
            copy += 1
            suffix = f" ({copy})"
            candidate = fit_text(title, limit - len(suffix)) + suffix
            key = title_key(candidate)
        taken.add(key)
        shown.append(candidate)
    return tuple(shown)
