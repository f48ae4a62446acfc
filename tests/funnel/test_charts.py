import datetime as dt
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest

import convroute.funnel

from convroute.errors import MissingExtraError
from convroute.funnel import (
    Cause,
    Funnel,
    Stage,
    Transition,
    chart_format,
    cohort_chart,
    cohort_report,
    funnel_chart,
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
SVG = "{http://www.w3.org/2000/svg}svg"
CHARTS = [
    pytest.param(funnel_chart, FUNNEL, id="funnel"),
    pytest.param(cohort_chart, COHORTS, id="cohorts"),
]
FORMATS = ["png", "svg", "pdf"]


def svg_root(picture):
    # Our own picture, made by matplotlib in this test: no untrusted XML.
    return ET.fromstring(picture).tag  # noqa: S314


class TestFunnelChart:
    def test_png_by_default(self):
        """The funnel chart is PNG bytes unless a format is given."""
        picture = funnel_chart(FUNNEL)
        assert (bytes, PNG) == (type(picture), picture[:8])

    def test_svg_parses_as_xml(self):
        """An SVG funnel chart is an XML document whose root is an SVG element."""
        assert SVG == svg_root(funnel_chart(FUNNEL, format="svg"))

    def test_pdf(self):
        """A PDF funnel chart starts as a PDF file does."""
        assert PDF == funnel_chart(FUNNEL, format="pdf")[:5]

    def test_empty_report(self):
        """A report without leads still draws."""
        assert PNG == funnel_chart(funnel_report(EMPTY))[:8]

    def test_title_and_counts_are_drawn(self):
        """The chart shows the funnel's name and each stage's count and share."""
        picture = funnel_chart(FUNNEL, format="svg")
        assert (True, True) == (b"Funnel Sales: 1 entered" in picture, b"1 (100%)" in picture)


class TestCohortChart:
    def test_png_by_default(self):
        """The cohort chart is PNG bytes unless a format is given."""
        picture = cohort_chart(COHORTS)
        assert (bytes, PNG) == (type(picture), picture[:8])

    def test_svg_parses_as_xml(self):
        """An SVG cohort chart is an XML document whose root is an SVG element."""
        assert SVG == svg_root(cohort_chart(COHORTS, format="svg"))

    def test_pdf(self):
        """A PDF cohort chart starts as a PDF file does."""
        assert PDF == cohort_chart(COHORTS, format="pdf")[:5]

    def test_empty_report(self):
        """A report without cohorts still draws."""
        assert PNG == cohort_chart(cohort_report(EMPTY, period="week", zone=dt.UTC))[:8]


class TestBothCharts:
    @pytest.mark.parametrize(("chart", "report"), CHARTS)
    @pytest.mark.parametrize("format", FORMATS)
    def test_the_same_report_draws_the_same_bytes(self, chart, report, format):  # noqa: A002
        """A chart carries no creation date nor random ids: drawn twice, it is the same bytes."""
        assert chart(report, format=format) == chart(report, format=format)

    @pytest.mark.parametrize(("chart", "report"), CHARTS)
    @pytest.mark.parametrize("format", ["jpeg", "PNG", ".png", "", None])
    def test_unknown_formats_are_refused(self, chart, report, format):  # noqa: A002
        """Only 'png', 'svg' and 'pdf' are drawn; another format is a ValueError naming them."""
        with pytest.raises(ValueError, match=r"use 'png', 'svg' or 'pdf'"):
            chart(report, format=format)

    @pytest.mark.parametrize(
        ("chart", "report", "message"),
        [
            (funnel_chart, COHORTS, "funnel_chart draws a FunnelReport, not a CohortReport"),
            (cohort_chart, FUNNEL, "cohort_chart draws a CohortReport, not a FunnelReport"),
            (funnel_chart, PROGRESS, "funnel_chart draws a FunnelReport, not a FunnelProgress"),
        ],
    )
    def test_another_value_is_refused(self, chart, report, message):
        """A chart given something other than its report says what it draws."""
        with pytest.raises(TypeError, match=message):
            chart(report)

    @pytest.mark.parametrize(("chart", "report"), CHARTS)
    @pytest.mark.parametrize("format", FORMATS)
    def test_nothing_is_written(self, tmp_path, monkeypatch, chart, report, format):  # noqa: A002
        """Drawing a chart returns its bytes and writes no file where it runs."""
        monkeypatch.chdir(tmp_path)
        (tmp_path / "kept.txt").write_text("kept", encoding="utf-8")
        before = sorted(path.name for path in tmp_path.iterdir())
        chart(report, format=format)
        assert before == sorted(path.name for path in tmp_path.iterdir())


# Run in a fresh interpreter: audit hooks cannot be removed once added.
# matplotlib is imported first (its import reads its configuration and
# font cache, and may write the cache); everything after is the drawing.
AUDIT = textwrap.dedent(
    """
    import datetime as dt, json, os, sys

    import matplotlib
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import matplotlib.ticker

    from convroute.funnel import (
        Funnel, Stage, cohort_chart, cohort_report, funnel_chart, funnel_progress, funnel_report,
    )

    CHANGES = {
        "os.mkdir", "os.remove", "os.rename", "os.rmdir", "os.truncate", "os.chmod",
        "os.chown", "os.link", "os.symlink", "os.utime", "os.system", "os.exec", "os.spawn",
        "os.fork", "os.posix_spawn", "os.startfile", "shutil.copyfile", "shutil.copytree",
        "shutil.move", "shutil.rmtree", "subprocess.Popen", "socket.connect",
        "tempfile.mkstemp", "tempfile.mkdtemp", "urllib.Request",
    }
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    changes, reads = [], set()

    def hook(event, args):
        if event in CHANGES:
            changes.append([event, repr(args[:1])])
        elif event == "open" and isinstance(args[0], str):
            mode, flags = args[1] or "r", args[2]
            if set(str(mode)) & set("wax+") or flags & WRITE:
                changes.append([event, args[0]])
            elif not args[0].endswith((".py", ".pyc")):
                reads.add(args[0])

    funnel = Funnel(name="Sales", stages=[Stage(name="Lead Entry")])
    progress = funnel_progress(funnel, [])
    sys.addaudithook(hook)
    for format in ("png", "svg", "pdf"):
        funnel_chart(funnel_report(progress), format=format)
        cohort_chart(cohort_report(progress, period="day", zone=dt.UTC), format=format)
    fonts = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts")
    print(json.dumps({
        "changes": changes,
        "other reads": sorted(path for path in reads if not path.startswith(fonts)),
    }))
    """
)


class TestWhatDrawingTouches:
    def test_drawing_writes_nothing_and_reads_only_matplotlib_s_fonts(self, tmp_path):
        """Once matplotlib is imported, drawing changes no file and reads only its fonts."""
        done = subprocess.run(
            [sys.executable, "-c", AUDIT],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        assert {"changes": [], "other reads": []} == json.loads(done.stdout)
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


class TestStagesNoLongerInTheFunnel:
    @pytest.mark.parametrize("chart", [funnel_chart, cohort_chart])
    def test_drawn_after_the_funnel_s_stages_and_marked(self, chart):
        """A stage renamed or removed that records name is drawn too, marked so."""
        renamed = Funnel(name="Sales", stages=[Stage(name="Lead Entry"), Stage(name="Booked")])
        progress = funnel_progress(renamed, RECORDS)
        report = (
            funnel_report(progress)
            if chart is funnel_chart
            else cohort_report(progress, period="day", zone=dt.UTC)
        )
        assert b"Scheduling (not in the funnel)" in chart(report, format="svg")


class TestWithoutTheExtra:
    @pytest.mark.parametrize(("chart", "report"), CHARTS)
    def test_missing_matplotlib_names_the_extra(self, monkeypatch, chart, report):
        """Without matplotlib, drawing raises MissingExtraError naming the charts extra."""
        for name in list(sys.modules):
            if name == "matplotlib" or name.startswith("matplotlib."):
                monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        with pytest.raises(MissingExtraError) as caught:
            chart(report)
        assert "charts" == caught.value.extra


class TestNoWritingInThePurePackage:
    @pytest.mark.parametrize("name", ["draw_funnel", "draw_cohorts", "ChartTarget"])
    def test_the_writers_are_gone(self, name):
        """convroute.funnel draws charts as bytes only: nothing in it writes a file."""
        assert not hasattr(convroute.funnel, name)
