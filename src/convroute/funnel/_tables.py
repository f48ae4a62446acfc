"""
Plain-text renderings of the funnel and cohort reports.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Sequence

from convroute.funnel._cohorts import CohortPeriod, CohortReport
from convroute.funnel._reports import FunnelReport, ReportFilter


def render_funnel(report: FunnelReport) -> str:
    """
    Render the funnel report as a plain-text table.

    Args:
        report: The report.

    Returns:
        A title line, the filter (if any), then one line per stage with the
        leads that reached it, their share of those that entered, and the
        leads currently there; stages no longer in the funnel come last,
        marked so, and a line after the table says how many records name
        them; ends with a newline.
    """
    header = ("Stage", "Reached", "Share", "Currently here")
    rows = [
        (
            stage_label(row.stage, in_funnel=row.in_funnel),
            str(row.reached),
            _percent(row.share),
            str(row.current),
        )
        for row in report.rows
    ]
    title = f"Funnel {report.funnel!r}: {report.entered} {_leads(report.entered)} entered"
    table = _table(header, rows, left=1)
    gone = [row.stage for row in report.rows if not row.in_funnel]
    if gone:
        table += ["", stray_records_line(report.stray_records, gone)]
    return _lines(title, report.where, table)


def stage_label(stage: str, *, in_funnel: bool) -> str:
    """
    A stage's name as tables and charts show it, marked when not in the funnel.
    """
    return stage if in_funnel else f"{stage} (not in the funnel)"


def stray_records_line(count: int, stages: Sequence[str]) -> str:
    """
    Say how many records name stages no longer in the funnel, and which.

    Args:
        count: How many records.
        stages: The stages' names.

    Returns:
        One sentence, without a newline.
    """
    names = ", ".join(repr(stage) for stage in stages)
    records = "1 record names" if count == 1 else f"{count} records name"
    what = "a stage" if len(stages) == 1 else "stages"
    return f"{records} {what} no longer in the funnel: {names}"


def render_cohorts(report: CohortReport) -> str:
    """
    Render the cohort report as a plain-text table.

    Args:
        report: The report.

    Returns:
        A title line, the filter (if any), then one line per cohort with the
        leads that entered and, per stage, how many of them reached it and
        their share; ends with a newline.
    """
    gone = {cell.stage for row in report.rows for cell in row.cells if not cell.in_funnel}
    stages = (stage_label(stage, in_funnel=stage not in gone) for stage in report.stages)
    header = (_PERIOD_HEADERS[report.period], "Entered", *stages)
    rows = [
        (
            _period_label(row.start, report.period),
            str(row.entered),
            *(f"{cell.reached} ({_percent(cell.share)})" for cell in row.cells),
        )
        for row in report.rows
    ]
    title = f"Cohorts of funnel {report.funnel!r} by {report.period} ({report.zone})"
    return _lines(title, report.where, _table(header, rows, left=1))


_PERIOD_HEADERS = {
    CohortPeriod.DAY: "Day",
    CohortPeriod.WEEK: "Week of",
    CohortPeriod.MONTH: "Month",
}


def _period_label(start: dt.date, period: CohortPeriod) -> str:
    # Not strftime: it writes year 1 as "1" on some platforms.
    return start.isoformat()[:7] if period is CohortPeriod.MONTH else start.isoformat()


def _leads(count: int) -> str:
    return "lead" if count == 1 else "leads"


def _percent(share: float) -> str:
    return f"{share:.0%}"


def _describe(where: ReportFilter) -> str | None:
    parts = []
    if where.sources is not None:
        parts.append("sources " + ", ".join(sorted(where.sources)))
    if where.numbers is not None:
        parts.append("numbers " + ", ".join(sorted(where.numbers)))
    if where.since is not None:
        parts.append(f"entered from {where.since.isoformat()}")
    if where.until is not None:
        parts.append(f"entered before {where.until.isoformat()}")
    return "; ".join(parts) if parts else None


def _lines(title: str, where: ReportFilter, table: list[str]) -> str:
    described = _describe(where)
    head = [title] if described is None else [title, f"Only {described}"]
    return "\n".join([*head, "", *table]) + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: int) -> list[str]:
    # The first *left* columns are text, aligned left; the rest are
    # numbers, aligned right.
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), *(line(row) for row in rows)]
