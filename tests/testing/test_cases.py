import datetime as dt
import json
import pathlib
import tempfile

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.config import loads_config
from convroute.errors import ConfigError, PhoneNumberError
from convroute.model import lead_phone
from convroute.testing import DEFAULT_START, Case, CaseFile, is_test_file, load_cases
from convroute.testing._expectations import AssignedExpected, MenuExpected, NoneExpected
from convroute.testing._steps import (
    STEPS,
    AnswersStep,
    AwayStep,
    GivenOpportunity,
    LeadStep,
    SaysStep,
    TapsStep,
    UserStep,
    WaitStep,
)
from example_account import EXAMPLE_PATH


def problems(tmp_path, text, name="cases.convroute.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_cases(path)
    return list(raised.value.errors)


def one_case(given, expect='[{ none = "assigned" }]'):
    return f'[[case]]\nname = "c"\ngiven = {given}\nexpect = {expect}\n'


class TestLoading:
    def test_steps_and_expectations(self, tmp_path):
        """Every step form (a value, a list, a table) reads into its step, in order."""
        path = tmp_path / "a.convroute.toml"
        path.write_text(
            'config = "account.toml"\n'
            "[[case]]\n"
            'name = "all"\n'
            "start = 2026-02-02T10:00:00+05:30\n"
            "given = [\n"
            '  { lead = { phone = "919800000001", name = "Priya", opportunities = [\n'
            '    { id = "o-1", type = "Course", fields = { Course = "AI" } } ] } },\n'
            '  { user = { id = "u-ben", available = false } },\n'
            '  { away = "u-asha" },\n'
            '  { says = ["919800000001", "Hi"] },\n'
            '  { taps = { lead = "919800000001", title = "AI" } },\n'
            '  { answers = ["919800000001", "u-ben"] },\n'
            '  { wait = "15m" },\n'
            "]\n"
            "expect = [\n"
            '  { menu = { lead = "919800000001", titles = ["AI"] } },\n'
            '  { assigned = { lead = "919800000001", user = "u-ben", rule = "AI desk" } },\n'
            '  { none = "unrouted" },\n'
            "]\n",
            encoding="utf-8",
        )
        start = dt.datetime(2026, 2, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
        expected = CaseFile(
            path,
            tmp_path / "account.toml",
            [
                Case(
                    "all",
                    start,
                    [
                        LeadStep(
                            "919800000001",
                            "Priya",
                            opportunities=(
                                GivenOpportunity("o-1", "Course", fields={"Course": "AI"}),
                            ),
                        ),
                        UserStep("u-ben", available=False),
                        AwayStep("u-asha"),
                        SaysStep("919800000001", "Hi"),
                        TapsStep("919800000001", "AI"),
                        AnswersStep("919800000001", "u-ben"),
                        WaitStep(dt.timedelta(minutes=15)),
                    ],
                    [
                        MenuExpected("919800000001", ("AI",)),
                        AssignedExpected("919800000001", "u-ben", rule="AI desk"),
                        NoneExpected("unrouted"),
                    ],
                )
            ],
        )
        assert expected == load_cases(path)

    def test_defaults(self, tmp_path):
        """A case without start starts at DEFAULT_START; a file without config names none."""
        path = tmp_path / "a.convroute.toml"
        path.write_text(one_case("[]"), encoding="utf-8")
        assert CaseFile(path, None, [Case("c", DEFAULT_START, [], [NoneExpected("assigned")])]) == (
            load_cases(path)
        )

    def test_is_test_file(self, tmp_path):
        """A well-formed test file is one; a config, a malformed file or a missing one is not."""
        case = tmp_path / "a.convroute.toml"
        case.write_text(one_case("[]"), encoding="utf-8")
        config = tmp_path / "account.toml"
        config.write_text('[[numbers]]\nnumber = "919800000000"\n', encoding="utf-8")
        broken = tmp_path / "b.convroute.toml"
        broken.write_text("[[case]]\n", encoding="utf-8")
        found = {path.name: is_test_file(path) for path in (case, config, broken)}
        found["missing"] = is_test_file(tmp_path / "missing.toml")
        assert {
            "a.convroute.toml": True,
            "account.toml": False,
            "b.convroute.toml": False,
            "missing": False,
        } == found

    def test_json_and_yaml(self, tmp_path):
        """JSON and YAML files read as TOML ones do."""
        case = {"name": "c", "given": [{"wait": "1h"}], "expect": [{"none": "menu"}]}
        (tmp_path / "a.convroute.json").write_text(json.dumps({"case": [case]}), encoding="utf-8")
        (tmp_path / "a.convroute.yaml").write_text(
            "case:\n  - name: c\n    given:\n      - wait: 1h\n    expect:\n      - none: menu\n",
            encoding="utf-8",
        )
        expected = (
            Case("c", DEFAULT_START, [WaitStep(dt.timedelta(hours=1))], [NoneExpected("menu")]),
        )
        assert [expected, expected] == [
            load_cases(tmp_path / "a.convroute.json").cases,
            load_cases(tmp_path / "a.convroute.yaml").cases,
        ]

    def test_start_as_text(self, tmp_path):
        """A start may be ISO text, as JSON has no dates."""
        path = tmp_path / "a.convroute.json"
        case = {"name": "c", "start": "2026-03-02T08:00:00Z", "expect": [{"none": "menu"}]}
        path.write_text(json.dumps({"case": [case]}), encoding="utf-8")
        assert dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC) == load_cases(path).cases[0].start


class TestMalformed:
    def test_unknown_step(self, tmp_path):
        """An unknown step is named at its path, with the closest step suggested."""
        assert [
            (
                "unknown step 'tap', did you mean 'taps'? (known: answers, away, back, close, "
                "lead, says, taps, user, wait) @ $.case[0].given[1].tap"
            )
        ] == problems(tmp_path, one_case('[{ wait = "1m" }, { tap = ["1", "AI"] }]'))

    def test_unknown_expectation(self, tmp_path):
        """An unknown expectation, or kind of none, is named with the closest suggested."""
        assert [
            (
                "unknown expectation 'asigned', did you mean 'assigned'? (known: assigned, "
                "created, entered, menu, moved, none, sent_text, unrouted) "
                "@ $.case[0].expect[0].asigned"
            ),
            (
                "unknown expectation 'menus', did you mean 'menu'? (known: assigned, created, "
                "entered, menu, moved, sent_text, unrouted) @ $.case[0].expect[1].none"
            ),
        ] == problems(
            tmp_path, one_case("[]", '[{ asigned = { lead = "1" } }, { none = "menus" }]')
        )

    def test_wrong_argument_type(self, tmp_path):
        """An argument of the wrong kind is reported at its position, or at its key."""
        assert [
            "expected text, not the number 3 @ $.case[0].given[0].taps[1]",
            "expected true or false, not the text 'no' @ $.case[0].given[1].user.available",
            (
                "invalid duration '15x': write a whole number and s, m, h or d, e.g. '90s' or "
                "'24h' @ $.case[0].given[2].wait"
            ),
            "expected a list, not the text 'AI' @ $.case[0].expect[0].menu.titles",
        ] == problems(
            tmp_path,
            one_case(
                '[{ taps = ["1", 3] }, { user = { id = "u", available = "no" } }, '
                '{ wait = "15x" }]',
                '[{ menu = { lead = "1", titles = "AI" } }]',
            ),
        )

    def test_argument_count(self, tmp_path):
        """Too few or too many values by position say what the step takes."""
        assert [
            (
                "says takes lead, text (then optionally number): 1 value given "
                "@ $.case[0].given[0].says"
            ),
            "taps takes lead, title: 3 values given @ $.case[0].given[1].taps",
        ] == problems(tmp_path, one_case('[{ says = "1" }, { taps = ["1", "AI", "x"] }]'))

    def test_duplicate_key(self, tmp_path):
        """A key given twice in JSON is a problem at its path."""
        text = '{"case": [{"name": "c", "name": "d", "expect": [{"none": "menu"}]}]}'
        assert ["duplicate key 'name' @ $.case[0].name"] == problems(
            tmp_path, text, "a.convroute.json"
        )

    def test_duplicate_key_in_yaml(self, tmp_path):
        """A key given twice in YAML is a problem at its path."""
        text = "case:\n  - name: c\n    name: d\n    expect:\n      - none: menu\n"
        assert ["duplicate key 'name' @ $.case[0].name"] == problems(
            tmp_path, text, "a.convroute.yaml"
        )

    def test_duplicate_key_in_toml(self, tmp_path):
        """TOML itself refuses a key given twice."""
        [problem] = problems(tmp_path, 'config = "a"\nconfig = "b"\n' + one_case("[]"))
        assert problem.startswith("invalid TOML: ")

    def test_unknown_keys(self, tmp_path):
        """Unknown keys of the file, a case and an expectation are each reported."""
        assert [
            "unknown key(s): cases @ $",
            "unknown key(s): when @ $.case[0]",
            "unknown key(s): usr @ $.case[0].expect[0].assigned",
        ] == problems(
            tmp_path,
            '[[cases]]\nname = "x"\n[[case]]\nname = "c"\nwhen = "now"\n'
            'expect = [{ assigned = { lead = "1", user = "u", usr = "x" } }]\n',
        )

    def test_case_shape(self, tmp_path):
        """A case needs a name, an expectation, and a start with its offset; names are unique."""
        assert [
            "required key missing @ $.case[0].name",
            "required key missing @ $.case[0].expect",
            (
                "expected a date and time with its offset, such as 2026-01-05T09:00:00+00:00, not "
                "the text '2026-01-05T09:00:00', which has none @ $.case[1].start"
            ),
            "a case needs at least one expectation @ $.case[1].expect",
            "a case named 'c' is already above @ $.case[3].name",
        ] == problems(
            tmp_path,
            "[[case]]\n"
            '[[case]]\nname = "b"\nstart = "2026-01-05T09:00:00"\nexpect = []\n'
            + one_case("[]")
            + one_case("[]"),
        )

    @pytest.mark.parametrize(
        ("name", "shown"),
        [
            ("bell\\u0007", "'bell\\x07' (U+0007)"),
            ("two\\nlines", "'two\\nlines' (U+000A)"),
            ("red \\u001b[31m", "'red \\x1b[31m' (U+001B)"),
            ("half \\ud800", "'half \\ud800' (U+D800)"),
        ],
    )
    def test_name_is_one_line_of_text(self, tmp_path, name, shown):
        """A case's name holding a control character or a lone surrogate is a problem."""
        text = json.dumps({"case": [{"name": "x", "expect": [{"none": "menu"}]}]})
        text = text.replace('"x"', f'"{name}"')
        assert [
            (
                f"a case's name is one line of text, without control characters, not {shown} "
                "@ $.case[0].name"
            )
        ] == problems(tmp_path, text, "cases.convroute.json")

    @pytest.mark.parametrize(
        ("name", "shown"),
        [
            ("AI::weekend", "'AI::weekend'"),
            ("AI [weekend]", "'AI [weekend]'"),
            ("AI ]", "'AI ]'"),
            ("[", "'['"),
        ],
    )
    def test_name_holds_no_mark_of_a_pytest_id(self, tmp_path, name, shown):
        """A case's name with '::', '[' or ']', which pytest reads in a test's id, is a problem."""
        assert [
            (
                "a case's name is a pytest test's name too, and cannot hold '::', '[' or ']', "
                f"not {shown} @ $.case[0].name"
            )
        ] == problems(tmp_path, one_case("[]").replace('"c"', json.dumps(name)))

    @pytest.mark.parametrize("name", ["   ", "\u3000", "\u200b", " \u2060\u00ad"])
    def test_a_name_that_shows_nothing(self, tmp_path, name):
        """A case's name of spaces or invisible characters only is a problem."""
        assert [f"expected the case's name, not the text {name!r} @ $.case[0].name"] == problems(
            tmp_path, one_case("[]").replace('"c"', json.dumps(name))
        )

    @pytest.mark.parametrize("name", ["a: b", "a:b", "Priya (AI) - weekend", "AI {weekend}"])
    def test_names_pytest_reads_as_one_id_pass(self, tmp_path, name):
        """A lone colon, brackets other than square ones, a dash: the name stands."""
        path = tmp_path / "cases.convroute.toml"
        path.write_text(one_case("[]").replace('"c"', json.dumps(name)), encoding="utf-8")
        assert [name] == [case.name for case in load_cases(path).cases]

    def test_emoji_in_a_name(self, tmp_path):
        """Emoji and other printable text are a name like any."""
        path = tmp_path / "cases.convroute.toml"
        path.write_text(one_case("[]").replace('"c"', '"🎉 olá"'), encoding="utf-8")
        assert ["🎉 olá"] == [case.name for case in load_cases(path).cases]

    @pytest.mark.parametrize(
        ("start", "why"),
        [
            ("2026-02-30T09:00:00+00:00", "day is out of range for month"),
            ("2026-01-05T25:00:00+00:00", "hour must be in 0..23"),
            ("2026-01-05T09:00:00+25:00", "its offset must be less than 24 hours"),
            ("0000-01-01T00:00:00+00:00", "year 0 is out of range"),
        ],
    )
    def test_start_as_text_that_is_no_date(self, tmp_path, start, why):
        """A start written as text, with its offset, that is no date and time says why."""
        path = tmp_path / "a.convroute.json"
        case = {"name": "c", "start": start, "expect": [{"none": "menu"}]}
        path.write_text(json.dumps({"case": [case]}), encoding="utf-8")
        with pytest.raises(ConfigError) as raised:
            load_cases(path)
        [line] = raised.value.errors
        expected = f"the text {start!r} is no date and time: {why}"
        assert expected == line[: len(expected)]
        assert line.endswith(" @ $.case[0].start")

    def test_start_as_text_without_its_offset(self, tmp_path):
        """A start written as text without an offset says it has none."""
        path = tmp_path / "a.convroute.json"
        case = {"name": "c", "start": "2026-01-05 09:00", "expect": [{"none": "menu"}]}
        path.write_text(json.dumps({"case": [case]}), encoding="utf-8")
        with pytest.raises(ConfigError) as raised:
            load_cases(path)
        assert [
            (
                "expected a date and time with its offset, such as 2026-01-05T09:00:00+00:00, not "
                "the text '2026-01-05 09:00', which has none @ $.case[0].start"
            )
        ] == list(raised.value.errors)

    def test_start_without_its_offset(self, tmp_path):
        """A TOML date and time without an offset is shown as written, not as "a datetime"."""
        text = one_case("[]").replace('name = "c"\n', 'name = "c"\nstart = 2026-01-05T09:00:00\n')
        assert [
            (
                "expected a date and time with its offset, such as 2026-01-05T09:00:00+00:00, not "
                "2026-01-05T09:00:00, which has none @ $.case[0].start"
            )
        ] == problems(tmp_path, text)

    def test_step_shape(self, tmp_path):
        """A step is a table of one key; one of several keys names them and says to split it."""
        assert [
            (
                "a step is a table of one key, its word, such as {says = [lead, text]}, not a "
                "table of 2 keys (away, wait): write each step in a table of its own "
                "@ $.case[0].given[0]"
            ),
            (
                "an expectation is a table of one key, its word, such as {assigned = {lead = "
                "…, user = …}}, not the text 'menu' @ $.case[0].expect[0]"
            ),
        ] == problems(tmp_path, one_case('[{ wait = "1m", away = "u" }]', '["menu"]'))

    def test_an_empty_step(self, tmp_path):
        """An empty table where a step or an expectation goes is said to be empty."""
        assert [
            (
                "a step is a table of one key, its word, such as {says = [lead, text]}, not an "
                "empty table @ $.case[0].given[0]"
            ),
            (
                "an expectation is a table of one key, its word, such as {assigned = {lead = "
                "…, user = …}}, not a table of 2 keys (menu, none): write each expectation in a "
                "table of its own @ $.case[0].expect[0]"
            ),
        ] == problems(tmp_path, one_case("[{}]", '[{ none = "menu", menu = {} }]'))

    def test_a_step_keyed_by_no_word(self, tmp_path):
        """A YAML step keyed by a number, not a word, says so."""
        text = "case:\n- name: c\n  given:\n  - 1: x\n  expect:\n  - none: menu\n"
        assert [
            (
                "a step is a table of one key, its word, such as {says = [lead, text]}, not a "
                "table keyed by the number 1 @ $.case[0].given[0]"
            )
        ] == problems(tmp_path, text, "cases.convroute.yaml")

    def test_a_test_file_over_16_mib(self, tmp_path):
        """A test file over the size limit is named a test file, not a configuration."""
        path = tmp_path / "huge.convroute.toml"
        with path.open("wb") as file:
            file.truncate(16 * 1024 * 1024 + 1)
        with pytest.raises(ConfigError) as caught:
            load_cases(path)
        assert (
            "the file holds 16777217 bytes; a test file holds at most 16 MiB (16777216) @ $",
        ) == caught.value.errors

    @pytest.mark.parametrize(
        ("name", "text"), [("a.convroute.json", "[]"), ("a.convroute.yaml", ""), ("a.yml", "- 1")]
    )
    def test_a_test_file_that_is_no_table(self, tmp_path, name, text):
        """A test file whose top is no table is said to need its cases, not settings."""
        assert ["expected a table of cases at the top @ $"] == problems(tmp_path, text, name)

    def test_no_case(self, tmp_path):
        """A file without cases, or with a config that is no path, is a problem."""
        assert [
            "expected the configuration's path, not the number 1 @ $.config",
            "a test file needs at least one [[case]] @ $.case",
        ] == problems(tmp_path, "config = 1\n")

    def test_a_configuration_of_any_keys(self, tmp_path):
        """A configuration read as a test file is named so, whichever of its keys it has."""
        text = (
            'lead_level_rule = "Fallback"\n[[opportunity_types]]\nname = "Course"\n'
            'fields = [{ name = "Course", options = ["AI"] }]\n'
        )
        expected = (
            "this is a configuration, not a test file: it has lead_level_rule, "
            "opportunity_types and no [[case]] @ $"
        )
        assert [expected] == problems(tmp_path, text)

    def test_a_repeated_name_beside_other_problems(self, tmp_path):
        """A name used twice is a problem even when the case holding it first has others."""
        text = one_case("[{ wat = 1 }]") + one_case("[]")
        assert [
            "$.case[0].given[0].wat",
            "$.case[1].name",
        ] == [line.rpartition(" @ ")[2] for line in problems(tmp_path, text)]

    def test_every_problem_at_once(self, tmp_path):
        """Problems of several cases are reported together."""
        found = problems(
            tmp_path, one_case("[{ wat = 1 }]") + '[[case]]\nname = "d"\nexpect = [{ nope = {} }]\n'
        )
        assert ["$.case[0].given[0].wat", "$.case[1].expect[0].nope"] == [
            line.rpartition(" @ ")[2] for line in found
        ]

    @settings(deadline=None)
    @given(st.text(min_size=1).filter(lambda word: word not in STEPS))
    def test_any_unknown_word(self, word):
        """Any word that is no step is one problem naming it, never a crash."""
        case = {"name": "c", "given": [{word: 1}], "expect": [{"none": "menu"}]}
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "a.convroute.json"
            path.write_text(json.dumps({"case": [case]}), encoding="utf-8")
            with pytest.raises(ConfigError) as raised:
                load_cases(path)
        [line] = raised.value.errors
        assert line.startswith(f"unknown step {word!r}")


class TestWrongTypes:
    def test_a_configuration_given_by_its_path(self):
        """load_cases's config is a Config: its path is refused, saying to load it."""
        with pytest.raises(TypeError) as caught:
            load_cases(EXAMPLE_PATH.with_suffix(".convroute.toml"), config=str(EXAMPLE_PATH))
        assert str(caught.value).startswith(
            "config must be a Config (see load_config) or None, not the str '"
        )

    @pytest.mark.parametrize(
        ("path", "shown"), [(None, "None"), (3, "3"), (b"a.toml", "b'a.toml'")]
    )
    def test_a_path_that_is_no_path(self, path, shown):
        """A path that is neither text nor a path object is refused with the library's words."""
        for function in (load_cases, is_test_file):
            with pytest.raises(TypeError) as caught:
                function(path)
            assert f"path must be a str or a path, not {shown}" == str(caught.value)


class TestBlankExpectations:
    @pytest.mark.parametrize(
        ("expectation", "field"),
        [
            ('{ moved = { lead = "1", to = "" } }', "moved.to"),
            ('{ entered = { lead = "1", source = " " } }', "entered.source"),
            ('{ assigned = { lead = "1", user = "" } }', "assigned.user"),
            ('{ sent_text = { lead = "1", contains = "" } }', "sent_text.contains"),
            ('{ unrouted = { lead = "\\u200b" } }', "unrouted.lead"),
        ],
    )
    def test_blank_text_to_look_for(self, tmp_path, expectation, field):
        """A blank value an expectation looks for can never hold, or always does: refused."""
        found = problems(tmp_path, one_case("[]", f"[{expectation}]"))
        assert 1 == len(found)
        assert found[0].startswith("expected some text to look for, not the text ")
        assert found[0].endswith(f" @ $.case[0].expect[0].{field}")


INDIA = loads_config('default_country_code = "91"\n' + EXAMPLE_PATH.read_text(encoding="utf-8"))
BAD_PHONES = (
    "[[case]]\n"
    'name = "c"\n'
    "given = [\n"
    '  { lead = { phone = "call me" } },\n'
    '  { says = ["+91 98", "Hi"] },\n'
    '  { taps = { lead = "919800000001", title = "AI" } },\n'
    "]\n"
    'expect = [{ assigned = { lead = "98x", user = "u-asha" } }, { none = "menu" }]\n'
)


def phone_problem(text, path, config=INDIA):
    try:
        lead_phone(text, country_code=config.default_country_code)
    except PhoneNumberError as error:
        return f"{error} @ {path}"
    raise AssertionError(text)


class TestLeadPhones:
    def test_a_lead_phone_that_is_no_phone_is_a_problem_of_the_file(self, tmp_path):
        """Given the configuration, every lead phone that is none is a problem, with its path."""
        path = tmp_path / "cases.convroute.toml"
        path.write_text(BAD_PHONES, encoding="utf-8")

        with pytest.raises(ConfigError) as raised:
            load_cases(path, config=INDIA)

        assert [
            phone_problem("call me", "$.case[0].given[0].lead.phone"),
            phone_problem("+91 98", "$.case[0].given[1].says[0]"),
            phone_problem("98x", "$.case[0].expect[0].assigned.lead"),
        ] == list(raised.value.errors)

    def test_a_phone_is_read_in_the_configurations_country(self, tmp_path):
        """A local number of the configuration's country is a phone, as the scenario reads it."""
        path = tmp_path / "cases.convroute.toml"
        path.write_text(
            one_case('[{ says = ["098000 00001", "Hi"] }]', '[{ none = "assigned" }]'),
            encoding="utf-8",
        )

        [case] = load_cases(path, config=INDIA).cases

        assert SaysStep("098000 00001", "Hi") == case.given[0]

    def test_without_a_configuration_phones_wait_for_the_run(self, tmp_path):
        """Read without a configuration, whose country is unknown, a phone is not checked."""
        path = tmp_path / "cases.convroute.toml"
        path.write_text(BAD_PHONES, encoding="utf-8")

        assert 1 == len(load_cases(path).cases)
