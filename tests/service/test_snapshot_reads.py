"""
The service reads users, presence, capacities and turns only for messages it routes.
"""

import contextlib

import pytest

from convroute._snapshots import ReadOnFirstUse, TurnRecordsByPool, load_snapshot
from convroute.engine import CloseConversation, DeleteTransition, Engine, SetStage, Snapshot
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity, Phone
from convroute.routing import TurnRecord
from convroute.service import Service
from convroute.state import Conversation, ConversationStatus
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, LEAD, NUMBER, message


class Counting:
    """A repository that counts the calls of its methods by name."""

    def __init__(self, inner, calls, prefix):
        self._inner = inner
        self._calls = calls
        self._prefix = prefix

    def __getattr__(self, name):
        method = getattr(self._inner, name)
        key = f"{self._prefix}.{name}"

        def counted(*args, **kwargs):
            self._calls[key] = self._calls.get(key, 0) + 1
            return method(*args, **kwargs)

        return counted


class CountingStore:
    """A MemoryStore whose users and turns repositories count what is read."""

    def __init__(self):
        self.store = MemoryStore()
        self.calls = {}

    @contextlib.contextmanager
    def unit_of_work(self, account="default"):
        with self.store.unit_of_work(account) as uow:
            uow.users = Counting(uow.users, self.calls, "users")
            uow.turns = Counting(uow.turns, self.calls, "turns")
            yield uow


def reads(calls):
    return {
        name: count for name, count in calls.items() if not name.endswith(("save", "set_presence"))
    }


class TestSnapshotReads:
    def test_a_menu_reads_no_users_nor_turns(self):
        """A first message, answered with the first menu, reads neither users nor turns."""
        store = CountingStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        handled = service.process(message("wamid.1", text="Hi"))
        assert ["send"] == [item.type for item in handled.actions]
        assert {} == reads(store.calls)

    def test_a_routed_message_reads_them_once(self):
        """A routing tap reads users (once, for capacities too), presence and its pool's turns."""
        store = CountingStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        service.process(message("wamid.1", text="Hi"))
        handled = service.process(
            message("wamid.2", 1, reply_id=option_id(OptionKind.PRODUCT, "AI"))
        )
        assert "assign" == handled.actions[-1].type
        assert {"users.all": 1, "users.presence": 1, "turns.get": 1} == reads(store.calls)


class TestReadOnFirstUse:
    def test_reads_once_when_first_looked_at(self):
        """The mapping is read the first time it is looked at, and only then."""
        calls = []

        def read():
            calls.append(1)
            return {"u-asha": True}

        deferred = ReadOnFirstUse(read)
        assert [] == calls
        assert (True, True, 1, ["u-asha"]) == (
            deferred["u-asha"],
            "u-asha" in deferred,
            len(deferred),
            list(deferred),
        )
        assert ({"u-asha": True}, None, [True]) == (
            dict(deferred.items()),
            deferred.get("u-ben"),
            list(deferred.values()),
        )
        assert [1] == calls


class TestTurnRecordsByPool:
    def test_reads_each_pool_once_when_looked_up(self):
        """Each pool is read the first time it is looked up; going over them reads all."""
        stored = {"admin": TurnRecord("admin", ("u-asha",))}
        got = []

        def get(pool):
            got.append(pool)
            return stored.get(pool)

        turns = TurnRecordsByPool(get, lambda: dict(stored))
        assert [] == got
        assert (stored["admin"], None, "fallback") == (
            turns.get("admin"),
            turns.get("chat_group:AI"),
            turns.get("chat_group:AI", "fallback"),
        )
        assert (True, False, stored["admin"]) == (
            "admin" in turns,
            "chat_group:AI" in turns,
            turns["admin"],
        )
        assert ["admin", "chat_group:AI"] == got
        assert (["admin"], 1) == (list(turns), len(turns))

    def test_a_missing_pool_is_a_key_error(self):
        """Looking up a pool with no record by key raises KeyError, as a dict would."""
        turns = TurnRecordsByPool(lambda _: None, dict)
        with pytest.raises(KeyError, match="admin"):
            turns["admin"]


class TestLoadSnapshot:
    def test_a_stage_set_by_hand_reads_the_leads_opportunities_and_records(self):
        """A stage set by hand reads the lead's opportunities and funnel records, nothing more."""
        store = MemoryStore()
        opportunity = Opportunity(id="o-1", type="PG AI", name="PG AI 2027")
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Asha"))
            uow.opportunities.save(LEAD, opportunity)
            uow.conversations.save(Conversation(LEAD, NUMBER, ConversationStatus.ASSIGNED, AT))
            event = SetStage(id="s-1", at=AT, funnel="Admissions", lead=LEAD, stage="Applied")
            snapshot = load_snapshot(uow, event, Engine.from_config(CONFIG))
        assert Snapshot(opportunities=(opportunity,)) == snapshot

    def test_a_close_reads_the_conversation(self):
        """Closing a conversation nobody holds reads that conversation alone."""
        store = MemoryStore()
        conversation = Conversation(LEAD, NUMBER, ConversationStatus.UNROUTED, AT)
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation)
            event = CloseConversation(id="c-1", at=AT, lead=LEAD, number=NUMBER)
            snapshot = load_snapshot(uow, event, Engine.from_config(CONFIG))
        assert Snapshot(conversation=conversation) == snapshot

    def test_closing_an_assigned_conversation_reads_what_waits(self):
        """Closing an assigned conversation frees a slot: the waiting conversations are read."""
        store = MemoryStore()
        conversation = Conversation(LEAD, NUMBER, ConversationStatus.ASSIGNED, AT, assignee="u-a")
        other = Phone("919800000002")
        waiting = Conversation(
            other, NUMBER, ConversationStatus.UNROUTED, AT, rule="AI desk", waiting_since=AT
        )
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation)
            uow.conversations.save(waiting)
            event = CloseConversation(id="c-1", at=AT, lead=LEAD, number=NUMBER)
            snapshot = load_snapshot(uow, event, Engine.from_config(CONFIG))
            read = (snapshot.conversation, [c.conversation for c in snapshot.waiting])
        assert (conversation, [waiting]) == read

    def test_deleting_an_unknown_record_reads_nothing_more(self):
        """Deleting a funnel record that is not stored gives an empty snapshot."""
        with MemoryStore().unit_of_work() as uow:
            event = DeleteTransition(id="d-1", transition="t-unknown")
            snapshot = load_snapshot(uow, event, Engine.from_config(CONFIG))
        assert Snapshot() == snapshot
