"""
A prune deletes a batch at a time, resting between two so that writers waiting get the store.
"""

import datetime as dt

import pytest

from convroute._retention import LONGEST_REST, REST_SHARE, prune
from convroute.adapters import SQLiteStore
from convroute.testing import MemoryStore


NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=60)
BEFORE = NOW - dt.timedelta(days=30)


class OneWriterStore(MemoryStore):
    """A store of a host's own whose writers take turns, as SQLite's do, and says so."""

    single_writer = True


def claimed(count, store=None):
    store = OneWriterStore() if store is None else store
    with store.unit_of_work() as uow:
        for n in range(count):
            uow.processed.claim(f"wamid.{n}", OLD)
    return store


class Timer:
    """A timer whose every batch takes the next of *durations*, in seconds (exact in binary)."""

    def __init__(self, durations):
        self._readings = iter(
            reading for n, took in enumerate(durations) for reading in (10 * n, 10 * n + took)
        )

    def __call__(self):
        return next(self._readings)


class TestRests:
    @pytest.mark.parametrize(
        ("count", "rests"),
        [
            pytest.param(0, 0, id="nothing"),
            pytest.param(3, 0, id="one-short-batch"),
            pytest.param(4, 1, id="one-full-batch"),
            pytest.param(9, 2, id="two-full-then-one"),
        ],
    )
    def test_a_rest_follows_each_full_batch(self, count, rests):
        """After each batch that deleted a full batch, the prune rests before the next."""
        rested = []
        timer = Timer([2**-8] * 10)

        pruned = prune(claimed(count), BEFORE, now=NOW, batch=4, rest=rested.append, timer=timer)

        assert ((count, 0, 0), [2**-8 * REST_SHARE] * rests) == (pruned, rested)

    def test_a_rest_is_as_long_as_its_batch_took_up_to_the_longest(self):
        """Each rest lasts a share of what the batch before it took, at most LONGEST_REST."""
        rested = []
        timer = Timer([2**-9, 0.5, 2**-8, 0.0, 0.0, 0.0])

        prune(claimed(12), BEFORE, now=NOW, batch=4, rest=rested.append, timer=timer)

        assert [2**-9 * REST_SHARE, LONGEST_REST, 2**-8 * REST_SHARE] == rested


class TestWhoRests:
    def test_the_memory_store_is_pruned_without_a_rest(self):
        """A store whose writers need not take turns is pruned batch after batch, never resting."""
        rested = []

        pruned = prune(claimed(9, MemoryStore()), BEFORE, now=NOW, batch=2, rest=rested.append)

        assert ((9, 0, 0), []) == (pruned, rested)

    def test_an_sqlite_store_is_pruned_with_rests(self, tmp_path):
        """SQLite's one writer at a time gets a rest after each full batch, for writers waiting."""
        rested = []
        with SQLiteStore(tmp_path / "state.db") as store:
            pruned = prune(
                claimed(9, store),
                BEFORE,
                now=NOW,
                batch=4,
                rest=rested.append,
                timer=Timer([2**-8] * 10),
            )

        assert ((9, 0, 0), [2**-8 * REST_SHARE] * 2) == (pruned, rested)

    @pytest.mark.parametrize("single_writer", [False, None, "yes"])
    def test_only_a_true_single_writer_rests(self, single_writer):
        """A store's single_writer that is not True (a mock's, a text) gives no rests."""

        class Store(MemoryStore):
            pass

        Store.single_writer = single_writer
        rested = []

        prune(claimed(9, Store()), BEFORE, now=NOW, batch=2, rest=rested.append)

        assert [] == rested
