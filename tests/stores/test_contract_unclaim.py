"""
The store contract for an outbox's ``unclaim``, for stores that have it.

``unclaim`` is no part of the `Outbox` protocol: a store without it works,
and an interrupted dispatch's items then wait for their claim to lapse.
"""

import datetime as dt

import pytest

from stores.test_contract_outbox import LATER, LEASE, T0, add, claim, claim_ids, item, items


class TestUnclaim:
    def test_clears_the_claim_and_counts_no_attempt(self, store):
        """An unclaimed item is free at once, its attempts, error and due time as they were."""
        add(store, item("a1"), item("a2"))
        claim(store, limit=1, now=T0)
        with store.unit_of_work() as uow:
            uow.outbox.release("a1", "HTTP 500", T0 + dt.timedelta(seconds=5))
        retry = T0 + dt.timedelta(seconds=5)
        claim(store, now=retry)
        with store.unit_of_work() as uow:
            uow.outbox.unclaim(["a1", "a2"], retry + LEASE)

        waiting = item("a1", attempts=1, last_error="HTTP 500", next_attempt_at=retry)
        assert [waiting, item("a2")] == items(store)
        assert ["a2", "a1"] == claim(store, now=retry)

    def test_leaves_a_claim_taken_since_by_another(self, store):
        """Only the claim held until the given instant is cleared: a later claim is kept."""
        add(store, item("a1"))
        claim(store, now=T0)
        claim(store, now=T0 + LEASE)
        with store.unit_of_work() as uow:
            uow.outbox.unclaim(["a1"], T0 + LEASE)

        assert [item("a1", claimed_until=T0 + 2 * LEASE)] == items(store)

    def test_compares_instants_across_offsets(self, store):
        """The claim's end is an instant: another offset for it still names the claim."""
        add(store, item("a1"))
        claim(store, now=T0)
        ist = dt.timezone(dt.timedelta(hours=5, minutes=30))
        with store.unit_of_work() as uow:
            uow.outbox.unclaim(["a1"], (T0 + LEASE).astimezone(ist))

        assert [item("a1")] == items(store)

    def test_passes_over_sent_dead_free_and_unknown_items(self, store):
        """Items not held (sent, dead, never claimed) and ids no item has are left as they are."""
        add(store, item("sent"), item("dead"), item("free"))
        claim_ids(store, ["sent", "dead"])
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("sent")
            uow.outbox.mark_dead("dead", "HTTP 400")
        before = items(store)
        with store.unit_of_work() as uow:
            uow.outbox.unclaim(["sent", "dead", "free", "nope", "free"], LATER + LEASE)

        assert before == items(store)

    def test_an_unclaim_rolled_back_keeps_the_claim(self, store):
        """Like every write, an unclaim in a unit that fails is undone with it."""
        add(store, item("a1"))
        claim(store)

        def unclaim_then_fail():
            with store.unit_of_work() as uow:
                uow.outbox.unclaim(["a1"], LATER + LEASE)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            unclaim_then_fail()

        assert [item("a1", claimed_until=LATER + LEASE)] == items(store)

    def test_a_naive_datetime_is_refused(self, store):
        """The claim's end is an instant: a datetime without a time zone is a ValueError."""
        add(store, item("a1"))
        naive = dt.datetime(2026, 11, 2)  # noqa: DTZ001
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.outbox.unclaim(["a1"], naive)
