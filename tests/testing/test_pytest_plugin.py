import subprocess
import sys

from example_account import EXAMPLE_PATH


pytest_plugins = ["pytester"]

CASES = """config = "account.toml"

[[case]]
name = "AI goes to Asha"
given = [{ says = ["919800000001", "Hi"] }, { taps = ["919800000001", "AI"] }]
expect = [{ assigned = { lead = "919800000001", user = "u-asha" } }]

[[case]]
name = "AI goes to Chen"
given = [{ says = ["919800000001", "Hi"] }, { taps = ["919800000001", "AI"] }]
expect = [{ assigned = { lead = "919800000001", user = "u-chen" } }]
"""
FAILED_LINES = [
    (
        'expected assigned {lead = "919800000001", user = "u-chen"}, got assign {user = "u-asha", '
        'rule = "AI desk", target = "chat_group:AI counsellors"}'
    ),
    "  opportunity_owner: skipped, no owner",
    "  chat_group:AI counsellors: picked Asha Rao (u-asha)",
]


def account(pytester):
    pytester.path.joinpath("account.toml").write_text(
        EXAMPLE_PATH.read_text(encoding="utf-8"), encoding="utf-8"
    )


class TestPlugin:
    def test_one_item_per_case(self, pytester):
        """Each case of a *.convroute.toml file is a test item, named as the case."""
        account(pytester)
        pytester.makefile(".convroute.toml", rules=CASES)
        result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
        assert [
            "rules.convroute.toml::AI goes to Asha",
            "rules.convroute.toml::AI goes to Chen",
        ] == [line for line in result.outlines if "::" in line]

    def test_failures_as_convroute_test_tells_them(self, pytester):
        """A failing case is reported with the lines convroute test prints, and no traceback."""
        account(pytester)
        pytester.makefile(".convroute.toml", rules=CASES)
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1, failed=1)
        start = result.outlines.index(FAILED_LINES[0])
        assert FAILED_LINES == result.outlines[start : start + 3]
        assert not any("Traceback" in line for line in result.outlines)

    def test_json_and_yaml(self, pytester):
        """JSON and YAML test files are collected too."""
        account(pytester)
        pytester.makefile(
            ".convroute.json",
            rules='{"config": "account.toml", '
            '"case": [{"name": "j", "expect": [{"none": "menu"}]}]}',
        )
        pytester.makefile(
            ".convroute.yaml",
            rules="config: account.toml\ncase:\n  - name: y\n    expect:\n      - none: menu\n",
        )
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)

    def test_other_files_left_alone(self, pytester):
        """A TOML file whose name does not end in .convroute.toml is not collected."""
        account(pytester)
        pytester.makefile(".toml", rules=CASES)
        result = pytester.runpytest("-p", "no:cacheprovider")
        assert 5 == result.ret  # no tests collected

    def test_malformed_file(self, pytester):
        """A malformed file is a collection error listing every problem with its path."""
        account(pytester)
        pytester.makefile(
            ".convroute.toml",
            rules='config = "account.toml"\n[[case]]\nname = "c"\ngiven = [{ tap = "x" }]\n'
            'expect = [{ assigned = { lead = 1, user = "u" } }]\n',
        )
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(errors=1)
        path = pytester.path / "rules.convroute.toml"
        assert {
            (
                f"{path}: unknown step 'tap', did you mean 'taps'? (known: answers, away, back, "
                "close, lead, says, taps, user, wait) @ $.case[0].given[0].tap"
            ),
            f"{path}: expected text, not the number 1 @ $.case[0].expect[0].assigned.lead",
        } <= set(result.outlines)

    def test_a_lead_phone_that_is_no_phone(self, pytester):
        """A lead phone that is no phone in the configuration's country is a collection error."""
        account(pytester)
        pytester.makefile(
            ".convroute.toml", rules=CASES.replace('lead = "919800000001"', 'lead = "98x"')
        )
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(errors=1)
        path = pytester.path / "rules.convroute.toml"
        assert {
            (
                f"{path}: not a phone number '98x': 'x' is neither a digit nor punctuation "
                f"@ $.case[{index}].expect[0].assigned.lead"
            )
            for index in (0, 1)
        } <= set(result.outlines)

    def test_names_that_break_a_tests_id(self, pytester):
        """A case named with '::', '[' or ']', or nothing visible, is a collection error."""
        account(pytester)
        named = ["AI::weekend", "AI [weekend]", "\\u200b"]
        pytester.makefile(
            ".convroute.toml",
            rules='config = "account.toml"\n'
            + "".join(
                f'[[case]]\nname = "{name}"\nexpect = [{{ none = "menu" }}]\n' for name in named
            ),
        )
        result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
        path = pytester.path / "rules.convroute.toml"
        mark = "a case's name is a pytest test's name too, and cannot hold '::', '[' or ']'"
        assert (
            [],
            {
                f"{path}: {mark}, not 'AI::weekend' @ $.case[0].name",
                f"{path}: {mark}, not 'AI [weekend]' @ $.case[1].name",
                f"{path}: expected the case's name, not the text '\\u200b' @ $.case[2].name",
            },
        ) == (
            [line for line in result.outlines if line.startswith("rules.convroute.toml::")],
            {line for line in result.outlines if line.startswith(str(path))},
        )
        assert 2 == result.ret  # a collection error, nothing run

    def test_no_config(self, pytester):
        """A file that names no configuration is a collection error saying how to name one."""
        pytester.makefile(".convroute.toml", rules=CASES.replace('config = "account.toml"', ""))
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(['*names no configuration: add config = "account.toml"*'])

    def test_bad_config(self, pytester):
        """A configuration with problems is a collection error listing them."""
        pytester.path.joinpath("account.toml").write_text("max_reprompts = -1\n")
        pytester.makefile(".convroute.toml", rules=CASES)
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*account.toml: must be 0 or more @ $.max_reprompts"])

    def test_config_naming_a_test_file(self, pytester):
        """A test file whose config names a test file is told so, not its keys as unknown."""
        pytester.makefile(
            ".convroute.toml", rules=CASES.replace("account.toml", "rules.convroute.toml")
        )
        result = pytester.runpytest("-p", "no:cacheprovider")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            ["*rules.convroute.toml: config names a test file, not a configuration @ $.config"]
        )


class TestWithoutPytest:
    def test_convroute_imports_without_pytest(self):
        """convroute and convroute.testing import with pytest unimportable."""
        code = (
            "import sys\n"
            "sys.modules['pytest'] = None\n"
            "import convroute, convroute.testing, convroute.cli\n"
            "print('pytest' in sys.modules and sys.modules['pytest'] is not None)\n"
        )
        found = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "False\n" == found.stdout


class TestCheapToLoad:
    def test_the_entry_point_is_the_light_module(self):
        """pytest loads _convroute_pytest, which imports no convroute by itself."""
        code = (
            "import sys\n"
            "from importlib.metadata import entry_points\n"
            "(point,) = [p for p in entry_points(group='pytest11') if p.name == 'convroute']\n"
            "point.load()\n"
            "print(point.value, 'convroute' in sys.modules)\n"
        )
        found = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "_convroute_pytest False\n" == found.stdout

    def test_a_run_without_test_files_imports_no_convroute(self, pytester):
        """A project's own tests, with no test file among them, run without importing convroute."""
        pytester.makepyfile(
            test_plain="""
            import sys

            def test_convroute_not_imported():
                assert "convroute" not in sys.modules
            """
        )
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1)

    def test_a_run_with_a_test_file_collects_it(self, pytester):
        """Beside a test file, the light module hands it to convroute's plugin."""
        account(pytester)
        pytester.makefile(".convroute.toml", rules=CASES)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1, failed=1)
