"""
The pure-Python engine: an index that shortlists the phrases a message may hold.

Testing every phrase costs time in proportion to the number of phrases.
Instead each phrase is filed under a few *keys*, short byte strings that
any message containing the phrase is sure to show, and a message looks up
only its own keys; the handful of phrases filed under those it has are then
tested with ``in``.

Work per message, not per phrase or per character, is what costs in
Python, so every step runs in C:

- The folded text is encoded in UTF-8 and *reduced* with one
  ``bytes.translate``, which drops whitespace, ASCII punctuation and the
  lead byte of every multi-byte character.  Dropping bytes keeps
  substrings substrings: a message holding a phrase holds its reduced form
  in its own, so the index misses nothing, while false leads are weeded out
  by ``in``.  Reduced text carries more information per byte (accents and
  Cyrillic take one byte, spaces none), so fewer keys cover a message.
- The keys are *grams*: ``width`` bytes (4 or 8) of reduced text, read as
  a number.  A message yields the grams starting at every ``step`` bytes,
  cut by `struct` in one call per ``stride`` (a gram starts every
  ``stride`` bytes in each call, at offsets ``0, step, ...``), about 60
  for a message of 160 characters.
  Whatever its offset, a reduced phrase of ``width + step - 1`` bytes or
  more covers one of them: the phrase is filed under one of its grams for
  each offset modulo ``step``, the one least likely in a message (see
  `_file`), as a rare gram shortlists few phrases.
- A set intersection finds the message's grams that are keys.

The sampling (width and step) is chosen per phrase list: the longest step
that the list's shortest phrases allow.  Up to `LOOP_MAX` phrases too short
even for the finest sampling, and phrases made only of what is dropped, are
left to `short_phrases`.
"""

from __future__ import annotations

import string
import struct

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from itertools import accumulate, chain, repeat
from operator import add, lshift, sub

import attrs

from convroute._text import fold
from convroute.funnel._matcher_match import PhraseMatch, Search
from convroute.funnel._matcher_scan import LOOP_MAX, scan_search, short_phrases, winner


# Below this many phrases, testing each with ``in`` is faster than the index.
SCAN_MAX = 40

# Bytes that carry little: ASCII whitespace and punctuation, and the lead
# bytes of multi-byte characters (0xC0 and up; the continuation bytes that
# remain tell the characters of a script apart).
_DROPPED = (string.whitespace + string.punctuation).encode() + bytes(range(0xC0, 0x100))

# Ranks put a gram's count above the sum of its pairs' counts; a pair of
# bytes is read as one number.
_SHIFTS = repeat(32)
_EIGHTS = repeat(8)

# A message's grams are cut in chunks of at most this many per `struct` call.
_CHUNK = 64

# Grams are cut as little-endian unsigned numbers, by width: made faster
# than bytes objects, and hashed for nothing.  Their hashes (the numbers
# themselves) are skewed in their low bits, which dicts' probing copes
# with: measured, the lookups still cost less than hashing bytes.
_CODES = {4: "I", 8: "Q"}


@attrs.frozen
class Sampling:
    """
    How grams are read from reduced text.

    Attributes:
        width: Bytes in a gram: 4 or 8, the sizes `struct` reads as numbers.
        step: Bytes between the starts of successive grams.
    """

    width: int = attrs.field(validator=attrs.validators.in_(_CODES))
    step: int = attrs.field(validator=attrs.validators.ge(1))

    @property
    def shortest(self) -> int:
        """
        The shortest reduced phrase sure to cover a gram at any offset.
        """
        return self.width + self.step - 1

    @property
    def stride(self) -> int:
        """
        Bytes between the starts of the grams one `struct` call cuts.
        """
        return self.step * -(-self.width // self.step)


# From the fewest grams per message to the most, the first that leaves at
# most `LOOP_MAX` phrases too short is used.  Wider grams are rarer and so
# shortlist fewer phrases; a width of 4 is still rare enough.
SAMPLINGS = (Sampling(8, 4), Sampling(4, 4), Sampling(4, 3), Sampling(4, 2))


def python_search(
    lowest_index: Mapping[str, int],
    phrases: Sequence[str],
    *,
    scan_max: int = SCAN_MAX,
    loop_max: int = LOOP_MAX,
    sampling: Sampling | None = None,
) -> Search:
    """
    Build the pure-Python search for *phrases*.

    Args:
        lowest_index: Each distinct, non-empty folded phrase and the first
            position it was given at.
        phrases: The phrases as given.
        scan_max: Up to this many distinct phrases are simply scanned.
        loop_max: Up to this many phrases too short to index are tested one
            by one rather than put in a pattern.
        sampling: The sampling to use rather than `choose_sampling`'s.

    Returns:
        The search.
    """
    if len(lowest_index) <= scan_max:
        return scan_search(lowest_index, phrases)
    return _index_search(lowest_index, phrases, loop_max, sampling)


def reduced_form(folded: str) -> bytes:
    """
    The reduced form of folded text, see the module docstring.
    """
    return folded.encode("utf-8", "surrogatepass").translate(None, _DROPPED)


def choose_sampling(lengths: Sequence[int], loop_max: int = LOOP_MAX) -> Sampling:
    """
    The sampling with the fewest grams that leaves few phrases unindexed.

    Args:
        lengths: The reduced length of every phrase.
        loop_max: How many phrases may be left too short.
    """
    for sampling in SAMPLINGS[:-1]:
        if sum(1 for length in lengths if length < sampling.shortest) <= loop_max:
            return sampling
    return SAMPLINGS[-1]


def _index_search(
    lowest_index: Mapping[str, int],
    phrases: Sequence[str],
    loop_max: int,
    sampling: Sampling | None,
) -> Search:
    reduced = {phrase: reduced_form(phrase) for phrase in lowest_index}
    if sampling is None:
        sampling = choose_sampling([len(data) for data in reduced.values()], loop_max)
    indexed = {phrase: data for phrase, data in reduced.items() if len(data) >= sampling.shortest}
    table = _file(indexed, sampling)
    unindexed = [phrase for phrase in lowest_index if phrase not in indexed]
    short = short_phrases(unindexed, loop_max=loop_max) if unindexed else None
    # Its keys view, not a set apart: the lookups after the intersection
    # then find the entries it has just read still in the cache.
    keys = table.keys()
    width, stride = sampling.width, sampling.stride
    unpack = _unpackers(width, stride)
    offsets = tuple(range(0, stride, sampling.step))

    def search(text: str) -> PhraseMatch | None:
        message = fold(text)
        data = message.encode("utf-8", "surrogatepass").translate(None, _DROPPED)
        size = len(data)
        grams: tuple[int, ...] = ()
        for offset in offsets:
            count = (size - offset - width) // stride + 1
            if count > _CHUNK:
                grams += _cut_long(unpack, data, offset, width, stride)
            elif count > 0:
                grams += unpack[count](data, offset)
        hits = keys & grams
        found = [phrase for key in hits for phrase in table[key] if phrase in message]
        if short is not None:
            found += short(message)
        if not found:
            return None
        return winner(message, found, lowest_index, phrases)

    return search


def _file(indexed: Mapping[str, bytes], sampling: Sampling) -> dict[int, tuple[str, ...]]:
    """
    File each phrase under one gram per offset modulo the step.

    Of the grams at the offsets of a residue, the one least likely in a
    message is taken.  The phrases themselves are the sample of the
    language the messages are written in: a gram is ranked by how often
    the phrases have it, then, to tell apart the many grams found once, by
    how often they have its pairs of adjacent bytes, then by its offset,
    for a stable choice.
    """
    width, step = sampling.width, sampling.step
    grams_of = {phrase: _slices(data, width) for phrase, data in indexed.items()}
    counts = Counter(chain.from_iterable(grams_of.values()))
    pair_counts = Counter(chain.from_iterable(map(_pairs, indexed.values())))
    table: dict[int, tuple[str, ...]] = {}
    for phrase, grams in grams_of.items():
        # Running totals of the pair counts give each gram's sum by one
        # subtraction; one number per gram ranks its count above that sum.
        # All of it in C: the index is built per config.
        totals = list(accumulate(map(pair_counts.__getitem__, _pairs(indexed[phrase])), initial=0))
        ranks = list(
            map(
                add,
                map(lshift, map(counts.__getitem__, grams), _SHIFTS),
                map(sub, totals[width - 1 :], totals),
            )
        )
        alone = (phrase,)
        for residue in range(step):
            key = gram_key(grams[min(range(residue, len(grams), step), key=ranks.__getitem__)])
            table[key] = table[key] + alone if key in table else alone
    return table


def _pairs(data: bytes) -> map[int]:
    """
    Each two adjacent bytes of *data* as one number, in order.
    """
    return map(add, map(lshift, data[:-1], _EIGHTS), data[1:])


def _slices(data: bytes, width: int) -> list[bytes]:
    """
    Every *width* bytes of *data*, in order.
    """
    return [data[start : start + width] for start in range(len(data) - width + 1)]


def gram_key(gram: bytes) -> int:
    """
    A gram as the number it is filed under, the one `struct` cuts.
    """
    return int.from_bytes(gram, "little")


Unpack = Callable[[bytes, int], tuple[int, ...]]
"""
``struct.Struct.unpack_from`` of a format cutting grams.
"""


@cache
def _unpackers(width: int, stride: int) -> tuple[Unpack, ...]:
    """
    Functions cutting grams of *width* bytes every *stride* bytes from data.

    The one at position ``n`` cuts ``n`` grams at ``offset, offset + stride,
    ...``: ``n - 1`` padded to the stride and a last one without padding,
    which may end where the data ends.
    """
    code = _CODES[width]
    gram = f"{code}{stride - width}x" if stride > width else code
    return (
        _no_grams,
        *(
            struct.Struct("<" + gram * (count - 1) + code).unpack_from
            for count in range(1, _CHUNK + 1)
        ),
    )


def _cut_long(
    unpack: Sequence[Unpack], data: bytes, offset: int, width: int, stride: int
) -> tuple[int, ...]:
    """
    The grams of long data, cut in chunks of at most `_CHUNK`.
    """
    grams: list[int] = []
    for start in range(offset, len(data) - width + 1, _CHUNK * stride):
        grams.extend(unpack[min(_CHUNK, (len(data) - start - width) // stride + 1)](data, start))
    return tuple(grams)


def _no_grams(data: bytes, offset: int) -> tuple[int, ...]:  # noqa: ARG001 - an unpack_from
    return ()
