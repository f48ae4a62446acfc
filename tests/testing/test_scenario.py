import datetime as dt
import doctest
import unicodedata

import pytest

from convroute.config import load_config, loads_config
from convroute.errors import ConvrouteError, PhoneNumberError, ScenarioError
from convroute.model import Opportunity
from convroute.testing import DEFAULT_START, Scenario, _scenario
from example_account import EXAMPLE_PATH


PRIYA = "+91 98000 00001"
AI_COURSE = {"Course": "AI"}
# Two products whose labels are cut alike: the second title gets a suffix besides.
LONG_LABELS = {
    'label = "AI"\n': 'label = "Artificial Intelligence and Machine Learning"\n',
    'label = "Data Science"\n': 'label = "Artificial Intelligence for Business"\n',
}


def example(**changes):
    text = EXAMPLE_PATH.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return loads_config(text, format="toml") if changes else load_config(EXAMPLE_PATH)


@pytest.fixture
def scenario():
    return Scenario(example())


def types(scenario):
    return [item.type for item in scenario.actions]


class TestLeadsAndMenus:
    def test_first_message_gets_the_menu(self, scenario):
        """A new lead's first message is answered with the number's first menu, by title."""
        priya = scenario.lead(PRIYA, name="Priya")
        scenario.says(priya, "Hi")
        menu = scenario.menu(priya)
        assert (("AI", "Data Science", "Something else"), "buttons") == (menu.titles, menu.layout)

    def test_phone_as_typed(self, scenario):
        """A lead is named by its phone as people type it, or by its digits."""
        priya = scenario.lead(PRIYA)
        scenario.says("919800000001", "Hi")
        assert ("919800000001", scenario.menu(priya)) == (priya, scenario.menu(PRIYA))

    def test_no_menu(self, scenario):
        """A lead that was sent no menu has none."""
        assert None is scenario.menu(PRIYA)

    def test_taps_by_title(self, scenario):
        """Tapping a title picks its option: AI goes to the AI counsellors' round robin."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "ai ")
        assert "u-asha" == scenario.assignee(PRIYA)

    @pytest.mark.parametrize("reply", ["2", "2\ufe0f\u20e3", "2\u20e3", "option 2\ufe0f\u20e3"])
    def test_says_a_number_as_the_engine_reads_it(self, scenario, reply):
        """A number typed in digits or keycaps picks its option: 2 goes to Data Science."""
        scenario.says(PRIYA, "Hi")
        scenario.says(PRIYA, reply)
        assert "u-chen" == scenario.assignee(PRIYA)

    @pytest.mark.parametrize(
        "title",
        ["data  science", "Data\u200b Science", "DATA SCIENCE\ufe0f", "Data\u00a0Science"],
    )
    def test_taps_a_title_as_replies_are_read(self, scenario, title):
        """A title is compared as the engine reads a reply: spacing, zero-width and VS aside."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, title)
        assert "u-chen" == scenario.assignee(PRIYA)

    def test_taps_a_title_in_another_normal_form(self, scenario):
        """A translated title typed in NFD taps the option as its NFC form does."""
        joao = scenario.lead("+55 11 91234-5678", language="pt")
        scenario.says(joao, "Olá")
        scenario.taps(joao, unicodedata.normalize("NFD", "Ciência de Dados"))
        assert "u-chen" == scenario.assignee(joao)

    def test_taps_a_cut_title(self):
        """An option whose title was cut to fit is tapped by the title shown or its full label."""
        long = "Data Science and Machine Learning"
        for tapped in ("Data Science and Ma…", long):
            scenario = Scenario(example(**{'label = "Data Science"': f'label = "{long}"'}))
            scenario.says(PRIYA, "Hi")
            assert "Data Science and Ma…" == scenario.menu(PRIYA).titles[1]
            scenario.taps(PRIYA, tapped)
            assert "u-chen" == scenario.assignee(PRIYA)

    @pytest.mark.parametrize(
        ("tapped", "assignee"),
        [
            ("Artificial Inte… (2)", "u-chen"),
            ("Artificial Intelligence for Business", "u-chen"),
            ("Artificial Intellig…", "u-asha"),
            ("Artificial Intelligence and Machine Learning", "u-asha"),
        ],
    )
    def test_taps_cut_titles_alike_but_for_a_suffix(self, tapped, assignee):
        """Two labels cut alike, the second given a suffix, are each tapped as shown or in full."""
        scenario = Scenario(example(**LONG_LABELS))
        scenario.says(PRIYA, "Hi")
        assert ("Artificial Intellig…", "Artificial Inte… (2)", "Something else") == (
            scenario.menu(PRIYA).titles
        )
        scenario.taps(PRIYA, tapped)
        assert assignee == scenario.assignee(PRIYA)

    @pytest.mark.parametrize("tapped", ["Artificial Intelligence", "Artificial Intelligence for"])
    def test_a_text_that_starts_like_two_cut_titles(self, tapped):
        """Text that starts like two cut titles taps neither: the error names both."""
        scenario = Scenario(example(**LONG_LABELS))
        scenario.says(PRIYA, "Hi")
        with pytest.raises(ScenarioError) as caught:
            scenario.taps(PRIYA, tapped)
        assert (
            f"{tapped!r} starts like more than one option of the last menu: "
            "'Artificial Intellig…', 'Artificial Inte… (2)'; write the title as shown or the "
            "full label"
        ) == str(caught.value)
        assert None is scenario.assignee(PRIYA)

    def test_taps_a_translated_title(self, scenario):
        """A lead with a language sees translated titles, and taps by them or by the originals."""
        for phone, tapped in (
            ("+91 98000 00001", "Ciência de Dados"),
            ("+91 98000 00002", "DATA SCIENCE"),
        ):
            lead = scenario.lead(phone, language="pt")
            scenario.says(lead, "Olá")
            assert ("IA", "Ciência de Dados", "Outra coisa") == scenario.menu(lead).titles
            scenario.taps(lead, tapped)
            assert "u-chen" == scenario.assignee(lead)

    def test_unknown_title_lists_the_titles(self, scenario):
        """An unknown title is an error that lists the titles of the last menu."""
        scenario.says(PRIYA, "Hi")
        with pytest.raises(ScenarioError) as raised:
            scenario.taps(PRIYA, "Robotics")
        expected = (
            "no option 'Robotics' in the last menu: its titles are 'AI', 'Data Science', "
            "'Something else'"
        )
        assert expected == str(raised.value)

    def test_taps_without_a_menu(self, scenario):
        """Tapping before any menu was sent is an error saying so."""
        with pytest.raises(ScenarioError, match="no menu was sent to 919800000001"):
            scenario.taps(PRIYA, "AI")

    def test_second_menu(self, scenario):
        """A lead with several matching opportunities is asked which; its pick goes to its owner."""
        at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        opportunities = [
            Opportunity(
                "o-1", "Postgraduate Course", "AI evening", AI_COURSE, "u-ben", updated_at=at
            ),
            Opportunity(
                "o-2", "Postgraduate Course", "AI weekend", AI_COURSE, "u-chen", updated_at=at
            ),
        ]
        priya = scenario.lead(PRIYA, name="Priya", opportunities=opportunities)
        scenario.says(priya, "Hi")
        scenario.taps(priya, "AI")
        menu = scenario.menu(priya)
        assert ("list", "A new enquiry") == (menu.layout, menu.titles[-1])
        scenario.taps(priya, "AI weekend")
        assert ("u-chen", "opportunity_owner: picked Chen Li (u-chen)") == (
            scenario.assignee(priya),
            scenario.explain(priya)[-1],
        )

    def test_something_else_goes_to_the_lead_owner(self, scenario):
        """Other queries go to the lead's owner through the number's other queries rule."""
        priya = scenario.lead(PRIYA, owner="u-chen")
        scenario.says(priya, "Hi")
        scenario.taps(priya, "Something else")
        assert ["lead_owner: picked Chen Li (u-chen)"] == scenario.explain(priya)

    def test_trigger_phrase_enters_the_funnel(self, scenario):
        """A trigger phrase enters the lead in the funnel, among the actions of the run."""
        scenario.says(PRIYA, "Hello! I came from Instagram")
        entered = [a.item.body for a in scenario.actions if a.type == "enter_funnel"]
        assert [("Sales", "Instagram")] == [(body["funnel"], body["source"]) for body in entered]


class TestTime:
    def test_wait_reassigns_when_away(self, scenario):
        """An assignee away past reassign_when_away loses the conversation at the tick."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "AI")
        scenario.away("u-asha")
        scenario.wait("14m")
        assert "u-asha" == scenario.assignee(PRIYA)
        scenario.wait("1m")
        assert ("u-ben", "reassign") == (scenario.assignee(PRIYA), types(scenario)[-2])

    def test_back_in_time_keeps_it(self, scenario):
        """An assignee back before the wait is over keeps the conversation."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "AI")
        scenario.away("u-asha")
        scenario.wait("10m")
        scenario.back("u-asha")
        scenario.wait("10m")
        assert "u-asha" == scenario.assignee(PRIYA)

    def test_unanswered_lead_is_reassigned(self, scenario):
        """A lead left unanswered past reply_within is reassigned."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "AI")
        scenario.wait("31m")
        assert "u-ben" == scenario.assignee(PRIYA)

    def test_answers_stops_the_reply_clock(self, scenario):
        """An answer from the assignee stops the reply clock: nobody takes the lead away."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "AI")
        scenario.wait("10m")
        scenario.answers(PRIYA, by="u-asha")
        scenario.wait("1h")
        assert ("u-asha", False) == (scenario.assignee(PRIYA), "reassign" in types(scenario))

    def test_clock_moves_only_when_told(self, scenario):
        """The scenario's clock starts at its start and moves by what it waits."""
        scenario.wait("2h")
        assert DEFAULT_START + dt.timedelta(hours=2) == scenario.now

    def test_close(self, scenario):
        """A closed conversation has no assignee, and the next message starts over."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "AI")
        scenario.close(PRIYA)
        assert None is scenario.assignee(PRIYA)
        scenario.says(PRIYA, "Hi again")
        assert "send" == types(scenario)[-1]


class TestExplain:
    def test_skipped_group_and_admin(self, scenario):
        """An unrouted decision explains the skipped chat group and admin, one line each."""
        scenario.away("u-chen")
        scenario.away("u-meera")
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "Data Science")
        expected = [
            "opportunity_owner: skipped, no owner",
            "chat_group:DS counsellors: skipped, no member available"  # noqa: ISC004 - one line, cut to fit
            " (Chen Li (u-chen) unavailable)",
            "admin: skipped, no admin available (Meera Iyer (u-meera) unavailable)",
        ]
        assert (expected, None) == (scenario.explain(PRIYA), scenario.assignee(PRIYA))

    def test_admin_off_hours(self):
        """An admin outside their schedule is explained as off hours."""
        scenario = Scenario(example(), start=dt.datetime(2026, 1, 5, 20, tzinfo=dt.UTC))
        scenario.away("u-chen")
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "Data Science")
        assert (
            "admin: skipped, no admin available (Meera Iyer (u-meera) off hours)"
            == (scenario.explain(PRIYA)[-1])
        )

    def test_nothing_routed(self, scenario):
        """A lead nothing was routed for has no lines."""
        scenario.says(PRIYA, "Hi")
        assert [] == scenario.explain(PRIYA)

    def test_docstring_example(self):
        """The example in `Scenario`'s docstring runs as written, from the project root."""
        failed, tried = doctest.testmod(_scenario)
        assert (0, True) == (failed, tried > 0)


class TestBadInput:
    @pytest.mark.parametrize(
        ("step", "message"),
        [
            (lambda s: s.away("u-nobody"), "no user 'u-nobody': the users are u-asha, u-ben"),
            (lambda s: s.answers(PRIYA, by="u-asha"), "has written to no number yet"),
            (lambda s: s.close(PRIYA), "has written to no number yet"),
            (lambda s: s.wait("soon"), "wait takes a duration such as '90s'"),
            (lambda s: s.wait(dt.timedelta(0)), "wait takes a positive duration"),
            (lambda s: s.wait(15), "wait takes a duration such as '15m', not 15"),
            (lambda s: s.says(PRIYA, 42), "what a lead says is text, not 42"),
            (lambda s: s.user("u-asha", available="no"), "available is True or False"),
            (lambda s: s.lead(PRIYA, opportunities="o-1"), "opportunities is a list"),
            (lambda s: s.lead(PRIYA, opportunities=["o-1"]), "are Opportunity values"),
            (lambda s: s.lead(PRIYA, language="not a language!"), "lead: "),
            (lambda s: s.says(12, "Hi"), "a phone is text, not 12"),
            (lambda s: s.lead(PRIYA, name=3), "a lead's name is text, not 3"),
            (lambda s: s.lead(PRIYA, owner=3), "a lead's owner is text, not 3"),
            (lambda s: s.wait("9999999d"), "wait: 9999999d from 2026-01-05T09:00:00+00:00"),
            (lambda s: s.wait(dt.timedelta(days=999_999_999)), "passes the end of the calendar"),
        ],
    )
    def test_clear_errors(self, scenario, step, message):
        """Every bad step is a ScenarioError (a ValueError) whose message says what was wrong."""
        with pytest.raises(ScenarioError) as raised:
            step(scenario)
        assert (True, True) == (message in str(raised.value), isinstance(raised.value, ValueError))

    def test_clock_kept_when_wait_overflows(self, scenario):
        """A wait past the calendar's end leaves the clock where it was."""
        with pytest.raises(ScenarioError):
            scenario.wait("9999999d")
        assert DEFAULT_START == scenario.now

    def test_bad_phone(self, scenario):
        """A phone that is none is a PhoneNumberError, as elsewhere."""
        with pytest.raises(PhoneNumberError):
            scenario.says("call me", "Hi")

    def test_naive_start(self):
        """A start without a time zone is refused."""
        with pytest.raises(ScenarioError, match="aware datetime"):
            Scenario(example(), start=dt.datetime(2026, 1, 5, 9))  # noqa: DTZ001 - the bad input

    def test_not_a_config(self):
        """Something that is no config is refused."""
        with pytest.raises(ConvrouteError, match="a scenario runs a Config"):
            Scenario("examples/account.toml")

    def test_no_numbers(self):
        """A config without numbers needs the number named."""
        scenario = Scenario(load_config({}))
        with pytest.raises(ScenarioError, match="has no \\[\\[numbers\\]\\]"):
            scenario.says(PRIYA, "Hi")


class TestActions:
    def test_routing_actions(self, scenario):
        """Routing actions carry the user, rule and target assigned."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "AI")
        assigned = [a for a in scenario.actions if a.type == "assign"]
        expected = [("919800000001", "u-asha", "AI desk", "chat_group:AI counsellors")]
        assert expected == [(a.lead, a.user, a.rule, a.target) for a in assigned]

    def test_created_opportunity(self, scenario):
        """A created opportunity's fields are read."""
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "Data Science")
        created = [a.fields for a in scenario.actions if a.type == "create_opportunity"]
        assert [{"Course": "Data Science"}] == created

    def test_sent_texts(self, scenario):
        """What each send says is its text (a menu's message, the assigned message); no stage."""
        scenario.lead(PRIYA, name="Priya Nair")
        scenario.says(PRIYA, "Hi")
        scenario.taps(PRIYA, "AI")
        sent = [(a.text, a.stage) for a in scenario.actions if a.type == "send"]
        expected = [
            ("Hi Priya! Which course is this about?", None),
            ("Asha Rao will help you with AI.", None),
        ]
        assert expected == sent

    def test_funnel_entry_and_move(self, scenario):
        """Entering a funnel and moving on read as funnel, source and stage."""
        scenario.says(PRIYA, "I came from Instagram")
        scenario.taps(PRIYA, "AI")
        scenario.answers(PRIYA, by="u-asha", text="Thank you for scheduling with us!")
        funnel = [
            (a.type, a.funnel, a.source, a.stage)
            for a in scenario.actions
            if a.type in {"enter_funnel", "transition"}
        ]
        expected = [
            ("enter_funnel", "Sales", "Instagram", "Lead Entry"),
            ("transition", "Sales", None, "Scheduling"),
        ]
        assert expected == funnel
