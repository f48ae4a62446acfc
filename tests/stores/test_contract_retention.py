"""
The store contract for retention: processed ids, sent items and closed conversations pruned in
batches, on every store.
"""

import datetime as dt

import pytest

from convroute.model import Phone
from convroute.state import Conversation, OutboxItem, OutboxStatus


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
MINUTE = dt.timedelta(minutes=1)
NUMBER = Phone("918040001234")


def lead(n):
    return Phone(f"9198000{n:05}")


def conversation(n, status, at, **more):
    return Conversation(
        lead=lead(n),
        number=NUMBER,
        status=status,
        assignee="u-asha" if status == "assigned" else None,
        last_message_at=at,
        **more,
    )


def item(ident, minutes, status=OutboxStatus.PENDING):
    body = {"type": "send", "event": "wamid.1", "message": {"text": {"body": "Hello"}}}
    return OutboxItem(
        id=ident,
        event="wamid.1",
        type="send",
        body=body,
        created_at=T0 + minutes * MINUTE,
        status=status,
    )


def claim(store, *events):
    with store.unit_of_work() as uow:
        return [uow.processed.claim(event, at) for event, at in events]


class TestProcessedPrune:
    def test_ids_before_the_time_are_forgotten_and_new_again(self, store):
        """Ids claimed before the bound are forgotten and can be claimed again; the rest stay."""
        claim(store, ("old-1", T0), ("old-2", T0 + MINUTE), ("new", T0 + 2 * MINUTE))

        with store.unit_of_work() as uow:
            pruned = uow.processed.prune(T0 + 2 * MINUTE, 10)

        assert 2 == pruned
        assert [True, True, False] == claim(
            store, ("old-1", T0), ("old-2", T0), ("new", T0 + 5 * MINUTE)
        )

    def test_at_most_the_limit_oldest_first(self, store):
        """A batch takes the oldest ids, at most the limit; a limit of 0 or less takes none."""
        claim(store, *((f"id-{n}", T0 + n * MINUTE) for n in range(5)))

        with store.unit_of_work() as uow:
            counts = [
                uow.processed.prune(T0 + MINUTE * 10, 0),
                uow.processed.prune(T0 + MINUTE * 10, -1),
                uow.processed.prune(T0 + MINUTE * 10, 2),
            ]

        assert [0, 0, 2] == counts
        assert [True, True, False, False, False] == claim(
            store, *((f"id-{n}", T0) for n in range(5))
        )

    def test_a_bound_in_another_zone_is_the_same_instant(self, store):
        """The bound compares instants: 14:30 in India is 09:00 UTC."""
        claim(store, ("before", T0 - MINUTE), ("at", T0))

        with store.unit_of_work() as uow:
            pruned = uow.processed.prune(T0.astimezone(IST), 10)

        assert 1 == pruned

    def test_a_naive_bound_is_refused(self, store):
        """A bound without a zone is a ValueError, and nothing is forgotten."""
        claim(store, ("old", T0))

        with pytest.raises(ValueError, match="before"), store.unit_of_work() as uow:
            uow.processed.prune(dt.datetime(2030, 1, 1), 10)  # noqa: DTZ001 - naive on purpose

        assert [False] == claim(store, ("old", T0))

    def test_a_rolled_back_prune_keeps_the_ids(self, store):
        """A prune in a unit that raises is undone."""
        claim(store, ("old", T0))

        def prune_then_fail():
            with store.unit_of_work() as uow:
                uow.processed.prune(T0 + MINUTE, 10)
                raise LookupError

        with pytest.raises(LookupError):
            prune_then_fail()

        assert [False] == claim(store, ("old", T0))


class TestSentPrune:
    def test_only_sent_items_before_the_time_go(self, store):
        """Sent items created before the bound go; pending ones and later sent ones stay."""
        with store.unit_of_work() as uow:
            uow.outbox.add(
                [
                    item("sent-old", 0, OutboxStatus.SENT),
                    item("pending-old", 0),
                    item("sent-new", 10, OutboxStatus.SENT),
                ]
            )

        with store.unit_of_work() as uow:
            pruned = uow.outbox.prune_sent(T0 + 10 * MINUTE, 10)
        with store.unit_of_work() as uow:
            left = [one.id for one in uow.outbox.items()]

        assert (1, ["pending-old", "sent-new"]) == (pruned, left)

    def test_an_item_marked_sent_is_pruned(self, store):
        """An item the dispatcher delivered is sent, and so pruned once old."""
        with store.unit_of_work() as uow:
            uow.outbox.add([item("a1", 0), item("a2", 1)])
        with store.unit_of_work() as uow:
            uow.outbox.mark_sent("a1")

        with store.unit_of_work() as uow:
            pruned = uow.outbox.prune_sent(T0 + 10 * MINUTE, 10)
        with store.unit_of_work() as uow:
            left = [one.id for one in uow.outbox.items()]

        assert (1, ["a2"]) == (pruned, left)

    def test_at_most_the_limit_oldest_first_ties_in_insertion_order(self, store):
        """A batch takes the oldest sent items, ties in the order they were added."""
        with store.unit_of_work() as uow:
            uow.outbox.add([item(f"s-{n}", 5 - n // 2, OutboxStatus.SENT) for n in range(6)])

        with store.unit_of_work() as uow:
            counts = [uow.outbox.prune_sent(T0 + 60 * MINUTE, n) for n in (0, -3, 3)]
        with store.unit_of_work() as uow:
            left = [one.id for one in uow.outbox.items()]

        # s-4 and s-5 are the oldest; of s-2 and s-3, created at once, s-2 was added first.
        assert ([0, 0, 3], ["s-3", "s-0", "s-1"]) == (counts, left)


class TestClosedPrune:
    def test_only_closed_conversations_closed_before_the_time_go(self, store):
        """Closed conversations whose last message is before the bound go; open or later stay."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(1, "closed", T0))
            uow.conversations.save(conversation(2, "closed", T0 + 10 * MINUTE))
            uow.conversations.save(conversation(3, "assigned", T0))
            uow.conversations.save(conversation(4, "unrouted", T0, waiting_since=T0))
            uow.conversations.save(conversation(5, "menu", T0))

        with store.unit_of_work() as uow:
            pruned = uow.conversations.prune_closed(T0 + 10 * MINUTE, 10)
        with store.unit_of_work() as uow:
            left = [n for n in range(1, 6) if uow.conversations.get(lead(n), NUMBER) is not None]

        assert (1, [2, 3, 4, 5]) == (pruned, left)

    def test_at_most_the_limit_oldest_first(self, store):
        """A batch takes the earliest closed conversations; a limit of 0 or less takes none."""
        with store.unit_of_work() as uow:
            for n in range(5):
                uow.conversations.save(conversation(n, "closed", T0 + (5 - n) * MINUTE))

        with store.unit_of_work() as uow:
            counts = [uow.conversations.prune_closed(T0 + 60 * MINUTE, n) for n in (0, -1, 2)]
        with store.unit_of_work() as uow:
            left = [n for n in range(5) if uow.conversations.get(lead(n), NUMBER) is not None]

        assert ([0, 0, 2], [0, 1, 2]) == (counts, left)

    def test_a_pruned_conversation_leaves_no_due_or_waiting_entry(self, store):
        """A closed conversation saved with a due time is gone from what a tick reads."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(1, "closed", T0, due_at=T0))
            uow.conversations.save(conversation(2, "assigned", T0, due_at=T0 + MINUTE))

        with store.unit_of_work() as uow:
            uow.conversations.prune_closed(T0 + MINUTE, 10)
        with store.unit_of_work() as uow:
            due = [c.lead for c in uow.conversations.due(T0 + 60 * MINUTE, 10)]

        assert [lead(2)] == due

    def test_a_lead_writing_again_after_the_prune_is_saved_afresh(self, store):
        """The key of a pruned conversation can be saved again."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(1, "closed", T0))
        with store.unit_of_work() as uow:
            uow.conversations.prune_closed(T0 + MINUTE, 10)

        again = conversation(1, "assigned", T0 + 60 * MINUTE)
        with store.unit_of_work() as uow:
            uow.conversations.save(again)
        with store.unit_of_work() as uow:
            stored = uow.conversations.get(lead(1), NUMBER)

        assert again == stored

    def test_a_naive_bound_is_refused(self, store):
        """A bound without a zone is a ValueError, for every kind."""
        naive = dt.datetime(2030, 1, 1)  # noqa: DTZ001 - naive on purpose
        refused = []
        for prune in (
            lambda uow: uow.conversations.prune_closed(naive, 10),
            lambda uow: uow.outbox.prune_sent(naive, 10),
        ):
            with pytest.raises(ValueError, match="before"), store.unit_of_work() as uow:
                prune(uow)
            refused.append(True)

        assert [True, True] == refused
