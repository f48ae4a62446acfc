"""
The ``convroute report`` command: the funnel and cohort reports of a store.

It reads the funnel records the service stored in a
SQLite file, counts them with `convroute.funnel`'s reports and prints the
plain-text tables; with ``--chart`` (or ``--png``, ``--svg``) it also draws
the charts.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import zoneinfo

from collections import Counter
from collections.abc import Iterable, Sequence

import attrs

from convroute.cli._common import (
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
    Commands,
    read_config,
)
from convroute.cli._held_accounts import note_unheld_account
from convroute.cli._progress import counted
from convroute.cli._store import add_existing_store_options, open_store
from convroute.config import Config
from convroute.funnel import (
    ChartFormat,
    CohortPeriod,
    CohortReport,
    Funnel,
    FunnelReport,
    Transition,
    chart_format,
    cohort_chart,
    cohort_report,
    funnel_chart,
    funnel_progress,
    funnel_report,
    render_cohorts,
    render_funnel,
)


__all__ = ["add_report_command"]


def add_report_command(commands: Commands) -> None:
    """
    Add the ``report`` command to the command line's subparsers.
    """
    report = commands.add_parser(
        "report",
        help="print the funnel and cohort reports of a store",
        description="Read the funnel records of a store (SQLite or PostgreSQL) and print, for "
        "each funnel of the configuration (its stages and their order come from there), the "
        "funnel report and the cohort report as plain-text tables; records of stages no longer in "
        "the funnel (renamed or removed) are listed after its stages, marked so, and counted in "
        "one line. With --chart FILE, also draw both as charts, PNG, SVG or PDF as FILE's suffix "
        "says: the funnel to FILE, the cohorts to FILE with -cohorts before the suffix "
        "(report.png, report-cohorts.png); when several funnels are reported, "
        "each "
        "funnel's name comes before that (report-Sales.png, report-Sales-cohorts.png). Exit "
        "status 0 "
        "when the reports were printed, 1 when the store fails while it is read or a chart "
        "cannot be written, 2 for unusable options, configuration or store (missing, not a "
        "convroute store, or of another schema version: a SQLite file is read read-only, and "
        "never upgraded).",
    )
    report.add_argument(
        "config",
        type=pathlib.Path,
        metavar="CONFIG",
        help="the configuration, which gives the funnels and their stages' order",
    )
    add_existing_store_options(report)
    report.add_argument(
        "--funnel",
        metavar="NAME",
        help="report this funnel only (default: every funnel, in the configuration's order)",
    )
    report.add_argument(
        "--by",
        choices=[period.value for period in CohortPeriod],
        default=CohortPeriod.WEEK.value,
        help="the cohort period: day, week (ISO, from Monday) or month (default: week)",
    )
    report.add_argument(
        "--tz",
        default="UTC",
        metavar="ZONE",
        help="the IANA time zone the cohorts are cut in, e.g. Asia/Kolkata (default: UTC)",
    )
    charts = report.add_mutually_exclusive_group()
    charts.add_argument(
        "--chart",
        type=pathlib.Path,
        metavar="FILE",
        help="also draw the charts, as PNG, SVG or PDF by FILE's suffix (.png, .svg, .pdf): "
        "the funnel to FILE, the cohorts beside it",
    )
    charts.add_argument(
        "--png",
        type=pathlib.Path,
        metavar="FILE",
        help="the same as PNG: FILE ends in .png or has no suffix",
    )
    charts.add_argument(
        "--svg",
        type=pathlib.Path,
        metavar="FILE",
        help="the same as SVG: FILE ends in .svg or has no suffix",
    )
    report.set_defaults(run=_report)


@attrs.frozen
class _Charts:
    """
    Where the charts of one funnel go.

    Attributes:
        format: ``png``, ``svg`` or ``pdf``.
        funnel: The funnel chart's file.
        cohorts: The cohort chart's file.
    """

    format: ChartFormat
    funnel: pathlib.Path
    cohorts: pathlib.Path


def _report(arguments: argparse.Namespace) -> int:
    # Everything the options and the configuration can get wrong is found
    # before the store is opened: reading it may take a while.
    zone = _zone(arguments.tz)
    config = read_config(arguments.config)
    funnels = _funnels(config, arguments.funnel, arguments.config)
    charts = _chart_files(_chart_option(arguments), funnels)
    records, strays = _read(arguments.store, arguments.account, {funnel.name for funnel in funnels})
    for index, funnel in enumerate(funnels):
        progress = funnel_progress(funnel, records.get(funnel.name, ()))
        funnel_table = funnel_report(progress)
        cohort_table = cohort_report(progress, period=arguments.by, zone=zone)
        if index:
            print()  # noqa: T201 - the command's output
        print(render_funnel(funnel_table))  # noqa: T201 - the command's output
        print(render_cohorts(cohort_table), end="")  # noqa: T201 - the command's output
        if charts:
            _draw(funnel_table, cohort_table, charts[index])
    if strays and arguments.funnel is None:
        # A funnel renamed or removed since: its records are in no report.
        count = sum(strays.values())
        said = "1 record names" if count == 1 else f"{count} records name"
        what = "a funnel" if len(strays) == 1 else "funnels"
        names = ", ".join(repr(name) for name in sorted(strays))
        print(f"\n{said} {what} not in the configuration: {names}")  # noqa: T201 - the output
    return EXIT_OK


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # Not only unknown names: zoneinfo refuses paths with ValueError,
        # reads a folder (America) with OSError, a data file with ValueError.
        raise CommandError(
            EXIT_INVALID, f"unknown time zone {name!r}: use an IANA name, e.g. Asia/Kolkata"
        ) from None


def _funnels(config: Config, name: str | None, path: pathlib.Path) -> tuple[Funnel, ...]:
    if not config.funnels:
        raise CommandError(EXIT_FAILURE, f"{path}: no funnels to report")
    if name is None:
        return config.funnels
    for funnel in config.funnels:
        if funnel.name == name:
            return (funnel,)
    known = ", ".join(repr(funnel.name) for funnel in config.funnels)
    raise CommandError(EXIT_INVALID, f"{path}: unknown funnel {name!r}; its funnels: {known}")


def _chart_option(arguments: argparse.Namespace) -> tuple[pathlib.Path, ChartFormat] | None:
    # --chart takes the format from the suffix; --png and --svg (kept from
    # before --chart) name it, and a suffix naming anything else would put
    # one format's bytes in a file that says another.
    file: pathlib.Path | None = arguments.chart
    if file is not None:
        try:
            return file, chart_format(file)
        except ValueError as error:
            raise CommandError(EXIT_INVALID, f"--chart: {error}") from None
    chosen: ChartFormat
    for option, chosen in (("png", "png"), ("svg", "svg")):
        file = getattr(arguments, option)
        if file is None:
            continue
        if file.suffix and file.suffix.lower() != f".{chosen}":
            raise CommandError(
                EXIT_INVALID,
                f"--{option} writes {chosen.upper()} but {file.name!r} names a "
                f"{file.suffix} file: name it .{chosen}, or use --chart, which takes the "
                "format from the suffix (.png, .svg or .pdf)",
            )
        return file, chosen
    return None


def _chart_files(
    option: tuple[pathlib.Path, ChartFormat] | None, funnels: Sequence[Funnel]
) -> list[_Charts]:
    if option is None:
        return []
    file, chosen = option
    if len(funnels) == 1:
        return [_Charts(chosen, file, _beside(file, "cohorts"))]
    charts = []
    for funnel in funnels:
        own = _beside(file, _file_part(funnel.name))
        charts.append(_Charts(chosen, own, _beside(own, "cohorts")))
    # Two names can make one file name ('A B', 'A/B'), or one's cohorts
    # chart the other's ('X', 'X cohorts'): nothing is overwritten.
    files = [file for chart in charts for file in (chart.funnel, chart.cohorts)]
    if len(set(files)) < len(files):
        raise CommandError(
            EXIT_INVALID,
            f"the funnels' names make the same chart file names beside {file}: "
            "report one at a time with --funnel",
        )
    return charts


def _beside(file: pathlib.Path, part: str) -> pathlib.Path:
    return file.with_name(f"{file.stem}-{part}{file.suffix}")


def _file_part(name: str) -> str:
    # A funnel's name may hold spaces or slashes; a file name should not.
    return re.sub(r"[^\w.-]+", "-", name).strip("-") or "funnel"


def _read(
    spec: str, account: str, funnels: Iterable[str]
) -> tuple[dict[str, list[Transition]], Counter[str]]:
    # One pass over the store, keeping only the records of the funnels
    # reported, grouped so that each funnel's progress reads only its own;
    # the others are counted by funnel.
    records: dict[str, list[Transition]] = {name: [] for name in funnels}
    others: Counter[str] = Counter()
    with open_store(spec, existing=True) as store:
        note_unheld_account(store, account)
        with store.unit_of_work(account) as uow:
            for record in counted(uow.funnel_records.scan(), "records read", sys.stderr):
                kept = records.get(record.funnel)
                if kept is not None:
                    kept.append(record)
                else:
                    others[record.funnel] += 1
    return records, others


def _draw(funnel_table: FunnelReport, cohort_table: CohortReport, charts: _Charts) -> None:
    # Both drawn before either is written: a chart that cannot be drawn
    # leaves no file of the pair behind.
    pictures = (
        (charts.funnel, funnel_chart(funnel_table, format=charts.format)),
        (charts.cohorts, cohort_chart(cohort_table, format=charts.format)),
    )
    for file, picture in pictures:
        try:
            file.write_bytes(picture)
        except OSError as error:
            raise CommandError(
                EXIT_FAILURE, f"cannot write {file}: {error.strerror or error}"
            ) from None
