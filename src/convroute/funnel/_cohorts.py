"""
The cohort table: leads grouped by when they entered, and how far they went.
"""

from __future__ import annotations

import datetime as dt
import enum

from collections.abc import Iterable

import attrs

from convroute.funnel._reports import NO_FILTER, FunnelProgress, ReportFilter, at_or_beyond


class CohortPeriod(enum.StrEnum):
    """
    How leads are grouped into cohorts by the time they entered.
    """

    DAY = "day"
    """
    By calendar day.
    """
    WEEK = "week"
    """
    By ISO week, Monday to Sunday.
    """
    MONTH = "month"
    """
    By calendar month.
    """


@attrs.frozen
class CohortCell:
    """
    How many of a cohort reached one stage.

    Attributes:
        stage: The stage's name.
        reached: Leads of the cohort whose furthest stage is this one or later.
        share: *reached* as a share of the cohort (0 to 1).
    """

    stage: str
    reached: int
    share: float


def _cells(values: Iterable[CohortCell]) -> tuple[CohortCell, ...]:
    return tuple(values)


@attrs.frozen
class CohortRow:
    """
    One cohort: the leads that entered in one period.

    Attributes:
        start: The period's first day, in the report's time zone.
        entered: How many leads entered in it.
        cells: One cell per stage, in the funnel's order.
    """

    start: dt.date
    entered: int
    cells: tuple[CohortCell, ...] = attrs.field(converter=_cells)


def _cohort_rows(values: Iterable[CohortRow]) -> tuple[CohortRow, ...]:
    return tuple(values)


def _period(value: str) -> CohortPeriod:
    return CohortPeriod(value)


@attrs.frozen
class CohortReport:
    """
    The cohort table: rows are entry periods, columns the funnel's stages.

    Attributes:
        funnel: The funnel's name.
        period: How the cohorts are cut.
        zone: The time zone the periods are cut in.
        where: The filter the leads were counted under.
        stages: The stages' names, in the funnel's order.
        rows: One row per period in which leads entered, earliest first;
            periods without leads are left out.
    """

    funnel: str
    period: CohortPeriod = attrs.field(converter=_period)
    zone: dt.tzinfo
    where: ReportFilter
    stages: tuple[str, ...]
    rows: tuple[CohortRow, ...] = attrs.field(converter=_cohort_rows)


def cohort_report(
    progress: FunnelProgress,
    *,
    period: CohortPeriod | str,
    zone: dt.tzinfo,
    where: ReportFilter = NO_FILTER,
) -> CohortReport:
    """
    Group leads by the period they entered in and count who reached each stage.

    Args:
        progress: The leads' progress, from `funnel_progress`.
        period: ``day``, ``week`` (ISO, from Monday) or ``month``.
        zone: The time zone the periods are cut in, e.g.
            ``zoneinfo.ZoneInfo("Asia/Kolkata")``.
        where: Which leads to count; all by default.

    Returns:
        The table, one row per period with leads, earliest first.

    Raises:
        ValueError: For an unknown period.
    """
    cut = CohortPeriod(period)
    stages = progress.funnel.stages
    # Per period start: how many leads' furthest stage is each position.
    furthest: dict[dt.date, list[int]] = {}
    furthest_of = progress.furthest
    everyone = where == NO_FILTER
    # Leads enter on far fewer days than there are leads: each day's
    # period is worked out once.
    starts: dict[dt.date, dt.date] = {}
    for lead, entry in progress.entries.items():
        if everyone or where.admits(entry):
            day = entry.at.astimezone(zone).date()
            start = starts.get(day)
            if start is None:
                start = starts[day] = _period_start(day, cut)
            counts = furthest.get(start)
            if counts is None:
                counts = furthest[start] = [0] * len(stages)
            counts[furthest_of[lead]] += 1
    rows = []
    for start in sorted(furthest):
        reached = at_or_beyond(furthest[start])
        entered = reached[0]
        cells = [
            CohortCell(stage=stage.name, reached=reached[i], share=reached[i] / entered)
            for i, stage in enumerate(stages)
        ]
        rows.append(CohortRow(start=start, entered=entered, cells=cells))
    return CohortReport(
        funnel=progress.funnel.name,
        period=cut,
        zone=zone,
        where=where,
        stages=tuple(stage.name for stage in stages),
        rows=rows,
    )


def _period_start(day: dt.date, period: CohortPeriod) -> dt.date:
    if period is CohortPeriod.DAY:
        return day
    if period is CohortPeriod.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)
