"""
Charts of the funnel and cohort reports, as PNG, SVG or PDF.

The only I/O of `convroute.funnel`, kept apart from the pure core on
purpose: everything else in the package computes values; this module draws
them and writes the picture where the caller says, a path or a binary file
object, nowhere else.  It needs the ``charts`` extra (matplotlib), imported
only when a chart is drawn, and it draws with the Agg backend on a figure of
its own, never through pyplot's global state.
"""

from __future__ import annotations

import os
import pathlib

from typing import IO, TYPE_CHECKING, Any, Literal, TypeAlias

from convroute.errors import MissingExtraError
from convroute.funnel._cohorts import CohortReport
from convroute.funnel._reports import FunnelReport
from convroute.funnel._tables import _period_label, stage_label


if TYPE_CHECKING:
    from matplotlib.figure import Figure


ChartFormat: TypeAlias = Literal["png", "svg", "pdf"]
"""
A chart's file format.
"""

ChartTarget: TypeAlias = "str | os.PathLike[str] | IO[bytes]"
"""
Where a chart goes: a path, or a binary file object open for writing.
"""

_NO_DATE: dict[ChartFormat, dict[str, Any]] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}
_SUFFIXES: dict[str, ChartFormat] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def chart_format(path: str | os.PathLike[str]) -> ChartFormat:
    """
    The chart format a file's name says: its suffix, in any case.

    Args:
        path: The file's path, e.g. ``report.pdf``.

    Returns:
        ``png``, ``svg`` or ``pdf``.

    Raises:
        ValueError: For another suffix, or none.
    """
    suffix = pathlib.Path(path).suffix
    found = _SUFFIXES.get(suffix.lower())
    if found is None:
        said = repr(suffix) if suffix else "no suffix"
        raise ValueError(f"cannot tell the chart format from {said}: use .png, .svg or .pdf")
    return found


def draw_funnel(
    report: FunnelReport,
    target: ChartTarget,
    *,
    format: ChartFormat | None = None,  # noqa: A002 - the API's word
) -> None:
    """
    Draw the funnel report as horizontal bars, one per stage, top down.

    Each bar is the leads that reached the stage, labelled with the count
    and the share of those that entered; a thinner bar inside it shows the
    leads currently there.  Stages no longer in the funnel come last, in
    grey, their names marked ``(not in the funnel)``.

    Args:
        report: The report.
        target: A path, or a binary file object open for writing.
        format: ``png``, ``svg`` or ``pdf``; by default the path's suffix
            decides (see `chart_format`), and a file object gets PNG.

    Raises:
        MissingExtraError: Without the ``charts`` extra.
        ValueError: For an unknown format or path suffix.
    """
    chosen = _format(target, format)
    figure = _figure()
    stages = [stage_label(row.stage, in_funnel=row.in_funnel) for row in report.rows]
    figure.set_size_inches(8, 1.6 + 0.6 * max(len(stages), 1))
    axes = figure.add_subplot()
    places = list(range(len(stages)))
    axes.barh(
        places,
        [row.reached for row in report.rows],
        color=["#4c72b0" if row.in_funnel else "#a0a0a0" for row in report.rows],
        label="reached",
    )
    axes.barh(
        places,
        [row.current for row in report.rows],
        height=0.3,
        color="#dd8452",
        label="currently here",
    )
    for place, row in zip(places, report.rows, strict=True):
        axes.annotate(
            f" {row.reached} ({row.share:.0%})",
            (row.reached, place),
            va="center",
            fontsize=9,
        )
    axes.set_yticks(places, stages)
    axes.invert_yaxis()  # the entry stage on top
    axes.set_xlabel("leads")
    axes.set_title(f"Funnel {report.funnel}: {report.entered} entered")
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - there since _figure worked

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # leads come whole
    figure.legend(loc="outside lower center", ncols=2, fontsize=8)
    axes.margins(x=0.15)
    _save(figure, target, chosen)


def draw_cohorts(
    report: CohortReport,
    target: ChartTarget,
    *,
    format: ChartFormat | None = None,  # noqa: A002 - the API's word
) -> None:
    """
    Draw the cohort report as a heat map: cohorts down, stages across.

    Each cell is shaded by the share of the cohort that reached the stage
    and labelled with the count and the share.  Stages no longer in the
    funnel come last, their names marked ``(not in the funnel)``.

    Args:
        report: The report.
        target: A path, or a binary file object open for writing.
        format: ``png``, ``svg`` or ``pdf``; by default the path's suffix
            decides (see `chart_format`), and a file object gets PNG.

    Raises:
        MissingExtraError: Without the ``charts`` extra.
        ValueError: For an unknown format or path suffix.
    """
    chosen = _format(target, format)
    figure = _figure()
    labels = [f"{_period_label(row.start, report.period)} ({row.entered})" for row in report.rows]
    figure.set_size_inches(2.5 + 1.3 * max(len(report.stages), 1), 1.5 + 0.45 * max(len(labels), 1))
    axes = figure.add_subplot()
    shares = [[cell.share for cell in row.cells] for row in report.rows] or [
        [0.0] * len(report.stages)
    ]
    image = axes.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for y, row in enumerate(report.rows):
        for x, cell in enumerate(row.cells):
            axes.text(
                x,
                y,
                f"{cell.reached}\n{cell.share:.0%}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if cell.share > 0.6 else "black",
            )
    gone = {cell.stage for row in report.rows for cell in row.cells if not cell.in_funnel}
    stages = [stage_label(stage, in_funnel=stage not in gone) for stage in report.stages]
    axes.set_xticks(range(len(stages)), stages, rotation=30, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_title(f"Cohorts of {report.funnel} by {report.period} ({report.zone})")
    figure.colorbar(image, ax=axes, label="share of cohort")
    _save(figure, target, chosen)


def _format(target: ChartTarget, format: ChartFormat | None) -> ChartFormat:  # noqa: A002
    if format is not None:
        if format not in _SUFFIXES.values():
            raise ValueError(f"unknown chart format {format!r}: use 'png', 'svg' or 'pdf'")
        return format
    if isinstance(target, (str, os.PathLike)):
        return chart_format(target)
    return "png"


def _figure() -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - an extra
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        raise MissingExtraError("drawing funnel charts", "charts") from None
    figure = Figure(layout="constrained")
    FigureCanvasAgg(figure)  # attaches itself: Agg, whatever pyplot's backend is
    return figure


def _save(figure: Figure, target: ChartTarget, format: ChartFormat) -> None:  # noqa: A002
    import matplotlib as mpl  # noqa: PLC0415 - there since _figure worked

    # No creation date and no random element ids in the file: the same
    # report draws the same bytes.
    metadata: dict[str, Any] = _NO_DATE.get(format, {})
    with mpl.rc_context({"svg.hashsalt": "convroute"}):
        figure.savefig(target, format=format, metadata=metadata)
