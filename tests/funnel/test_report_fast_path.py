"""
`funnel_progress`'s quick way through records in time order gives what comparing every record gives.
"""

import datetime as dt

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.funnel import (
    Cause,
    Funnel,
    Stage,
    Transition,
    funnel_progress,
)
from convroute.funnel._records import precedes
from convroute.funnel._reports import side_by_side
from convroute.model import Phone
from funnel_strategies import funnel_records


OFFSETS = [
    dt.UTC,
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
    dt.timezone(-dt.timedelta(hours=3)),
]


FUNNEL = Funnel(name="Sales", stages=[Stage(name="Lead Entry"), Stage(name="Won")])
BASE = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


def entry(lead, hours, *, stage="Lead Entry"):
    return Transition(
        id=f"e{lead}-{hours}",
        lead=Phone(lead),
        funnel="Sales",
        from_stage=None,
        to_stage=stage,
        at=BASE + dt.timedelta(hours=hours),
        cause=Cause.TRIGGER,
        source="Instagram",
    )


def move(lead, stage, hours, *, serial=None):
    return Transition(
        id=serial or f"m{lead}-{hours}",
        lead=Phone(lead),
        funnel="Sales",
        from_stage="Lead Entry",
        to_stage=stage,
        at=BASE + dt.timedelta(hours=hours),
        cause=Cause.MANUAL,
    )


def progress_by_comparison(funnel, records):
    """
    The oracle: every record compared with the lead's entry and latest so far, in any order.

    Returns the three mappings as lists of items, so that key order counts.
    """
    positions = {stage.name: i for i, stage in enumerate(funnel.stages)}
    entries, latest, furthest = {}, {}, {}
    for record in records:
        if record.funnel != funnel.name:
            continue
        lead = record.lead
        first = entries.get(lead)
        if record.is_entry and (first is None or precedes(record, first)):
            entries[lead] = record
        last = latest.get(lead)
        if last is None or precedes(last, record):
            latest[lead] = record
        position = positions.get(record.to_stage, -1)
        if position > furthest.get(lead, -1):
            furthest[lead] = position
    for lead in latest.keys() - entries.keys():
        del latest[lead]
        furthest.pop(lead, None)
    for lead in entries:
        if lead not in furthest:
            furthest[lead] = 0
    return list(entries.items()), list(latest.items()), list(furthest.items())


def items(progress):
    return (
        list(progress.entries.items()),
        list(progress.latest.items()),
        list(progress.furthest.items()),
    )


def by_time(records):
    """
    The records in time order; those at the same instant stay as they were.
    """
    return sorted(records, key=lambda record: record.at)


@st.composite
def records_in_time_order(draw):
    """
    A funnel and records sorted by time, as a store scans them, ties in any order: some
    records read twice, some leads entering again (later, or at the same instant), times
    written in several offsets.
    """
    funnel, records = draw(funnel_records())
    twice = draw(st.lists(st.sampled_from(records), max_size=3)) if records else []
    entries = [record for record in records if record.is_entry]
    entering = draw(st.lists(st.sampled_from(entries), max_size=3)) if entries else []
    again = [
        attrs.evolve(
            record,
            id=f"again{i}",
            at=record.at + dt.timedelta(seconds=draw(st.sampled_from([0, 1, 3_600]))),
            cause=draw(st.sampled_from([Cause.TRIGGER, Cause.UNTRACKED])),
        )
        for i, record in enumerate(entering)
    ]
    records = [
        attrs.evolve(record, at=record.at.astimezone(draw(st.sampled_from(OFFSETS))))
        for record in [*records, *twice, *again]
    ]
    return funnel, by_time(records)


class TestProgressInTimeOrder:
    @given(records_in_time_order())
    def test_equals_comparing_every_record(self, drawn):
        """Records in time order give the oracle's mappings, key order included."""
        funnel, records = drawn
        assert progress_by_comparison(funnel, records) == items(funnel_progress(funnel, records))

    @given(funnel_records())
    def test_in_precedes_order(self, drawn):
        """Records sorted as `precedes` sorts them give the oracle's mappings too."""
        funnel, records = drawn
        ordered = sorted(records, key=lambda r: (r.at, not r.is_entry, r.id))
        assert progress_by_comparison(funnel, ordered) == items(funnel_progress(funnel, ordered))

    @given(funnel_records())
    def test_in_any_order(self, drawn):
        """Records in any order (drawn shuffled) give the oracle's mappings."""
        funnel, records = drawn
        assert progress_by_comparison(funnel, records) == items(funnel_progress(funnel, records))

    @given(records_in_time_order(), st.data())
    def test_one_record_out_of_order(self, drawn, data):
        """A record moved out of time order is still compared, and changes nothing."""
        funnel, records = drawn
        if records:
            moved = records.pop(data.draw(st.integers(0, len(records) - 1)))
            records.insert(data.draw(st.integers(0, len(records))), moved)
        assert progress_by_comparison(funnel, records) == items(funnel_progress(funnel, records))

    def test_iterator(self):
        """Records given as an iterator, read once, give what a list gives."""
        funnel, records = FUNNEL, [entry("911", 0), move("911", "Won", 1)]
        assert items(funnel_progress(funnel, records)) == items(
            funnel_progress(funnel, iter(records))
        )

    @pytest.mark.parametrize("ids", [("a", "b"), ("b", "a")])
    def test_ties_break_the_same_way(self, ids):
        """Of two moves at one instant the higher id is the latest, whichever is read first."""
        records = [entry("911", 0), *(move("911", "Won", 1, serial=i) for i in ids)]
        progress = funnel_progress(FUNNEL, records)
        assert ("b", 1) == (progress.latest["911"].id, progress.furthest["911"])

    def test_renamed_stage_and_no_entry(self):
        """A lead reaching no stage the funnel has is at the entry stage, after the others."""
        records = [
            move("910", "Won", 0),  # never entered: not in the funnel
            entry("911", 1, stage="Old Entry"),
            entry("912", 2),
            move("911", "Gone", 3),
        ]
        progress = funnel_progress(FUNNEL, records)
        assert [("912", 0), ("911", 0)] == list(progress.furthest.items())
        assert ["911", "912"] == list(progress.latest)
        assert not side_by_side(progress)
