"""
A user the account's config no longer has, holding conversations: on every store.
"""

import contextlib
import datetime as dt

import pytest

from convroute.config import Config, loads_config
from convroute.engine import IncomingMessage, SetPresence, UpdateUser
from convroute.model import Phone, User
from convroute.service import Service
from convroute.testing import RecordingTransport
from service.conftest import AT, NUMBER


DESK = """
{one}
[[users]]
id = "u2"
name = "Two"

[[chat_groups]]
name = "Desk"
members = [{members}]

[[routing_rules]]
name = "Desk"
targets = [{{ kind = "chat_group", group = "Desk" }}]

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""

ONE = """
[[users]]
id = "u1"
name = "One"
"""


def desk(*, one: bool = True) -> Config:
    members = '"u1", "u2"' if one else '"u2"'
    return loads_config(DESK.format(one=ONE if one else "", members=members))


def lead(index: int) -> Phone:
    return Phone(f"9198{index:08d}")


def at(minutes: float) -> dt.datetime:
    return AT + dt.timedelta(minutes=minutes)


def message(ident: str, minutes: float, who: Phone) -> IncomingMessage:
    return IncomingMessage(id=ident, at=at(minutes), lead=who, number=NUMBER, text="Hi")


def held_by_one(service: Service, count: int) -> None:
    """*count* leads' conversations, each assigned to u1: u2 is away while they come."""
    service.tick(at(0))
    service.handle(SetPresence(id="away", user="u2", available=False, at=at(0)))
    for index in range(count):
        service.handle(message(f"m{index}", 0, lead(index)))
    service.handle(SetPresence(id="back", user="u2", available=True, at=at(1)))


def assignees(store, count: int) -> list[str | None]:
    with store.unit_of_work() as uow:
        return [uow.conversations.get(lead(i), NUMBER).assignee for i in range(count)]


def kinds(actions) -> list[tuple[str, str | None]]:
    return [(item.type, item.body.get("reason")) for item in actions]


class TestConfigure:
    def test_next_tick_takes_every_conversation(self, store, transport):
        """The next tick reassigns every open conversation the removed user held."""
        service = Service(desk(), store, transport, clock=lambda: at(2))
        held_by_one(service, 3)

        service.configure(desk(one=False))
        report = service.tick(at(2))

        assert [("reassign", "assignee_removed")] * 3 == kinds(report.actions)
        assert ["u2"] * 3 == assignees(store, 3)
        assert [] == kinds(service.tick(at(3)).actions)

    def test_user_added_back_keeps_them(self, store, transport):
        """A user removed and added back before the next tick keeps their conversations."""
        service = Service(desk(), store, transport, clock=lambda: at(2))
        held_by_one(service, 2)

        service.configure(desk(one=False))
        service.configure(desk())
        report = service.tick(at(2))

        assert [] == kinds(report.actions)
        assert ["u1"] * 2 == assignees(store, 2)

    def test_user_stored_by_the_host_keeps_them(self, store, transport):
        """A user the host stored is known: the tick leaves their conversations."""
        service = Service(desk(), store, transport, clock=lambda: at(2))
        held_by_one(service, 2)
        service.handle(UpdateUser(id="host-u1", user=User(id="u1", name="One"), at=at(1)))

        service.configure(desk(one=False))
        report = service.tick(at(2))

        assert [] == kinds(report.actions)
        assert ["u1"] * 2 == assignees(store, 2)

    def test_nobody_available_unassigns_and_waits(self, store, transport):
        """With nobody to take them, they are unassigned, and routed when someone comes."""
        service = Service(desk(), store, transport, clock=lambda: at(2))
        held_by_one(service, 2)
        service.handle(SetPresence(id="gone", user="u2", available=False, at=at(1)))

        service.configure(desk(one=False))
        report = service.tick(at(2))
        handled = service.handle(SetPresence(id="here", user="u2", available=True, at=at(3)))

        assert [("unassign", "assignee_removed")] * 2 == kinds(report.actions)
        assert ["assign", "assign"] == [item.type for item in handled.actions]
        assert ["u2"] * 2 == assignees(store, 2)


class TestNewServiceOnTheStore:
    def test_first_tick_takes_them(self, store, transport):
        """The first tick of a Service built with the new config reassigns them."""
        held_by_one(Service(desk(), store, transport, clock=lambda: at(2)), 2)
        service = Service(desk(one=False), store, transport, clock=lambda: at(2))

        report = service.tick(at(2))

        assert [("reassign", "assignee_removed")] * 2 == kinds(report.actions)
        assert ["u2"] * 2 == assignees(store, 2)
        assert [] == kinds(service.tick(at(3)).actions)

    def test_first_tick_leaves_known_users(self, store, transport):
        """A new Service whose config keeps the user, or whose host stored them, changes nothing."""
        held_by_one(Service(desk(), store, transport, clock=lambda: at(2)), 2)
        Service(desk(), store, transport).handle(
            UpdateUser(id="host-u1", user=User(id="u1", name="One"), at=at(1))
        )

        kept = Service(desk(), store, transport, clock=lambda: at(2)).tick(at(2))
        stored = Service(desk(one=False), store, transport, clock=lambda: at(3)).tick(at(3))

        assert ([], []) == (kinds(kept.actions), kinds(stored.actions))
        assert ["u1"] * 2 == assignees(store, 2)

    def test_lead_message_reassigns(self, store, transport):
        """A Service built with the new config reassigns at the lead's next message."""
        held_by_one(Service(desk(), store, transport, clock=lambda: at(2)), 1)

        handled = Service(desk(one=False), store, transport, clock=lambda: at(2)).handle(
            message("m-next", 2, lead(0))
        )

        assert [("reassign", "assignee_removed")] == kinds(handled.actions)
        assert ["u2"] == assignees(store, 1)


class HostStore:
    """A store whose conversations have no `assignees`, as a host's own store may not."""

    def __init__(self, inner):
        self.inner = inner

    @contextlib.contextmanager
    def unit_of_work(self, account="default"):
        with self.inner.unit_of_work(account) as uow:
            conversations = Without(uow.conversations)

            class _Unit:
                def __getattr__(self, name):
                    return conversations if name == "conversations" else getattr(uow, name)

            yield _Unit()


class Without:
    """A repository with every method of *inner* but `assignees`."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        if name == "assignees":
            raise AttributeError(name)
        return getattr(self.inner, name)


class TestHostStores:
    def test_a_store_without_assignees_leaves_them_to_the_lead_s_message(self, store, transport):
        """With no `assignees`, a new Service's tick finds nothing; the lead's message does."""
        held_by_one(Service(desk(), store, transport, clock=lambda: at(2)), 1)
        service = Service(desk(one=False), HostStore(store), transport, clock=lambda: at(2))

        ticked = service.tick(at(2))
        handled = service.handle(message("m-next", 3, lead(0)))

        assert [] == kinds(ticked.actions)
        assert [("reassign", "assignee_removed")] == kinds(handled.actions)
        assert ["u2"] == assignees(store, 1)


@pytest.fixture
def transport():
    return RecordingTransport()
