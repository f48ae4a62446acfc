"""
The host's records of opportunities: upserts, replacements of convroute's ids, removals.
"""

import datetime as dt

import attrs
import pytest

from convroute.engine import (
    Assign,
    CloseConversation,
    CreateOpportunity,
    DeleteOpportunity,
    Engine,
    IncomingMessage,
    MoveOpportunity,
    RemoveOpportunity,
    SaveLead,
    SaveOpportunity,
    SetStage,
    Snapshot,
    UpdateOpportunity,
)
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity, Phone
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
NEXT_DAY = 24 * 60 + 30
COURSE = "Postgraduate Course"
AI = option_id(OptionKind.PRODUCT, "AI")


def message(ident: str, minutes: float = 0, **kwargs: object) -> IncomingMessage:
    return IncomingMessage(
        id=ident,
        at=AT + dt.timedelta(minutes=minutes),
        lead=LEAD,
        number=NUMBER,
        **kwargs,  # type: ignore[arg-type]
    )


def with_number(**changes: object) -> State:
    number = attrs.evolve(CONFIG.numbers[0], **changes)
    return State(Engine.from_config(attrs.evolve(CONFIG, numbers=[number])))


def crm_record(ident: str, owner: str | None = "u-chen", **changes: object) -> Opportunity:
    values: dict[str, object] = {
        "name": "PG AI 2027",
        "fields": {"Course": "AI"},
        "updated_at": AT + dt.timedelta(minutes=10),
        **changes,
    }
    return Opportunity(id=ident, type=COURSE, owner=owner, **values)  # type: ignore[arg-type]


def upsert(ident: str, record: Opportunity, replaces: str | None = None) -> UpdateOpportunity:
    return UpdateOpportunity(id=ident, lead=LEAD, opportunity=record, replaces=replaces)


def close(state: State, minutes: float) -> None:
    event = CloseConversation(
        id=f"close.{minutes}", at=AT + dt.timedelta(minutes=minutes), lead=LEAD, number=NUMBER
    )
    state.run(event, Snapshot(conversation=state.conversations[LEAD, NUMBER]), event.at)


def kinds(outcome) -> list[str]:
    return [action.to_json()["type"] for action in outcome.actions]


class TestUpsert:
    def test_a_record_is_stored_under_its_id(self):
        """A record is saved for its lead; the lead, unknown so far, is saved bare."""
        state = with_number()
        record = crm_record("crm-1", status="won")

        outcome = state.host_record(upsert("u1", record), AT)

        assert [SaveLead(Lead(phone=LEAD)), SaveOpportunity(LEAD, record)] == list(outcome.changes)
        assert () == outcome.actions

    def test_a_record_replaces_the_stored_one_of_its_id(self):
        """An upsert of a known id replaces it: the status the CRM gives is the one kept."""
        state = with_number()
        state.host_record(upsert("u1", crm_record("crm-1")), AT)

        state.host_record(upsert("u2", crm_record("crm-1", status="lost")), AT)

        assert {"crm-1": crm_record("crm-1", status="lost")} == state.opportunities[LEAD]

    def test_an_empty_replaces_is_refused(self):
        """'replaces' names an id: an empty one is a ValueError."""
        with pytest.raises(ValueError, match="'replaces' names an opportunity id"):
            upsert("u1", crm_record("crm-1"), replaces="")


class TestReplaces:
    def test_the_next_conversation_goes_to_the_record_s_owner_without_a_second_menu(self):
        """After the CRM's record replaces the created one, choosing AI routes it to its owner."""
        state = with_number()
        state.message(message("wamid.1", text="Hi"))
        first = state.message(message("wamid.2", 1, reply_id=AI))
        created = first.actions[0]
        assert isinstance(created, CreateOpportunity)
        close(state, 2)
        state.host_record(upsert("u1", crm_record("crm-1"), replaces=created.id), AT)

        state.message(message("wamid.3", NEXT_DAY, text="Hi"))
        outcome = state.message(message("wamid.4", NEXT_DAY + 1, reply_id=AI))

        (assigned,) = [a for a in outcome.actions if isinstance(a, Assign)]
        assert ["assign"] == kinds(outcome)
        assert ("crm-1", "u-chen", "opportunity_owner") == (
            assigned.opportunity,
            assigned.user,
            assigned.target,
        )
        assert ["crm-1"] == list(state.opportunities[LEAD])

    def test_conversations_about_it_follow_the_record(self):
        """The open conversation about the created opportunity is about the record now."""
        state = with_number(first_response=None, second_response=None)
        (created, _) = state.message(message("wamid.1", text="Hi")).actions
        assert isinstance(created, CreateOpportunity)

        outcome = state.host_record(upsert("u1", crm_record("crm-1"), replaces=created.id), AT)

        assert "crm-1" == state.conversations[LEAD, NUMBER].opportunity
        assert RemoveOpportunity(LEAD, created.id) in outcome.changes

    def test_a_record_without_owner_keeps_the_replaced_one_s(self):
        """A record the CRM sends without owner keeps the owner the lead was routed to."""
        state = with_number(first_response=None, second_response=None)
        (created, assigned) = state.message(message("wamid.1", text="Hi")).actions
        assert isinstance(created, CreateOpportunity)
        assert isinstance(assigned, Assign)

        state.host_record(upsert("u1", crm_record("crm-1", None), replaces=created.id), AT)

        assert assigned.user == state.opportunities[LEAD]["crm-1"].owner

    def test_a_pending_second_menu_s_option_follows_the_record(self):
        """A tap on the replaced opportunity's option, pending, is routed to the record."""
        state = with_number()
        mine = Opportunity(id="mine", type=COURSE, name="PG AI", fields={"Course": "AI"})
        other = Opportunity(id="other", type=COURSE, name="PG ML", owner="u-ben")
        state.opportunities[LEAD] = {"mine": mine, "other": other}
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        state.host_record(upsert("u1", crm_record("crm-1"), replaces="mine"), AT)
        pending = state.conversations[LEAD, NUMBER].menu
        assert pending is not None
        assert ["crm-1", "other", ""] == [o.key for o in pending.options]

        tap = option_id(OptionKind.OPPORTUNITY, "mine")
        outcome = state.message(message("wamid.3", 2, reply_id=tap))

        (assigned,) = [a for a in outcome.actions if isinstance(a, Assign)]
        assert ("crm-1", "u-chen") == (assigned.opportunity, assigned.user)

    def test_board_moves_follow_the_record(self):
        """A funnel move after the replacement moves the record, and nothing of the old id."""
        state = with_number(first_response=None, second_response=None)
        entered = state.message(message("wamid.1", text="I came from Instagram"))
        (created,) = [a for a in entered.actions if isinstance(a, CreateOpportunity)]
        record = crm_record("crm-1", stage="Enquiry")
        state.host_record(upsert("u1", record, replaces=created.id), AT)
        move = SetStage(id="m1", at=AT, funnel="Sales", lead=LEAD, stage="Scheduling")

        outcome = state.run(move, state.snapshot(LEAD, NUMBER, AT), AT)

        moved = [a.opportunity for a in outcome.actions if isinstance(a, MoveOpportunity)]
        assert (["crm-1"], "Scheduling") == (moved, state.opportunities[LEAD]["crm-1"].stage)

    def test_an_unknown_replaced_id_is_a_note(self):
        """Replacing an id the lead does not hold stores the record and says so."""
        state = with_number()

        outcome = state.host_record(upsert("u1", crm_record("crm-1"), replaces="nope"), AT)

        assert ["opportunity nope to replace is not the lead's: none forgotten"] == list(
            outcome.notes
        )
        assert ["crm-1"] == list(state.opportunities[LEAD])


class TestRemove:
    def test_a_removed_opportunity_is_forgotten(self):
        """A removal forgets the opportunity of its id, whichever lead holds it."""
        state = with_number()
        state.host_record(upsert("u1", crm_record("crm-1")), AT)

        outcome = state.host_record(DeleteOpportunity(id="r1", opportunity="crm-1"), AT)

        assert [RemoveOpportunity(LEAD, "crm-1")] == list(outcome.changes)
        assert {} == state.opportunities[LEAD]

    def test_an_unknown_id_is_a_note(self):
        """Removing an id nobody holds changes nothing, with a note."""
        state = with_number()

        outcome = state.host_record(DeleteOpportunity(id="r1", opportunity="crm-9"), AT)

        assert ((), ("opportunity crm-9 is unknown: nothing removed",)) == (
            outcome.changes,
            outcome.notes,
        )

    def test_a_tap_on_a_removed_opportunity_gets_the_menu_built_now(self):
        """A pending second menu's opportunity removed since: its tap builds the menu again."""
        state = with_number()
        state.opportunities[LEAD] = {
            ident: crm_record(ident, updated_at=AT + dt.timedelta(minutes=day))
            for day, ident in enumerate(["o1", "o2", "o3"])
        }
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        state.host_record(DeleteOpportunity(id="r1", opportunity="o3"), AT)

        outcome = state.message(
            message("wamid.3", 2, reply_id=option_id(OptionKind.OPPORTUNITY, "o3"))
        )

        assert ["send"] == kinds(outcome)
        assert "menu" == state.conversations[LEAD, NUMBER].status
