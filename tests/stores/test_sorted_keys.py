"""
The sorted keys behind the in-memory store's due and waiting indexes.
"""

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.adapters._sorted_keys import SortedKeys


def changes():
    """Adds and removes of small keys, so that removes often hit keys added before."""
    return st.lists(st.tuples(st.booleans(), st.integers(0, 3000)), max_size=4000)


class TestSortedKeys:
    @settings(deadline=None)
    @given(steps=changes())
    def test_keeps_what_a_sorted_set_keeps(self, steps):
        """After any adds and removes, the keys come out in order, as a sorted set holds them."""
        keys = SortedKeys()
        oracle = set()
        for adding, number in steps:
            key = (number, "lead")
            if adding and key not in oracle:
                keys.add(key)
                oracle.add(key)
            elif not adding and key in oracle:
                keys.remove(key)
                oracle.discard(key)

        assert (sorted(oracle), len(oracle)) == (list(keys), len(keys))

    @settings(deadline=None)
    @given(numbers=st.sets(st.integers(0, 3000), max_size=3000), start=st.integers(-1, 3001))
    def test_after_gives_the_keys_strictly_after_a_key(self, numbers, start):
        """The keys after any key, there or not, are those a sorted set holds after it."""
        keys = SortedKeys()
        for number in numbers:
            keys.add((number,))

        assert sorted((n,) for n in numbers if n > start) == list(keys.after((start,)))

    def test_runs_split_and_empty_runs_go(self):
        """Many keys in any order, then all removed, leave an empty collection that still works."""
        keys = SortedKeys()
        numbers = [(n * 7919) % 5000 for n in range(5000)]
        for number in numbers:
            keys.add((number,))
        listed = list(keys)
        for number in reversed(numbers):
            keys.remove((number,))
        keys.add((1,))

        assert ([(n,) for n in range(5000)], [(1,)]) == (listed, list(keys))

    def test_adding_a_key_twice_is_refused(self):
        """A key already there is a caller's mistake: ValueError."""
        keys = SortedKeys()
        keys.add((1, "a"))
        keys.add((2, "a"))

        with pytest.raises(ValueError, match="there already"):
            keys.add((1, "a"))

    @pytest.mark.parametrize("key", [(0, "a"), (1, "b"), (9, "a")])
    def test_removing_a_missing_key_is_refused(self, key):
        """A key not there, before, between or after the others, cannot be removed: ValueError."""
        keys = SortedKeys()
        keys.add((1, "a"))
        keys.add((2, "a"))

        with pytest.raises(ValueError, match="not there"):
            keys.remove(key)

    def test_repr_counts_keys_and_runs(self):
        """The repr says how many keys there are, in how many runs."""
        keys = SortedKeys()
        for number in range(1100):
            keys.add((number,))

        assert "<SortedKeys 1100 keys in 2 runs>" == repr(keys)
