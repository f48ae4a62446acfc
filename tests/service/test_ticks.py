"""
Service.tick: due conversations in batches, then what waits, on every store.
"""

import datetime as dt

import pytest

from convroute._ids import action_id
from convroute.config import loads_config
from convroute.engine import (
    IncomingMessage,
    OutgoingMessage,
    SetPresence,
    Tick,
    UpdateUser,
)
from convroute.errors import FutureEventError
from convroute.model import Phone, User
from convroute.service import Service, TickReport
from service.conftest import AT, DESK_TEAM, NUMBER


CONFIG = loads_config(
    DESK_TEAM
    + """
reassign_when_away = "10m"
reply_within = "15m"

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
)


def lead(index: int) -> Phone:
    return Phone(f"9198{index:08d}")


def at(minutes: float) -> dt.datetime:
    return AT + dt.timedelta(minutes=minutes)


def message(index: int, minutes: float) -> IncomingMessage:
    return IncomingMessage(
        id=f"m-{index}-{minutes}", at=at(minutes), lead=lead(index), number=NUMBER, text="Hi"
    )


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(store, transport, clock):
    return Service(CONFIG, store, transport, clock=clock)


def kinds(report: TickReport) -> list[str]:
    return [item.type for item in report.actions]


class TestTick:
    def test_reassigns_what_was_not_answered(self, service, transport, clock):
        """A tick after reply_within reassigns the conversation, and delivers the action."""
        service.handle(message(1, 0))
        clock.now = at(15)

        report = service.tick()

        (item,) = report.actions
        key = f"tick:{lead(1)}:{NUMBER}:{at(15).isoformat()}"
        assert ("reassign", "u1", "u2", key, action_id(key, 0)) == (
            item.type,
            item.body["from_user"],
            item.body["user"],
            item.event,
            item.id,
        )
        assert [item.id] == [sent.id for sent in transport.sent[1:]]

    def test_nothing_due_does_nothing(self, service, clock):
        """A tick before any deadline writes nothing."""
        service.handle(message(1, 0))
        clock.now = at(14)

        assert [] == kinds(service.tick(at(14)))

    def test_a_tick_at_or_before_the_last_does_nothing(self, service, clock):
        """A second tick at the same time does nothing, and says so."""
        service.handle(message(1, 0))
        clock.now = at(10)
        service.tick(at(10))

        report = service.tick(at(10))

        assert ((), 1) == (report.actions, len(report.notes))
        assert "not after the last tick" in report.notes[0]

    def test_a_tick_ahead_of_the_clock_is_refused(self, service, clock):
        """A tick dated over 5 minutes after the clock is refused, and later ticks still act."""
        service.handle(message(1, 0))
        clock.now = at(15)

        with pytest.raises(FutureEventError, match="more than 5 minutes after the service's clock"):
            service.tick(at(15) + dt.timedelta(hours=6))

        assert ["reassign"] == kinds(service.tick())

    def test_a_tick_within_the_margin_is_taken(self, service, clock):
        """A worker whose clock runs a few minutes ahead still ticks."""
        service.handle(message(1, 0))
        clock.now = at(11)

        assert ["reassign"] == kinds(service.tick(at(15)))

    def test_a_tick_at_the_clock_s_time_reads_the_clock_once(self, store, transport):
        """A tick given no time is taken at the clock's, read once, as an event's is."""
        readings = []

        def clock():
            readings.append(AT)
            return AT

        service = Service(CONFIG, store, transport, clock=clock)

        report = service.tick()

        assert ([], 1) == (kinds(report), len(readings))

    def test_naive_time_refused(self, service):
        """A tick's time must carry its zone."""
        with pytest.raises(ValueError, match="now"):
            service.tick(dt.datetime(2026, 11, 2, 9, 0))  # noqa: DTZ001 - the naive time refused

    def test_a_tick_is_not_an_event_to_handle(self, service):
        """Handing a Tick to handle says to call tick."""
        with pytest.raises(TypeError, match=r"Service\.tick"):
            service.handle(Tick(AT))

    def test_many_due_in_batches(self, service, clock):
        """More due conversations than one batch holds are all served by one tick."""
        for index in range(130):
            service.process(message(index, 0))
        clock.now = at(15)

        report = service.tick(at(15))

        assert ["reassign"] * 130 == kinds(report)

    def test_two_ticks_at_one_time_act_once(self, store, transport, clock):
        """Two services ticking one store at the same time act on a conversation once."""
        one = Service(CONFIG, store, transport, clock=clock)
        other = Service(CONFIG, store, transport, clock=clock)
        one.handle(message(1, 0))
        clock.now = at(15)

        first = one.tick(at(15))
        second = other.tick(at(15))

        assert (["reassign"], []) == (kinds(first), kinds(second))

    def test_answered_conversation_stays(self, service, clock):
        """The assignee's answer stops the reply clock: the tick leaves the conversation."""
        service.handle(message(1, 0))
        answer = OutgoingMessage(
            id="o1", at=at(2), lead=lead(1), number=NUMBER, text="Hello", by="u1"
        )
        service.handle(answer)
        clock.now = at(15)

        assert [] == kinds(service.tick(at(15)))


class TestWaiting:
    def test_presence_routes_what_waits(self, service):
        """Someone becoming available takes the waiting conversation at once."""
        for user in ("u1", "u2", "u3", "u4"):
            service.handle(SetPresence(id=f"p-{user}", user=user, available=False, at=at(-1)))
        unrouted = service.handle(message(1, 0))

        handled = service.handle(SetPresence(id="back", user="u3", available=True, at=at(4)))

        assert ["unrouted"] == [item.type for item in unrouted.actions]
        (assign,) = handled.actions
        assert ("u3", 240) == (assign.body["user"], assign.body["waited"])

    def test_a_tick_routes_what_waits_when_a_slot_is_freed(self, service, clock):
        """A reassignment that frees a full user's slot lets a waiting conversation take it."""
        for user in ("u2", "u3", "u4"):
            service.handle(SetPresence(id=f"p-{user}", user=user, available=False, at=at(-1)))
        full = User(id="u1", name="One", max_open_conversations=1)
        service.handle(UpdateUser(id="full", user=full, at=at(-1)))
        service.handle(message(1, 0))
        waiting = service.handle(message(2, 1))
        clock.now = at(15)

        report = service.tick(at(15))

        assert ["unrouted"] == [item.type for item in waiting.actions]
        assert [("unassign", str(lead(1))), ("assign", str(lead(2)))] == [
            (item.type, item.body["lead"]) for item in report.actions
        ]

    def test_unassigned_then_routed_on_return(self, service, clock):
        """An unassigned conversation waits, and goes to the next user to come back."""
        for user in ("u2", "u3", "u4"):
            service.handle(SetPresence(id=f"p-{user}", user=user, available=False, at=at(-1)))
        service.handle(message(1, 0))
        clock.now = at(15)
        service.tick(at(15))
        clock.now = at(20)

        handled = service.handle(SetPresence(id="back", user="u4", available=True, at=at(20)))

        (assign,) = handled.actions
        assert ("u4", 300) == (assign.body["user"], assign.body["waited"])

    def test_a_tick_past_the_expiry_ends_the_wait(self, service, store, clock):
        """After the tick past its expiry, a wait is no longer read as waiting, nor stored."""
        for user in ("u1", "u2", "u3", "u4"):
            service.handle(SetPresence(id=f"p-{user}", user=user, available=False, at=at(-1)))
        service.handle(message(1, 0))
        clock.now = at(24 * 60 + 1)

        report = service.tick(at(24 * 60 + 1))

        with store.unit_of_work() as uow:
            found = uow.conversations.waiting(at(-1), 10)
            conversation = uow.conversations.get(lead(1), NUMBER)
        assert ([], (), None, None) == (
            kinds(report),
            tuple(found),
            conversation.waiting_since,
            conversation.due_at,
        )


SCHEDULED = loads_config(
    """
[[schedules]]
name = "Office"
time_zone = "UTC"

[schedules.hours]
mon = ["11:00-12:00"]

[[users]]
id = "u1"
name = "One"
schedule = "Office"

[[chat_groups]]
name = "Desk"
members = ["u1"]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "chat_group", group = "Desk" }]

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
)


class TestSchedules:
    def test_a_tick_after_an_opening_routes_what_waits(self, store, transport, clock):
        """Working hours beginning between two ticks let the second route the waiting ones."""
        clock.now = at(60)
        service = Service(SCHEDULED, store, transport, clock=clock)
        unrouted = service.handle(message(1, 0))
        service.tick(at(60))
        clock.now = at(121)

        report = service.tick(at(121))

        assert ["unrouted"] == [item.type for item in unrouted.actions]
        assert [("assign", "u1")] == [(item.type, item.body["user"]) for item in report.actions]
