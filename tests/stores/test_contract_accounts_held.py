"""
The store contract for `accounts()`: the accounts a store holds a value of, and no others.
"""

import datetime as dt
import threading

import pytest

from convroute.errors import StoreError
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


# One write of each kind of value a store keeps: each alone makes its account held.
WRITES = {
    "lead": lambda uow: uow.leads.save(Lead(phone=LEAD)),
    "opportunity": lambda uow: uow.opportunities.save(LEAD, Opportunity(id="opp-1", type="C")),
    "conversation": lambda uow: uow.conversations.save(conversation()),
    "turn": lambda uow: uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",))),
    "user": lambda uow: uow.users.save(User(id="u-asha", name="Asha")),
    "presence": lambda uow: uow.users.set_presence("u-asha", True),
    "away": lambda uow: uow.users.set_away_since("u-asha", T0),
    "tick": lambda uow: uow.ticks.advance(T0),
    "funnel_record": lambda uow: uow.funnel_records.add(transition()),
    "claimed_event": lambda uow: uow.processed.claim("wamid.1", T0),
    "added_event": lambda uow: uow.processed.add(["wamid.1"], T0),
    "outbox_item": lambda uow: uow.outbox.add([item()]),
    "number": lambda uow: uow.numbers.save(NUMBER, "1065"),
}


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

    @pytest.mark.parametrize("kind", sorted(WRITES))
    def test_each_kind_of_value_alone_holds_its_account(self, store, kind):
        """An account holding one value of any kind is listed, and no other account is."""
        with store.unit_of_work("acme") as uow:
            WRITES[kind](uow)
        assert frozenset({"acme"}) == store.accounts()

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
