"""
The reports' quick paths count what counting lead by lead counts.
"""

import datetime as dt
import zoneinfo

import attrs

from hypothesis import given
from hypothesis import strategies as st

from convroute.funnel import (
    CohortPeriod,
    ReportFilter,
    cohort_report,
    funnel_progress,
    funnel_report,
)
from funnel_strategies import SOURCES, funnel_records


ZONES = [dt.UTC, zoneinfo.ZoneInfo("Asia/Kolkata"), zoneinfo.ZoneInfo("America/Sao_Paulo")]


def cohorts_lead_by_lead(progress, period, zone, where):
    """
    The oracle: each admitted lead's period start and furthest stage, counted one by one.
    """
    stages = len(progress.funnel.stages)
    counts = {}
    for lead, entry in progress.entries.items():
        if not where.admits(entry):
            continue
        day = entry.at.astimezone(zone).date()
        if period == CohortPeriod.WEEK:
            day -= dt.timedelta(days=day.weekday())
        elif period == CohortPeriod.MONTH:
            day = day.replace(day=1)
        row = counts.setdefault(day, [0] * stages)
        for position in range(progress.furthest[lead] + 1):
            row[position] += 1
    return {day: (row[0], row) for day, row in sorted(counts.items())}


class TestQuickPaths:
    @given(
        funnel_records(),
        st.sampled_from(list(CohortPeriod)),
        st.sampled_from(ZONES),
        st.none() | st.sets(st.sampled_from(SOURCES)),
    )
    def test_cohorts_equal_counting_lead_by_lead(self, drawn, period, zone, sources):
        """Each cohort row holds the leads that entered in its period, stage by stage."""
        funnel, records = drawn
        where = ReportFilter(sources=sources)
        progress = funnel_progress(funnel, records)
        report = cohort_report(progress, period=period, zone=zone, where=where)
        expected = cohorts_lead_by_lead(progress, period, zone, where)
        assert expected == {
            row.start: (row.entered, [cell.reached for cell in row.cells if cell.in_funnel])
            for row in report.rows
        }

    @given(funnel_records())
    def test_leads_without_an_entry_are_not_counted(self, drawn):
        """Progress whose mappings name a lead that never entered counts only those that did."""
        funnel, records = drawn
        progress = funnel_progress(funnel, records)
        latest = {**progress.latest, "000000000": records[0]} if records else progress.latest
        stray = attrs.evolve(
            progress, latest=latest, furthest={**progress.furthest, "000000000": 0}
        )
        assert funnel_report(progress).rows == funnel_report(stray).rows
