import datetime as dt
import io
import sys

import pytest

from convroute.errors import MissingExtraError
from convroute.funnel import (
    Cause,
    Funnel,
    Stage,
    Transition,
    chart_format,
    cohort_report,
    draw_cohorts,
    draw_funnel,
    funnel_progress,
    funnel_report,
)
from convroute.model import Phone


SALES = Funnel(name="Sales", stages=[Stage(name="Lead Entry"), Stage(name="Scheduling")])
RECORDS = [
    Transition(
        id="t1",
        lead=Phone("919800000001"),
        funnel="Sales",
        from_stage=None,
        to_stage="Lead Entry",
        at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
        cause=Cause.TRIGGER,
        source="Instagram",
    ),
    Transition(
        id="t2",
        lead=Phone("919800000001"),
        funnel="Sales",
        from_stage="Lead Entry",
        to_stage="Scheduling",
        at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
        cause=Cause.FOLLOW_UP,
    ),
]
PROGRESS = funnel_progress(SALES, RECORDS)
FUNNEL = funnel_report(PROGRESS)
COHORTS = cohort_report(PROGRESS, period="day", zone=dt.UTC)
EMPTY = funnel_progress(SALES, [])
PNG = b"\x89PNG\r\n\x1a\n"
PDF = b"%PDF-"


class TestDrawFunnel:
    def test_png_to_a_path(self, tmp_path):
        """The funnel is drawn as PNG where the path says, the suffix choosing the format."""
        target = tmp_path / "funnel.png"
        draw_funnel(FUNNEL, target)
        assert PNG == target.read_bytes()[:8]

    def test_svg_to_a_file_object_is_reproducible(self):
        """SVG goes to a binary file object, the same bytes every time."""
        first, second = io.BytesIO(), io.BytesIO()
        draw_funnel(FUNNEL, first, format="svg")
        draw_funnel(FUNNEL, second, format="svg")
        assert (True, first.getvalue()) == (b"<svg" in first.getvalue(), second.getvalue())

    def test_file_object_defaults_to_png(self):
        """Without a format, a file object gets PNG."""
        out = io.BytesIO()
        draw_funnel(funnel_report(EMPTY), out)
        assert PNG == out.getvalue()[:8]

    def test_pdf_to_a_path_is_reproducible(self, tmp_path):
        """A .pdf path gets PDF, the same bytes every time (no creation date)."""
        first, second = tmp_path / "one.pdf", tmp_path / "two.PDF"
        draw_funnel(FUNNEL, first)
        draw_funnel(FUNNEL, second)
        assert (PDF, first.read_bytes()) == (first.read_bytes()[:5], second.read_bytes())

    @pytest.mark.parametrize(
        ("target", "format", "message"),
        [
            ("funnel.gif", None, "'.gif'"),
            ("funnel", None, "no suffix"),
            ("funnel.png", "jpeg", "'jpeg'"),
        ],
    )
    def test_unknown_formats_are_refused(self, tmp_path, target, format, message):  # noqa: A002
        """Only PNG and SVG are drawn, and nothing is written otherwise."""
        with pytest.raises(ValueError, match=message):
            draw_funnel(FUNNEL, tmp_path / target, format=format)
        assert [] == list(tmp_path.iterdir())


class TestChartFormat:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [("a.png", "png"), ("a.svg", "svg"), ("a.pdf", "pdf"), ("dir.x/A.PDF", "pdf")],
    )
    def test_the_suffix_names_the_format(self, name, expected):
        """A file name's suffix, in any case, names its chart format."""
        assert expected == chart_format(name)

    @pytest.mark.parametrize("name", ["a.jpg", "a", "a.png.bak", ".png"])
    def test_other_names_are_refused(self, name):
        """A suffix other than .png, .svg or .pdf, or none, names no format."""
        with pytest.raises(ValueError, match=r"use \.png, \.svg or \.pdf"):
            chart_format(name)


class TestDrawCohorts:
    def test_heat_map_png_and_svg(self, tmp_path):
        """The cohort table is drawn as a heat map, in PNG and SVG."""
        draw_cohorts(COHORTS, tmp_path / "cohorts.png")
        draw_cohorts(COHORTS, str(tmp_path / "cohorts.svg"))
        assert (PNG, True) == (
            (tmp_path / "cohorts.png").read_bytes()[:8],
            b"<svg" in (tmp_path / "cohorts.svg").read_bytes(),
        )

    def test_empty_report(self):
        """A report without cohorts still draws."""
        out = io.BytesIO()
        draw_cohorts(cohort_report(EMPTY, period="week", zone=dt.UTC), out)
        assert PNG == out.getvalue()[:8]


class TestStagesNoLongerInTheFunnel:
    @pytest.mark.parametrize("draw", [draw_funnel, draw_cohorts])
    def test_drawn_after_the_funnel_s_stages_and_marked(self, draw):
        """A stage renamed or removed that records name is drawn too, marked so."""
        renamed = Funnel(name="Sales", stages=[Stage(name="Lead Entry"), Stage(name="Booked")])
        progress = funnel_progress(renamed, RECORDS)
        report = (
            funnel_report(progress)
            if draw is draw_funnel
            else cohort_report(progress, period="day", zone=dt.UTC)
        )
        out = io.BytesIO()
        draw(report, out, format="svg")
        assert b"Scheduling (not in the funnel)" in out.getvalue()


class TestWithoutTheExtra:
    @pytest.mark.parametrize("draw", [draw_funnel, draw_cohorts])
    def test_missing_matplotlib_names_the_extra(self, monkeypatch, draw):
        """Without matplotlib, drawing raises MissingExtraError naming the charts extra."""
        for name in list(sys.modules):
            if name == "matplotlib" or name.startswith("matplotlib."):
                monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        report = FUNNEL if draw is draw_funnel else COHORTS
        with pytest.raises(MissingExtraError) as caught:
            draw(report, io.BytesIO())
        assert "charts" == caught.value.extra
