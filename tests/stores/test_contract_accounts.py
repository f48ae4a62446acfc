"""
The store contract for accounts: one store, many accounts, each seeing only its own values.
"""

import datetime as dt

import pytest

from convroute.errors import AccountError, ConvrouteError, StoreError
from convroute.funnel import Cause, Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem, OutboxStatus


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
LATER = T0 + HOUR
LEASE = dt.timedelta(minutes=5)
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040005678")
WAITING_LEAD = Phone("919800000002")
CLOSED_LEAD = Phone("919800000003")


class BoomError(Exception):
    pass


def record(ident, to_stage="Enquiry"):
    return Transition(
        id=ident,
        lead=LEAD,
        funnel="Sales",
        from_stage=None,
        to_stage=to_stage,
        at=T0,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBER,
    )


def item(ident, text="Hello"):
    body = {"type": "send", "event": "wamid.1", "message": {"text": {"body": text}}}
    return OutboxItem(id=ident, event="wamid.1", type="send", body=body, created_at=T0)


def fill(uow, tag):
    """Write one value of every kind, each telling its account by *tag*."""
    uow.leads.save(Lead(phone=LEAD, name=tag))
    uow.opportunities.save(LEAD, Opportunity(id="opp-1", type="Course", name=tag))
    uow.conversations.save(
        Conversation(
            lead=LEAD,
            number=NUMBER,
            status="assigned",
            assignee="u-asha",
            last_message_at=T0,
            due_at=T0,
        )
    )
    uow.conversations.save(
        Conversation(
            lead=WAITING_LEAD,
            number=NUMBER,
            status="unrouted",
            last_message_at=T0,
            waiting_since=T0,
            rule="Sales",
        )
    )
    uow.conversations.save(
        Conversation(lead=CLOSED_LEAD, number=NUMBER, status="closed", last_message_at=T0)
    )
    uow.turns.save(TurnRecord(pool="admin", assigned=(f"u-{tag}",)))
    uow.users.save(User(id="u-asha", name=tag))
    uow.users.set_presence("u-asha", True)
    uow.users.set_away_since("u-ravi", T0)
    uow.ticks.advance(T0)
    uow.ticks.owe_waiting_pass()
    uow.funnel_records.add(record("r-1", to_stage=tag))
    uow.processed.claim("wamid.1", T0)
    uow.outbox.add([item("o-1", text=tag)])


def everything(uow):
    """What every repository tells of the values `fill` writes."""
    return {
        "lead": uow.leads.get(LEAD),
        "opportunities": uow.opportunities.for_lead(LEAD),
        "opportunity": uow.opportunities.get("opp-1"),
        "conversation": uow.conversations.get(LEAD, NUMBER),
        "for_lead": uow.conversations.for_lead(LEAD),
        "open_counts": dict(uow.conversations.open_counts(["u-asha"], T0)),
        "held": uow.conversations.held_by("u-asha", T0),
        "due": uow.conversations.due(LATER, 10),
        "waiting": uow.conversations.waiting(T0, 10),
        "waiting_rule": uow.conversations.waiting(T0, 10, rule="Sales"),
        "turns": dict(uow.turns.all()),
        "turn": uow.turns.get("admin"),
        "users": dict(uow.users.all()),
        "presence": dict(uow.users.presence()),
        "away": dict(uow.users.away_since()),
        "tick": uow.ticks.last(),
        "passes": uow.ticks.waiting_passes_owed(),
        "records": uow.funnel_records.for_lead(LEAD),
        "record": uow.funnel_records.get("r-1"),
        "scan": list(uow.funnel_records.scan()),
        "counts": dict(uow.outbox.counts()),
        "items": uow.outbox.items(),
    }


def empty(uow):
    """What `everything` tells of an account nothing was written to."""
    del uow
    return {
        "lead": None,
        "opportunities": (),
        "opportunity": None,
        "conversation": None,
        "for_lead": (),
        "open_counts": {},
        "held": (),
        "due": (),
        "waiting": (),
        "waiting_rule": (),
        "turns": {},
        "turn": None,
        "users": {},
        "presence": {},
        "away": {},
        "tick": None,
        "passes": None,
        "records": (),
        "record": None,
        "scan": [],
        "counts": {},
        "items": (),
    }


def normal(told):
    """*told* with sequences as tuples and counts without zeros, as stores may differ there."""
    return {
        key: (
            tuple(value)
            if isinstance(value, (list, tuple))
            else {k: v for k, v in value.items() if v}
            if key in {"open_counts", "counts"}
            else value
        )
        for key, value in told.items()
    }


def read(store, account, what):
    with store.unit_of_work(account) as uow:
        return what(uow)


def write(store, account, what):
    with store.unit_of_work(account) as uow:
        what(uow)


class TestOneAccountsValues:
    def test_an_account_sees_nothing_of_another(self, store):
        """Every repository of an account nothing was written to finds none of another's values."""
        write(store, "acme", lambda uow: fill(uow, "acme"))
        assert normal(empty(None)) == normal(read(store, "default", everything))

    def test_the_default_account_is_the_one_named_default(self, store):
        """A unit that names no account works on the account "default"."""
        with store.unit_of_work() as uow:
            fill(uow, "default")
        assert ("default", normal(empty(None))) == (
            read(store, "default", lambda uow: uow.leads.get(LEAD).name),
            normal(read(store, "acme", everything)),
        )

    def test_the_same_keys_in_two_accounts_are_two_values(self, store):
        """Two accounts with values of the same keys each read their own, as if alone."""
        alone = {}
        for tag in ("acme", "zenith"):
            write(store, tag, lambda uow, tag=tag: fill(uow, tag))
        for tag in ("acme", "zenith"):
            told = read(store, tag, everything)
            alone[tag] = (
                told["lead"].name,
                told["opportunity"][1].name,
                told["turn"].assigned,
                told["users"]["u-asha"].name,
                told["record"].to_stage,
                told["items"][0].body["message"]["text"]["body"],
                len(told["due"]),
                len(told["waiting"]),
                told["counts"],
            )
        expected = {
            tag: (tag, tag, (f"u-{tag}",), tag, tag, tag, 1, 1, {OutboxStatus.PENDING: 1})
            for tag in ("acme", "zenith")
        }
        assert expected == alone

    def test_an_undone_unit_leaves_other_accounts_as_they_were(self, store):
        """A unit that raises undoes its account's writes only, never another account's values."""
        write(store, "acme", lambda uow: fill(uow, "acme"))
        before = normal(read(store, "acme", everything))

        def fill_then_fail():
            with store.unit_of_work("zenith") as uow:
                fill(uow, "zenith")
                raise BoomError

        with pytest.raises(BoomError):
            fill_then_fail()
        assert (before, normal(empty(None))) == (
            normal(read(store, "acme", everything)),
            normal(read(store, "zenith", everything)),
        )


class TestEventIdsPerAccount:
    def test_the_same_event_id_is_new_in_each_account(self, store):
        """An event id claimed in one account is still new in another, and old in its own."""
        claimed = [
            read(store, account, lambda uow: uow.processed.claim("wamid.X", T0))
            for account in ("acme", "zenith", "acme", "default")
        ]
        assert [True, True, False, True] == claimed

    def test_a_prune_deletes_its_accounts_ids_only(self, store):
        """Pruning processed ids in one account keeps another's, which stay claimed."""
        for account in ("acme", "zenith"):
            write(store, account, lambda uow: uow.processed.claim("wamid.X", T0))
        deleted = read(store, "acme", lambda uow: uow.processed.prune(LATER, 10))
        again = [
            read(store, account, lambda uow: uow.processed.claim("wamid.X", LATER))
            for account in ("acme", "zenith")
        ]
        assert (1, [True, False]) == (deleted, again)


class TestOutboxPerAccount:
    def test_a_claim_takes_its_accounts_items_only(self, store):
        """A dispatch of one account claims its own items, never another's of the same id."""
        for account in ("acme", "zenith"):
            write(
                store, account, lambda uow, account=account: uow.outbox.add([item("o-1", account)])
            )
        claimed = read(store, "acme", lambda uow: uow.outbox.claim(10, LATER, LATER + LEASE))
        by_id = read(
            store, "zenith", lambda uow: uow.outbox.claim(10, LATER, LATER + LEASE, ids=["o-1"])
        )
        assert (["acme"], ["zenith"]) == (
            [one.body["message"]["text"]["body"] for one in claimed],
            [one.body["message"]["text"]["body"] for one in by_id],
        )

    def test_outcomes_change_their_accounts_item_only(self, store):
        """Marking an item sent or dead in one account leaves the same id pending in another."""
        for account in ("acme", "zenith", "other"):
            write(store, account, lambda uow: uow.outbox.add([item("o-1")]))
        write(store, "acme", lambda uow: uow.outbox.mark_sent("o-1"))
        write(store, "zenith", lambda uow: uow.outbox.mark_dead("o-1", "refused"))
        statuses = [
            read(store, account, lambda uow: uow.outbox.items()[0].status)
            for account in ("acme", "zenith", "other")
        ]
        assert [OutboxStatus.SENT, OutboxStatus.DEAD, OutboxStatus.PENDING] == statuses

    def test_requeue_counts_and_items_see_their_account_only(self, store):
        """Requeue finds only its account's dead items; counts and items count that account's."""
        write(store, "acme", lambda uow: uow.outbox.add([item("o-1"), item("o-2")]))
        write(store, "acme", lambda uow: uow.outbox.mark_dead("o-1", "refused"))
        write(store, "zenith", lambda uow: uow.outbox.add([item("o-3")]))
        write(store, "zenith", lambda uow: uow.outbox.mark_dead("o-3", "refused"))
        requeued = read(store, "zenith", lambda uow: dict(uow.outbox.requeue(["o-1", "o-3"])))
        told = {
            account: (
                {
                    k: v
                    for k, v in read(store, account, lambda uow: uow.outbox.counts()).items()
                    if v
                },
                [one.id for one in read(store, account, lambda uow: uow.outbox.items())],
            )
            for account in ("acme", "zenith")
        }
        expected = {
            "acme": ({OutboxStatus.DEAD: 1, OutboxStatus.PENDING: 1}, ["o-1", "o-2"]),
            "zenith": ({OutboxStatus.PENDING: 1}, ["o-3"]),
        }
        assert ({"o-3": OutboxStatus.DEAD}, expected) == (requeued, told)

    def test_a_prune_of_sent_items_keeps_other_accounts(self, store):
        """Pruning sent items in one account keeps another's sent item of the same id."""
        for account in ("acme", "zenith"):
            write(store, account, lambda uow: uow.outbox.add([item("o-1")]))
            write(store, account, lambda uow: uow.outbox.mark_sent("o-1"))
        deleted = read(store, "acme", lambda uow: uow.outbox.prune_sent(LATER, 10))
        left = [
            len(read(store, account, lambda uow: uow.outbox.items()))
            for account in ("acme", "zenith")
        ]
        assert (1, [0, 1]) == (deleted, left)


class TestTimePerAccount:
    def test_ticks_and_owed_passes_are_per_account(self, store):
        """A tick and a waiting pass owed in one account are not another's."""
        write(store, "acme", lambda uow: uow.ticks.advance(T0))
        write(store, "zenith", lambda uow: uow.ticks.advance(LATER))
        write(store, "acme", lambda uow: uow.ticks.owe_waiting_pass())
        write(store, "zenith", lambda uow: uow.ticks.advance(T0))
        told = [
            read(store, account, lambda uow: (uow.ticks.last(), uow.ticks.waiting_passes_owed()))
            for account in ("acme", "zenith", "default")
        ]
        assert [(T0, 1), (LATER, None), (None, None)] == told

    def test_a_pass_done_in_one_account_leaves_anothers_owed(self, store):
        """Recording a waiting pass done in one account keeps another's pass owed."""
        for account in ("acme", "zenith"):
            write(store, account, lambda uow: uow.ticks.advance(T0))
            write(store, account, lambda uow: uow.ticks.owe_waiting_pass())
        write(store, "acme", lambda uow: uow.ticks.waiting_pass_done(1))
        owed = [
            read(store, account, lambda uow: uow.ticks.waiting_passes_owed())
            for account in ("acme", "zenith")
        ]
        assert [None, 1] == owed

    def test_due_waiting_and_held_are_per_account(self, store):
        """Due, waiting and held conversations and open counts are read from the account's own."""
        write(store, "acme", lambda uow: fill(uow, "acme"))
        write(store, "zenith", lambda uow: fill(uow, "zenith"))
        write(store, "zenith", lambda uow: uow.conversations.save(_second()))
        told = {
            account: read(
                store,
                account,
                lambda uow: (
                    len(uow.conversations.due(LATER, 10)),
                    len(uow.conversations.waiting(T0, 10)),
                    len(uow.conversations.held_by("u-asha", T0)),
                    dict(uow.conversations.open_counts(["u-asha"], T0)),
                ),
            )
            for account in ("acme", "zenith")
        }
        assert {"acme": (1, 1, 1, {"u-asha": 1}), "zenith": (2, 1, 2, {"u-asha": 2})} == told

    def test_a_prune_of_closed_conversations_keeps_other_accounts(self, store):
        """Pruning closed conversations in one account keeps another's of the same lead."""
        for account in ("acme", "zenith"):
            write(store, account, lambda uow, account=account: fill(uow, account))
        deleted = read(store, "acme", lambda uow: uow.conversations.prune_closed(LATER, 10))
        left = [
            read(store, account, lambda uow: uow.conversations.get(CLOSED_LEAD, NUMBER)) is None
            for account in ("acme", "zenith")
        ]
        assert (1, [True, False]) == (deleted, left)


def _second():
    return Conversation(
        lead=LEAD,
        number=OTHER_NUMBER,
        status="assigned",
        assignee="u-asha",
        last_message_at=T0,
        due_at=T0,
    )


class TestAccountNames:
    @pytest.mark.parametrize(
        "name", ["", "   ", "a" * 65, "acme\nzenith", "\ud800", "tab\there", None, 7]
    )
    def test_a_bad_name_is_refused(self, store, name):
        """A blank, overlong or unprintable name, or one that is no text, is an AccountError."""
        with pytest.raises(AccountError) as caught:
            store.unit_of_work(name)
        assert (True, True) == (
            isinstance(caught.value, ValueError),
            isinstance(caught.value, ConvrouteError),
        )

    def test_the_space_around_a_name_is_no_part_of_it(self, store):
        """ " acme " and "acme" name one account, and a name of 64 characters is taken."""
        write(store, " acme ", lambda uow: uow.leads.save(Lead(phone=LEAD, name="acme")))
        write(store, "a" * 64, lambda uow: uow.leads.save(Lead(phone=LEAD, name="long")))
        assert ["acme", "long"] == [
            read(store, name, lambda uow: uow.leads.get(LEAD).name) for name in ("acme", "a" * 64)
        ]

    def test_names_that_differ_only_in_unicode_form_are_one_account(self, store):
        """ "café" composed and "cafe" with a combining accent name one account, held as NFC."""
        composed, decomposed = (
            "caf\N{LATIN SMALL LETTER E WITH ACUTE}",
            "cafe\N{COMBINING ACUTE ACCENT}",
        )
        write(store, decomposed, lambda uow: uow.leads.save(Lead(phone=LEAD, name="cafe")))

        assert "cafe" == read(store, composed, lambda uow: uow.leads.get(LEAD).name)
        if hasattr(store, "accounts"):
            assert [composed] == list(store.accounts())

    def test_accounts_share_the_rule_of_one_unit_per_thread(self, store):
        """A unit of another account cannot be opened inside one in the same thread."""
        with store.unit_of_work("acme") as outer:
            with pytest.raises(StoreError, match="already open"), store.unit_of_work("zenith"):
                pass
            outer.leads.save(Lead(phone=LEAD))
        assert (Lead(phone=LEAD), None) == (
            read(store, "acme", lambda uow: uow.leads.get(LEAD)),
            read(store, "zenith", lambda uow: uow.leads.get(LEAD)),
        )
