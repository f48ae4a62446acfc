"""
The index that lets a matcher look at a handful of phrases per message.

Checking every phrase against every message costs time in proportion to the
number of phrases.  Instead each folded phrase is filed under one *key*, a
piece that any message containing the phrase must show, and a message only
looks up its own keys: the few phrases filed under them are then checked
with ``in``.  Every lookup is a set intersection over an iterator built from
C-level parts (`str.split`, `zip`, `map`), so no Python loop runs per token,
per position or per phrase.

The keys come from whitespace, which folding never creates or removes and
`str.split` finds at C speed.  A token of a phrase with whitespace on both
sides (an *inner* token) is a whole token of any message containing the
phrase, as `str.split` cuts it, so phrases are filed by, in order of
preference:

- a pair of adjacent inner tokens, looked up among the message's pairs of
  adjacent tokens;
- an inner token and the first character of the token after it (the
  phrase's last token, which only starts a message token);
- a lone inner token.

A phrase without an inner token (one or two words) is filed under sampled
q-grams: one message q-gram is read every `_STEP` characters, so a phrase of
at least `_SAMPLED_MIN` characters always covers one of them whatever its
offset, and it is filed under one q-gram for each offset modulo `_STEP`.
The few phrases shorter than that go into one regular expression, a trie
whose greedy branches give the longest phrase starting at each position.

Where a phrase has several possible keys it takes the one the fewest
phrases share, which keeps every shortlist short.
"""

from __future__ import annotations

import re

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from itertools import chain, islice, pairwise
from operator import itemgetter

import attrs


# q-grams of 5 characters are rare enough to shortlist well (4 were not:
# in measurements they shortlisted four times as many phrases); reading one
# every 3 characters keeps a 160-character message at 52 lookups, and
# phrases of 7 characters or more are still sure to cover one.
_GRAM = 5
_STEP = 3
_SAMPLED_MIN = _GRAM + _STEP - 1

# A message's sampled q-grams are read as tuples of characters zipped from
# strided slices: slicing every q-gram out one by one costs twice as much.
_STRIDES = tuple(slice(offset, None, _STEP) for offset in range(_GRAM))

_first_character = itemgetter(0)

Ranking = tuple[int, int, int]
"""
A match as it is ranked: ``(-length, start, index)``, smallest wins.
"""


def _frozen_table(table: Mapping[Hashable, list[str]]) -> dict[Hashable, tuple[str, ...]]:
    return {key: tuple(phrases) for key, phrases in table.items()}


@attrs.frozen
class PhraseIndex:
    """
    Folded phrases filed for quick lookup, see the module docstring.

    Attributes:
        lowest_index: Each distinct folded phrase and the first position it
            was given at: a later copy can never win over it.
        pairs: Phrases by a pair of adjacent inner tokens.
        heads: Phrases by an inner token and the next token's first
            character.
        tokens: Phrases by a lone inner token.
        grams: Phrases by sampled q-gram.
        short: The phrases too short for sampled q-grams, as one pattern
            capturing the longest of them at each position, or ``None``.
    """

    lowest_index: Mapping[str, int]
    pairs: Mapping[Hashable, tuple[str, ...]]
    heads: Mapping[Hashable, tuple[str, ...]]
    tokens: Mapping[Hashable, tuple[str, ...]]
    grams: Mapping[Hashable, tuple[str, ...]]
    short: re.Pattern[str] | None

    def best(self, message: str) -> Ranking | None:
        """
        Rank the phrases found in *message* and return the winner.

        Args:
            message: A folded message.

        Returns:
            The winner as ``(-length, start, index)``, or ``None``.
        """
        found = self._shortlist(message)
        best: Ranking | None = None
        if found:
            lowest_index = self.lowest_index
            for phrase in found:
                ranking = (-len(phrase), message.find(phrase), lowest_index[phrase])
                if best is None or ranking < best:
                    best = ranking
        if self.short is not None:
            for match in self.short.finditer(message):
                phrase = match.group(1)
                ranking = (-len(phrase), match.start(), self.lowest_index[phrase])
                if best is None or ranking < best:
                    best = ranking
        return best

    def _shortlist(self, message: str) -> list[str]:
        """
        Find the phrases of the q-gram and token tables in *message*.
        """
        found: list[str] = []
        if self.pairs or self.heads or self.tokens:
            words = message.split()
            if self.pairs:
                _extend(found, message, self.pairs, pairwise(words))
            if self.heads:
                heads = map(_first_character, islice(words, 1, None))
                _extend(found, message, self.heads, zip(words, heads, strict=False))
            if self.tokens:
                _extend(found, message, self.tokens, words)
        if self.grams:
            _extend(found, message, self.grams, _sampled_grams(message))
        return found


def _extend(
    found: list[str],
    message: str,
    table: Mapping[Hashable, tuple[str, ...]],
    keys: Iterable[Hashable],
) -> None:
    """
    Add to *found* the phrases *table* files under *keys* that *message* has.
    """
    hits = table.keys() & keys
    # Most messages hit no key: building the chain would cost more than
    # the intersection.
    if hits:
        filed = chain.from_iterable(map(table.__getitem__, hits))
        found.extend(filter(message.__contains__, filed))


def _sampled_grams(message: str) -> Iterator[tuple[str, ...]]:
    """
    The q-grams of *message* that start at a multiple of `_STEP`.
    """
    # zip stops with the shortest slice, that is at the last whole q-gram.
    return zip(*map(message.__getitem__, _STRIDES), strict=False)


def build_index(lowest_index: Mapping[str, int]) -> PhraseIndex:
    """
    File distinct folded phrases for lookup.

    Args:
        lowest_index: Each distinct, non-empty folded phrase and the first
            position it was given at.

    Returns:
        The index.
    """
    options = {phrase: _token_keys(phrase) for phrase in lowest_index}
    long_ones = [p for p, keys in options.items() if not keys and len(p) >= _SAMPLED_MIN]
    short_ones = [p for p, keys in options.items() if not keys and len(p) < _SAMPLED_MIN]
    tables: dict[str, dict[Hashable, list[str]]] = {
        kind: {} for kind in ("pairs", "heads", "tokens", "grams")
    }
    shared = Counter((kind, key) for keys in options.values() for kind, key, _ in set(keys))
    for phrase, keys in options.items():
        if keys:
            kind, key, _ = min(keys, key=_preference(shared))
            tables[kind].setdefault(key, []).append(phrase)
    gram_shared = Counter(gram for phrase in long_ones for gram in set(_all_grams(phrase)))
    for phrase in long_ones:
        for gram in _sampled_keys(phrase, gram_shared):
            tables["grams"].setdefault(gram, []).append(phrase)
    return PhraseIndex(
        lowest_index=dict(lowest_index),
        pairs=_frozen_table(tables["pairs"]),
        heads=_frozen_table(tables["heads"]),
        tokens=_frozen_table(tables["tokens"]),
        grams=_frozen_table(tables["grams"]),
        short=re.compile(f"(?=({_trie_pattern(short_ones)}))") if short_ones else None,
    )


# A pair of inner tokens is rarer than a token and the next one's first
# character, itself rarer than the token alone.
_KIND_RANK = {"pairs": 0, "heads": 1, "tokens": 2}

_TokenKey = tuple[str, Hashable, int]
"""
A key for the token tables: the table, the key, and its length in characters.
"""

_Rank = tuple[int, int, int, str]


def _preference(shared: Mapping[tuple[str, Hashable], int]) -> Callable[[_TokenKey], _Rank]:
    """
    Rank a phrase's keys: the most telling kind, the least shared, the longest.
    """

    def rank(option: _TokenKey) -> _Rank:
        kind, key, length = option
        # Longer keys are rarer in messages; repr makes ties deterministic.
        return (_KIND_RANK[kind], shared[kind, key], -length, repr(key))

    return rank


def _token_keys(phrase: str) -> list[_TokenKey]:
    """
    Every key *phrase* could be filed under in the token tables.
    """
    words = phrase.split()
    # A token is inner when whitespace surrounds it inside the phrase.
    first_inner = 0 if phrase[0].isspace() else 1
    last_inner = len(words) - 1 if phrase[-1].isspace() else len(words) - 2
    keys: list[_TokenKey] = []
    for position in range(first_inner, last_inner + 1):
        word = words[position]
        if position < last_inner:
            after = words[position + 1]
            keys.append(("pairs", (word, after), len(word) + len(after)))
        elif position + 1 < len(words):
            keys.append(("heads", (word, words[position + 1][0]), len(word) + 1))
        keys.append(("tokens", word, len(word)))
    return keys


def _all_grams(phrase: str) -> list[str]:
    return [phrase[start : start + _GRAM] for start in range(len(phrase) - _GRAM + 1)]


def _sampled_keys(phrase: str, shared: Mapping[str, int]) -> set[tuple[str, ...]]:
    """
    One q-gram of *phrase* per offset modulo `_STEP`, the least shared one.

    Whatever the phrase's offset in a message, the sampled q-gram that falls
    inside it starts at one of the offsets of one residue class.
    """
    grams = _all_grams(phrase)
    chosen = {
        min(grams[residue::_STEP], key=lambda gram: (shared[gram], gram))
        for residue in range(_STEP)
    }
    # Counted as strings, which take less memory than tuples of characters.
    return {tuple(gram) for gram in chosen}


def _trie_pattern(phrases: Iterable[str]) -> str:
    """
    One pattern matching, at any position, the longest of *phrases* there.

    The phrases share prefixes as in a trie, so the engine tries each
    character once per position rather than once per phrase; the branches
    of a node differ in their first character, and a node that ends a
    phrase makes its branches optional and greedy, so the longest phrase
    wins.  The phrases are short (under `_SAMPLED_MIN` characters), which
    bounds the nesting.
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
