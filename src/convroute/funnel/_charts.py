"""
Charts of the funnel and cohort reports, as PNG, SVG or PDF bytes.

Like the rest of `convroute.funnel`, this module does no I/O of its own:
it draws a report and returns the picture's bytes, and the caller decides
where they go.  It needs the ``charts`` extra (matplotlib), imported only
when a chart is drawn, and it draws with the Agg backend on a figure of its
own, never through pyplot's global state.  Importing matplotlib reads its
configuration and font cache, building and writing that cache the first time
in a fresh environment; drawing afterwards writes nothing and reads only
matplotlib's own font files.
"""

from __future__ import annotations

import io
import pathlib

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from convroute.errors import MissingExtraError
from convroute.funnel._cohorts import CohortReport
from convroute.funnel._reports import FunnelReport
from convroute.funnel._tables import _period_label, stage_label


if TYPE_CHECKING:
    import os

    from matplotlib.figure import Figure


ChartFormat: TypeAlias = Literal["png", "svg", "pdf"]
"""
A chart's file format.
"""

_FORMATS: dict[str, ChartFormat] = {"png": "png", "svg": "svg", "pdf": "pdf"}
_NO_DATE: dict[ChartFormat, dict[str, Any]] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}


def chart_format(name: str | os.PathLike[str]) -> ChartFormat:
    """
    The chart format a file's name says: its suffix, in any case.

    Only the name is read; no file is looked at.

    Args:
        name: The file's name or path, e.g. ``report.pdf``.

    Returns:
        ``png``, ``svg`` or ``pdf``.

    Raises:
        ValueError: For another suffix, or none.
    """
    suffix = pathlib.PurePath(name).suffix
    found = _FORMATS.get(suffix.lower().removeprefix("."))
    if found is None:
        said = repr(suffix) if suffix else "no suffix"
        raise ValueError(f"cannot tell the chart format from {said}: use .png, .svg or .pdf")
    return found


def funnel_chart(
    report: FunnelReport,
    *,
    format: ChartFormat = "png",  # noqa: A002 - the API's word
) -> bytes:
    """
    Draw the funnel report as horizontal bars, one per stage, top down.

    Each bar is the leads that reached the stage, labelled with the count
    and the share of those that entered; a thinner bar inside it shows the
    leads currently there.  Stages no longer in the funnel come last, in
    grey, their names marked ``(not in the funnel)``.

    Args:
        report: The report.
        format: ``png`` (the default), ``svg`` or ``pdf``.

    Returns:
        The picture, the same bytes for the same report.

    Raises:
        MissingExtraError: Without the ``charts`` extra.
        TypeError: When *report* is not a `FunnelReport`.
        ValueError: For an unknown format.
    """
    _check(report, FunnelReport, "funnel_chart")
    chosen = _chosen(format)
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
    return _picture(figure, chosen)


def cohort_chart(
    report: CohortReport,
    *,
    format: ChartFormat = "png",  # noqa: A002 - the API's word
) -> bytes:
    """
    Draw the cohort report as a heat map: cohorts down, stages across.

    Each cell is shaded by the share of the cohort that reached the stage
    and labelled with the count and the share.  Stages no longer in the
    funnel come last, their names marked ``(not in the funnel)``.

    Args:
        report: The report.
        format: ``png`` (the default), ``svg`` or ``pdf``.

    Returns:
        The picture, the same bytes for the same report.

    Raises:
        MissingExtraError: Without the ``charts`` extra.
        TypeError: When *report* is not a `CohortReport`.
        ValueError: For an unknown format.
    """
    _check(report, CohortReport, "cohort_chart")
    chosen = _chosen(format)
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
    return _picture(figure, chosen)


def _check(report: object, kind: type, function: str) -> None:
    if not isinstance(report, kind):
        raise TypeError(
            f"{function} draws a {kind.__name__}, not a {type(report).__name__}: "
            f"make one with {kind.__name__.removesuffix('Report').lower()}_report"
        )


def _chosen(format: object) -> ChartFormat:  # noqa: A002 - the API's word
    # Checked before matplotlib is imported: a wrong word costs nothing.
    found = _FORMATS.get(format) if isinstance(format, str) else None
    if found is None:
        raise ValueError(f"unknown chart format {format!r}: use 'png', 'svg' or 'pdf'")
    return found


def _figure() -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - an extra
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        raise MissingExtraError("drawing funnel charts", "charts") from None
    figure = Figure(layout="constrained")
    FigureCanvasAgg(figure)  # attaches itself: Agg, whatever pyplot's backend is
    return figure


def _picture(figure: Figure, format: ChartFormat) -> bytes:  # noqa: A002
    import matplotlib as mpl  # noqa: PLC0415 - there since _figure worked

    # No creation date and no random element ids in the file: the same
    # report draws the same bytes.
    metadata: dict[str, Any] = _NO_DATE.get(format, {})
    picture = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "convroute"}):
        figure.savefig(picture, format=format, metadata=metadata)
    return picture.getvalue()
