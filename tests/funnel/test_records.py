import datetime as dt

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute._ids import transition_id
from convroute.funnel import (
    Cause,
    Deletion,
    FunnelPosition,
    Transition,
    current_position,
    delete_transition,
)
from convroute.funnel._records import precedes
from convroute.model import Phone
from funnel_strategies import funnel_records


LEAD = Phone("919800000001")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def record(ident, to_stage, minutes, cause=Cause.FOLLOW_UP, *, lead=LEAD, funnel="Sales"):
    return Transition(
        id=ident,
        lead=lead,
        funnel=funnel,
        from_stage=None if cause in (Cause.TRIGGER, Cause.UNTRACKED) else "Lead Entry",
        to_stage=to_stage,
        at=T0 + dt.timedelta(minutes=minutes),
        cause=cause,
    )


ENTRY = record("t-entry", "Lead Entry", 0, Cause.TRIGGER)
SCHEDULED = record("t-sched", "Scheduling", 10)
APPLIED = record("t-applied", "Applied", 20, Cause.MANUAL)


class TestTransition:
    def test_naive_time_is_refused(self):
        """A record's time must carry its time zone."""
        with pytest.raises(ValueError, match="aware"):
            Transition(
                id="t",
                lead=LEAD,
                funnel="Sales",
                from_stage=None,
                to_stage="Lead Entry",
                at=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
                cause=Cause.TRIGGER,
            )

    def test_cause_is_read_from_its_name(self):
        """A cause given by name, as a store returns it, becomes the enum member."""
        assert Cause.UNTRACKED is attrs.evolve(ENTRY, cause="untracked").cause

    @pytest.mark.parametrize(
        ("cause", "expected"),
        [
            (Cause.TRIGGER, True),
            (Cause.UNTRACKED, True),
            (Cause.FOLLOW_UP, False),
            (Cause.MANUAL, False),
        ],
    )
    def test_entries_are_trigger_and_untracked(self, cause, expected):
        """Only trigger and untracked records enter a lead."""
        assert expected == record("t", "Lead Entry", 0, cause).is_entry


class TestTransitionId:
    def test_same_event_same_id(self):
        """The id depends only on the event, the funnel and the lead."""
        assert transition_id("wamid.1", "Sales", LEAD) == transition_id("wamid.1", "Sales", LEAD)

    def test_shape_and_no_phone_in_clear(self):
        """The id is an opaque digest that does not show the lead's phone."""
        ident = transition_id("wamid.1", "Sales", LEAD)
        assert (True, 35, False) == (ident.startswith("tr-"), len(ident), LEAD in ident)

    @given(st.lists(st.tuples(st.text(), st.text(), st.text()), unique=True, min_size=2))
    def test_distinct_parts_give_distinct_ids(self, parts):
        """Different (event, funnel, lead) give different ids, however the parts split."""
        ids = {transition_id(*triple) for triple in parts}
        assert len(parts) == len(ids)


class TestPrecedes:
    def test_by_time(self):
        """An earlier record precedes a later one, whatever their causes and ids."""
        early = record("z", "Scheduling", 0)
        late = record("a", "Lead Entry", 5, Cause.TRIGGER)
        assert (True, False) == (precedes(early, late), precedes(late, early))

    def test_entry_first_at_the_same_instant(self):
        """At the same instant the entry precedes a move, whatever their ids."""
        entry = record("z", "Lead Entry", 0, Cause.TRIGGER)
        move = record("a", "Scheduling", 0)
        assert (True, False) == (precedes(entry, move), precedes(move, entry))

    def test_then_by_id(self):
        """Two moves at the same instant are ordered by id."""
        first, second = record("a", "Scheduling", 0), record("b", "Applied", 0)
        assert (True, False) == (precedes(first, second), precedes(second, first))


class TestCurrentPosition:
    def test_not_in_funnel_without_entry(self):
        """A lead with no entry record is not in the funnel, whatever else it has."""
        assert None is current_position([SCHEDULED], "Sales", LEAD)

    def test_latest_record_is_current(self):
        """The current stage is the latest record's, whatever order records come in."""
        position = current_position([APPLIED, ENTRY, SCHEDULED], "Sales", LEAD)
        assert FunnelPosition(entry=ENTRY, latest=APPLIED) == position
        assert "Applied" == position.stage

    def test_entry_first_among_equal_times(self):
        """A move at the very time of the entry counts as after it."""
        same_time = record("t-a", "Scheduling", 0)
        assert "Scheduling" == current_position([same_time, ENTRY], "Sales", LEAD).stage

    def test_other_leads_and_funnels_are_passed_over(self):
        """Records of other leads or funnels do not count."""
        other = record("t-x", "Won", 30, lead=Phone("919800000009"))
        elsewhere = record("t-y", "Won", 40, funnel="Support")
        assert (
            "Scheduling"
            == current_position([ENTRY, SCHEDULED, other, elsewhere], "Sales", LEAD).stage
        )

    @given(funnel_records(), st.randoms(use_true_random=False))
    def test_order_does_not_matter(self, drawn, random):
        """Any order of the same records gives the same position."""
        funnel, records = drawn
        shuffled = list(records)
        random.shuffle(shuffled)
        for lead in {r.lead for r in records}:
            assert current_position(records, funnel.name, lead) == current_position(
                shuffled, funnel.name, lead
            )


class TestDeleteTransition:
    def test_deleting_a_move_falls_back_to_the_latest_remaining(self):
        """After deleting the latest move, the one before is current."""
        deletion = delete_transition([ENTRY, SCHEDULED, APPLIED], "t-applied")
        assert (
            Deletion(
                removed=[APPLIED],
                remaining=[ENTRY, SCHEDULED],
                position=FunnelPosition(entry=ENTRY, latest=SCHEDULED),
            )
            == deletion
        )

    def test_deleting_a_middle_move_keeps_the_current_stage(self):
        """Deleting an earlier move leaves the latest one current."""
        assert "Applied" == delete_transition([ENTRY, SCHEDULED, APPLIED], "t-sched").position.stage

    def test_deleting_the_entry_removes_the_lead(self):
        """Deleting the entry takes every record of the lead in that funnel with it."""
        elsewhere = record("t-y", "Won", 40, funnel="Support")
        deletion = delete_transition([ENTRY, SCHEDULED, elsewhere, APPLIED], "t-entry")
        assert (True, {ENTRY, SCHEDULED, APPLIED}, (), None) == (
            deletion.found,
            set(deletion.removed),
            deletion.remaining,
            deletion.position,
        )

    def test_unknown_id_removes_nothing(self):
        """Deleting a record that is not there changes nothing."""
        assert Deletion(removed=(), remaining=(), position=None) == delete_transition(
            [ENTRY], "nope"
        )

    @given(funnel_records(), st.data())
    def test_position_after_deletion_is_that_of_the_rest(self, drawn, data):
        """After a deletion the lead stands where its remaining records say."""
        funnel, records = drawn
        mine = [r for r in records if r.funnel == funnel.name]
        if not mine:
            return
        target = data.draw(st.sampled_from(mine))
        deletion = delete_transition(records, target.id)
        rest = [r for r in records if r not in deletion.removed]
        assert current_position(rest, funnel.name, target.lead) == deletion.position
        assert target in deletion.removed
