import io
import json
import pathlib
import sys

import pytest

from convroute.adapters import SQLiteStore
from convroute.cli import _progress, _report, main
from convroute.config import load_config
from convroute.errors import MissingExtraError
from convroute.simulate import simulate


SEED = pathlib.Path(__file__).parents[2] / "examples" / "account.toml"
NUMBER = "918040001234"
PNG = b"\x89PNG\r\n\x1a\n"
PDF = b"%PDF-"
SVG = b"<?xml"
SUPPORT = f"""
[[funnels]]
name = "Support Desk"

[[funnels.stages]]
name = "Asked"

[[funnels.stages.triggers]]
phrase = "I need help"
number = "{NUMBER}"
source = "Help page"

[[funnels.stages]]
name = "Resolved"
follow_ups = ["Glad we could help"]
"""


def incoming(ident, lead, at, text="Hi, I came from Instagram!"):
    return json.dumps(
        {"type": "incoming", "id": ident, "at": at, "from": lead, "to": NUMBER, "text": text}
    )


def outgoing(ident, lead, at, text="Thank you for scheduling with us!"):
    return json.dumps(
        {"type": "outgoing", "id": ident, "at": at, "from": NUMBER, "to": lead, "text": text}
    )


EVENTS = [
    # 1 November 19:30 in UTC, 2 November in Kolkata: the zone decides the day.
    incoming("wamid.1", "919800000001", "2026-11-02T01:00:00+05:30"),
    outgoing("out.1", "919800000001", "2026-11-02T09:00:00+05:30"),
    incoming("wamid.2", "919800000002", "2026-11-03T09:00:00+05:30"),
    incoming("wamid.3", "919800000003", "2026-12-01T09:00:00+05:30"),
]


def make_store(path, config, events):
    with SQLiteStore(path) as store:
        list(simulate(config, store, events))
    return path


@pytest.fixture
def store(tmp_path):
    """A store holding four records of funnel 'Sales': three leads, one scheduled."""
    return make_store(tmp_path / "state.db", load_config(SEED), EVENTS)


@pytest.fixture
def two_funnels(tmp_path):
    """A configuration with the seed's funnel 'Sales' and then 'Support Desk'."""
    path = tmp_path / "two.toml"
    path.write_text(SEED.read_text(encoding="utf-8") + SUPPORT, encoding="utf-8")
    return path


def report(store, *options, config=SEED):
    return main(["report", str(config), "--store", f"sqlite:{store}", *options])


def cohort_rows(out):
    """The lines of the cohort table after its header."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if "Entered" in line)
    return lines[header + 1 :]


def cohort_header(out):
    """The header line of the cohort table."""
    return next(line for line in out.splitlines() if "Entered" in line)


def one_error_line(capsys):
    out, err = capsys.readouterr()
    assert "" == out
    assert 1 == len(err.splitlines())
    assert err.startswith("convroute: ")
    return err


class TestTables:
    def test_funnel_and_cohorts(self, capsys, store):
        """The funnel table then the weekly cohort table, in UTC by default."""
        assert 0 == report(store)
        out, err = capsys.readouterr()
        assert (
            "Funnel 'Sales': 3 leads entered\n"
            "\n"
            "Stage       Reached  Share  Currently here\n"
            "Lead Entry        3   100%               2\n"
            "Scheduling        1    33%               1\n"
            "\n"
            "Cohorts of funnel 'Sales' by week (UTC)\n"
            "\n"
            "Week of     Entered  Lead Entry  Scheduling\n"
            "2026-10-26        1    1 (100%)    1 (100%)\n"
            "2026-11-02        1    1 (100%)      0 (0%)\n"
            "2026-11-30        1    1 (100%)      0 (0%)\n"
        ) == out
        assert "" == err

    def test_stage_renamed_since(self, capsys, store, tmp_path):
        """Records of a stage renamed since are listed, marked, and counted in one line."""
        renamed = tmp_path / "renamed.toml"
        text = SEED.read_text(encoding="utf-8").replace('name = "Scheduling"', 'name = "Booked"')
        renamed.write_text(text, encoding="utf-8")
        assert 0 == report(store, config=renamed)
        out = capsys.readouterr().out
        assert (
            "Funnel 'Sales': 3 leads entered\n"
            "\n"
            "Stage                           Reached  Share  Currently here\n"
            "Lead Entry                            3   100%               2\n"
            "Booked                                0     0%               0\n"
            "Scheduling (not in the funnel)        1    33%               1\n"
            "\n"
            "1 record names a stage no longer in the funnel: 'Scheduling'"
        ) == out[: out.index("\n\nCohorts")]
        assert "Scheduling (not in the funnel)" in cohort_header(out)

    def test_funnel_renamed_since(self, capsys, store, tmp_path):
        """Records of a funnel renamed since are not dropped silently: one line counts them."""
        renamed = tmp_path / "renamed.toml"
        text = SEED.read_text(encoding="utf-8").replace('name = "Sales"', 'name = "Ventas"')
        renamed.write_text(text, encoding="utf-8")
        assert 0 == report(store, config=renamed)
        out = capsys.readouterr().out

        expected = "\n4 records name a funnel not in the configuration: 'Sales'\n"
        assert (True, expected) == (
            out.startswith("Funnel 'Ventas': 0 leads"),
            out[-len(expected) :],
        )

    def test_by_day(self, capsys, store):
        """--by day makes one cohort per day leads entered on."""
        assert 0 == report(store, "--by", "day")
        rows = cohort_rows(capsys.readouterr().out)
        assert ["2026-11-01", "2026-11-03", "2026-12-01"] == [row.split()[0] for row in rows]

    def test_by_month(self, capsys, store):
        """--by month makes one cohort per month, labelled year-month."""
        assert 0 == report(store, "--by", "month")
        out = capsys.readouterr().out
        assert [
            "2026-11        2    2 (100%)     1 (50%)",
            "2026-12        1    1 (100%)      0 (0%)",
        ] == cohort_rows(out)
        assert "Cohorts of funnel 'Sales' by month (UTC)" in out

    def test_time_zone(self, capsys, store):
        """--tz cuts the cohorts in that zone: a lead's evening in UTC is the next day."""
        assert 0 == report(store, "--by", "day", "--tz", "Asia/Kolkata")
        out = capsys.readouterr().out
        rows = cohort_rows(out)
        assert ["2026-11-02", "2026-11-03", "2026-12-01"] == [row.split()[0] for row in rows]
        assert "Cohorts of funnel 'Sales' by day (Asia/Kolkata)" in out

    def test_every_funnel_in_config_order(self, capsys, tmp_path, two_funnels):
        """Without --funnel, every funnel of the config is reported, in its order."""
        events = [
            *EVENTS,
            incoming("wamid.9", "919800000009", "2026-11-04T10:00:00Z", "I need help"),
        ]
        path = make_store(tmp_path / "two.db", load_config(two_funnels), events)
        assert 0 == report(path, config=two_funnels)
        titles = [line for line in capsys.readouterr().out.splitlines() if "funnel" in line.lower()]
        assert [
            "Funnel 'Sales': 3 leads entered",
            "Cohorts of funnel 'Sales' by week (UTC)",
            "Funnel 'Support Desk': 1 lead entered",
            "Cohorts of funnel 'Support Desk' by week (UTC)",
        ] == titles

    def test_one_funnel(self, capsys, store, two_funnels):
        """--funnel reports that funnel only, even one without records."""
        assert 0 == report(store, "--funnel", "Support Desk", config=two_funnels)
        out = capsys.readouterr().out
        assert out.startswith("Funnel 'Support Desk': 0 leads entered\n")
        assert "Sales" not in out

    def test_empty_store(self, capsys, tmp_path):
        """A store without records reports no leads, and that is no failure."""
        path = tmp_path / "empty.db"
        SQLiteStore(path).close()
        assert 0 == report(path)
        assert capsys.readouterr().out.startswith("Funnel 'Sales': 0 leads entered\n")


class TestUnusableInput:
    def test_unknown_funnel(self, capsys, store):
        """An unknown --funnel exits 2 with one line naming the config's funnels."""
        assert 2 == report(store, "--funnel", "Marketing")
        err = one_error_line(capsys)
        assert f"convroute: {SEED}: unknown funnel 'Marketing'; its funnels: 'Sales'\n" == err

    @pytest.mark.parametrize("zone", ["Nowhere/Zone", "/etc/passwd", "America", "zone.tab", ""])
    def test_unknown_time_zone(self, capsys, store, zone):
        """A --tz that is no IANA zone exits 2 with one line."""
        assert 2 == report(store, "--tz", zone)
        err = one_error_line(capsys)
        assert f"unknown time zone {zone!r}" in err

    def test_missing_store(self, capsys, tmp_path):
        """A store file that does not exist exits 2 and is not created."""
        path = tmp_path / "typo.db"
        assert 2 == report(path)
        assert f"convroute: no store at {path}: no such file\n" == one_error_line(capsys)
        assert [] == list(tmp_path.iterdir())

    def test_store_is_a_folder(self, capsys, tmp_path):
        """A folder given as the store exits 2 with one line."""
        assert 2 == report(tmp_path)
        assert f"convroute: no store at {tmp_path}: not a file\n" == one_error_line(capsys)

    def test_store_is_an_empty_file(self, capsys, tmp_path):
        """An empty file is no store a service wrote to: exit 2, and it stays empty."""
        path = tmp_path / "empty.db"
        path.touch()
        assert 2 == report(path)
        assert f"convroute: no store at {path}: the file is empty\n" == one_error_line(capsys)
        assert b"" == path.read_bytes()

    def test_memory_store(self, capsys):
        """--store memory is refused: it would always be empty."""
        assert 2 == main(["report", str(SEED), "--store", "memory"])
        assert "a memory store starts empty" in one_error_line(capsys)

    @pytest.mark.parametrize(
        ("command", "spec", "says"),
        [
            (["report", str(SEED)], "postgresql://[::1/db", "Invalid IPv6 URL"),
            (["demo"], "postgresql://[::1/db", "Invalid IPv6 URL"),
            (["report", str(SEED)], "postgresql://r\udcff@/db", "not Unicode text"),
            (["demo"], "postgresql://r\udcff@/db", "not Unicode text"),
        ],
    )
    def test_a_postgres_url_that_cannot_be_read(self, capsys, command, spec, says):
        """A PostgreSQL URL that cannot be parsed or encoded exits 2 with one line, not 70."""
        status = main([*command, "--store", spec])

        line = one_error_line(capsys)
        expected = f"convroute: --store: not a PostgreSQL URL {spec!r}: "
        assert (2, expected, True) == (status, line[: len(expected)], says in line)

    @pytest.mark.parametrize(
        "command",
        [
            ["report", str(SEED)],
            ["outbox", "stats"],
            ["outbox", "list"],
            ["prune", "--older-than", "30d"],
            ["forget", "919812345678"],
            ["simulate", str(SEED), str(SEED)],
            ["demo"],
        ],
        ids=lambda command: " ".join(command[:2]).replace(str(SEED), "CONFIG"),
    )
    def test_an_unknown_postgres_url_parameter_is_named(self, capsys, command):
        """A URL parameter PostgreSQL does not know exits 2 with one line naming it, unconnected."""
        pytest.importorskip("psycopg")
        spec = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1&foo=bar"

        status = main([*command, "--store", spec])

        expected = (
            "convroute: --store: the PostgreSQL URL has a parameter PostgreSQL does not know: "
            "'foo'\n"
        )
        assert (2, expected) == (status, one_error_line(capsys))

    @pytest.mark.parametrize("spec", ["mysql://db", "sqlite:", "state.db"])
    def test_unknown_store(self, capsys, spec):
        """A --store other than sqlite:PATH or a PostgreSQL URL exits 2 with one line."""
        assert 2 == main(["report", str(SEED), "--store", spec])
        assert one_error_line(capsys).startswith(f"convroute: unknown store {spec!r}: use ")

    def test_invalid_config(self, capsys, store, tmp_path):
        """Every problem of the config is a line with its path, and the exit status is 2."""
        path = tmp_path / "bad.toml"
        path.write_text('max_reprompts = -1\nlead_level_rule = "Nobody"\n', encoding="utf-8")
        assert 2 == report(store, config=path)
        _, err = capsys.readouterr()
        assert [
            f"convroute: {path}: must be 0 or more @ $.max_reprompts",
            f"convroute: {path}: unknown routing rule 'Nobody' @ $.lead_level_rule",
        ] == err.splitlines()

    def test_missing_config(self, capsys, store, tmp_path):
        """A missing config exits 2 with one line."""
        path = tmp_path / "none.toml"
        assert 2 == report(store, config=path)
        err = one_error_line(capsys)
        assert f"convroute: cannot read {path}: No such file or directory\n" == err

    def test_config_needing_an_extra(self, capsys, store, tmp_path, monkeypatch):
        """A YAML config without the yaml extra exits 2 with one line."""
        monkeypatch.setitem(sys.modules, "yaml", None)
        path = tmp_path / "account.yaml"
        path.write_text("users: []\n", encoding="utf-8")
        assert 2 == report(store, config=path)
        assert f"convroute: cannot use {path}: reading YAML needs" in one_error_line(capsys)

    def test_config_without_funnels(self, capsys, store, tmp_path):
        """A config without funnels has nothing to report: exit 1, one line."""
        path = tmp_path / "empty.toml"
        path.write_text("", encoding="utf-8")
        assert 1 == report(store, config=path)
        assert f"convroute: {path}: no funnels to report\n" == one_error_line(capsys)

    def test_not_a_database(self, capsys, tmp_path):
        """A file that is not a SQLite store exits 2 with one line, left as it was."""
        path = tmp_path / "notes.txt"
        path.write_bytes(b"not a database, just some notes\n" * 100)
        assert 2 == report(path)
        assert "file is not a database" in one_error_line(capsys)
        assert b"not a database, just some notes\n" * 100 == path.read_bytes()

    @pytest.mark.parametrize(
        "options",
        [
            pytest.param(["--png", "a.png", "--svg", "a.svg"], id="png-and-svg"),
            pytest.param(["--chart", "a.pdf", "--png", "a.png"], id="chart-and-png"),
            pytest.param(["--by", "year"], id="unknown-period"),
        ],
    )
    def test_usage_errors(self, capsys, store, options):
        """Options that do not go together, or an unknown period, are usage errors: exit 2."""
        with pytest.raises(SystemExit) as caught:
            report(store, *options)
        assert 2 == caught.value.code
        assert "usage: convroute report" in capsys.readouterr().err

    def test_config_and_store_are_required(self, capsys):
        """Without CONFIG and --store, report is a usage error."""
        with pytest.raises(SystemExit) as caught:
            main(["report"])
        assert 2 == caught.value.code
        assert "CONFIG" in capsys.readouterr().err


class TestCharts:
    def test_png(self, capsys, store, tmp_path):
        """--png writes the funnel chart to FILE and the cohorts beside it, as PNG."""
        target = tmp_path / "report.png"
        assert 0 == report(store, "--png", str(target))
        assert capsys.readouterr().out.startswith("Funnel 'Sales'")
        assert PNG == target.read_bytes()[:8]
        assert PNG == (tmp_path / "report-cohorts.png").read_bytes()[:8]

    def test_svg(self, store, tmp_path):
        """--svg writes both charts as SVG."""
        target = tmp_path / "report.svg"
        assert 0 == report(store, "--svg", str(target))
        for path in (target, tmp_path / "report-cohorts.svg"):
            text = path.read_text(encoding="utf-8")
            assert text.startswith("<?xml")
            assert "<svg" in text

    def test_option_decides_the_format(self, store, tmp_path):
        """The option, not the suffix, says the format; a FILE without a suffix is fine."""
        target = tmp_path / "chart"
        assert 0 == report(store, "--png", str(target))
        assert PNG == target.read_bytes()[:8]
        assert PNG == (tmp_path / "chart-cohorts").read_bytes()[:8]

    @pytest.mark.parametrize(
        ("name", "magic"),
        [("r.png", PNG), ("r.svg", SVG), ("r.pdf", PDF), ("r.PDF", PDF)],
    )
    def test_chart_takes_the_format_from_the_suffix(self, store, tmp_path, name, magic):
        """--chart FILE writes both charts in the format FILE's suffix names."""
        target = tmp_path / name
        assert 0 == report(store, "--chart", str(target))
        cohorts = tmp_path / f"r-cohorts{target.suffix}"
        size = len(magic)
        assert (magic, magic) == (target.read_bytes()[:size], cohorts.read_bytes()[:size])

    @pytest.mark.parametrize(
        ("given", "message"),
        [
            (("--chart", "r.jpg"), "--chart: cannot tell the chart format from '.jpg'"),
            (("--chart", "r"), "--chart: cannot tell the chart format from no suffix"),
            (("--png", "r.pdf"), "--png writes PNG but 'r.pdf' names a .pdf file"),
            (("--png", "r.svg"), "--png writes PNG but 'r.svg' names a .svg file"),
            (("--svg", "r.png"), "--svg writes SVG but 'r.png' names a .png file"),
            (("--png", "r.jpg"), "--png writes PNG but 'r.jpg' names a .jpg file"),
        ],
    )
    def test_a_suffix_that_is_not_the_format_is_refused(
        self, capsys, store, tmp_path, given, message
    ):
        """A file whose suffix names another format, or none known, exits 2 and writes nothing."""
        option, name = given
        assert 2 == report(store, option, str(tmp_path / name))
        assert message in one_error_line(capsys)
        assert [] == list(tmp_path.glob("r*"))

    def test_several_funnels(self, store, tmp_path, two_funnels):
        """With several funnels, each chart's name carries its funnel's, spaces made dashes."""
        assert 0 == report(store, "--png", str(tmp_path / "r.png"), config=two_funnels)
        assert {
            "r-Sales.png",
            "r-Sales-cohorts.png",
            "r-Support-Desk.png",
            "r-Support-Desk-cohorts.png",
        } == {path.name for path in tmp_path.glob("r-*")}

    def test_names_that_make_one_file(self, capsys, store, tmp_path, two_funnels):
        """Funnel names that would make one chart file name exit 2 and write nothing."""
        clash = two_funnels.read_text(encoding="utf-8").replace("Support Desk", "Sales cohorts")
        two_funnels.write_text(clash, encoding="utf-8")
        assert 2 == report(store, "--png", str(tmp_path / "r.png"), config=two_funnels)
        assert "report one at a time with --funnel" in one_error_line(capsys)
        assert [] == list(tmp_path.glob("r*"))

    def test_without_matplotlib(self, capsys, store, tmp_path, monkeypatch):
        """Without the charts extra, the tables print and one line says what to install."""
        for module in ("matplotlib", "matplotlib.backends.backend_agg", "matplotlib.figure"):
            monkeypatch.setitem(sys.modules, module, None)
        assert 1 == report(store, "--png", str(tmp_path / "report.png"))
        out, err = capsys.readouterr()
        assert out.startswith("Funnel 'Sales'")
        assert (
            "convroute: drawing funnel charts needs the 'charts' extra: "
            "pip install 'convroute[charts]'\n"
        ) == err
        assert [] == list(tmp_path.glob("report*"))

    def test_a_chart_that_cannot_be_drawn_leaves_neither(
        self, capsys, store, tmp_path, monkeypatch
    ):
        """When the cohort chart cannot be drawn, the funnel chart is not written either."""

        def cannot_draw(*_given, **_named):
            raise MissingExtraError("drawing funnel charts", "charts")

        monkeypatch.setattr(_report, "cohort_chart", cannot_draw)
        assert 1 == report(store, "--png", str(tmp_path / "report.png"))
        _, err = capsys.readouterr()
        assert 1 == len(err.splitlines())
        assert "needs the 'charts' extra" in err
        assert [] == list(tmp_path.glob("report*"))

    def test_unwritable(self, capsys, store, tmp_path):
        """A chart that cannot be written exits 1 with one line naming the file."""
        target = tmp_path / "missing" / "report.png"
        assert 1 == report(store, "--png", str(target))
        _, err = capsys.readouterr()
        assert [f"convroute: cannot write {target}: No such file or directory"] == (
            err.splitlines()
        )


class Terminal(io.StringIO):
    """Standard error as a person sees it: a terminal."""

    def isatty(self):
        return True


class TestProgress:
    def test_on_a_terminal(self, capsys, store, monkeypatch):
        """On a terminal, a count of the records read is shown, then cleared."""
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setattr(_progress, "EVERY", 2)
        assert 0 == report(store)
        shown = "4 records read"
        assert "\r2 records read\r" + shown + "\r" + " " * (len(shown) + 1) + "\r" == (
            terminal.getvalue()
        )
        assert capsys.readouterr().out.startswith("Funnel 'Sales'")

    def test_elsewhere(self, capsys, store, monkeypatch):
        """Standard error that is not a terminal gets no progress line."""
        monkeypatch.setattr(_progress, "EVERY", 1)
        assert 0 == report(store)
        assert "" == capsys.readouterr().err


class TestHelp:
    def test_help(self, capsys):
        """report --help explains the options and how the chart files are named."""
        with pytest.raises(SystemExit) as caught:
            main(["report", "--help"])
        assert 0 == caught.value.code
        out = capsys.readouterr().out
        assert "CONFIG" in out
        assert "report-cohorts.png" in out
