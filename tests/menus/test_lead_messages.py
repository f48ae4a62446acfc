"""
A number's messages to the lead: checked at load, merged, fitted and rendered as text.
"""

import pathlib

import attrs
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute import ConfigError, load_config, loads_config
from convroute._blank import is_blank
from convroute._whatsapp_limits import MAX_TEXT_BODY
from convroute.config import find_problems
from convroute.menus import (
    BusinessNumber,
    LeadMessages,
    build_assigned_message,
    build_away_message,
    find_template_problems,
    render_text,
)
from convroute.menus._fit import ELLIPSIS
from convroute.model import Lead, Opportunity, User
from menu_strategies import menu_texts, templates


EXAMPLE = pathlib.Path(__file__).parents[2] / "examples/account.toml"
NUMBER = "$.numbers[0]"
RAVI = Lead(phone="919800000001", name="Ravi Kumar")
ASHA = User(id="u-asha", name="Asha Rao")
BEN = User(id="u-ben", name="Ben Thomas")
ENQUIRY = Opportunity(
    id="opp-1", type="Postgraduate Course", name="PG AI 2027", fields={"Course": "AI"}
)


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLE)


def with_messages(config, **messages):
    number = attrs.evolve(config.numbers[0], **messages)
    return attrs.evolve(config, numbers=[number])


def with_lines(away, assigned):
    """The example's text with its messages' lines replaced, and their translations left out."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("[numbers.translations.pt]")
    lines = (text[:start] + text[text.index("\n\n", start) :]).splitlines()
    replaced = [
        away if line.startswith("away_message") else line
        for line in lines
        if assigned or not line.startswith("assigned_message")
    ]
    return "\n".join(assigned if line.startswith("assigned_message") else line for line in replaced)


def number(**messages):
    return BusinessNumber(number="918040001234", **messages)


class TestLeadMessageCheck:
    def test_the_example_has_both(self, config):
        """The example account sets both messages on its number, and they check clean."""
        number = config.numbers[0]
        assert (True, True) == (
            number.away_message is not None,
            number.assigned_message is not None,
        )
        assert [] == find_problems(config)

    def test_fine_messages(self, config):
        """Both messages may name lead, opportunity and owner; the assigned one the user too."""
        fine = with_messages(
            config,
            away_message="Closed now, {{lead.first_name|friend}}: {{opportunity.Course|}} "
            "{{owner.first_name|our team}} will write at 9:00.",
            assigned_message="{{user.first_name|We}} will help with {{opportunity.name|it}}, "
            "{{lead.name|friend}}.",
        )
        assert [] == find_problems(fine)

    @pytest.mark.parametrize(
        ("messages", "expected"),
        [
            pytest.param(
                {"away_message": "{{user.name}} is away"},
                "{{user.name}} cannot be used here: this text may use lead, opportunity, owner "
                f"@ {NUMBER}.away_message",
                id="no-user-in-away",
            ),
            pytest.param(
                {"assigned_message": "{{user.email}} will help"},
                "unknown field 'email' in {{user.email}}: user has first_name, name "
                f"@ {NUMBER}.assigned_message",
                id="unknown-user-field",
            ),
            pytest.param(
                {"assigned_message": "About {{opportunity.Campus}}"},
                "unknown field 'Campus' in {{opportunity.Campus}}: opportunity has Course, name, "
                f"stage, type @ {NUMBER}.assigned_message",
                id="undeclared-opportunity-field",
            ),
            pytest.param(
                {"away_message": "{0.__class__} is away"},
                "{0.__class__} at character 1 is not a placeholder: placeholders take double "
                f"braces, such as {{{{lead.first_name}}}} @ {NUMBER}.away_message",
                id="format-field",
            ),
            pytest.param(
                {"assigned_message": " {{user.name}}\u200b"},
                "may merge to blank text: add words of its own, or a fallback such as "
                f"{{{{lead.first_name|there}}}} @ {NUMBER}.assigned_message",
                id="may-merge-blank",
            ),
            pytest.param(
                {"away_message": " \u200b\u00ad\n"},
                f"the away message must not be blank @ {NUMBER}.away_message",
                id="blank-away",
            ),
            pytest.param(
                {"assigned_message": ""},
                f"the assigned message must not be blank @ {NUMBER}.assigned_message",
                id="empty-assigned",
            ),
        ],
    )
    def test_reported_at_its_path(self, config, messages, expected):
        """Each bad message is one problem, at its field's path."""
        assert [expected] == find_problems(with_messages(config, **messages))

    def test_every_problem_in_one_run(self):
        """loads_config reports the problems of both messages together, with their paths."""
        text = with_lines(
            'away_message = "{{user.name}} is away"',
            'assigned_message = "{{owner.nickname}} will help"',
        )
        with pytest.raises(ConfigError) as caught:
            loads_config(text, format="toml")
        assert [
            (
                "{{user.name}} cannot be used here: this text may use lead, opportunity, owner "
                f"@ {NUMBER}.away_message"
            ),
            (
                "unknown field 'nickname' in {{owner.nickname}}: owner has first_name, name "
                f"@ {NUMBER}.assigned_message"
            ),
        ] == [p for p in caught.value.errors if "_message" in p]

    def test_not_a_string(self):
        """A message that is not text is refused at its path."""
        text = with_lines("away_message = 3", "")
        with pytest.raises(ConfigError) as caught:
            loads_config(text, format="toml")
        assert [f"{NUMBER}.away_message"] == [p.rpartition(" @ ")[2] for p in caught.value.errors]


class TestBuildLeadMessages:
    def test_away_message_merges_the_lead(self):
        """The away message greets the lead by first name, or by its fallback."""
        away = number(away_message="We are closed. {{lead.first_name|You}} will hear from us.")
        assert "We are closed. Ravi will hear from us." == build_away_message(away, RAVI)
        nameless = Lead(phone="919800000002")
        assert "We are closed. You will hear from us." == build_away_message(away, nameless)

    def test_assigned_message_names_the_user(self):
        """The assigned message names the user taking the conversation and the opportunity."""
        assigned = number(
            assigned_message="{{user.name}} will help you with {{opportunity.name|your enquiry}}."
        )
        assert "Asha Rao will help you with PG AI 2027." == build_assigned_message(
            assigned, RAVI, ASHA, opportunity=ENQUIRY
        )
        assert "Asha Rao will help you with your enquiry." == build_assigned_message(
            assigned, RAVI, ASHA
        )

    def test_owner_and_opportunity_fields(self):
        """The opportunity's dropdown fields and its owner merge like in menus."""
        away = number(
            away_message="{{owner.first_name|We}} will answer about {{opportunity.Course}}."
        )
        owned = attrs.evolve(ENQUIRY, owner="u-ben")
        assert "Ben will answer about AI." == build_away_message(
            away, RAVI, opportunity=owned, owner=BEN
        )

    def test_unknown_user_gives_the_fallback(self):
        """A user the caller does not know merges to the fallbacks."""
        assigned = number(assigned_message="{{user.name|Our team}} will help you.")
        assert "Our team will help you." == build_assigned_message(assigned, RAVI, None)

    def test_absent_messages(self):
        """A number without the messages gives none."""
        plain = number()
        assert (None, None) == (
            build_away_message(plain, RAVI),
            build_assigned_message(plain, RAVI, ASHA),
        )

    def test_values_are_not_merged_again(self):
        """A lead named like a placeholder is shown by that name."""
        away = number(away_message="Hi {{lead.name}}")
        odd = Lead(phone="919800000001", name="{{user.name}}")
        assert "Hi {{user.name}}" == build_away_message(away, odd)

    def test_long_text_is_fitted(self):
        """A merged text over 4 096 characters is cut, ending with an ellipsis."""
        away = number(away_message="{{lead.name}} " + "x" * 100)
        long_name = Lead(phone="919800000001", name="Ravi" * 1100)
        text = build_away_message(away, long_name)
        assert (MAX_TEXT_BODY, ELLIPSIS) == (len(text), text[-1])

    def test_bad_template_built_by_hand(self):
        """A number built by hand with a bad template raises ConfigError at the message's path."""
        bad = number(away_message="Hi {{user.name}}", assigned_message="Hi {{user.name}}")
        with pytest.raises(ConfigError) as caught:
            build_away_message(bad, RAVI)
        assert (
            (
                "{{user.name}} cannot be used here: this text may use lead, opportunity, owner "
                "@ $.away_message"
            ),
        ) == caught.value.errors
        assert "Hi Asha Rao" == build_assigned_message(bad, RAVI, ASHA)

    def test_blank_template_built_by_hand(self):
        """A blank message built by hand is refused, not sent."""
        with pytest.raises(ConfigError) as caught:
            build_assigned_message(number(assigned_message="\u200b"), RAVI, ASHA)
        assert (
            "the assigned message must not be blank @ $.assigned_message",
        ) == caught.value.errors

    def test_lead_messages_parse_once(self):
        """LeadMessages merges what the functions merge."""
        messages = LeadMessages(number(away_message="Hi {{lead.first_name|there}}"))
        assert build_away_message(messages.number, RAVI) == messages.away(RAVI)


class TestRenderText:
    def test_shape(self, whatsapp_schema):
        """A text renders as a Cloud API text message, valid against Meta's schema."""
        rendered = render_text("Asha will help you.", "919800000001")
        assert {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "919800000001",
            "type": "text",
            "text": {"body": "Asha will help you."},
        } == rendered
        assert [] == whatsapp_schema.text_errors(rendered)

    def test_schema_check_catches_bad_texts(self, whatsapp_schema):
        """The schema check used here refuses an over-long or blank body."""
        assert whatsapp_schema.text_errors(render_text("x" * (MAX_TEXT_BODY + 1), "919800000001"))
        assert whatsapp_schema.text_errors(render_text(" ", "919800000001"))


_NAMES = (
    menu_texts(5000)
    | st.text(max_size=5000)
    | st.sampled_from(["", " ", "\u200b", "👩🏽‍💻" * 3000])
)
_AWAY = templates(
    (
        "{{lead.first_name|You}}",
        "{{lead.name}}",
        "{{opportunity.name|your enquiry}}",
        "{{ owner.name | our team }}",
    ),
    text_required=True,
)
_ASSIGNED = templates(
    (
        "{{user.name}}",
        "{{user.first_name|We}}",
        "{{opportunity.name|your enquiry}}",
        "{{lead.name}}",
    ),
    text_required=True,
)


class TestLeadMessageProperties:
    @settings(max_examples=200)
    @given(
        away=_AWAY,
        assigned=_ASSIGNED,
        padding=st.integers(min_value=0, max_value=5000),
        lead_name=_NAMES,
        opportunity_name=_NAMES,
        user_name=_NAMES,
    )
    def test_never_over_the_limit_nor_blank(  # noqa: PLR0917 - hypothesis fills them by name
        self, away, assigned, padding, lead_name, opportunity_name, user_name, whatsapp_schema
    ):
        """Whatever the names, a checked message merges to 1 to 4 096 characters that show."""
        long_away = away + "." * padding
        checked = number(away_message=long_away, assigned_message=assigned)
        assert [] == find_template_problems(checked)
        messages = LeadMessages(checked)
        lead = Lead(phone="919800000001", name=lead_name)
        opportunity = Opportunity(id="opp-1", type="Course", name=opportunity_name)
        user = User(id="u-1", name=user_name)
        texts = [
            messages.away(lead, opportunity=opportunity, owner=user),
            messages.assigned(lead, user, opportunity=opportunity),
        ]
        for text in texts:
            assert text is not None
            assert len(text) <= MAX_TEXT_BODY
            assert not is_blank(text)
            assert [] == whatsapp_schema.text_errors(render_text(text, lead.phone))
