"""
The store contract for `accounts()`: the accounts a store holds a value of, and no others.
"""

import datetime as dt
import inspect
import threading
import typing

import pytest

from convroute import ports
from convroute.errors import StoreError, UnknownOutboxItemError
from convroute.funnel import Cause, Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")


class BoomError(Exception):
    pass


def transition():
    return Transition(
        id="r-1",
        lead=LEAD,
        funnel="Sales",
        from_stage=None,
        to_stage="Enquiry",
        at=T0,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBER,
    )


def item():
    return OutboxItem(id="o-1", event="wamid.1", type="send", body={"type": "send"}, created_at=T0)


def conversation():
    return Conversation(lead=LEAD, number=NUMBER, status="closed", last_message_at=T0)


# One write of each kind of value a store keeps, by the port method that stores it: each alone
# makes its account held.
WRITES = {
    "leads.save": lambda uow: uow.leads.save(Lead(phone=LEAD)),
    "opportunities.save": lambda uow: uow.opportunities.save(
        LEAD, Opportunity(id="opp-1", type="C")
    ),
    "conversations.save": lambda uow: uow.conversations.save(conversation()),
    "turns.save": lambda uow: uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",))),
    "users.save": lambda uow: uow.users.save(User(id="u-asha", name="Asha")),
    "users.set_presence": lambda uow: uow.users.set_presence("u-asha", True),
    "users.set_away_since": lambda uow: uow.users.set_away_since("u-asha", T0),
    "ticks.advance": lambda uow: uow.ticks.advance(T0),
    "funnel_records.add": lambda uow: uow.funnel_records.add(transition()),
    "processed.claim": lambda uow: uow.processed.claim("wamid.1", T0),
    "processed.add": lambda uow: uow.processed.add(["wamid.1"], T0),
    "outbox.add": lambda uow: uow.outbox.add([item()]),
    "numbers.save": lambda uow: uow.numbers.save(NUMBER, "1065"),
}


def refused(change, *args):
    """Change an outbox item the account does not hold: refused, as the port says."""
    with pytest.raises(UnknownOutboxItemError):
        change(*args)


# Every other port method, called in a fresh account: it reads, removes, or changes a value
# already stored (a tick's passes, an item's status), and stores none of its own.
STORES_NOTHING = {
    "leads.get": lambda uow: uow.leads.get(LEAD),
    "leads.remove": lambda uow: uow.leads.remove(LEAD),
    "opportunities.for_lead": lambda uow: uow.opportunities.for_lead(LEAD),
    "opportunities.get": lambda uow: uow.opportunities.get("opp-1"),
    "opportunities.remove": lambda uow: uow.opportunities.remove(LEAD, "opp-1"),
    "opportunities.remove_for_lead": lambda uow: uow.opportunities.remove_for_lead(LEAD),
    "conversations.get": lambda uow: uow.conversations.get(LEAD, NUMBER),
    "conversations.for_lead": lambda uow: uow.conversations.for_lead(LEAD),
    "conversations.open_counts": lambda uow: uow.conversations.open_counts(["u-asha"], T0),
    "conversations.due": lambda uow: uow.conversations.due(T0, 10),
    "conversations.waiting": lambda uow: uow.conversations.waiting(T0, 10, rule="Sales"),
    "conversations.held_by": lambda uow: uow.conversations.held_by("u-asha", T0),
    "conversations.remove_for_lead": lambda uow: uow.conversations.remove_for_lead(LEAD),
    "conversations.prune_closed": lambda uow: uow.conversations.prune_closed(T0, 10),
    "turns.all": lambda uow: uow.turns.all(),
    "turns.get": lambda uow: uow.turns.get("admin"),
    "numbers.all": lambda uow: uow.numbers.all(),
    "users.all": lambda uow: uow.users.all(),
    "users.presence": lambda uow: uow.users.presence(),
    "users.away_since": lambda uow: uow.users.away_since(),
    "ticks.last": lambda uow: uow.ticks.last(),
    "ticks.owe_waiting_pass": lambda uow: uow.ticks.owe_waiting_pass(),
    "ticks.waiting_passes_owed": lambda uow: uow.ticks.waiting_passes_owed(),
    "ticks.waiting_pass_done": lambda uow: uow.ticks.waiting_pass_done(1),
    "funnel_records.for_lead": lambda uow: uow.funnel_records.for_lead(LEAD),
    "funnel_records.get": lambda uow: uow.funnel_records.get("r-1"),
    "funnel_records.remove": lambda uow: uow.funnel_records.remove(["r-1"]),
    "funnel_records.remove_for_lead": lambda uow: uow.funnel_records.remove_for_lead(LEAD),
    "funnel_records.scan": lambda uow: list(uow.funnel_records.scan()),
    "processed.remove": lambda uow: uow.processed.remove(["wamid.1"]),
    "processed.prune": lambda uow: uow.processed.prune(T0, 10),
    "outbox.claim": lambda uow: uow.outbox.claim(10, T0, T0 + dt.timedelta(minutes=5)),
    "outbox.mark_sent": lambda uow: refused(uow.outbox.mark_sent, "o-1"),
    "outbox.release": lambda uow: refused(uow.outbox.release, "o-1", "down", T0),
    "outbox.mark_dead": lambda uow: refused(uow.outbox.mark_dead, "o-1", "down"),
    "outbox.requeue": lambda uow: uow.outbox.requeue(["o-1"]),
    "outbox.counts": lambda uow: uow.outbox.counts(),
    "outbox.items": lambda uow: uow.outbox.items(),
    "outbox.remove_for_lead": lambda uow: uow.outbox.remove_for_lead(LEAD),
    "outbox.prune_sent": lambda uow: uow.outbox.prune_sent(T0, 10),
}


def port_methods():
    """Every method of every repository a unit of work gives, as "repository.method"."""
    found = set()
    for name, member in inspect.getmembers(ports.UnitOfWork):
        if isinstance(member, property):
            repository = typing.get_type_hints(member.fget)["return"]
            found.update(
                f"{name}.{method}"
                for method, _ in inspect.getmembers(repository, inspect.isfunction)
                if not method.startswith("_")
            )
    return found


def read_everything(uow):
    """Read through every repository, writing nothing."""
    uow.leads.get(LEAD)
    uow.opportunities.for_lead(LEAD)
    uow.conversations.get(LEAD, NUMBER)
    uow.turns.all()
    uow.users.all()
    uow.users.presence()
    uow.ticks.last()
    uow.ticks.owe_waiting_pass()  # before any tick: nothing to owe, nothing stored
    list(uow.funnel_records.scan())
    uow.outbox.counts()
    uow.numbers.all()


class TestAccountsHeld:
    def test_an_empty_store_holds_no_account(self, store):
        """A new store holds no account, not even the default one."""
        assert frozenset() == store.accounts()

    def test_the_answer_is_a_frozenset_of_names(self, store):
        """accounts() gives a frozenset of the names, as the units were opened with them."""
        for account in ("acme", "zenith", "default"):
            with store.unit_of_work(account) as uow:
                uow.leads.save(Lead(phone=LEAD))
        held = store.accounts()
        assert (frozenset, frozenset({"acme", "zenith", "default"})) == (type(held), held)

    def test_every_port_method_is_a_write_or_stores_nothing(self):
        """Each method of the ports is either a write above or one storing nothing, not both."""
        methods, listed = port_methods(), WRITES.keys() | STORES_NOTHING.keys()
        unlisted, unknown, both = (
            methods - listed,
            listed - methods,
            WRITES.keys() & STORES_NOTHING.keys(),
        )
        assert (set(), set(), set()) == (unlisted, unknown, both)

    @pytest.mark.parametrize("method", sorted(WRITES))
    def test_each_kind_of_value_alone_holds_its_account(self, store, method):
        """An account holding one value of any kind is listed, and no other account is."""
        with store.unit_of_work("acme") as uow:
            WRITES[method](uow)
        assert frozenset({"acme"}) == store.accounts()

    @pytest.mark.parametrize("method", sorted(STORES_NOTHING))
    def test_a_method_storing_nothing_holds_no_account(self, store, method):
        """Any other port method, called in a fresh account, leaves it not held."""
        with store.unit_of_work("acme") as uow:
            STORES_NOTHING[method](uow)
        assert frozenset() == store.accounts()

    def test_a_unit_that_only_reads_holds_nothing(self, store):
        """Opening a unit of a name and reading through it does not make that account held."""
        with store.unit_of_work("acmee") as uow:
            read_everything(uow)
        assert frozenset() == store.accounts()

    def test_a_rolled_back_unit_holds_nothing(self, store):
        """What a unit wrote and rolled back holds no account."""

        def write_then_fail():
            with store.unit_of_work("acme") as uow:
                for write in WRITES.values():
                    write(uow)
                raise BoomError

        with pytest.raises(BoomError):
            write_then_fail()
        assert frozenset() == store.accounts()

    def test_an_account_whose_values_are_gone_is_no_longer_held(self, store):
        """Held means holding a value now: an account whose one lead was removed is not listed."""
        for account in ("acme", "zenith"):
            with store.unit_of_work(account) as uow:
                uow.leads.save(Lead(phone=LEAD))
        with store.unit_of_work("acme") as uow:
            uow.leads.remove(LEAD)
        assert frozenset({"zenith"}) == store.accounts()

    def test_names_are_listed_as_stripped(self, store):
        """A unit opened with " acme " holds the account "acme", the name it was given stripped."""
        with store.unit_of_work(" acme ") as uow:
            uow.leads.save(Lead(phone=LEAD))
        assert frozenset({"acme"}) == store.accounts()

    def test_many_accounts_with_many_values_are_each_listed_once(self, store):
        """Every account is listed once, however many values of every kind it holds."""
        names = [f"account-{index:02}" for index in range(30)]
        for name in names:
            with store.unit_of_work(name) as uow:
                for write in WRITES.values():
                    write(uow)
        assert frozenset(names) == store.accounts()

    def test_names_that_differ_in_case_are_two_accounts(self, store):
        """Acme and acme are two accounts, both listed."""
        for account in ("Acme", "acme"):
            with store.unit_of_work(account) as uow:
                uow.ticks.advance(T0)
        assert frozenset({"Acme", "acme"}) == store.accounts()

    def test_inside_a_unit_of_the_same_thread_it_is_refused(self, store):
        """accounts() inside a unit of work of the same thread raises StoreError, never waits."""
        with store.unit_of_work("acme") as uow:
            uow.leads.save(Lead(phone=LEAD))
            with pytest.raises(StoreError):
                store.accounts()
        assert frozenset({"acme"}) == store.accounts()

    def test_another_thread_lists_what_was_committed(self, store):
        """Another thread, with its own connection, lists the accounts committed before it asked."""
        answers = []

        def other():
            answers.append(store.accounts())
            close = getattr(store, "close", None)
            if close is not None:
                close()

        with store.unit_of_work("acme") as uow:
            uow.leads.save(Lead(phone=LEAD))
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=60)
        assert [frozenset({"acme"})] == answers
