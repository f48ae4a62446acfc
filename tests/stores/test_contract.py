"""
The store contract: what every `Store` does, run on MemoryStore and SQLiteStore.

The outbox, the round-trip properties and concurrency have files of their
own (test_contract_*.py).
"""

import datetime as dt
import hashlib

import pytest

from convroute.errors import StoreError
from convroute.funnel import Cause, Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
LEAD = Phone("919800000001")
OTHER_LEAD = Phone("919800000002")
NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040005678")


class BoomError(Exception):
    pass


def conversation(lead=LEAD, number=NUMBER, status="assigned", assignee="u-asha", at=T0, **more):
    return Conversation(
        lead=lead, number=number, status=status, assignee=assignee, last_message_at=at, **more
    )


def record(ident, lead=LEAD, at=T0, to_stage="Enquiry"):
    return Transition(
        id=ident,
        lead=lead,
        funnel="Sales",
        from_stage=None,
        to_stage=to_stage,
        at=at,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBER,
    )


def item(ident, created_at=T0):
    body = {"type": "send", "event": "wamid.1", "to": LEAD}
    return OutboxItem(id=ident, event="wamid.1", type="send", body=body, created_at=created_at)


def change_times(uow):
    """Move a due time and a wait, and change who is away and the latest tick."""
    uow.conversations.save(conversation(lead=OTHER_LEAD, due_at=None))
    uow.conversations.save(conversation(OTHER_LEAD, OTHER_NUMBER, due_at=T0))
    uow.users.set_away_since("u-ravi", None)
    uow.users.set_away_since("u-asha", T0)
    uow.ticks.advance(T0 + dt.timedelta(hours=1))


def read(store, what):
    with store.unit_of_work() as uow:
        return what(uow)


def snapshot(store):
    """Everything the ports can tell about the values these tests write."""
    with store.unit_of_work() as uow:
        return {
            "leads": [uow.leads.get(phone) for phone in (LEAD, OTHER_LEAD)],
            "opportunities": [uow.opportunities.for_lead(phone) for phone in (LEAD, OTHER_LEAD)],
            "conversations": [
                uow.conversations.get(lead, number)
                for lead in (LEAD, OTHER_LEAD)
                for number in (NUMBER, OTHER_NUMBER)
            ],
            "lead conversations": [uow.conversations.for_lead(lead) for lead in (LEAD, OTHER_LEAD)],
            "open": uow.conversations.open_counts(["u-asha", "u-ravi"], T0),
            "turns": uow.turns.all(),
            "users": uow.users.all(),
            "presence": uow.users.presence(),
            "records": sorted(uow.funnel_records.scan(), key=lambda r: r.id),
            "lead records": sorted(uow.funnel_records.for_lead(LEAD), key=lambda r: r.id),
            "outbox": uow.outbox.items(),
            "due": uow.conversations.due(T0 + dt.timedelta(days=1), 10),
            "waiting": uow.conversations.waiting(T0 - dt.timedelta(days=1), 10),
            "held": uow.conversations.held_by("u-asha", T0 - dt.timedelta(days=1)),
            "away": uow.users.away_since(),
            "tick": uow.ticks.last(),
        }


class TestUnitOfWork:
    def test_commits_when_the_block_ends(self, store):
        """What a unit wrote is there in the next unit."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))

        assert Lead(phone=LEAD, name="Ravi") == read(store, lambda uow: uow.leads.get(LEAD))

    def test_reads_its_own_writes(self, store):
        """A unit sees what it wrote before it commits."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
            assert Lead(phone=LEAD, name="Ravi") == uow.leads.get(LEAD)

    def test_an_exception_undoes_every_repository(self, store):
        """A unit that raises leaves no trace in any repository, new or replaced values alike."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
            uow.opportunities.save(LEAD, Opportunity(id="o1", type="Course", name="AI"))
            uow.conversations.save(conversation())
            uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",)))
            uow.users.save(User(id="u-asha", name="Asha"))
            uow.users.set_presence("u-asha", True)
            uow.funnel_records.add(record("t1"))
            uow.processed.claim("wamid.1", T0)
            uow.outbox.add([item("a1")])
            uow.conversations.save(conversation(lead=OTHER_LEAD, due_at=T0))
            uow.conversations.save(
                conversation(OTHER_LEAD, OTHER_NUMBER, "unrouted", None, waiting_since=T0)
            )
            uow.users.set_away_since("u-ravi", T0)
            uow.ticks.advance(T0)
        before = snapshot(store)

        def write_everywhere_then_fail():
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="Someone else"))
                uow.leads.save(Lead(phone=OTHER_LEAD))
                uow.opportunities.save(LEAD, Opportunity(id="o1", type="Course", name="Changed"))
                uow.opportunities.save(LEAD, Opportunity(id="o2", type="Course"))
                uow.opportunities.save(OTHER_LEAD, Opportunity(id="o3", type="Course"))
                uow.opportunities.remove(LEAD, "o1")
                uow.conversations.save(conversation(assignee="u-ravi"))
                uow.conversations.save(conversation(lead=OTHER_LEAD))
                uow.conversations.save(conversation(number=OTHER_NUMBER, status="closed"))
                uow.turns.save(TurnRecord(pool="admin", assigned=("u-ravi", "u-asha")))
                uow.turns.save(TurnRecord(pool="chat_group:AI"))
                uow.users.save(User(id="u-asha", name="Asha Rao", admin=True))
                uow.users.save(User(id="u-ravi", name="Ravi"))
                uow.users.set_presence("u-asha", False)
                uow.users.set_presence("u-ravi", True)
                uow.funnel_records.remove(["t1"])
                uow.funnel_records.add(record("t2", lead=OTHER_LEAD))
                uow.funnel_records.add(record("t3"))
                uow.processed.claim("wamid.2", T0)
                uow.outbox.add([item("a2", created_at=T0 - dt.timedelta(hours=1))])
                uow.outbox.claim(10, T0, T0 + dt.timedelta(minutes=5))
                uow.outbox.mark_sent("a1")
                change_times(uow)
                raise BoomError

        with pytest.raises(BoomError):
            write_everywhere_then_fail()

        assert before == snapshot(store)
        with store.unit_of_work() as uow:
            assert uow.processed.claim("wamid.2", T0)
            assert not uow.processed.claim("wamid.1", T0)

    def test_the_exception_comes_through_unchanged(self, store):
        """The unit re-raises the block's own exception, not a store error."""
        boom = BoomError("mine")
        with pytest.raises(BoomError) as raised, store.unit_of_work():
            raise boom

        assert boom is raised.value

    def test_a_store_error_in_the_block_rolls_back(self, store):
        """A failing repository call undoes what the unit wrote before it."""

        def save_then_fail():
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD))
                uow.outbox.mark_sent("no-such-item")

        with pytest.raises(StoreError):
            save_then_fail()

        assert None is read(store, lambda uow: uow.leads.get(LEAD))

    @pytest.mark.parametrize(
        "use",
        [
            lambda uow: uow.leads.get(LEAD),
            lambda uow: uow.leads.save(Lead(phone=LEAD)),
            lambda uow: uow.opportunities.for_lead(LEAD),
            lambda uow: uow.conversations.open_counts(["u-asha"], T0),
            lambda uow: uow.turns.all(),
            lambda uow: uow.users.set_presence("u-asha", True),
            lambda uow: uow.funnel_records.scan(),
            lambda uow: uow.processed.claim("wamid.1", T0),
            lambda uow: uow.outbox.items(),
            lambda uow: uow.conversations.due(T0, 10),
            lambda uow: uow.conversations.waiting(T0, 10),
            lambda uow: uow.conversations.held_by("u-asha", T0),
            lambda uow: uow.users.away_since(),
            lambda uow: uow.users.set_away_since("u-asha", T0),
            lambda uow: uow.ticks.last(),
            lambda uow: uow.ticks.advance(T0),
        ],
    )
    def test_repositories_refuse_work_after_the_unit_ended(self, store, use):
        """A repository kept past its unit raises StoreError rather than write outside one."""
        with store.unit_of_work() as uow:
            pass

        with pytest.raises(StoreError, match="not open"):
            use(uow)

    def test_repositories_refuse_work_before_the_unit_began(self, store):
        """A unit of work not entered gives no access to its repositories."""
        unit = store.unit_of_work()

        with pytest.raises(StoreError, match="not open"):
            unit.leads.get(LEAD)

    def test_a_nested_unit_in_one_thread_is_refused(self, store):
        """Opening a unit inside another in the same thread fails; the outer one carries on."""
        with store.unit_of_work() as outer:
            outer.leads.save(Lead(phone=LEAD))
            with pytest.raises(StoreError, match="already open"), store.unit_of_work():
                pass
            outer.leads.save(Lead(phone=OTHER_LEAD))

        assert [Lead(phone=LEAD), Lead(phone=OTHER_LEAD)] == snapshot(store)["leads"]

    def test_a_unit_is_used_once(self, store):
        """Entering the same unit of work twice fails."""
        unit = store.unit_of_work()
        with unit:
            pass

        with pytest.raises(StoreError, match="used once"), unit:
            pass


class TestLeads:
    def test_unknown_phone_gives_none(self, store):
        """A phone never saved has no lead."""
        assert None is read(store, lambda uow: uow.leads.get(LEAD))

    def test_save_replaces_the_lead_of_its_phone(self, store):
        """Saving a lead with a known phone replaces the old one."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
            uow.leads.save(Lead(phone=LEAD, name="Ravi Kumar", owner="u-asha"))
            uow.leads.save(Lead(phone=OTHER_LEAD))

        assert [Lead(phone=LEAD, name="Ravi Kumar", owner="u-asha"), Lead(phone=OTHER_LEAD)] == (
            snapshot(store)["leads"]
        )


class TestOpportunities:
    def test_a_lead_without_any_has_none(self, store):
        """A lead with no opportunities gives an empty sequence."""
        assert [] == list(read(store, lambda uow: uow.opportunities.for_lead(LEAD)))

    def test_first_saved_order_survives_a_resave(self, store):
        """Opportunities come in first-saved order; a re-save replaces in place."""
        first, second, third = (Opportunity(id=i, type="Course") for i in ("z", "a", "m"))
        changed = Opportunity(id="z", type="Course", name="Renamed", fields={"Course": "AI"})
        with store.unit_of_work() as uow:
            uow.opportunities.save(LEAD, first)
            uow.opportunities.save(LEAD, second)
        with store.unit_of_work() as uow:
            uow.opportunities.save(LEAD, third)
            uow.opportunities.save(LEAD, changed)
            uow.opportunities.save(OTHER_LEAD, Opportunity(id="a", type="Loan"))

        mine, others = snapshot(store)["opportunities"]
        assert [changed, second, third] == list(mine)
        assert [Opportunity(id="a", type="Loan")] == list(others)

    def test_get_finds_an_opportunity_by_id_with_its_lead(self, store):
        """An opportunity is found by its id alone, with the lead that holds it."""
        mine = Opportunity(id="o1", type="Course", status="won")
        with store.unit_of_work() as uow:
            uow.opportunities.save(LEAD, Opportunity(id="o0", type="Course"))
            uow.opportunities.save(LEAD, mine)

        assert (LEAD, mine) == read(store, lambda uow: uow.opportunities.get("o1"))

    def test_get_of_an_unknown_id_is_none(self, store):
        """An id no lead holds gives None."""
        with store.unit_of_work() as uow:
            uow.opportunities.save(LEAD, Opportunity(id="o1", type="Course"))

        assert None is read(store, lambda uow: uow.opportunities.get("o2"))

    def test_get_of_an_id_two_leads_hold_is_the_first_saved(self, store):
        """When two leads hold one id, the one saved first is found."""
        with store.unit_of_work() as uow:
            uow.opportunities.save(OTHER_LEAD, Opportunity(id="o1", type="Loan"))
            uow.opportunities.save(LEAD, Opportunity(id="o1", type="Course"))

        assert (OTHER_LEAD, Opportunity(id="o1", type="Loan")) == read(
            store, lambda uow: uow.opportunities.get("o1")
        )

    def test_remove_forgets_one_of_the_lead_s_opportunities(self, store):
        """Removing forgets the lead's opportunity of that id, not another lead's; order is kept."""
        with store.unit_of_work() as uow:
            for ident in ("a", "b", "c"):
                uow.opportunities.save(LEAD, Opportunity(id=ident, type="Course"))
            uow.opportunities.save(OTHER_LEAD, Opportunity(id="b", type="Course"))
        with store.unit_of_work() as uow:
            uow.opportunities.remove(LEAD, "b")
            uow.opportunities.remove(LEAD, "unknown")
            uow.opportunities.remove(Phone("919800000009"), "a")

        mine, others = snapshot(store)["opportunities"]
        assert (["a", "c"], ["b"]) == ([o.id for o in mine], [o.id for o in others])
        assert (OTHER_LEAD, others[0]) == read(store, lambda uow: uow.opportunities.get("b"))


class TestConversations:
    def test_for_lead_gives_the_lead_s_conversations_by_number(self, store):
        """A lead's conversations with every number come back ordered by number, no other lead's."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(number=OTHER_NUMBER, status="closed"))
            uow.conversations.save(conversation())
            uow.conversations.save(conversation(lead=OTHER_LEAD))

        mine, others = snapshot(store)["lead conversations"]
        assert [NUMBER, OTHER_NUMBER] == [c.number for c in mine]
        assert [OTHER_LEAD] == [c.lead for c in others]
        assert [] == list(
            read(store, lambda uow: uow.conversations.for_lead(Phone("919800000009")))
        )

    def test_unknown_pair_gives_none(self, store):
        """A lead and number never saved together have no conversation."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation())
            assert None is uow.conversations.get(LEAD, OTHER_NUMBER)
            assert None is uow.conversations.get(OTHER_LEAD, NUMBER)

    def test_save_replaces_the_conversation_of_its_lead_and_number(self, store):
        """Saving again for the same lead and number replaces the conversation."""
        later = conversation(status="closed", at=T0 + dt.timedelta(hours=1), rule="Desk")
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation())
            uow.conversations.save(later)

        assert later == read(store, lambda uow: uow.conversations.get(LEAD, NUMBER))


class TestOpenCounts:
    def test_counts_assigned_conversations_seen_since(self, store):
        """Only assigned conversations of the users asked, with a message at or after since."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(LEAD, NUMBER, at=T0))
            uow.conversations.save(conversation(LEAD, OTHER_NUMBER, at=T0 + dt.timedelta(hours=2)))
            uow.conversations.save(
                conversation(OTHER_LEAD, NUMBER, at=T0 - dt.timedelta(seconds=1))
            )
            uow.conversations.save(conversation(OTHER_LEAD, OTHER_NUMBER, assignee="u-ravi"))
            counts = uow.conversations.open_counts(["u-asha", "u-ravi", "u-nobody"], T0)

        assert {"u-asha": 2, "u-ravi": 1} == dict(counts)

    @pytest.mark.parametrize("status", ["menu", "unrouted", "closed"])
    def test_other_statuses_do_not_count(self, store, status):
        """A conversation that is not assigned counts for nobody, even with an assignee set."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(status=status))
            assert {} == dict(uow.conversations.open_counts(["u-asha"], T0))

    def test_users_not_asked_are_left_out(self, store):
        """Only the users asked about appear; none asked gives nothing."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(assignee="u-asha"))
            uow.conversations.save(conversation(number=OTHER_NUMBER, assignee="u-ravi"))
            assert {"u-ravi": 1} == dict(uow.conversations.open_counts({"u-ravi"}, T0))
            assert {} == dict(uow.conversations.open_counts([], T0))

    def test_follows_reassignment_and_closing(self, store):
        """A conversation counts for its current assignee only, and for nobody once closed."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(assignee="u-asha"))
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(assignee="u-ravi"))
            moved = uow.conversations.open_counts(["u-asha", "u-ravi"], T0)
            uow.conversations.save(conversation(status="closed", assignee="u-ravi"))
            closed = uow.conversations.open_counts(["u-asha", "u-ravi"], T0)

        assert ({"u-ravi": 1}, {}) == (dict(moved), dict(closed))

    def test_a_conversation_counts_once_however_often_saved(self, store):
        """Re-saving a conversation with a later message moves it, never doubles it."""
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(at=T0 - dt.timedelta(hours=1)))
            before = uow.conversations.open_counts(["u-asha"], T0)
            for minutes in (0, 30, 10):
                uow.conversations.save(conversation(at=T0 + dt.timedelta(minutes=minutes)))
        with store.unit_of_work() as uow:
            after = uow.conversations.open_counts(["u-asha"], T0)
            later = uow.conversations.open_counts(["u-asha"], T0 + dt.timedelta(minutes=11))

        assert ({}, {"u-asha": 1}, {}) == (dict(before), dict(after), dict(later))

    def test_since_compares_instants_across_offsets(self, store):
        """The boundary is the instant, whatever offsets the datetimes carry."""
        same_instant = T0.astimezone(IST)
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(at=T0))
            at_boundary = uow.conversations.open_counts(["u-asha"], same_instant)
            just_after = uow.conversations.open_counts(
                ["u-asha"], same_instant + dt.timedelta(microseconds=1)
            )

        assert ({"u-asha": 1}, {}) == (dict(at_boundary), dict(just_after))

    def test_many_users_and_repeats(self, store):
        """Long lists of users, with repeats, count each conversation once."""
        users = [f"u-{n}" for n in range(1200)]
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation(assignee="u-1100"))
            counts = uow.conversations.open_counts([*users, "u-1100"], T0)

        assert {"u-1100": 1} == dict(counts)

    def test_a_naive_since_is_refused(self, store):
        """A datetime without a time zone cannot be compared: ValueError."""
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="aware"):
            uow.conversations.open_counts(["u-asha"], dt.datetime(2026, 11, 2))  # noqa: DTZ001


class TestTurns:
    def test_none_stored(self, store):
        """A new store has no turn records."""
        assert {} == dict(read(store, lambda uow: uow.turns.all()))

    def test_all_gives_every_record_by_pool(self, store):
        """Each pool keeps its latest record."""
        with store.unit_of_work() as uow:
            uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",)))
            uow.turns.save(TurnRecord(pool="chat_group:AI", assigned=("u-ravi", "u-asha")))
            uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha", "u-meera")))

        expected = {
            "admin": TurnRecord(pool="admin", assigned=("u-asha", "u-meera")),
            "chat_group:AI": TurnRecord(pool="chat_group:AI", assigned=("u-ravi", "u-asha")),
        }
        assert expected == dict(read(store, lambda uow: uow.turns.all()))

    def test_get_gives_one_pool_or_none(self, store):
        """`get` reads one pool's latest record, and None for a pool with none."""
        with store.unit_of_work() as uow:
            assert uow.turns.get("admin") is None
            uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",)))
            uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha", "u-meera")))
            assert TurnRecord(pool="admin", assigned=("u-asha", "u-meera")) == uow.turns.get(
                "admin"
            )
        assert (None, TurnRecord(pool="admin", assigned=("u-asha", "u-meera"))) == read(
            store, lambda uow: (uow.turns.get("chat_group:AI"), uow.turns.get("admin"))
        )


class TestUsers:
    def test_all_gives_every_user_by_id(self, store):
        """Saving a user with a known id replaces it."""
        with store.unit_of_work() as uow:
            uow.users.save(User(id="u-asha", name="Asha"))
            uow.users.save(User(id="u-ravi", name="Ravi", max_open_conversations=3))
            uow.users.save(User(id="u-asha", name="Asha Rao", admin=True, active=False))

        expected = {
            "u-asha": User(id="u-asha", name="Asha Rao", admin=True, active=False),
            "u-ravi": User(id="u-ravi", name="Ravi", max_open_conversations=3),
        }
        assert expected == dict(read(store, lambda uow: uow.users.all()))

    def test_a_users_schedule_is_kept(self, store):
        """A user's schedule comes back as saved."""
        with store.unit_of_work() as uow:
            uow.users.save(User(id="u-asha", name="Asha", schedule="India office"))

        expected = {"u-asha": User(id="u-asha", name="Asha", schedule="India office")}
        assert expected == dict(read(store, lambda uow: uow.users.all()))

    def test_presence_keeps_the_latest_fact(self, store):
        """Presence is kept per user id, known user or not; the latest wins."""
        with store.unit_of_work() as uow:
            uow.users.set_presence("u-asha", True)
            uow.users.set_presence("u-ravi", False)
            uow.users.set_presence("u-asha", False)

        expected = {"u-asha": False, "u-ravi": False}
        assert expected == dict(read(store, lambda uow: uow.users.presence()))


class TestFunnelRecords:
    def test_get_by_id(self, store):
        """A record is found by its id; an unknown id gives None."""
        with store.unit_of_work() as uow:
            uow.funnel_records.add(record("t1"))
            assert (record("t1"), None) == (
                uow.funnel_records.get("t1"),
                uow.funnel_records.get("t9"),
            )

    def test_add_keeps_the_record_already_there(self, store):
        """Adding a record whose id is known changes nothing."""
        with store.unit_of_work() as uow:
            uow.funnel_records.add(record("t1", to_stage="Enquiry"))
        with store.unit_of_work() as uow:
            uow.funnel_records.add(record("t1", to_stage="Won"))

        assert [record("t1", to_stage="Enquiry")] == snapshot(store)["records"]

    def test_for_lead_gives_only_that_leads_records(self, store):
        """Each lead's records, in every funnel, and no one else's."""
        with store.unit_of_work() as uow:
            uow.funnel_records.add(record("t1"))
            uow.funnel_records.add(record("t2", lead=OTHER_LEAD))
            uow.funnel_records.add(record("t3", at=T0 + dt.timedelta(days=1), to_stage="Won"))
            mine = uow.funnel_records.for_lead(LEAD)
            nobody = uow.funnel_records.for_lead(Phone("15550000000"))

        assert ({"t1", "t3"}, []) == ({r.id for r in mine}, list(nobody))

    def test_remove_passes_over_unknown_ids(self, store):
        """Removing known and unknown ids removes the known ones only."""
        with store.unit_of_work() as uow:
            for ident in ("t1", "t2", "t3"):
                uow.funnel_records.add(record(ident))
        with store.unit_of_work() as uow:
            uow.funnel_records.remove(["t9", "t2", "t1", "t1"])

        state = snapshot(store)
        assert ([record("t3")], [record("t3")]) == (state["records"], state["lead records"])

    def test_scan_gives_every_record(self, store):
        """A scan reads every record, however many there are."""
        records = [record(f"t{n:05}", lead=Phone(f"9198000{n:05}")) for n in range(2_500)]
        with store.unit_of_work() as uow:
            for one in records:
                uow.funnel_records.add(one)
        with store.unit_of_work() as uow:
            scanned = sorted(uow.funnel_records.scan(), key=lambda r: r.id)

        assert records == scanned


class TestProcessedEvents:
    def test_an_id_is_claimed_once(self, store):
        """The first claim of an id succeeds; every later one, in any unit, does not."""
        with store.unit_of_work() as uow:
            first = uow.processed.claim("wamid.1", T0)
            again = uow.processed.claim("wamid.1", T0)
            other = uow.processed.claim("wamid.2", T0)
        with store.unit_of_work() as uow:
            later = uow.processed.claim("wamid.1", T0 + dt.timedelta(days=2))

        assert (True, False, True, False) == (first, again, other, later)

    def test_a_rolled_back_claim_can_be_made_again(self, store):
        """A claim in a unit that raised is undone with it."""

        def claim_then_fail():
            with store.unit_of_work() as uow:
                uow.processed.claim("wamid.1", T0)
                raise BoomError

        with pytest.raises(BoomError):
            claim_then_fail()

        assert read(store, lambda uow: uow.processed.claim("wamid.1", T0))

    @pytest.mark.parametrize("length", [2_700, 10_000])
    def test_an_id_of_any_length_is_claimed_once(self, store, length):
        """Ids longer than a database index takes (2.7 KB in PostgreSQL) are claimed once."""
        # Digests strung together: text no compression shortens.
        blocks = (hashlib.sha256(str(n).encode()).hexdigest() for n in range(length // 64 + 1))
        long_id = "".join(blocks)[:length]
        near = long_id[:-1] + "!"
        with store.unit_of_work() as uow:
            first = uow.processed.claim(long_id, T0)
            other = uow.processed.claim(near, T0)
        with store.unit_of_work() as uow:
            again = uow.processed.claim(long_id, T0)

        assert (True, True, False) == (first, other, again)

    def test_added_ids_are_processed(self, store):
        """Ids added without a claim are not new to a later claim, in that unit or another."""
        with store.unit_of_work() as uow:
            uow.processed.add(["out.1", "out.2"], T0)
            same_unit = uow.processed.claim("out.1", T0)
        with store.unit_of_work() as uow:
            later = uow.processed.claim("out.2", T0)
            other = uow.processed.claim("out.3", T0)

        assert (False, False, True) == (same_unit, later, other)

    def test_an_id_added_again_keeps_its_first_time(self, store):
        """Adding an id recorded already changes nothing: a prune goes by its first time."""
        later = T0 + dt.timedelta(days=2)
        with store.unit_of_work() as uow:
            uow.processed.claim("wamid.1", T0)
            uow.processed.add(["wamid.1", "out.1", "out.1"], T0)
        with store.unit_of_work() as uow:
            uow.processed.add(["wamid.1", "out.1"], later)
        with store.unit_of_work() as uow:
            forgotten = uow.processed.prune(T0 + dt.timedelta(days=1), 10)

        assert 2 == forgotten

    def test_ids_added_in_a_rolled_back_unit_are_new_again(self, store):
        """An add in a unit that raised is undone with it."""

        def add_then_fail():
            with store.unit_of_work() as uow:
                uow.processed.add(["out.1"], T0)
                raise BoomError

        with pytest.raises(BoomError):
            add_then_fail()

        assert read(store, lambda uow: uow.processed.claim("out.1", T0))

    def test_adding_no_ids_changes_nothing(self, store):
        """An empty add is allowed, and records nothing."""
        with store.unit_of_work() as uow:
            uow.processed.add([], T0)

        assert read(store, lambda uow: uow.processed.claim("out.1", T0))

    def test_a_naive_time_is_refused(self, store):
        """Adding ids at a naive time is a ValueError, as a claim at one is."""
        with store.unit_of_work() as uow, pytest.raises(ValueError, match="at"):
            uow.processed.add(["out.1"], dt.datetime(2026, 11, 2))  # noqa: DTZ001
