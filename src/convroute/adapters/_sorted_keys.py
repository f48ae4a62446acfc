"""
A sorted collection of keys that stays cheap to change at any size.

The in-memory store finds due and waiting conversations through these:
one flat sorted list would move half its entries on each insertion or
removal (milliseconds at a million conversations, for every message that
moves a due time); short sorted runs, found by bisection on their largest
keys, move at most a run's worth.
"""

from __future__ import annotations

import bisect
import itertools

from collections.abc import Iterator
from typing import Any, Final


__all__ = ["SortedKeys"]

_RUN: Final = 512
"""
The length a run is split back to once it doubles.
"""


class SortedKeys:
    """
    Distinct keys kept in order: add, remove, and read from the smallest.

    Keys are tuples (any mutually comparable values); adding one that is
    there already, or removing one that is not, is the caller's mistake and
    raises `ValueError`.
    """

    __slots__ = ("_length", "_maxes", "_runs")

    def __init__(self) -> None:
        self._runs: list[list[Any]] = []
        # The largest key of each run, in order: bisected to find a run.
        self._maxes: list[Any] = []
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Any]:
        return itertools.chain.from_iterable(self._runs)

    def after(self, key: Any) -> Iterator[Any]:
        """
        The keys strictly after *key*, in order.
        """
        runs = self._runs
        at = bisect.bisect_right(self._maxes, key)
        if at == len(runs):
            return iter(())
        first = runs[at][bisect.bisect_right(runs[at], key) :]
        return itertools.chain(first, itertools.chain.from_iterable(runs[at + 1 :]))

    def add(self, key: Any) -> None:
        """
        Add *key*.

        Raises:
            ValueError: When *key* is there already.
        """
        runs, maxes = self._runs, self._maxes
        if not runs:
            runs.append([key])
            maxes.append(key)
            self._length = 1
            return
        at = bisect.bisect_left(maxes, key)
        if at == len(maxes):
            # Later than every key: the common case of a new due time.
            at -= 1
            run = runs[at]
            run.append(key)
            maxes[at] = key
        else:
            run = runs[at]
            place = bisect.bisect_left(run, key)
            if run[place] == key:
                raise ValueError(f"{key!r} is there already")
            run.insert(place, key)
        self._length += 1
        if len(run) > 2 * _RUN:
            runs.insert(at + 1, run[_RUN:])
            maxes.insert(at + 1, run[-1])
            del run[_RUN:]
            maxes[at] = run[-1]

    def remove(self, key: Any) -> None:
        """
        Remove *key*.

        Raises:
            ValueError: When *key* is not there.
        """
        runs, maxes = self._runs, self._maxes
        at = bisect.bisect_left(maxes, key)
        if at < len(maxes):
            run = runs[at]
            place = bisect.bisect_left(run, key)
            if run[place] == key:
                del run[place]
                self._length -= 1
                if not run:
                    del runs[at]
                    del maxes[at]
                elif place == len(run):
                    maxes[at] = run[-1]
                return
        raise ValueError(f"{key!r} is not there")

    def __repr__(self) -> str:
        return f"<SortedKeys {self._length} keys in {len(self._runs)} runs>"
