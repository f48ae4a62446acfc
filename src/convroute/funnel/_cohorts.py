"""
The cohort table: leads grouped by when they entered, and how far they went.
"""

from __future__ import annotations

import datetime as dt
import enum

from collections.abc import Iterable

import attrs

from convroute.funnel._reports import (
    NO_FILTER,
    FunnelProgress,
    ReportFilter,
    at_or_beyond,
    side_by_side,
)


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
        reached: Leads of the cohort whose furthest stage is this one or
            later; for a stage no longer in the funnel, leads of the cohort
            with a record of it.
        share: *reached* as a share of the cohort (0 to 1).
        in_funnel: ``False`` for a stage the funnel no longer has (renamed
            or removed) that records still name.
    """

    stage: str
    reached: int
    share: float
    in_funnel: bool = True


def _cells(values: Iterable[CohortCell]) -> tuple[CohortCell, ...]:
    return tuple(values)


@attrs.frozen
class CohortRow:
    """
    One cohort: the leads that entered in one period.

    Attributes:
        start: The period's first day, in the report's time zone.
        entered: How many leads entered in it.
        cells: One cell per stage, in the order of the report's ``stages``.
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
        stages: The stages' names: the funnel's, in its order, then those
            of stages the funnel no longer has that records of the leads
            counted name, in name order (their cells say ``in_funnel``
            ``False``).
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
    furthest = _by_period(_by_day(progress, zone, where), cut)
    gone = _gone_by_period(progress, zone, where, cut)
    rows = []
    for start in sorted(furthest):
        reached = at_or_beyond(furthest[start])
        entered = reached[0]
        cells = [
            CohortCell(stage=stage.name, reached=reached[i], share=reached[i] / entered)
            for i, stage in enumerate(stages)
        ]
        for stage, by_start in gone.items():
            count = by_start.get(start, 0)
            cells.append(CohortCell(stage, count, count / entered, in_funnel=False))
        rows.append(CohortRow(start=start, entered=entered, cells=cells))
    return CohortReport(
        funnel=progress.funnel.name,
        period=cut,
        zone=zone,
        where=where,
        stages=(*(stage.name for stage in stages), *gone),
        rows=rows,
    )


def _gone_by_period(
    progress: FunnelProgress, zone: dt.tzinfo, where: ReportFilter, cut: CohortPeriod
) -> dict[str, dict[dt.date, int]]:
    # Per stage no longer in the funnel, in name order: per period start,
    # how many leads counted have a record of it.  Such leads are few: each
    # is looked up.
    gone: dict[str, dict[dt.date, int]] = {}
    for stage, leads in progress.gone_stages.items():
        by_start: dict[dt.date, int] = {}
        for lead in leads:
            entry = progress.entries[lead]
            if where.admits(entry):
                start = _period_start(entry.at.astimezone(zone).date(), cut)
                by_start[start] = by_start.get(start, 0) + 1
        if by_start:
            gone[stage] = by_start
    return gone


def _by_day(
    progress: FunnelProgress, zone: dt.tzinfo, where: ReportFilter
) -> dict[dt.date, list[int]]:
    # Per day of entry in *zone*: how many leads' furthest stage is each
    # position.  Leads enter on far fewer days than there are leads: the
    # days are gathered into periods afterwards, once each.  Most of the
    # time goes to `astimezone`, once per lead and needed exactly: the
    # same done in C (`map` over `operator.methodcaller`, then counting
    # the (day, position) pairs with `collections.Counter`) was measured
    # no faster than this loop.
    stages = len(progress.funnel.stages)
    by_day: dict[dt.date, list[int]] = {}
    counts_of = by_day.get
    everyone = where == NO_FILTER
    if side_by_side(progress):
        # The same leads in the same order: walked side by side, no lead is
        # looked up.
        for entry, position in zip(
            progress.entries.values(), progress.furthest.values(), strict=True
        ):
            if everyone or where.admits(entry):
                day = entry.at.astimezone(zone).date()
                counts = counts_of(day)
                if counts is None:
                    counts = by_day[day] = [0] * stages
                counts[position] += 1
    else:
        furthest_of = progress.furthest
        for lead, entry in progress.entries.items():
            if everyone or where.admits(entry):
                day = entry.at.astimezone(zone).date()
                counts = counts_of(day)
                if counts is None:
                    counts = by_day[day] = [0] * stages
                counts[furthest_of[lead]] += 1
    return by_day


def _by_period(by_day: dict[dt.date, list[int]], cut: CohortPeriod) -> dict[dt.date, list[int]]:
    # Per period start: the counts of its days, added up.
    furthest: dict[dt.date, list[int]] = {}
    for day, counts in by_day.items():
        start = _period_start(day, cut)
        total = furthest.get(start)
        if total is None:
            furthest[start] = counts
        else:
            furthest[start] = [a + b for a, b in zip(total, counts, strict=True)]
    return furthest


def _period_start(day: dt.date, period: CohortPeriod) -> dt.date:
    if period is CohortPeriod.DAY:
        return day
    if period is CohortPeriod.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)
