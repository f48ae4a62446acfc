"""
The store contract for time-driven routing: due and waiting conversations, who holds what, away
users and ticks, on every store.
"""

import contextlib
import datetime as dt

import pytest

from convroute.model import Phone
from convroute.state import Conversation


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
MINUTE = dt.timedelta(minutes=1)
NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040005678")


class BoomError(Exception):
    pass


def lead(n):
    return Phone(f"9198000{n:05}")


def conversation(n=1, number=NUMBER, status="assigned", assignee="u-asha", at=T0, **more):
    if status != "assigned" and assignee == "u-asha":
        assignee = None
    return Conversation(
        lead=lead(n), number=number, status=status, assignee=assignee, last_message_at=at, **more
    )


def waiting(n=1, since=T0, at=T0, number=NUMBER, **more):
    return conversation(n, number, status="unrouted", waiting_since=since, at=at, **more)


def keys(conversations):
    return [(c.lead, c.number) for c in conversations]


def save(store, *conversations):
    with store.unit_of_work() as uow:
        for one in conversations:
            uow.conversations.save(one)


def read(store, what):
    with store.unit_of_work() as uow:
        return what(uow)


class TestRoundTrip:
    def test_every_time_field_comes_back_equal(self, store):
        """A conversation with every field of time-driven routing set comes back as it was saved."""
        saved = conversation(
            waiting_since=(T0 - MINUTE).astimezone(IST),
            away_message_sent=True,
            assigned_at=T0,
            reply_awaited_since=T0 + MINUTE,
            last_incoming_at=(T0 - 2 * MINUTE).astimezone(IST),
            held_before=("u-ravi", "u-meera"),
            reassignments=2,
            due_at=(T0 + 15 * MINUTE).astimezone(IST),
        )
        save(store, saved)

        found = read(store, lambda uow: uow.conversations.get(saved.lead, saved.number))

        assert (saved, IST) == (found, found.due_at.tzinfo)


class TestDue:
    def test_earliest_due_first_with_ties_by_lead_then_number(self, store):
        """Conversations due by now come earliest first; equal due times by lead, then number."""
        save(
            store,
            conversation(3, due_at=T0 - MINUTE),
            conversation(2, OTHER_NUMBER, due_at=T0 - 2 * MINUTE),
            conversation(2, NUMBER, due_at=T0 - 2 * MINUTE),
            conversation(1, due_at=T0 - 2 * MINUTE),
            conversation(4, due_at=T0),
        )

        found = read(store, lambda uow: uow.conversations.due(T0, 10))

        expected = [
            (lead(1), NUMBER),
            (lead(2), NUMBER),
            (lead(2), OTHER_NUMBER),
            (lead(3), NUMBER),
            (lead(4), NUMBER),
        ]
        assert expected == keys(found)

    def test_later_and_untimed_conversations_are_not_due(self, store):
        """A due time after now, or none, keeps a conversation out, whatever its status."""
        save(
            store,
            conversation(1, due_at=T0 + dt.timedelta(microseconds=1)),
            conversation(2),
            conversation(3, status="menu", due_at=T0),
            conversation(4, status="closed"),
        )

        assert [(lead(3), NUMBER)] == keys(read(store, lambda uow: uow.conversations.due(T0, 10)))

    def test_the_whole_value_comes_back(self, store):
        """What `due` gives is the conversation as saved."""
        saved = conversation(1, due_at=T0, held_before=("u-ravi",), reassignments=1)
        save(store, saved)

        assert [saved] == list(read(store, lambda uow: uow.conversations.due(T0, 1)))

    @pytest.mark.parametrize(("limit", "expected"), [(0, 0), (-1, 0), (2, 2), (5, 3)])
    def test_at_most_limit(self, store, limit, expected):
        """No more than *limit* come back, the earliest; none for a limit of 0 or less."""
        save(store, *(conversation(n, due_at=T0 - n * MINUTE) for n in range(1, 4)))

        found = read(store, lambda uow: uow.conversations.due(T0, limit))

        assert [lead(n) for n in (3, 2, 1)][:expected] == [c.lead for c in found]

    def test_now_compares_instants_across_offsets(self, store):
        """The boundary is the instant, whatever offsets the due time and now carry."""
        save(store, conversation(1, due_at=T0.astimezone(IST)))

        at_boundary = read(store, lambda uow: uow.conversations.due(T0, 10))
        just_before = read(store, lambda uow: uow.conversations.due(T0 - MINUTE / 60_000_000, 10))

        assert (1, 0) == (len(at_boundary), len(just_before))

    def test_the_index_follows_each_save(self, store):
        """Moving a due time later or earlier, or clearing it, changes what is due at once."""
        save(store, conversation(1, due_at=T0), conversation(2, due_at=T0))
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(1, due_at=T0 + MINUTE))
            uow.conversations.save(conversation(2, due_at=None))
            uow.conversations.save(conversation(3, due_at=T0 + 2 * MINUTE))
            uow.conversations.save(conversation(3, due_at=T0 - MINUTE))
            inside = keys(uow.conversations.due(T0, 10))
        later = read(store, lambda uow: keys(uow.conversations.due(T0 + MINUTE, 10)))

        assert ([(lead(3), NUMBER)], [(lead(3), NUMBER), (lead(1), NUMBER)]) == (inside, later)

    def test_a_conversation_is_due_once_however_often_saved(self, store):
        """Re-saving with the same or another due time never lists a conversation twice."""
        with store.unit_of_work() as uow:
            for minutes in (0, 5, 0, 3, 3):
                uow.conversations.save(conversation(1, due_at=T0 - minutes * MINUTE))
                uow.conversations.save(conversation(1, due_at=T0 - minutes * MINUTE, rule="Desk"))

        found = read(store, lambda uow: uow.conversations.due(T0, 10))

        assert [conversation(1, due_at=T0 - 3 * MINUTE, rule="Desk")] == list(found)

    def test_a_rolled_back_unit_leaves_the_index_as_it_was(self, store):
        """Due times moved or cleared in a unit that raised are due as before."""
        save(store, conversation(1, due_at=T0), conversation(2, due_at=T0 - MINUTE))

        def move_then_fail():
            with store.unit_of_work() as uow:
                uow.conversations.save(conversation(1, due_at=None))
                uow.conversations.save(conversation(2, due_at=T0 + MINUTE))
                uow.conversations.save(conversation(3, due_at=T0 - 2 * MINUTE))
                uow.conversations.due(T0, 10)
                raise BoomError

        with pytest.raises(BoomError):
            move_then_fail()

        found = read(store, lambda uow: uow.conversations.due(T0, 10))
        assert [conversation(2, due_at=T0 - MINUTE), conversation(1, due_at=T0)] == list(found)

    def test_claimed_batches_drain_every_due_conversation(self, store):
        """Taking batches and clearing their due times, unit after unit, serves each once."""
        save(store, *(conversation(n, due_at=T0 - (n % 7) * MINUTE) for n in range(250)))
        served = []
        while True:
            with store.unit_of_work() as uow:
                batch = uow.conversations.due(T0, 100)
                for one in batch:
                    uow.conversations.save(conversation(int(one.lead[-5:]), due_at=None))
            if not batch:
                break
            served.extend(one.lead for one in batch)

        assert sorted(lead(n) for n in range(250)) == sorted(served)
        assert len(served) == len(set(served))

    def test_a_naive_now_is_refused(self, store):
        """A datetime without a time zone cannot be compared: ValueError."""
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.conversations.due(dt.datetime(2026, 11, 2), 10)  # noqa: DTZ001


class TestWaiting:
    def test_oldest_wait_first_with_ties_by_lead_then_number(self, store):
        """Waiting conversations come by the start of their wait, then lead, then number."""
        save(
            store,
            waiting(3, since=T0 - 5 * MINUTE),
            waiting(2, number=OTHER_NUMBER, since=T0 - 9 * MINUTE),
            waiting(2, since=T0 - 9 * MINUTE),
            waiting(1, since=(T0 - 9 * MINUTE).astimezone(IST)),
            waiting(4, since=T0 - 7 * MINUTE),
        )

        found = read(store, lambda uow: uow.conversations.waiting(T0 - MINUTE, 10))

        expected = [
            (lead(1), NUMBER),
            (lead(2), NUMBER),
            (lead(2), OTHER_NUMBER),
            (lead(4), NUMBER),
            (lead(3), NUMBER),
        ]
        assert expected == keys(found)

    def test_only_unrouted_conversations_with_a_wait(self, store):
        """Other statuses wait for nothing, nor does an unrouted one without a wait's start."""
        save(
            store,
            conversation(1, status="unrouted"),
            conversation(2, waiting_since=T0),
            conversation(3, status="menu", waiting_since=T0),
            conversation(4, status="closed", waiting_since=T0),
            waiting(5),
        )

        assert [(lead(5), NUMBER)] == keys(
            read(store, lambda uow: uow.conversations.waiting(T0, 10))
        )

    def test_since_keeps_open_conversations_only(self, store):
        """A wait whose conversation saw no message since *since* is over: it is left out."""
        save(
            store,
            waiting(1, since=T0 - 9 * MINUTE, at=T0 - MINUTE - dt.timedelta(microseconds=1)),
            waiting(2, since=T0 - 8 * MINUTE, at=(T0 - MINUTE).astimezone(IST)),
            waiting(3, since=T0 - 7 * MINUTE, at=T0),
        )

        found = read(store, lambda uow: uow.conversations.waiting(T0 - MINUTE, 10))

        assert [lead(2), lead(3)] == [c.lead for c in found]

    @pytest.mark.parametrize(("limit", "expected"), [(0, 0), (-3, 0), (1, 1), (2, 2), (9, 3)])
    def test_at_most_limit(self, store, limit, expected):
        """No more than *limit* come back, the oldest waits; none for a limit of 0 or less."""
        save(store, *(waiting(n, since=T0 - n * MINUTE) for n in range(1, 4)))

        found = read(store, lambda uow: uow.conversations.waiting(T0 - dt.timedelta(days=1), limit))

        assert [lead(n) for n in (3, 2, 1)][:expected] == [c.lead for c in found]

    def test_the_index_follows_routing_and_new_waits(self, store):
        """A wait ends when the conversation is routed, and moves when a new one begins."""
        save(store, waiting(1, since=T0 - 9 * MINUTE), waiting(2, since=T0 - 8 * MINUTE))
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(1))
            uow.conversations.save(waiting(2, since=T0 - MINUTE))
            uow.conversations.save(waiting(3, since=T0 - 5 * MINUTE))
            uow.conversations.save(waiting(3, since=T0 - 2 * MINUTE, rule="Desk"))
        found = read(store, lambda uow: uow.conversations.waiting(T0 - MINUTE, 10))

        assert [waiting(3, since=T0 - 2 * MINUTE, rule="Desk"), waiting(2, since=T0 - MINUTE)] == (
            list(found)
        )

    def test_a_rolled_back_unit_leaves_the_waits_as_they_were(self, store):
        """Waits ended or begun in a unit that raised are as before."""
        save(store, waiting(1), waiting(2, since=T0 - MINUTE))

        def route_then_fail():
            with store.unit_of_work() as uow:
                uow.conversations.save(conversation(1))
                uow.conversations.save(waiting(3, since=T0 - 2 * MINUTE))
                uow.conversations.save(conversation(2, status="closed"))
                raise BoomError

        with pytest.raises(BoomError):
            route_then_fail()

        found = read(store, lambda uow: uow.conversations.waiting(T0, 10))
        assert [lead(2), lead(1)] == [c.lead for c in found]

    def test_a_naive_since_is_refused(self, store):
        """A datetime without a time zone cannot be compared: ValueError."""
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.conversations.waiting(dt.datetime(2026, 11, 2), 10)  # noqa: DTZ001


class TestHeldBy:
    def test_the_users_open_conversations_in_lead_then_number_order(self, store):
        """Assigned to the user, a message at or after since; by lead, then number."""
        save(
            store,
            conversation(3, at=T0 + 3 * MINUTE),
            conversation(1, OTHER_NUMBER, at=T0.astimezone(IST)),
            conversation(1, NUMBER, at=T0 + MINUTE),
            conversation(2, at=T0 - dt.timedelta(microseconds=1)),
            conversation(4, assignee="u-ravi"),
            conversation(5, status="unrouted", assignee="u-asha"),
            conversation(6, status="closed", assignee="u-asha"),
        )

        found = read(store, lambda uow: uow.conversations.held_by("u-asha", T0))

        assert [(lead(1), NUMBER), (lead(1), OTHER_NUMBER), (lead(3), NUMBER)] == keys(found)

    def test_the_whole_value_comes_back(self, store):
        """What `held_by` gives is the conversation as saved."""
        saved = conversation(1, due_at=T0, held_before=("u-ravi",), reassignments=1)
        save(store, saved)

        assert [saved] == list(read(store, lambda uow: uow.conversations.held_by("u-asha", T0)))

    def test_follows_reassignment(self, store):
        """A conversation is held by its current assignee only, and by nobody once closed."""
        save(store, conversation(1), conversation(2))
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(1, assignee="u-ravi"))
            uow.conversations.save(conversation(2, status="closed"))
            found = (
                keys(uow.conversations.held_by("u-asha", T0)),
                keys(uow.conversations.held_by("u-ravi", T0)),
            )

        assert ([], [(lead(1), NUMBER)]) == found

    def test_nobody_holds_nothing(self, store):
        """A user who holds nothing gets an empty sequence."""
        assert [] == list(read(store, lambda uow: uow.conversations.held_by("u-asha", T0)))

    def test_a_naive_since_is_refused(self, store):
        """A datetime without a time zone cannot be compared: ValueError."""
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.conversations.held_by("u-asha", dt.datetime(2026, 11, 2))  # noqa: DTZ001


class TestAwaySince:
    def test_none_recorded(self, store):
        """A new store records nobody as away."""
        assert {} == dict(read(store, lambda uow: uow.users.away_since()))

    def test_the_latest_is_kept_and_none_clears(self, store):
        """Each user keeps the last time recorded; None clears it, known or not."""
        with store.unit_of_work() as uow:
            uow.users.set_away_since("u-asha", T0)
            uow.users.set_away_since("u-ravi", T0)
            uow.users.set_away_since("u-meera", T0)
            uow.users.set_away_since("u-asha", T0 + MINUTE)
            uow.users.set_away_since("u-ravi", None)
            uow.users.set_away_since("u-nobody", None)

        assert {"u-asha": T0 + MINUTE, "u-meera": T0} == dict(
            read(store, lambda uow: uow.users.away_since())
        )

    def test_returned_in_utc(self, store):
        """A time given in any offset comes back as the same instant in UTC."""
        with store.unit_of_work() as uow:
            uow.users.set_away_since("u-asha", (T0 + dt.timedelta(microseconds=7)).astimezone(IST))

        since = read(store, lambda uow: uow.users.away_since())["u-asha"]

        assert (T0 + dt.timedelta(microseconds=7), dt.UTC) == (since, since.tzinfo)

    def test_a_rolled_back_unit_leaves_them_as_they_were(self, store):
        """Times set or cleared in a unit that raised are as before."""
        with store.unit_of_work() as uow:
            uow.users.set_away_since("u-asha", T0)

        def change_then_fail():
            with store.unit_of_work() as uow:
                uow.users.set_away_since("u-asha", None)
                uow.users.set_away_since("u-ravi", T0)
                raise BoomError

        with pytest.raises(BoomError):
            change_then_fail()

        assert {"u-asha": T0} == dict(read(store, lambda uow: uow.users.away_since()))

    def test_a_naive_since_is_refused(self, store):
        """A datetime without a time zone is refused: ValueError, nothing recorded."""
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.users.set_away_since("u-asha", dt.datetime(2026, 11, 2))  # noqa: DTZ001

        assert {} == dict(read(store, lambda uow: uow.users.away_since()))


class TestTicks:
    def test_none_before_the_first(self, store):
        """A new store has no tick."""
        assert None is read(store, lambda uow: uow.ticks.last())

    def test_the_latest_tick_is_kept(self, store):
        """A tick older than the one stored leaves it; a later one replaces it."""
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0)
            uow.ticks.advance(T0 - MINUTE)
            inside = uow.ticks.last()
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0 - 2 * MINUTE)
        older = read(store, lambda uow: uow.ticks.last())
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0 + MINUTE)

        assert (T0, T0, T0 + MINUTE) == (inside, older, read(store, lambda uow: uow.ticks.last()))

    def test_returned_in_utc(self, store):
        """A tick given in any offset comes back as the same instant in UTC."""
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0.astimezone(IST))

        last = read(store, lambda uow: uow.ticks.last())

        assert (T0, dt.UTC) == (last, last.tzinfo)

    def test_a_rolled_back_tick_is_undone(self, store):
        """A tick recorded in a unit that raised is not kept."""
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0)
        with contextlib.suppress(BoomError), store.unit_of_work() as uow:
            uow.ticks.advance(T0 + MINUTE)
            raise BoomError

        assert T0 == read(store, lambda uow: uow.ticks.last())

    def test_a_naive_tick_is_refused(self, store):
        """A datetime without a time zone is refused: ValueError."""
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.ticks.advance(dt.datetime(2026, 11, 2))  # noqa: DTZ001
