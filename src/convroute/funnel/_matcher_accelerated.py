"""
The optional accelerator: ``ahocorasick_rs``'s automaton, when installed.

The automaton holds the distinct folded phrases in the order they were
first given, so its pattern numbers rank like configuration order, and is
asked for every occurrence, overlapping ones included
(``find_matches_as_indexes(message, overlapping=True)``).  The winner is
the only occurrence, or the one ranked first by ``(start - end, start,
pattern)``: the longest phrase, then the earliest, then the first given,
the rule the pure-Python engine applies.

``ahocorasick_rs`` takes text as UTF-8, which a lone surrogate (half an
emoji, as JSON can send one) cannot be written in.  A phrase list with
one keeps the pure-Python engine (given one, ``ahocorasick_rs`` 1.0 builds
an automaton that finds nothing, without a word); a message with one is
searched by the pure-Python engine, built the first time such a message
comes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from convroute._text import fold
from convroute.funnel._matcher_index import python_search
from convroute.funnel._matcher_match import PhraseMatch, Search


try:
    import ahocorasick_rs
except ImportError:  # pragma: no cover - the fast extra is not installed
    ACCELERATOR_INSTALLED = False
else:
    ACCELERATOR_INSTALLED = True


def _rank(match: tuple[int, int, int]) -> tuple[int, int, int]:
    """
    Rank an occurrence ``(pattern, start, end)``: smallest wins.
    """
    pattern, start, end = match
    return start - end, start, pattern


def accelerated_search(lowest_index: Mapping[str, int], phrases: Sequence[str]) -> Search | None:
    """
    Build a search on ``ahocorasick_rs``, or say it cannot be had.

    Args:
        lowest_index: Each distinct, non-empty folded phrase and the first
            position it was given at, in the order first given.
        phrases: The phrases as given.

    Returns:
        The search, or ``None`` when ``ahocorasick_rs`` is not installed or
        cannot take the phrases.
    """
    if not ACCELERATOR_INSTALLED:  # pragma: no cover - the fast extra is not installed
        return None
    patterns = list(lowest_index)
    try:
        # Checked here: given a pattern it cannot encode, ahocorasick_rs
        # 1.0 builds an automaton that silently finds nothing at all.
        "".join(patterns).encode()
    except UnicodeEncodeError:
        return None
    automaton = ahocorasick_rs.AhoCorasick(patterns)
    find_all = automaton.find_matches_as_indexes
    indexes = tuple(lowest_index.values())
    fallback: list[Search] = []

    def search(text: str) -> PhraseMatch | None:
        message = fold(text)
        try:
            matches = find_all(message, True)  # overlapping; by position: docs/performance.md
        except UnicodeEncodeError:
            if not fallback:
                fallback.append(python_search(lowest_index, phrases))
            return fallback[0](text)
        if not matches:
            return None
        pattern, start, end = matches[0] if len(matches) == 1 else min(matches, key=_rank)
        index = indexes[pattern]
        return PhraseMatch(index, phrases[index], start, end)

    return search
