"""
Fitting merged text into WhatsApp's limits, and keeping titles apart.

Lengths count code points, as Meta counts them.  Text is cut between
grapheme clusters where it can be, so that a cut never leaves half a flag,
an emoji without its skin tone or a letter without its accent.
"""

from __future__ import annotations

import re

from collections.abc import Iterable, Sequence

import regex

from convroute._arguments import wrong_type
from convroute._text import one_line, title_key, without_ignorable
from convroute.menus._settings import FALLBACK_NUMBER, FALLBACK_OPTION


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
        limit: The most code points allowed, at least 1.

    Returns:
        *text* itself when it fits; otherwise its longest run of whole
        grapheme clusters that leaves room for the ellipsis, trailing spaces
        dropped, then ``…``.

    Raises:
        TypeError: When *text* is not a ``str`` or *limit* not an ``int``.
        ValueError: When *limit* is less than 1.
    """
    if not isinstance(text, str):
        raise wrong_type("text", text, "a str")
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise wrong_type("limit", limit, "an int")
    if limit < 1:
        # Below one, a cut would slice from the end and give more, not less.
        raise ValueError(f"limit must be 1 or more, not {limit}")
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


def read_number(text: str, words: Iterable[str] = ()) -> int | None:
    """
    Read typed text as an option number, as people type one.

    Digits of any script, alone (``" 2 "``, ``"٢"``) or in the forms people
    type: after ``#`` (``#2``), before a dot or a closing bracket (``2.``,
    ``2)``), after one of *words* (``Option 2``, ``opção #2``), case,
    spacing, variation selectors and zero-width characters aside.  The
    number may be written in keycap emoji instead, as WhatsApp's keyboard
    offers them: ``2️⃣`` (or ``2⃣``) is 2, ``1️⃣0️⃣`` and ``🔟`` are 10, in
    the same forms (``#2️⃣``, ``Option 2️⃣``); one number is all keycaps or
    all digits, and ``🔟`` stands alone.

    Args:
        text: The text typed.
        words: The words that may come before the number (``Option``).

    Returns:
        The number, or ``None`` when *text* is not a number in those forms.
    """
    stripped = text.strip()
    # isdecimal, not isdigit: int() reads exactly the decimal digits of any
    # script, and nothing else (not "²").  Most replies are digits alone.
    if not stripped.isdecimal():
        # Every typed form ends with a digit, "." or ")": most titles are
        # known not to be a number from their last character.
        last = without_ignorable(stripped)[-1:]
        if not (last.isdecimal() or last in _LAST_OF_FORMS):
            return None
        typed = title_key(stripped)
        for word in words:
            key = title_key(word)
            if key and typed.startswith(key):
                typed = typed[len(key) :]
                break
        found = _TYPED_NUMBER.fullmatch(typed)
        if found is None:
            return None
        stripped = found.group(1)
        if stripped == _KEYCAP_TEN:
            return 10
        stripped = stripped.replace(_KEYCAP, "")
    try:
        return int(stripped)
    except ValueError:  # more digits than int() reads: no option's number
        return None


# A keycap emoji is an ASCII digit, VS16 (ignorable, gone from a title key)
# and the combining keycap; ten has a keycap of its own.
_KEYCAP = "\N{COMBINING ENCLOSING KEYCAP}"
_KEYCAP_TEN = "\N{KEYCAP TEN}"
_LAST_OF_FORMS = frozenset((".", ")", _KEYCAP, _KEYCAP_TEN))
# The forms a number is typed in, once the number word is taken off: "#2",
# "2.", "2)"; \d is any script's decimal digit, exactly what int() reads.
# The number is digits, or keycaps (only 0-9 have one), or the keycap ten.
_TYPED_NUMBER = re.compile(rf"\s*#?\s*(\d+|(?:[0-9]{_KEYCAP})+|{_KEYCAP_TEN})\s*[.)]?\s*")


def number_word(fallback_option: str) -> str:
    """
    The word before the option's number in a fallback title: ``Option``.

    Args:
        fallback_option: A fallback title with ``{n}``, e.g. ``Opção {n}``.
    """
    return fallback_option.partition(FALLBACK_NUMBER)[0].strip()


DEFAULT_NUMBER_WORD = number_word(FALLBACK_OPTION)
"""
The word typed replies accept before a number by default: ``Option``.
"""


_DEFAULT_WORDS = (DEFAULT_NUMBER_WORD,)


def reads_as_other_number(
    title: str, position: int, count: int, words: Iterable[str] = _DEFAULT_WORDS
) -> bool:
    """
    Whether typing *title* would pick another option by its number.

    Args:
        title: An option's title.
        position: The option's own number, from 1.
        count: How many options the menu has.
        words: The words a typed reply may put before a number.
    """
    number = read_number(title, words)
    return number is not None and number != position and 1 <= number <= count


def unique_titles(
    titles: Sequence[str], limit: int, fallback_option: str = FALLBACK_OPTION
) -> tuple[str, ...]:
    """
    Fit each title to *limit*, keeping them apart from each other.

    A title that a typed reply would read as another option's number
    (``1`` second of three, ``#1``, ``Option 1``) is named by its own
    number: ``1 (Option 2)``, from *fallback_option*.  A title that repeats
    an earlier one (compared by `title_key`) gets a suffix `` (2)``,
    `` (3)``…  Either way its text is cut further so that title and suffix
    fit together.

    Args:
        titles: The titles wanted, in menu order, on one line and not blank.
        limit: The most code points a title may have.
        fallback_option: The title of an option without one, with ``{n}``
            for its number: ``Option {n}``.

    Returns:
        The titles to show, in the same order.
    """
    taken: set[str] = set()
    shown = []
    count = len(titles)
    words: tuple[str, ...] = _DEFAULT_WORDS
    if fallback_option != FALLBACK_OPTION:
        words = tuple(dict.fromkeys([number_word(fallback_option), DEFAULT_NUMBER_WORD]))
    for position, title in enumerate(titles, start=1):
        candidate = fit_text(title, limit)
        own = ""
        if reads_as_other_number(candidate, position, count, words):
            named = fallback_option.replace(FALLBACK_NUMBER, str(position))
            # {n} is replaced as text: a fixed text is never given to str.format.
            own = f" ({fit_text(one_line(named), limit // 2)})"
            candidate = fit_text(title, limit - len(own)) + own
        key = title_key(candidate)
        copy = 1
        # A title with a suffix in brackets never reads as a number: only
        # repeats are left to tell apart.
        while key in taken:
            copy += 1
            suffix = f"{own} ({copy})"
            candidate = fit_text(title, limit - len(suffix)) + suffix
            key = title_key(candidate)
        taken.add(key)
        shown.append(candidate)
    return tuple(shown)
