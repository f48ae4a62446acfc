"""
The store contract for the waiting pass a rule at a time: one rule's waits, continued after a
key, and the full passes owed, on every store.
"""

import contextlib

import pytest

from stores.test_contract_time import (
    MINUTE,
    NUMBER,
    OTHER_NUMBER,
    T0,
    BoomError,
    conversation,
    lead,
    read,
    save,
    waiting,
)


def key(c):
    return (c.waiting_since, c.lead, c.number)


class TestWaitingByRule:
    def test_only_the_rules_waits_oldest_first(self, store):
        """With a rule, only that rule's waits come, in wait order, ties by lead then number."""
        save(
            store,
            waiting(1, since=T0 - 3 * MINUTE, rule="Desk"),
            waiting(2, since=T0 - 4 * MINUTE, rule="Night"),
            waiting(3, since=T0 - 5 * MINUTE, rule="Desk"),
            waiting(4, since=T0 - 3 * MINUTE, rule="Desk", number=OTHER_NUMBER),
            waiting(4, since=T0 - 3 * MINUTE, rule="Desk"),
            waiting(5, since=T0 - 9 * MINUTE),
        )

        found = read(store, lambda uow: uow.conversations.waiting(T0, 10, rule="Desk"))

        assert [
            (lead(3), NUMBER),
            (lead(1), NUMBER),
            (lead(4), NUMBER),
            (lead(4), OTHER_NUMBER),
        ] == [(c.lead, c.number) for c in found]

    def test_an_unknown_rule_has_no_waits(self, store):
        """A rule no conversation waits for reads nothing."""
        save(store, waiting(1, rule="Desk"))

        assert () == tuple(read(store, lambda uow: uow.conversations.waiting(T0, 10, rule="X")))

    def test_the_rule_index_follows_each_save(self, store):
        """A wait moved to another rule, routed, or over leaves its rule's queue."""
        save(
            store,
            waiting(1, since=T0 - 3 * MINUTE, rule="Desk"),
            waiting(2, since=T0 - 2 * MINUTE, rule="Desk"),
            waiting(3, since=T0 - MINUTE, rule="Desk"),
            waiting(4, since=T0 - MINUTE, rule="Desk", at=T0 - 9 * MINUTE),
        )
        with store.unit_of_work() as uow:
            uow.conversations.save(waiting(1, since=T0 - 3 * MINUTE, rule="Night"))
            uow.conversations.save(conversation(2, rule="Desk"))

        desk = read(store, lambda uow: uow.conversations.waiting(T0 - MINUTE, 10, rule="Desk"))
        night = read(store, lambda uow: uow.conversations.waiting(T0, 10, rule="Night"))

        assert ([lead(3)], [lead(1)]) == ([c.lead for c in desk], [c.lead for c in night])

    def test_a_rolled_back_unit_leaves_the_rule_queue_as_it_was(self, store):
        """A wait moved to another rule in a unit that raised is where it was."""
        save(store, waiting(1, rule="Desk"))
        with contextlib.suppress(BoomError), store.unit_of_work() as uow:
            uow.conversations.save(waiting(1, rule="Night"))
            uow.conversations.save(waiting(2, rule="Night"))
            raise BoomError

        desk = read(store, lambda uow: uow.conversations.waiting(T0, 10, rule="Desk"))
        night = read(store, lambda uow: uow.conversations.waiting(T0, 10, rule="Night"))

        assert ([lead(1)], []) == ([c.lead for c in desk], [c.lead for c in night])


class TestWaitingAfter:
    @pytest.mark.parametrize("rule", [None, "Desk"])
    def test_batches_after_a_key_read_the_queue_once(self, store, rule):
        """Batches continued after the last key read cover every wait once, in order."""
        saved = [waiting(n, since=T0 - (n % 4) * MINUTE, rule="Desk") for n in range(11)]
        save(store, *saved)
        expected = sorted(saved, key=key)
        found = []
        after = None
        while True:
            batch = read(
                store,
                lambda uow, after=after: uow.conversations.waiting(T0, 3, rule=rule, after=after),
            )
            found.extend(batch)
            if len(batch) < 3:
                break
            after = key(batch[-1])

        assert [key(c) for c in expected] == [key(c) for c in found]

    def test_strictly_after_the_key(self, store):
        """The wait of the key itself is not read again; a key between waits starts after it."""
        save(store, waiting(1, since=T0 - 2 * MINUTE), waiting(2, since=T0 - MINUTE))

        same = read(
            store,
            lambda uow: uow.conversations.waiting(T0, 10, after=(T0 - 2 * MINUTE, lead(1), NUMBER)),
        )
        between = read(
            store,
            lambda uow: uow.conversations.waiting(T0, 10, after=(T0 - 2 * MINUTE, lead(9), NUMBER)),
        )

        assert ([lead(2)], [lead(2)]) == ([c.lead for c in same], [c.lead for c in between])

    def test_a_naive_key_is_refused(self, store):
        """A key whose time has no time zone cannot be compared: ValueError."""
        naive = T0.replace(tzinfo=None)
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.conversations.waiting(T0, 10, after=(naive, lead(1), NUMBER))


class TestWaitingPassesOwed:
    def test_nothing_owed_before_the_first_tick(self, store):
        """Before any tick a pass owed is not recorded: the first tick makes the full pass."""
        with store.unit_of_work() as uow:
            uow.ticks.owe_waiting_pass()

        assert None is read(store, lambda uow: uow.ticks.waiting_passes_owed())

    def test_owed_until_done(self, store):
        """Passes owed are counted until a tick records them done."""
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0)
        fresh = read(store, lambda uow: uow.ticks.waiting_passes_owed())
        with store.unit_of_work() as uow:
            uow.ticks.owe_waiting_pass()
            uow.ticks.owe_waiting_pass()
        owed = read(store, lambda uow: uow.ticks.waiting_passes_owed())
        with store.unit_of_work() as uow:
            uow.ticks.waiting_pass_done(owed)

        assert (None, 2, None) == (
            fresh,
            owed,
            read(store, lambda uow: uow.ticks.waiting_passes_owed()),
        )

    def test_a_pass_owed_after_the_count_was_read_stays_owed(self, store):
        """A pass owed while a tick made the one it read is owed still."""
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0)
            uow.ticks.owe_waiting_pass()
        owed = read(store, lambda uow: uow.ticks.waiting_passes_owed())
        with store.unit_of_work() as uow:
            uow.ticks.owe_waiting_pass()
        with store.unit_of_work() as uow:
            uow.ticks.waiting_pass_done(owed)
            uow.ticks.waiting_pass_done(owed - 1)

        assert 2 == read(store, lambda uow: uow.ticks.waiting_passes_owed())

    def test_a_rolled_back_unit_owes_nothing(self, store):
        """A pass owed in a unit that raised is not kept."""
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0)
        with contextlib.suppress(BoomError), store.unit_of_work() as uow:
            uow.ticks.owe_waiting_pass()
            raise BoomError

        assert None is read(store, lambda uow: uow.ticks.waiting_passes_owed())
