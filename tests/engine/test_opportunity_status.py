"""
Closed opportunities (won, lost) in the engine: never offered, routed to or moved.
"""

import datetime as dt

import attrs

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.engine import (
    Assign,
    CreateOpportunity,
    Engine,
    IncomingMessage,
    MoveOpportunity,
    Send,
    SetStage,
)
from convroute.menus import OptionKind, option_id
from convroute.model import Opportunity, OpportunityStatus, Phone
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
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


def enquiry(ident: str, day: int, status: str = "open", owner: str = "u-ben") -> Opportunity:
    return Opportunity(
        id=ident,
        type=COURSE,
        name=f"PG {ident}",
        fields={"Course": "AI"},
        owner=owner,
        updated_at=dt.datetime(2026, 10, day, tzinfo=dt.UTC),
        status=status,
    )


def with_number(**changes: object) -> State:
    number = attrs.evolve(CONFIG.numbers[0], **changes)
    return State(Engine.from_config(attrs.evolve(CONFIG, numbers=[number])))


def holding(state: State, *opportunities: Opportunity) -> State:
    state.opportunities[LEAD] = {o.id: o for o in opportunities}
    return state


def titles(send: object) -> list[str]:
    assert isinstance(send, Send)
    rows = send.message["interactive"]["action"]["sections"][0]["rows"]
    return [row["title"] for row in rows]


def kinds(outcome) -> list[str]:
    return [action.to_json()["type"] for action in outcome.actions]


class TestSecondMenu:
    def test_closed_ones_are_not_offered(self):
        """Won and lost enquiries are left out of the second menu."""
        state = holding(
            with_number(),
            enquiry("o1", 1),
            enquiry("won", 5, "won"),
            enquiry("o2", 3),
            enquiry("lost", 7, "lost"),
        )
        state.message(message("wamid.1", text="Hi"))

        (sent,) = state.message(message("wamid.2", 1, reply_id=AI)).actions

        assert ["PG o2", "PG o1", "A new enquiry"] == titles(sent)

    def test_one_open_beside_closed_ones_is_routed_without_a_menu(self):
        """One open enquiry among closed ones is routed to its owner with no second menu."""
        state = holding(with_number(), enquiry("o1", 1), enquiry("won", 5, "won", "u-chen"))
        state.message(message("wamid.1", text="Hi"))

        (assigned,) = state.message(message("wamid.2", 1, reply_id=AI)).actions

        assert isinstance(assigned, Assign)
        assert ("o1", "u-ben") == (assigned.opportunity, assigned.user)

    def test_all_closed_is_none(self):
        """A lead whose enquiries are all closed gets a new one, as if it had none."""
        state = holding(with_number(), enquiry("won", 5, "won"), enquiry("lost", 7, "lost"))
        state.message(message("wamid.1", text="Hi"))

        outcome = state.message(message("wamid.2", 1, reply_id=AI))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        created = outcome.actions[0]
        assert isinstance(created, CreateOpportunity)
        assert created.id == outcome.actions[1].opportunity  # type: ignore[attr-defined]


class TestWithoutMenus:
    def test_closed_ones_are_not_routed_to(self):
        """The no-menu path routes the newest open enquiry, not a newer closed one."""
        state = holding(
            with_number(first_response=None, second_response=None),
            enquiry("o1", 1, owner="u-asha"),
            enquiry("won", 9, "won", owner="u-ben"),
        )

        (assigned,) = state.message(message("wamid.1", text="Hi")).actions

        assert isinstance(assigned, Assign)
        assert ("o1", "u-asha") == (assigned.opportunity, assigned.user)

    def test_all_closed_creates_a_new_one(self):
        """A number that creates opportunities creates one when the lead's are all closed."""
        state = holding(
            with_number(first_response=None, second_response=None),
            enquiry("won", 9, "won"),
        )

        outcome = state.message(message("wamid.1", text="Hi"))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assert {"won", outcome.actions[0].id} == set(state.opportunities[LEAD])  # type: ignore[attr-defined]


class TestBoard:
    def test_closed_ones_never_move(self):
        """A funnel move carries open enquiries on the board and leaves closed ones be."""
        state = with_number(first_response=None, second_response=None)
        state.message(message("wamid.1", text="I came from Instagram"))
        (created,) = state.opportunities[LEAD].values()
        holding(state, created, attrs.evolve(enquiry("won", 9, "won"), stage="Enquiry"))
        move = SetStage(id="m1", at=AT, funnel="Sales", lead=LEAD, stage="Scheduling")

        outcome = state.run(move, state.snapshot(LEAD, NUMBER, AT), AT)

        moves = [a for a in outcome.actions if isinstance(a, MoveOpportunity)]
        assert [created.id] == [m.opportunity for m in moves]
        assert "Enquiry" == state.opportunities[LEAD]["won"].stage


class TestStaleChoices:
    def second_menu(self) -> State:
        state = holding(with_number(), enquiry("o1", 1), enquiry("o2", 3), enquiry("o3", 5))
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        return state

    def test_a_closed_choice_sends_the_menu_again_as_built_now(self):
        """A tap on an enquiry won since the menu was sent gets the second menu built now."""
        state = self.second_menu()
        state.opportunities[LEAD]["o3"] = enquiry("o3", 5, "won")

        outcome = state.message(
            message("wamid.3", 2, reply_id=option_id(OptionKind.OPPORTUNITY, "o3"))
        )

        (sent,) = outcome.actions
        assert ["PG o2", "PG o1", "A new enquiry"] == titles(sent)
        assert ["opportunity o3 is won since the menu was sent: the menu is built again"] == list(
            outcome.notes
        )
        assert "menu" == state.conversations[LEAD, NUMBER].status

    def test_a_removed_choice_sends_the_menu_again_as_built_now(self):
        """A tap on an enquiry removed since the menu was sent gets the second menu built now."""
        state = self.second_menu()
        del state.opportunities[LEAD]["o1"]

        outcome = state.message(
            message("wamid.3", 2, reply_id=option_id(OptionKind.OPPORTUNITY, "o1"))
        )

        (sent,) = outcome.actions
        assert ["PG o3", "PG o2", "A new enquiry"] == titles(sent)
        assert ["opportunity o1 is gone since the menu was sent: the menu is built again"] == list(
            outcome.notes
        )

    def test_an_open_choice_is_routed(self):
        """A tap on an enquiry still open is routed to its owner, other options closed or not."""
        state = self.second_menu()
        state.opportunities[LEAD]["o3"] = enquiry("o3", 5, "lost")

        outcome = state.message(
            message("wamid.3", 2, reply_id=option_id(OptionKind.OPPORTUNITY, "o2"))
        )

        (assigned,) = outcome.actions
        assert isinstance(assigned, Assign)
        assert "o2" == assigned.opportunity


STATUSES = st.sampled_from(list(OpportunityStatus))


class TestProperties:
    @settings(deadline=None, max_examples=40)
    @given(statuses=st.lists(STATUSES, min_size=1, max_size=4), tap=st.integers(0, 3))
    def test_closed_never_offered_nor_routed_to(self, statuses, tap):
        """Whatever the statuses, no closed enquiry is offered, nor routed to by a tap."""
        opportunities = [enquiry(f"o{i}", i + 1, status) for i, status in enumerate(statuses)]
        state = holding(with_number(), *opportunities)
        state.message(message("wamid.1", text="Hi"))
        first = state.message(message("wamid.2", 1, reply_id=AI))
        # Whichever enquiry the lead taps, it may have been won since.
        index = tap % len(statuses)
        state.opportunities[LEAD][f"o{index}"] = enquiry(f"o{index}", index + 1, "won")
        second = state.message(
            message("wamid.3", 2, reply_id=option_id(OptionKind.OPPORTUNITY, f"o{index}"))
        )

        for outcome, now in ((first, opportunities), (second, state.opportunities[LEAD].values())):
            closed = {o.id for o in now if not o.is_open}
            offered = {
                row["id"]
                for action in outcome.actions
                if isinstance(action, Send)
                for row in action.message["interactive"]["action"]["sections"][0]["rows"]
            }
            routed = {a.opportunity for a in outcome.actions if isinstance(a, Assign)}
            assert set() == {option_id(OptionKind.OPPORTUNITY, c) for c in closed} & offered
            assert set() == closed & routed
