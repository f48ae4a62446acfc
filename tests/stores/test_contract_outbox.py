"""
The store contract for the outbox: adding, claiming, leases, delivery outcomes.
"""

import datetime as dt

import attrs
import pytest

from convroute.errors import StoreError
from convroute.state import OutboxItem, OutboxStatus


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)
LATER = T0 + dt.timedelta(hours=1)


def item(ident, minutes=0, **more):
    body = {"type": "send", "event": "wamid.1", "message": {"text": {"body": "Hello"}}}
    return OutboxItem(
        id=ident,
        event="wamid.1",
        type="send",
        body=body,
        created_at=T0 + dt.timedelta(minutes=minutes),
        **more,
    )


def add(store, *items):
    with store.unit_of_work() as uow:
        uow.outbox.add(items)


def claim(store, limit=10, now=LATER, lease=LEASE):
    with store.unit_of_work() as uow:
        return [one.id for one in uow.outbox.claim(limit, now, now + lease)]


def claim_ids(store, ids, limit=10, now=LATER):
    with store.unit_of_work() as uow:
        return [one.id for one in uow.outbox.claim(limit, now, now + LEASE, ids=ids)]


def items(store):
    with store.unit_of_work() as uow:
        return list(uow.outbox.items())


class TestAdd:
    def test_items_lists_oldest_first_then_in_insertion_order(self, store):
        """Every item comes by created_at, ties in the order they were added."""
        add(store, item("late", 10), item("tie-1", 5), item("early", 0))
        add(store, item("tie-2", 5))

        assert ["early", "tie-1", "tie-2", "late"] == [one.id for one in items(store)]

    def test_a_known_id_is_kept_as_it_is(self, store):
        """An item whose id is there already, from before or the same batch, is passed over."""
        add(store, item("a1"))
        add(store, item("a1", 30), item("a2"), item("a2", 60))

        assert [item("a1"), item("a2")] == items(store)


class TestClaim:
    def test_takes_oldest_pending_up_to_the_limit(self, store):
        """A claim takes the oldest pending items first, at most limit of them."""
        add(store, item("c", 2), item("a", 0), item("b", 1), item("d", 3))

        assert (["a", "b"], ["c", "d"], []) == (claim(store, 2), claim(store, 2), claim(store, 2))

    def test_the_claim_shows_on_returned_and_stored_items(self, store):
        """Claimed items carry claimed_until, as returned and as stored."""
        add(store, item("a1"))
        with store.unit_of_work() as uow:
            claimed = list(uow.outbox.claim(1, T0, T0 + LEASE))

        expected = [item("a1", claimed_until=T0 + LEASE)]
        assert (expected, expected) == (claimed, items(store))

    def test_a_held_item_waits_until_its_claim_lapses(self, store):
        """Nobody else takes an item before its claim lapses; at the lapse it is free."""
        add(store, item("a1"))
        first = claim(store, now=T0)
        while_held = claim(store, now=T0 + LEASE - dt.timedelta(microseconds=1))
        at_lapse = claim(store, now=T0 + LEASE)

        assert (["a1"], [], ["a1"]) == (first, while_held, at_lapse)

    def test_a_lapse_compares_instants_across_offsets(self, store):
        """The claim's lapse is an instant: another offset for now changes nothing."""
        add(store, item("a1"))
        claim(store, now=T0)
        ist = dt.timezone(dt.timedelta(hours=5, minutes=30))

        assert ["a1"] == claim(store, now=(T0 + LEASE).astimezone(ist))

    def test_sent_items_are_never_claimed(self, store):
        """Only pending items are claimed."""
        add(store, item("done", status=OutboxStatus.SENT), item("a1", 1))
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("a1")

        assert [] == claim(store)

    @pytest.mark.parametrize("limit", [0, -1])
    def test_no_room_takes_nothing(self, store, limit):
        """A limit of zero or less claims nothing."""
        add(store, item("a1"))

        assert ([], None) == (claim(store, limit), items(store)[0].claimed_until)

    def test_a_naive_datetime_is_refused(self, store):
        """Claims compare instants: a datetime without a time zone is a ValueError."""
        naive = dt.datetime(2026, 11, 2)  # noqa: DTZ001
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.outbox.claim(1, naive, T0)


class TestOutcomes:
    def test_mark_sent_records_delivery_and_clears_the_claim(self, store):
        """A delivered item is sent, unclaimed, its attempts untouched."""
        add(store, item("a1"))
        claim(store)
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("a1")

        assert [item("a1", status=OutboxStatus.SENT)] == items(store)

    def test_release_makes_the_item_pending_again(self, store):
        """A failed delivery: pending, one attempt more, its error kept, due at its retry time."""
        add(store, item("a1"))
        claim(store)
        with store.unit_of_work() as uow:
            uow.outbox.release("a1", "timeout", LATER + dt.timedelta(seconds=5))
        with store.unit_of_work() as uow:
            uow.outbox.release("a1", "HTTP 503", LATER + dt.timedelta(seconds=10))

        retry = LATER + dt.timedelta(seconds=10)
        expected = item("a1", attempts=2, last_error="HTTP 503", next_attempt_at=retry)
        assert [expected] == items(store)
        assert ([], ["a1"]) == (
            claim(store, now=retry - dt.timedelta(microseconds=1)),
            claim(store, now=retry),
        )

    def test_release_keeps_at_most_2000_characters_of_the_error(self, store):
        """A 5 MB error is kept as its first 1 999 characters and an ellipsis."""
        add(store, item("a1"))
        claim(store)
        with store.unit_of_work() as uow:
            uow.outbox.release("a1", "HTTP 500: " + "x" * 5_000_000, LATER)

        [released] = items(store)
        assert "HTTP 500: " + "x" * 1_989 + "\N{HORIZONTAL ELLIPSIS}" == released.last_error

    def test_failed_items_go_behind_the_others(self, store):
        """An item that failed is claimed after those due before its retry, however old it is."""
        add(store, item("a1"), item("a2", 1), item("a3", 2))
        claim(store, limit=1, now=T0)
        with store.unit_of_work() as uow:
            uow.outbox.release("a1", "HTTP 500", T0 + dt.timedelta(seconds=90))

        assert ["a2", "a1", "a3"] == claim(store, now=T0 + dt.timedelta(minutes=3))

    def test_a_backlog_waiting_for_its_retry_holds_back_nothing(self, store):
        """Failed items not yet due are passed over, however many and however old."""
        add(store, *(item(f"old{n}", n) for n in range(20)), item("new", 30))
        claim(store, limit=20)
        with store.unit_of_work() as uow:
            for n in range(20):
                uow.outbox.release(f"old{n}", "HTTP 500", LATER + dt.timedelta(hours=1))

        assert ["new"] == claim(store, limit=1)

    def test_release_leaves_a_sent_item_sent(self, store):
        """A late failure report does not undo a delivery made meanwhile by another dispatcher."""
        add(store, item("a1"))
        claim(store, now=T0)
        claim(store, now=T0 + LEASE)
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("a1")
        with store.unit_of_work() as uow:
            released = uow.outbox.release("a1", "timeout", LATER)
        with store.unit_of_work() as uow:
            dead = uow.outbox.mark_dead("a1", "timeout")

        assert [item("a1", status=OutboxStatus.SENT)] == items(store)
        assert (OutboxStatus.SENT, OutboxStatus.SENT) == (released, dead)

    def test_a_failure_recorded_says_the_status_it_gave(self, store):
        """release and mark_dead return the status the item has now: pending, dead."""
        add(store, item("a1"), item("a2", 1))
        claim(store, now=T0)
        with store.unit_of_work() as uow:
            released = uow.outbox.release("a1", "timeout", LATER)
            dead = uow.outbox.mark_dead("a2", "HTTP 400")

        assert (OutboxStatus.PENDING, OutboxStatus.DEAD) == (released, dead)

    @pytest.mark.parametrize(
        "outcome",
        [
            lambda outbox: outbox.mark_sent("a9"),
            lambda outbox: outbox.release("a9", "failed", LATER),
            lambda outbox: outbox.mark_dead("a9", "failed"),
        ],
        ids=["mark_sent", "release", "mark_dead"],
    )
    def test_an_unknown_id_is_a_store_error(self, store, outcome):
        """Delivery outcomes for an id never added raise StoreError naming it."""
        add(store, item("a1"))

        with pytest.raises(StoreError, match="'a9'"), store.unit_of_work() as uow:
            outcome(uow.outbox)
        assert [item("a1")] == items(store)

    def test_a_naive_retry_time_is_refused(self, store):
        """A retry time is an instant: one without a time zone is a ValueError."""
        add(store, item("a1"))
        naive = dt.datetime(2026, 11, 2)  # noqa: DTZ001
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.outbox.release("a1", "failed", naive)

    def test_redelivery_after_a_crash_keeps_the_item(self, store):
        """An item claimed by a dispatcher that died is taken again once the claim lapses."""
        add(store, item("a1"), item("a2", 1))
        claim(store, limit=1, now=T0)
        retaken = claim(store, now=T0 + 2 * LEASE)

        assert ["a1", "a2"] == retaken
        assert [attrs.evolve(item("a1"), claimed_until=T0 + 3 * LEASE)] == items(store)[:1]


class TestClaimByIds:
    def test_takes_only_the_items_named(self, store):
        """A claim by ids takes those due among them, in due order, whatever else is due."""
        add(store, item("a1"), item("a2", 1), item("b1", 2), item("b2", 3))

        assert (["b1", "b2"], ["a1", "a2"]) == (
            claim_ids(store, ["b2", "b1", "nope"]),
            claim(store),
        )

    def test_passes_over_held_sent_dead_and_waiting_items(self, store):
        """Only pending items due and free are taken, named or not."""
        add(store, item("held"), item("sent"), item("dead"), item("waiting"), item("free"))
        claim_ids(store, ["held"])
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("sent")
            uow.outbox.mark_dead("dead", "HTTP 400")
            uow.outbox.release("waiting", "HTTP 500", LATER + dt.timedelta(seconds=5))

        assert ["free"] == claim_ids(store, ["held", "sent", "dead", "waiting", "free"])

    def test_in_due_order_each_once(self, store):
        """Named items come earliest due first, a failed one by its retry time; once each."""
        add(store, item("a1"), item("a2", 1))
        with store.unit_of_work() as uow:
            uow.outbox.release("a1", "HTTP 500", T0 + dt.timedelta(minutes=2))

        assert ["a2", "a1"] == claim_ids(store, ["a1", "a2", "a1", "a2"])

    def test_the_limit_holds(self, store):
        """At most limit of the named items are taken, the earliest due first."""
        add(store, item("a1"), item("a2", 1), item("a3", 2))

        assert ["a1", "a2"] == claim_ids(store, ["a3", "a2", "a1"], limit=2)


class TestDeadItems:
    def test_a_dead_item_is_kept_listed_and_never_claimed(self, store):
        """mark_dead: dead, one attempt more, its error kept; listed by status, never claimed."""
        add(store, item("a1"), item("a2", 1))
        claim(store, limit=1)
        with store.unit_of_work() as uow:
            uow.outbox.mark_dead("a1", "HTTP 400: bad number")

        dead = item("a1", status=OutboxStatus.DEAD, attempts=1, last_error="HTTP 400: bad number")
        with store.unit_of_work() as uow:
            listed = list(uow.outbox.items(OutboxStatus.DEAD))
        days_later = LATER + dt.timedelta(days=30)
        assert ([dead], ["a2"], ["a2"]) == (listed, claim(store), claim(store, now=days_later))

    def test_counts_by_status(self, store):
        """counts() gives how many items each status has, absent statuses left out."""
        add(store, item("a1"), item("a2", 1), item("a3", 2))
        with store.unit_of_work() as uow:
            before = dict(uow.outbox.counts())
            uow.outbox.mark_sent("a1")
            uow.outbox.mark_dead("a2", "HTTP 400")
        with store.unit_of_work() as uow:
            after = dict(uow.outbox.counts())

        assert {OutboxStatus.PENDING: 3} == before
        assert {OutboxStatus.PENDING: 1, OutboxStatus.SENT: 1, OutboxStatus.DEAD: 1} == after

    def test_items_of_a_status(self, store):
        """items(status) lists that status's items only, oldest first."""
        add(store, item("a3", 2), item("a1"), item("a2", 1))
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("a2")

        with store.unit_of_work() as uow:
            pending = [one.id for one in uow.outbox.items(OutboxStatus.PENDING)]
            sent = [one.id for one in uow.outbox.items(OutboxStatus.SENT)]
        assert (["a1", "a3"], ["a2"]) == (pending, sent)


class TestRequeue:
    def test_a_requeued_item_starts_afresh(self, store):
        """A dead item requeued is pending, due at once, no attempts, its last error kept."""
        add(store, item("a1"))
        with store.unit_of_work() as uow:
            uow.outbox.release("a1", "HTTP 500", T0 + dt.timedelta(seconds=5))
            uow.outbox.mark_dead("a1", "HTTP 400")
        with store.unit_of_work() as uow:
            found = dict(uow.outbox.requeue(["a1"]))

        assert {"a1": OutboxStatus.DEAD} == found
        assert [item("a1", last_error="HTTP 400")] == items(store)
        assert ["a1"] == claim(store, now=T0)

    def test_other_statuses_and_unknown_ids(self, store):
        """Pending and sent items are left as they are; an unknown id is absent from the answer."""
        add(store, item("p1"), item("s1", 1))
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("s1")
        before = items(store)
        with store.unit_of_work() as uow:
            found = dict(uow.outbox.requeue(["p1", "s1", "nope", "p1"]))

        assert {"p1": OutboxStatus.PENDING, "s1": OutboxStatus.SENT} == found
        assert before == items(store)

    def test_a_requeue_rolled_back_leaves_the_item_dead(self, store):
        """A requeue is part of its unit of work: rolled back with it."""
        add(store, item("a1"))
        with store.unit_of_work() as uow:
            uow.outbox.mark_dead("a1", "HTTP 400")

        def requeue_then_fail():
            with store.unit_of_work() as uow:
                uow.outbox.requeue(["a1"])
                raise RuntimeError

        with pytest.raises(RuntimeError):
            requeue_then_fail()

        assert ([OutboxStatus.DEAD], []) == ([one.status for one in items(store)], claim(store))
