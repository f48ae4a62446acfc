"""
A new config for a store's account: a new Service on the store, or `Service.configure`; on every
store.
"""

import contextlib
import datetime as dt

import attrs
import pytest

from convroute.config import Config, loads_config
from convroute.engine import Engine, IncomingMessage, SetPresence
from convroute.menus import OptionKind, option_id
from convroute.model import Phone
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, LEAD, NUMBER


AI = option_id(OptionKind.PRODUCT, "AI")
DATA_SCIENCE = option_id(OptionKind.PRODUCT, "Data Science")
OTHER_QUERIES = option_id(OptionKind.OTHER_QUERIES, "")
WITHOUT_AI = attrs.evolve(
    CONFIG,
    numbers=[
        attrs.evolve(
            CONFIG.numbers[0], products=[p for p in CONFIG.numbers[0].products if p.label != "AI"]
        )
    ],
)

DESK = """
[[users]]
id = "u1"
name = "One"
[[users]]
id = "u2"
name = "Two"

[[chat_groups]]
name = "Desk"
members = [{members}]

[[routing_rules]]
name = "Desk"
targets = [{{ kind = "chat_group", group = "Desk" }}]
reassign_when_away = "10m"

[[routing_rules]]
name = "Other"
targets = [{{ kind = "specific_user", user = "u2" }}]

[[numbers]]
number = "918040001234"
create_new_rule = "{rule}"
"""


def desk(members: str = '"u1"', rule: str = "Desk", *, without: str = "") -> Config:
    config = loads_config(DESK.format(members=members, rule=rule))
    rules = [r for r in config.routing_rules if r.name != without]
    return attrs.evolve(config, routing_rules=rules)


def lead(index: int) -> Phone:
    return Phone(f"9198{index:08d}")


def at(minutes: float) -> dt.datetime:
    return AT + dt.timedelta(minutes=minutes)


def message(ident: str, minutes: float = 0, who: Phone = LEAD, **kwargs) -> IncomingMessage:
    return IncomingMessage(id=ident, at=at(minutes), lead=who, number=NUMBER, **kwargs)


def sent_ids(handled) -> list[list[str]]:
    found = []
    for item in handled.actions:
        interactive = item.body.get("message", {}).get("interactive")
        if interactive is not None:
            action = interactive["action"]
            buttons = action.get("buttons", ())
            found.append([b["reply"]["id"] for b in buttons])
    return found


def waiting_on(service: Service, count: int) -> None:
    """*count* leads, each waiting: u1, the Desk's one member, is away."""
    service.handle(SetPresence(id="away", user="u1", available=False, at=at(-1)))
    for index in range(count):
        service.handle(message(f"m{index}", 0, who=lead(index), text="Hi"))


def reasons(report) -> list[str]:
    return [item.body.get("reason", item.type) for item in report.actions]


class TestNewServiceOnTheStore:
    def test_reply_reads_the_new_config(self, store, transport):
        """A Service built with an edited config on the same store sees it at the next event."""
        Service(CONFIG, store, transport, clock=lambda: AT).handle(message("m1", text="Hi"))

        handled = Service(WITHOUT_AI, store, transport, clock=lambda: AT).handle(
            message("m2", 1, reply_id=AI)
        )

        assert [[DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(handled)

    def test_first_tick_makes_a_waiting_pass(self, store, transport):
        """The first tick of a new Service routes what the new config can take now."""
        before = Service(desk(), store, transport, clock=lambda: at(1))
        before.tick(at(0))
        waiting_on(before, 3)

        report = Service(desk('"u1", "u2"'), store, transport, clock=lambda: at(2)).tick()

        assert ["assign"] * 3 == reasons(report)


class TestConfigure:
    def test_next_event_reads_the_new_config(self, store, transport):
        """After `configure`, the next reply is read against the new config."""
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        service.handle(message("m1", text="Hi"))

        service.configure(WITHOUT_AI)
        handled = service.handle(message("m2", 1, reply_id=AI))

        assert [[DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(handled)
        assert WITHOUT_AI == service.engine.config

    def test_takes_an_engine(self, store, transport):
        """`configure` takes an engine compiled beforehand, as the constructor does."""
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        engine = Engine.from_config(WITHOUT_AI)

        service.configure(engine)

        assert engine is service.engine

    def test_removed_rule_ends_every_wait_at_the_next_tick(self, store, transport):
        """The next tick ends each wait of a rule the new config removed, however many wait."""
        service = Service(desk(), store, transport, clock=lambda: at(1))
        service.tick(at(0))
        waiting_on(service, 150)

        service.configure(desk(rule="Other", without="Desk"))
        report = service.tick(at(2))

        assert ["rule_removed"] * 150 == reasons(report)
        assert [] == reasons(service.tick(at(3)))

    def test_a_rule_added_back_keeps_the_waits(self, store, transport):
        """A rule removed and added back before the next tick has no wait ended."""
        service = Service(desk(), store, transport, clock=lambda: at(1))
        service.tick(at(0))
        waiting_on(service, 2)

        service.configure(desk(rule="Other", without="Desk"))
        service.configure(desk())
        report = service.tick(at(2))

        assert [] == reasons(report)

    def test_new_members_take_the_waits_at_the_next_tick(self, store, transport):
        """A config that gives the rule someone available routes what waits at the next tick."""
        service = Service(desk(), store, transport, clock=lambda: at(1))
        service.tick(at(0))
        waiting_on(service, 3)

        service.configure(desk('"u1", "u2"'))
        report = service.tick(at(2))

        assert ["assign"] * 3 == reasons(report)

    def test_assigned_conversation_of_a_removed_rule_stays(self, store, transport):
        """An assignee away past the removed rule's `reassign_when_away` keeps the conversation."""
        now = [at(1)]
        service = Service(desk('"u1", "u2"'), store, transport, clock=lambda: now[0])
        service.tick(at(0))
        service.handle(message("m1", 0, text="Hi"))
        service.handle(SetPresence(id="away", user="u1", available=False, at=at(1)))

        service.configure(desk('"u1", "u2"', rule="Other", without="Desk"))
        now[0] = at(30)
        report = service.tick(at(30))

        assert [] == reasons(report)
        assert any("'Desk' is unknown" in note for note in report.notes)
        with store.unit_of_work() as uow:
            conversation = uow.conversations.get(LEAD, NUMBER)
        assert ("u1", at(0) + dt.timedelta(days=1)) == (conversation.assignee, conversation.due_at)

    def test_an_event_under_way_keeps_its_config(self, transport):
        """A config set while an event is decided takes effect at the next event, not halfway."""
        store = SwappingStore()
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        store.on_enter = lambda: service.configure(WITHOUT_AI)

        handled = service.handle(message("m1", text="Hi"))

        assert [[AI, DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(handled)
        store.on_enter = None
        assert [[DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(
            service.handle(message("m2", 1, text="what?"))
        )


class SwappingStore(MemoryStore):
    """A memory store that runs a hook as each unit of work begins."""

    on_enter = None

    @contextlib.contextmanager
    def unit_of_work(self, account="default"):
        hook = self.on_enter
        if hook is not None:
            self.on_enter = None
            hook()
        with super().unit_of_work(account) as uow:
            yield uow


@pytest.fixture
def transport():
    return RecordingTransport()
