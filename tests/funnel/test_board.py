import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from convroute.funnel import (
    Cause,
    OpportunityBoard,
    OpportunityMove,
    Transition,
    move_opportunities,
)
from convroute.model import Opportunity, OpportunityType, Phone


COURSE = OpportunityType(name="Course", stages=["Enquiry", "Scheduling", "Applied", "Enrolled"])
LOAN = OpportunityType(name="Loan", stages=["Enquiry", "Approved"])
BOARD = OpportunityBoard.from_types([COURSE, LOAN])
STAGE_NAMES = ["Enquiry", "Scheduling", "Applied", "Enrolled", "Approved", "Lead Entry"]


def to(stage):
    return Transition(
        id="t",
        lead=Phone("919800000001"),
        funnel="Sales",
        from_stage="Lead Entry",
        to_stage=stage,
        at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        cause=Cause.FOLLOW_UP,
    )


class TestOpportunityBoard:
    def test_from_types_numbers_each_types_stages(self):
        """Each type's stages get their place in order."""
        assert {"Enquiry": 0, "Approved": 1} == dict(BOARD.positions["Loan"])


class TestMoveOpportunities:
    def test_moves_forward_to_the_stage_of_the_same_name(self):
        """An opportunity before the stage moves to it; one with no stage moves too."""
        opportunities = [
            Opportunity(id="a", type="Course", stage="Enquiry"),
            Opportunity(id="b", type="Course"),
        ]
        assert (
            OpportunityMove(opportunity="a", from_stage="Enquiry", to_stage="Applied"),
            OpportunityMove(opportunity="b", from_stage=None, to_stage="Applied"),
        ) == move_opportunities(BOARD, to("Applied"), opportunities)

    def test_never_backwards_never_to_a_missing_stage(self):
        """At or past the stage, without it, of an unknown type or stage: nothing moves."""
        opportunities = [
            Opportunity(id="same", type="Course", stage="Applied"),
            Opportunity(id="past", type="Course", stage="Enrolled"),
            Opportunity(id="lacks", type="Loan", stage="Enquiry"),
            Opportunity(id="unknown type", type="Mortgage", stage="Enquiry"),
            Opportunity(id="stale stage", type="Course", stage="Interview"),
        ]
        assert () == move_opportunities(BOARD, to("Applied"), opportunities)

    def test_closed_ones_never_move(self):
        """A won or lost opportunity stays where it is on its board."""
        opportunities = [
            Opportunity(id="won", type="Course", stage="Enquiry", status="won"),
            Opportunity(id="lost", type="Course", status="lost"),
        ]
        assert () == move_opportunities(BOARD, to("Applied"), opportunities)

    def test_exact_names_only(self):
        """Stage names must match exactly, case included."""
        opportunity = Opportunity(id="a", type="Course", stage="Enquiry")
        assert () == move_opportunities(BOARD, to("applied"), [opportunity])

    @given(
        st.lists(
            st.builds(
                Opportunity,
                id=st.text(max_size=3),
                type=st.sampled_from(["Course", "Loan", "Other"]),
                stage=st.none() | st.sampled_from(STAGE_NAMES),
                status=st.sampled_from(["open", "won", "lost"]),
            ),
            max_size=6,
        ),
        st.sampled_from(STAGE_NAMES),
    )
    def test_matches_the_oracle(self, opportunities, stage):
        """Exactly the opportunities whose type has the stage later than theirs move, forward."""
        kinds = {"Course": COURSE.stages, "Loan": LOAN.stages}
        expected = [
            OpportunityMove(opportunity=o.id, from_stage=o.stage, to_stage=stage)
            for o in opportunities
            if o.is_open
            and stage in kinds.get(o.type, ())
            and (
                o.stage is None
                or (
                    o.stage in kinds[o.type]
                    and kinds[o.type].index(o.stage) < kinds[o.type].index(stage)
                )
            )
        ]
        assert tuple(expected) == move_opportunities(BOARD, to(stage), opportunities)
