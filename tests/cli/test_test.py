import xml.etree.ElementTree as ET

import pytest

from convroute.cli import main
from example_account import EXAMPLE_PATH


PASSING = """
[[case]]
name = "AI goes to Asha"
given = [{ says = ["919800000001", "Hi"] }, { taps = ["919800000001", "AI"] }]
expect = [{ assigned = { lead = "919800000001", user = "u-asha" } }]
"""
FAILING = """
[[case]]
name = "AI goes to Chen"
given = [{ says = ["919800000001", "Hi"] }, { taps = ["919800000001", "AI"] }]
expect = [{ assigned = { lead = "919800000001", user = "u-chen" } }, { none = "created" }]
"""
FAILED_LINES = [
    (
        'FAIL AI goes to Chen: expected assigned {lead = "919800000001", user = "u-chen"}, got '
        'assign {user = "u-asha", rule = "AI desk", target = "chat_group:AI counsellors"}'
    ),
    "    opportunity_owner: skipped, no owner",
    "    chat_group:AI counsellors: picked Asha Rao (u-asha)",
    (
        '  expected no created action, got create_opportunity {lead = "919800000001", fields = '
        '{Course = "AI"}}'
    ),
]


BELL_CONFIG = """
[[users]]
id = "u-m"
name = "Meera\\u0007"
admin = true

[[routing_rules]]
name = "desk"
targets = [{ kind = "admin" }]

[[numbers]]
number = "918040001234"
create_new_rule = "desk"
other_queries_rule = "desk"
"""


@pytest.fixture
def files(tmp_path):
    passing = tmp_path / "passing.convroute.toml"
    passing.write_text(PASSING, encoding="utf-8")
    failing = tmp_path / "failing.convroute.toml"
    failing.write_text(FAILING + PASSING.replace("AI goes to Asha", "again"), encoding="utf-8")
    return passing, failing


class TestTestCommand:
    def test_all_pass(self, capsys, files):
        """Every case passing prints ok lines and a summary, and exits 0."""
        passing, _ = files
        assert 0 == main(["test", str(EXAMPLE_PATH), str(passing)])
        out, err = capsys.readouterr()
        assert (["ok AI goes to Asha", "1 passed, 0 failed"], "") == (out.splitlines(), err)

    def test_any_fails(self, capsys, files):
        """A failing case prints what was expected, what there was and why, and exits 1."""
        passing, failing = files
        assert 1 == main(["test", str(EXAMPLE_PATH), str(passing), str(failing)])
        out, err = capsys.readouterr()
        assert (
            ["ok AI goes to Asha", *FAILED_LINES, "ok again", "2 passed, 1 failed"],
            "",
        ) == (out.splitlines(), err)

    def test_config_given_wins(self, capsys, tmp_path):
        """The CONFIG argument is used whatever configuration the test file names."""
        path = tmp_path / "named.convroute.toml"
        path.write_text('config = "missing.toml"\n' + PASSING, encoding="utf-8")
        assert 0 == main(["test", str(EXAMPLE_PATH), str(path)])
        assert "1 passed, 0 failed\n" == capsys.readouterr().out.splitlines(keepends=True)[-1]

    def test_malformed_file(self, capsys, files, tmp_path):
        """Every problem of every malformed file is printed with its path, exit 2, nothing run."""
        passing, _ = files
        bad = tmp_path / "bad.convroute.toml"
        bad.write_text(
            '[[case]]\nname = "c"\ngiven = [{ tap = ["1", "AI"] }, { wait = 15 }]\n'
            'expect = [{ assigned = { lead = "1", user = "u", usr = "x" } }]\n',
            encoding="utf-8",
        )
        assert 2 == main(["test", str(EXAMPLE_PATH), str(passing), str(bad)])
        out, err = capsys.readouterr()
        assert "" == out
        assert [
            (
                f"convroute: {bad}: unknown step 'tap', did you mean 'taps'? (known: answers, "
                "away, back, close, lead, says, taps, user, wait) @ $.case[0].given[0].tap"
            ),
            (
                f"convroute: {bad}: expected a duration such as '90s', '15m', '24h' or '7d', not "
                "the number 15 @ $.case[0].given[1].wait"
            ),
            f"convroute: {bad}: unknown key(s): usr @ $.case[0].expect[0].assigned",
        ] == err.splitlines()

    def test_a_lead_phone_that_is_no_phone(self, capsys, files, tmp_path):
        """A lead phone that is no phone is a problem of its file, with its path: exit 2."""
        passing, _ = files
        bad = tmp_path / "bad.convroute.toml"
        bad.write_text(PASSING.replace('lead = "919800000001"', 'lead = "98x"'), encoding="utf-8")
        assert 2 == main(["test", str(EXAMPLE_PATH), str(passing), str(bad)])
        out, err = capsys.readouterr()
        assert (
            "",
            [
                (
                    f"convroute: {bad}: not a phone number '98x': 'x' is neither a digit nor "
                    "punctuation @ $.case[0].expect[0].assigned.lead"
                )
            ],
        ) == (out, err.splitlines())

    def test_missing_file(self, capsys, tmp_path):
        """A test file that cannot be read exits 2 with one line."""
        missing = tmp_path / "missing.convroute.toml"
        assert 2 == main(["test", str(EXAMPLE_PATH), str(missing)])
        assert (
            f"convroute: cannot read {missing}: No such file or directory\n"
            == capsys.readouterr().err
        )

    def test_a_test_file_as_the_config(self, capsys, files):
        """A test file given first, as CONFIG, is named as such, with the order to use."""
        passing, _ = files
        assert 2 == main(["test", str(passing), str(EXAMPLE_PATH)])
        assert (
            f"convroute: {passing} is a test file, not a configuration: "
            "give the configuration first (convroute test CONFIG FILE...)"
        ) == capsys.readouterr().err.splitlines()[-1]

    def test_the_config_as_a_test_file(self, capsys, files):
        """The configuration given among the test files is named as such, not as 14 unknown keys."""
        passing, _ = files
        assert 2 == main(["test", str(EXAMPLE_PATH), str(passing), str(EXAMPLE_PATH)])
        assert [
            (
                f"convroute: {EXAMPLE_PATH}: this is a configuration, not a test file: it has "
                "chat_groups, conversation_timeout, funnels, lead_fields, lead_level_rule, … "
                "and no [[case]] @ $"
            )
        ] == capsys.readouterr().err.splitlines()

    @pytest.mark.parametrize(
        ("arguments", "named"),
        [
            (["", "PASSING"], "CONFIG"),
            (["CONFIG", ""], "FILE"),
            (["CONFIG", "PASSING", "--junit", ""], "--junit"),
        ],
    )
    def test_an_empty_path(self, capsys, files, arguments, named):
        """An empty path is refused by name, not read as the current folder ('.')."""
        passing, _ = files
        given = [
            {"CONFIG": str(EXAMPLE_PATH), "PASSING": str(passing)}.get(arg, arg)
            for arg in arguments
        ]
        with pytest.raises(SystemExit) as exited:
            main(["test", *given])
        assert 2 == exited.value.code
        assert f"argument {named}: an empty path" in capsys.readouterr().err

    def test_a_folder(self, capsys, tmp_path):
        """A folder given as a test file exits 2 with one line, never a traceback."""
        assert 2 == main(["test", str(EXAMPLE_PATH), str(tmp_path)])
        assert capsys.readouterr().err.startswith(f"convroute: cannot read {tmp_path}: ")

    def test_a_folder_says_to_give_its_files(self, capsys, files, tmp_path):
        """A folder among the test files is said to be one, with how to give the files in it."""
        passing, _ = files
        folder = tmp_path / "cases"
        folder.mkdir()
        assert 2 == main(["test", str(EXAMPLE_PATH), str(passing), str(folder)])
        printed = capsys.readouterr()
        expected = (
            f"convroute: cannot read {folder}: it is a folder; give the test files in it, such "
            f"as {folder / '*.convroute.toml'}\n"
        )
        assert ("", expected) == (printed.out, printed.err)

    def test_bad_config(self, capsys, files, tmp_path):
        """An unusable configuration exits 2 with its problems."""
        passing, _ = files
        config = tmp_path / "bad.toml"
        config.write_text("max_reprompts = -1\n", encoding="utf-8")
        assert 2 == main(["test", str(config), str(passing)])
        assert (
            f"convroute: {config}: must be 0 or more @ $.max_reprompts\n" == capsys.readouterr().err
        )

    def test_no_file(self, capsys):
        """A test file must be given: a usage error, exit 2."""
        with pytest.raises(SystemExit) as exited:
            main(["test", str(EXAMPLE_PATH)])
        assert 2 == exited.value.code
        assert "the following arguments are required: FILE" in capsys.readouterr().err


class TestJunit:
    def test_report(self, capsys, files, tmp_path):
        """The JUnit file has a suite per file and a case per case, failures with their lines."""
        passing, failing = files
        report = tmp_path / "junit.xml"
        argv = ["test", str(EXAMPLE_PATH), str(passing), str(failing), "--junit", str(report)]
        assert 1 == main(argv)
        capsys.readouterr()
        root = ET.parse(report).getroot()  # noqa: S314 - the report the command just wrote
        suites = [
            (
                suite.get("name"),
                suite.get("tests"),
                suite.get("failures"),
                [
                    (
                        case.get("name"),
                        [(failure.get("message"), failure.text) for failure in case],
                    )
                    for case in suite.iter("testcase")
                ],
            )
            for suite in root.iter("testsuite")
        ]
        lines = [FAILED_LINES[0].removeprefix("FAIL AI goes to Chen: "), *FAILED_LINES[1:]]
        lines = [line.removeprefix("  ") for line in lines]
        assert [
            (str(passing), "1", "0", [("AI goes to Asha", [])]),
            (
                str(failing),
                "2",
                "1",
                [("AI goes to Chen", [(lines[0], "\n".join(lines))]), ("again", [])],
            ),
        ] == suites

    def test_unwritable(self, capsys, files, tmp_path):
        """A JUnit path that cannot be written exits 2 with a clear line."""
        passing, _ = files
        report = tmp_path / "missing" / "junit.xml"
        assert 2 == main(["test", str(EXAMPLE_PATH), str(passing), "--junit", str(report)])
        assert (
            f"convroute: cannot write the JUnit report {report}: No such file or directory\n"
            == capsys.readouterr().err
        )

    @pytest.mark.parametrize("which", ["config", "test file"])
    def test_a_report_over_a_file_read(self, capsys, files, tmp_path, which):
        """A JUnit path naming the configuration or a test file exits 2 and leaves it whole."""
        passing, _ = files
        config = tmp_path / "account.toml"
        config.write_text(EXAMPLE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
        target = config if which == "config" else passing
        before = target.read_text(encoding="utf-8")
        # Written another way, the path still names the same file.
        report = tmp_path / "." / target.name
        assert 2 == main(["test", str(config), str(passing), "--junit", str(report)])
        printed = capsys.readouterr()
        expected = (
            f"convroute: --junit {report} is the {which} {target} itself: the report would "
            "overwrite it; give another path\n"
        )
        assert (
            expected,
            "",
            before,
        ) == (printed.err, printed.out, target.read_text(encoding="utf-8"))

    def test_text_xml_cannot_hold(self, capsys, tmp_path):
        """A control character in a failure's lines (a user's name) is written as U+FFFD."""
        config = tmp_path / "bell.toml"
        config.write_text(BELL_CONFIG, encoding="utf-8")
        path = tmp_path / "a.convroute.toml"
        path.write_text(
            '[[case]]\nname = "bell"\ngiven = [{ says = ["919800000001", "Hi"] }]\n'
            'expect = [{ assigned = { lead = "919800000001", user = "u-x" } }]\n',
            encoding="utf-8",
        )
        report = tmp_path / "junit.xml"
        assert 1 == main(["test", str(config), str(path), "--junit", str(report)])
        capsys.readouterr()
        root = ET.parse(report).getroot()  # noqa: S314 - the report the command just wrote
        [failure] = root.iter("failure")
        assert "  admin: picked Meera\ufffd (u-m)" == failure.text.splitlines()[-1]

    def test_a_name_with_a_control_character(self, capsys, tmp_path):
        """A case named with a control character is refused before any case runs (exit 2)."""
        path = tmp_path / "a.convroute.json"
        path.write_text(
            '{"case": [{"name": "x\\ud800", "expect": [{"none": "unrouted"}]}]}',
            encoding="utf-8",
        )
        assert 2 == main(["test", str(EXAMPLE_PATH), str(path)])
        assert "a case's name is one line of text" in capsys.readouterr().err
