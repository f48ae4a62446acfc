import datetime as dt

import attrs
import pytest

from convroute.config import load_config
from convroute.engine import Engine
from convroute.model import Opportunity
from convroute.testing import Case, CaseResult, Scenario, load_cases, run_case
from convroute.testing._expectations import AssignedExpected, NoneExpected
from convroute.testing._steps import AwayStep, SaysStep, TapsStep, WaitStep
from example_account import EXAMPLE_PATH


PRIYA = "919800000001"
# Priya comes from Instagram, taps AI, and her counsellor Asha's follow-up moves her on.
GIVEN = f"""[
  {{ lead = {{ phone = "+91 98000 00001", name = "Priya" }} }},
  {{ says = ["{PRIYA}", "Hi, I came from Instagram"] }},
  {{ taps = ["{PRIYA}", "AI"] }},
  {{ answers = ["{PRIYA}", "u-asha", "Thank you for scheduling with us"] }},
]"""
EXPLAINED = [
    "  opportunity_owner: skipped, no owner",
    "  chat_group:AI counsellors: picked Asha Rao (u-asha)",
]
ASSIGN = 'assign {user = "u-asha", rule = "AI desk", target = "chat_group:AI counsellors"}'
TITLES = '["AI", "Data Science", "Something else"]'


@pytest.fixture(scope="module")
def engine():
    return Engine.from_config(load_config(EXAMPLE_PATH))


def run(engine, tmp_path, expect, given=GIVEN):
    path = tmp_path / "case.convroute.toml"
    path.write_text(
        f'[[case]]\nname = "c"\ngiven = {given}\nexpect = [{expect}]\n', encoding="utf-8"
    )
    [case] = load_cases(path).cases
    return run_case(engine, case)


class TestExpectationsHold:
    @pytest.mark.parametrize(
        "expect",
        [
            f'{{ menu = {{ lead = "{PRIYA}", titles = {TITLES} }} }}',
            f'{{ assigned = {{ lead = "{PRIYA}", user = "u-asha" }} }}',
            (
                '{ assigned = { lead = "+91 98000 00001", user = "u-asha", rule = "AI desk", '
                'target = "chat_group:AI counsellors" } }'
            ),
            f'{{ created = {{ lead = "{PRIYA}" }} }}',
            f'{{ created = {{ lead = "{PRIYA}", fields = {{ Course = "AI" }} }} }}',
            f'{{ entered = {{ lead = "{PRIYA}", source = "Instagram" }} }}',
            f'{{ entered = {{ lead = "{PRIYA}", funnel = "Sales", source = "Instagram" }} }}',
            f'{{ moved = {{ lead = "{PRIYA}", to = "Scheduling" }} }}',
            f'{{ sent_text = {{ lead = "{PRIYA}", contains = "Asha Rao will help you" }} }}',
            f'{{ sent_text = {{ lead = "{PRIYA}", contains = "Which course" }} }}',
            '{ none = "unrouted" }',
        ],
    )
    def test_holds(self, engine, tmp_path, expect):
        """An expectation some action of the case matches holds."""
        assert CaseResult("c") == run(engine, tmp_path, expect)

    def test_unrouted_holds(self, engine, tmp_path):
        """With every target away, the lead's conversation is unrouted."""
        given = (
            '[{ away = "u-asha" }, { away = "u-ben" }, { away = "u-meera" }, '
            f'{{ says = ["{PRIYA}", "Hi"] }}, {{ taps = ["{PRIYA}", "AI"] }}]'
        )
        expect = f'{{ unrouted = {{ lead = "{PRIYA}" }} }}, {{ none = "assigned" }}'
        assert CaseResult("c") == run(engine, tmp_path, expect, given)

    def test_reassigned_holds_as_assigned(self, engine):
        """A reassignment is an assignment to its new user."""
        case = Case(
            "c",
            given=[
                SaysStep(PRIYA, "Hi"),
                TapsStep(PRIYA, "AI"),
                AwayStep("u-asha"),
                WaitStep(dt.timedelta(minutes=15)),
            ],
            expect=[AssignedExpected(PRIYA, "u-ben")],
        )
        assert CaseResult("c") == run_case(engine, case)


class TestMenuTitles:
    def test_a_list_menus_titles(self, engine):
        """A menu sent as a list carries its rows' titles, as the lead saw them, in order."""
        scenario = Scenario(engine)
        opportunities = [
            Opportunity("o-1", "Postgraduate Course", "AI evening", {"Course": "AI"}, "u-ben"),
            Opportunity("o-2", "Postgraduate Course", "AI weekend", {"Course": "AI"}, "u-chen"),
        ]
        priya = scenario.lead(PRIYA, opportunities=opportunities)
        scenario.says(priya, "Hi")
        scenario.taps(priya, "AI")
        menu = scenario.menu(priya)
        assert ("list", menu.titles) == (menu.layout, scenario.actions[-1].titles)


class TestExpectationsFail:
    @pytest.mark.parametrize(
        ("expect", "first"),
        [
            (
                f'{{ menu = {{ lead = "{PRIYA}", titles = ["AI", "Robotics"] }} }}',
                (
                    f'expected menu {{lead = "{PRIYA}", titles = ["AI", "Robotics"]}}, '
                    f"got send {{titles = {TITLES}}}"
                ),
            ),
            (
                '{ assigned = { lead = "+91 98000 00001", user = "u-ben" } }',
                f'expected assigned {{lead = "{PRIYA}", user = "u-ben"}}, got {ASSIGN}',
            ),
            (
                f'{{ assigned = {{ lead = "{PRIYA}", user = "u-asha", rule = "DS desk" }} }}',
                (
                    f'expected assigned {{lead = "{PRIYA}", user = "u-asha", rule = "DS desk"}}, '
                    f"got {ASSIGN}"
                ),
            ),
            (
                f'{{ unrouted = {{ lead = "{PRIYA}" }} }}',
                f'expected unrouted {{lead = "{PRIYA}"}}, got no unrouted action for {PRIYA}',
            ),
            (
                f'{{ created = {{ lead = "{PRIYA}", fields = {{ Course = "Robotics" }} }} }}',
                (
                    f'expected created {{lead = "{PRIYA}", fields = {{Course = "Robotics"}}}}, '
                    'got create_opportunity {fields = {Course = "AI"}}'
                ),
            ),
            (
                f'{{ entered = {{ lead = "{PRIYA}", source = "Facebook" }} }}',
                (
                    f'expected entered {{lead = "{PRIYA}", source = "Facebook"}}, got enter_funnel '
                    '{funnel = "Sales", source = "Instagram", stage = "Lead Entry"}'
                ),
            ),
            (
                f'{{ moved = {{ lead = "{PRIYA}", to = "Applied" }} }}',
                (
                    f'expected moved {{lead = "{PRIYA}", to = "Applied"}}, '
                    'got transition {funnel = "Sales", stage = "Scheduling"}'
                ),
            ),
            (
                f'{{ sent_text = {{ lead = "{PRIYA}", contains = "Ben" }} }}',
                (
                    f'expected sent_text {{lead = "{PRIYA}", contains = "Ben"}}, '
                    'got send {text = "Hi Priya! Which course is this about?"}; '
                    'send {text = "Asha Rao will help you with AI."}'
                ),
            ),
            (
                '{ none = "assigned" }',
                (
                    f'expected no assigned action, got assign {{lead = "{PRIYA}", user = "u-asha", '
                    'rule = "AI desk", target = "chat_group:AI counsellors"}'
                ),
            ),
            (
                f'{{ menu = {{ lead = "919800000002", titles = {TITLES} }} }}',
                'expected menu {lead = "919800000002", titles = ' + TITLES + "}, "
                "got no menu action for 919800000002",
            ),
        ],
    )
    def test_fails(self, engine, tmp_path, expect, first):
        """An expectation no action matches says what was expected and what there was."""
        result = run(engine, tmp_path, expect)
        explained = [] if "919800000002" in first else EXPLAINED
        assert CaseResult("c", [first, *explained]) == result
        assert not result.passed

    def test_explained_once(self, engine, tmp_path):
        """Each failing expectation has its line; a lead's explain lines come after its first."""
        expect = (
            f'{{ moved = {{ lead = "{PRIYA}", to = "Applied" }} }}, '
            f'{{ entered = {{ lead = "{PRIYA}", source = "Instagram" }} }}, '
            f'{{ unrouted = {{ lead = "{PRIYA}" }} }}'
        )
        assert [
            (
                f'expected moved {{lead = "{PRIYA}", to = "Applied"}}, '
                'got transition {funnel = "Sales", stage = "Scheduling"}'
            ),
            *EXPLAINED,
            f'expected unrouted {{lead = "{PRIYA}"}}, got no unrouted action for {PRIYA}',
        ] == list(run(engine, tmp_path, expect).lines)

    def test_a_step_that_cannot_be_taken(self, engine, tmp_path):
        """A step the scenario refuses fails the case with its position and reason."""
        given = f'[{{ says = ["{PRIYA}", "Hi"] }}, {{ taps = ["{PRIYA}", "Robotics"] }}]'
        assert CaseResult(
            "c",
            [
                (
                    "given[1] taps: no option 'Robotics' in the last menu: its titles are 'AI', "
                    "'Data Science', 'Something else'"
                )
            ],
        ) == run(engine, tmp_path, '{ none = "assigned" }', given)

    def test_a_step_error_names_the_step_once(self, engine, tmp_path):
        """A step the service refuses is reported as given[i] WORD: reason, the word said once."""
        path = tmp_path / "case.convroute.toml"
        path.write_text(
            '[[case]]\nname = "c"\nstart = 0001-01-01T00:00:00+00:00\n'
            'given = [{ says = ["1", "Hi"] }]\nexpect = [{ none = "assigned" }]\n',
            encoding="utf-8",
        )
        [case] = load_cases(path).cases
        [line] = run_case(engine, case).lines
        assert "given[0] says: time" == line[: len("given[0] says: time")]

    def test_a_wait_past_the_calendar(self, engine, tmp_path):
        """A wait beyond the calendar's end fails the case, saying so, and never crashes."""
        given = '[{ wait = "1d" }]'
        path = tmp_path / "case.convroute.toml"
        path.write_text(
            '[[case]]\nname = "c"\nstart = 9999-12-31T00:00:00+00:00\n'
            f'given = {given}\nexpect = [{{ none = "assigned" }}]\n',
            encoding="utf-8",
        )
        [case] = load_cases(path).cases
        [line] = run_case(engine, case).lines
        assert line.startswith("given[0] wait: 1 day, 0:00:00 from 9999-12-31T00:00:00+00:00")

    def test_an_expectation_about_no_phone(self, engine):
        """An expectation naming no phone fails the case, saying so."""
        case = Case("c", expect=[AssignedExpected("call me", "u-asha"), NoneExpected("menu")])
        [line] = run_case(engine, case).lines
        assert line.startswith("expect[0] assigned: not a phone number 'call me'")

    def test_a_config_as_well_as_an_engine(self):
        """A case runs on a Config as on an Engine compiled from it."""
        case = Case("c", expect=[NoneExpected("menu")])
        assert CaseResult("c") == run_case(load_config(EXAMPLE_PATH), case)


class TestExplainLines:
    def test_a_user_name_with_a_line_break(self, tmp_path):
        """A user's name holding a line break keeps its explain line whole, the break a space."""
        config = load_config(EXAMPLE_PATH)
        users = [
            attrs.evolve(user, name="Asha\nRao") if user.id == "u-asha" else user
            for user in config.users
        ]
        engine = Engine.from_config(attrs.evolve(config, users=users))
        expect = f'{{ assigned = {{ lead = "{PRIYA}", user = "u-ben" }} }}'
        assert [
            f'expected assigned {{lead = "{PRIYA}", user = "u-ben"}}, got {ASSIGN}',
            *EXPLAINED,
        ] == list(run(engine, tmp_path, expect).lines)


class TestWrongTypes:
    @pytest.mark.parametrize(
        ("case", "shown"),
        [(None, "None"), ({"name": "c"}, "a dict {'name': 'c'}"), ("c", "the str 'c'")],
    )
    def test_a_case_that_is_no_case(self, engine, case, shown):
        """run_case given something other than a Case says so, never failing inside."""
        with pytest.raises(TypeError) as caught:
            run_case(engine, case)
        assert f"case must be a Case (see load_cases), not {shown}" == str(caught.value)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"name": None}, "Case.name must be a str, not None"),
            (
                {"given": "says"},
                (
                    "Case.given must be an iterable of steps, not the single str 'says': "
                    "write ['says']"
                ),
            ),
            (
                {"given": [{"says": ["1", "Hi"]}]},
                "Case.given[0] must be a step (see load_cases), not a dict {'says': ['1', 'Hi']}",
            ),
            (
                {"expect": [{"none": "menu"}]},
                (
                    "Case.expect[0] must be an expectation (see load_cases), not a dict "
                    "{'none': 'menu'}"
                ),
            ),
        ],
    )
    def test_a_case_of_the_wrong_parts(self, changes, message):
        """A Case made by hand of the wrong parts is refused when made, naming the field."""
        with pytest.raises(TypeError) as caught:
            Case(**{"name": "c", "expect": [NoneExpected("menu")], **changes})
        assert message == str(caught.value)
