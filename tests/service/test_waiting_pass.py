"""
Service.tick's waiting pass a rule at a time: every rule that can reach someone is served to the
end of what it can take, a rule that can reach nobody is not read, and an event that routed only
the oldest waits leaves the full pass owed to the next tick; on every store.
"""

import datetime as dt

import attrs
import pytest

from convroute.config import loads_config
from convroute.engine import SetPresence
from convroute.model import Lead, Phone
from convroute.service import Service
from convroute.state import Conversation
from service.conftest import AT, NUMBER


CONFIG = loads_config(
    """
[[users]]
id = "u1"
name = "One"
[[users]]
id = "u2"
name = "Two"
[[users]]
id = "u-night"
name = "Night"
active = false

[[chat_groups]]
name = "Desk"
members = ["u1"]

[[routing_rules]]
name = "Night"
targets = [{ kind = "specific_user", user = "u-night" }]

[[routing_rules]]
name = "Owners"
targets = [{ kind = "lead_owner" }]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "chat_group", group = "Desk" }]

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
)
BLOCKED = 240
FREE = 10


def lead(index: int) -> Phone:
    return Phone(f"9198{index:08d}")


def at(minutes: float) -> dt.datetime:
    return AT + dt.timedelta(minutes=minutes)


class Recording:
    """A store that records the waits each unit of work asks for: (rule, after)."""

    def __init__(self, store):
        self.store = store
        self.reads = []

    def unit_of_work(self, account="default"):
        return _RecordingUnit(self.store.unit_of_work(account), self.reads)

    def __getattr__(self, name):
        return getattr(self.store, name)


class _RecordingUnit:
    def __init__(self, unit, reads):
        self._unit = unit
        self._reads = reads

    def __enter__(self):
        self._entered = self._unit.__enter__()
        return self

    def __exit__(self, *exc):
        return self._unit.__exit__(*exc)

    def __getattr__(self, name):
        found = getattr(self._entered, name)
        if name != "conversations":
            return found
        reads = self._reads

        class Conversations:
            def __getattr__(self, attribute):
                return getattr(found, attribute)

            def waiting(self, since, limit, *, rule=None, after=None):
                reads.append((rule, after is not None))
                return found.waiting(since, limit, rule=rule, after=after)

        return Conversations()


def wait(store, rules, owners=None):
    """Conversations waiting, one a second from 10 minutes before AT, in the order of *rules*."""
    with store.unit_of_work() as uow:
        for index, rule in enumerate(rules):
            seen = at(-10) + dt.timedelta(seconds=index)
            if owners is not None:
                uow.leads.save(Lead(phone=lead(index), owner=owners[index]))
            waiting = Conversation.unrouted(lead(index), NUMBER, seen, opportunity=None, rule=rule)
            uow.conversations.save(attrs.evolve(waiting, waiting_since=seen))


def assigned(report):
    return sorted(item.body["lead"] for item in report.actions if item.type == "assign")


@pytest.fixture
def recording(store):
    return Recording(store)


@pytest.fixture
def service(recording, transport):
    return Service(CONFIG, recording, transport, clock=lambda: AT)


class TestRulePasses:
    def test_a_free_rule_behind_a_blocked_one_is_served_in_one_tick(self, service, recording):
        """Ten waits of a rule with someone free, behind 240 nobody can take, are assigned."""
        wait(recording, ["Night"] * BLOCKED + ["Desk"] * FREE)

        report = service.tick(at(0))

        assert [str(lead(i)) for i in range(BLOCKED, BLOCKED + FREE)] == assigned(report)
        # The oldest waits once, then the rules that can reach someone: never Night's queue.
        assert [(None, False), ("Owners", False), ("Desk", False)] == recording.reads

    def test_a_rule_s_queue_is_read_while_its_batches_route(self, service, recording):
        """A rule whose batches route is read batch after batch, oldest first, to its end."""
        wait(recording, ["Desk"] * 250)

        report = service.tick(at(0))

        assert 250 == len(assigned(report))
        # The oldest 100 are routed first; then the desk's 150 left, in two batches.
        assert [(None, False), ("Owners", False), ("Desk", False), ("Desk", True)] == (
            recording.reads
        )

    def test_free_owners_far_back_in_an_owner_rule_s_queue(self, service, recording):
        """An owner rule's queue is read to its end: free owners behind away ones get theirs."""
        owners = ["u-night"] * BLOCKED + ["u2"] * FREE
        wait(recording, ["Owners"] * (BLOCKED + FREE), owners)

        report = service.tick(at(0))

        assert [str(lead(i)) for i in range(BLOCKED, BLOCKED + FREE)] == assigned(report)
        assert [("Owners", False), ("Owners", True), ("Owners", True)] == [
            read for read in recording.reads if read[0] == "Owners"
        ]

    def test_a_rule_nobody_can_reach_is_not_read(self, service, recording):
        """With the desk's only member away, neither Night's queue nor the desk's is read."""
        service.handle(SetPresence(id="away", user="u1", available=False, at=at(-20)))
        wait(recording, ["Night"] * 5 + ["Desk"] * 5)
        recording.reads.clear()

        report = service.tick(at(0))

        assert ([], [(None, False), ("Owners", False)]) == (assigned(report), recording.reads)


class TestOwedPass:
    def test_an_event_s_full_batch_owes_the_next_tick_a_full_pass(self, service, recording):
        """A presence event routes the oldest waits; the next tick, freeing nobody, the rest."""
        service.handle(SetPresence(id="away", user="u1", available=False, at=at(-20)))
        service.tick(at(-15))
        wait(recording, ["Night"] * BLOCKED + ["Desk"] * FREE)

        back = service.handle(SetPresence(id="back", user="u1", available=True, at=at(0)))
        recording.reads.clear()
        owed = service.tick(at(1))
        reads_owed = list(recording.reads)
        recording.reads.clear()
        after = service.tick(at(2))

        assert [] == [item for item in back.actions if item.type == "assign"]
        assert [str(lead(i)) for i in range(BLOCKED, BLOCKED + FREE)] == assigned(owed)
        assert [(None, False), ("Owners", False), ("Desk", False)] == reads_owed
        assert ([], []) == (assigned(after), recording.reads)

    def test_an_event_that_saw_every_wait_owes_nothing(self, service, recording):
        """Fewer waits than a batch are all seen by the event: the next tick reads none."""
        service.handle(SetPresence(id="away", user="u1", available=False, at=at(-20)))
        service.tick(at(-15))
        wait(recording, ["Night"] * 5 + ["Desk"] * 5)

        back = service.handle(SetPresence(id="back", user="u1", available=True, at=at(0)))
        recording.reads.clear()
        service.tick(at(1))

        assert 5 == len(assigned(back))
        assert [] == recording.reads
