"""
Scanning for a few phrases directly, and ranking what was found.

A short list is fastest tested phrase by phrase with ``in``, which runs at
C speed: below a few dozen phrases that beats building anything.  The
index (`convroute.funnel._matcher_index`) also hands over to
`short_phrases` the few phrases too short for it to sample.
"""

from __future__ import annotations

import re

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from convroute._text import fold
from convroute.funnel._matcher_match import PhraseMatch, Search


# Up to this many phrases are tested one by one; more go into one pattern.
LOOP_MAX = 12

# The pattern nests one group per character: longer phrases (walls of
# punctuation or spaces, the only way to be long and still too short to
# sample) are always tested one by one, which keeps the nesting within the
# limits of re.
_PATTERN_LENGTH_MAX = 64


def winner(
    message: str,
    found: Sequence[str],
    lowest_index: Mapping[str, int],
    phrases: Sequence[str],
) -> PhraseMatch | None:
    """
    Rank the phrases found in *message*: longest, then earliest, then first given.

    Args:
        message: A folded message.
        found: Folded phrases that occur in it.
        lowest_index: Each folded phrase and the first position it was
            given at.
        phrases: The phrases as given.

    Returns:
        The winning match, or ``None`` when nothing was found.
    """
    if len(found) == 1:  # the usual case, with nothing to rank
        (phrase,) = found
        start, index = message.find(phrase), lowest_index[phrase]
        return PhraseMatch(index, phrases[index], start, start + len(phrase))
    best: tuple[int, int, int] | None = None
    for phrase in found:
        rank = (-len(phrase), message.find(phrase), lowest_index[phrase])
        if best is None or rank < best:
            best = rank
    if best is None:
        return None
    length, start, index = -best[0], best[1], best[2]
    return PhraseMatch(index, phrases[index], start, start + length)


def scan_search(lowest_index: Mapping[str, int], phrases: Sequence[str]) -> Search:
    """
    A search that tests every phrase with ``in``, for short lists.

    Args:
        lowest_index: Each distinct, non-empty folded phrase and the first
            position it was given at.
        phrases: The phrases as given.

    Returns:
        The search.
    """
    # Longest first, so that usually the first phrase found is the winner.
    ordered = tuple(sorted(lowest_index, key=lambda phrase: (-len(phrase), lowest_index[phrase])))

    def search(text: str) -> PhraseMatch | None:
        message = fold(text)
        found = [phrase for phrase in ordered if phrase in message]
        if not found:
            return None
        longest = len(found[0])
        return winner(
            message, [phrase for phrase in found if len(phrase) == longest], lowest_index, phrases
        )

    return search


def short_phrases(
    phrases: Collection[str], *, loop_max: int = LOOP_MAX
) -> Callable[[str], list[str]]:
    """
    Find which of some phrases a message contains, without an index.

    Up to *loop_max* phrases are tested one by one; beyond that they go into
    one regular expression, a trie whose greedy branches give the longest
    phrase starting at each position, so each character of the message is
    tried once per position rather than once per phrase.  A shorter phrase
    at the same position can never win, so it is not reported.

    Args:
        phrases: Folded phrases.
        loop_max: How many phrases to test one by one at most.

    Returns:
        A function from a folded message to the phrases found in it.
    """
    looped = [p for p in phrases if len(p) > _PATTERN_LENGTH_MAX]
    patterned = [p for p in phrases if len(p) <= _PATTERN_LENGTH_MAX]
    if len(phrases) <= loop_max:
        looped, patterned = list(phrases), []
    finditer = re.compile(f"(?=({_trie_pattern(patterned)}))").finditer if patterned else None

    def found(message: str) -> list[str]:
        found = [phrase for phrase in looped if phrase in message]
        if finditer is not None:
            found.extend(match.group(1) for match in finditer(message))
        return found

    return found


def _trie_pattern(phrases: Iterable[str]) -> str:
    """
    One pattern matching, at any position, the longest of *phrases* there.

    The phrases share prefixes as in a trie; the branches of a node differ
    in their first character, and a node that ends a phrase makes its
    branches optional and greedy, so the longest phrase wins.
    """
    root: _Trie = {}
    for phrase in phrases:
        node = root
        for character in phrase:
            node = node.setdefault(character, {})
        node[""] = {}
    return _node_pattern(root)


_Trie = dict[str, "_Trie"]
"""
A trie node: its children by character, and ``""`` when a phrase ends there.
"""


def _node_pattern(node: _Trie) -> str:
    branches = [
        re.escape(character) + _node_pattern(child)
        for character, child in sorted(node.items())
        if character
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
