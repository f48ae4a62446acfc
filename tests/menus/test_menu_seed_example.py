"""
The seed's worked example: Example University's two auto-responses.
"""

import datetime as dt
import pathlib

import pytest

from convroute import Lead, Opportunity, load_config
from convroute.menus import (
    MatchedBy,
    OptionKind,
    Selected,
    build_first_response,
    build_second_response,
    interpret_reply,
    option_id,
    render_menu,
)


EXAMPLE = pathlib.Path(__file__).parents[2] / "examples/account.toml"
RAVI = Lead(phone="919800000001", name="Ravi Kumar", owner="u-asha")


def at(day):
    return dt.datetime(2026, 11, day, 9, tzinfo=dt.UTC)


# Ravi's own enquiry, and his two siblings', all under his phone.
ENQUIRIES = [
    Opportunity(
        id="opp-1",
        type="Postgraduate Course",
        name="PG AI 2027",
        fields={"Course": "AI"},
        owner="u-ben",
        stage="Applied",
        updated_at=at(1),
    ),
    Opportunity(
        id="opp-2",
        type="Postgraduate Course",
        name="PG AI 2027 (Priya)",
        fields={"Course": "AI"},
        updated_at=at(3),
    ),
    Opportunity(
        id="opp-3",
        type="Postgraduate Course",
        name="PG AI 2026 (Arjun)",
        fields={"Course": "AI"},
        owner="u-asha",
        updated_at=at(2),
    ),
    Opportunity(
        id="opp-4",
        type="Postgraduate Course",
        name="PG Data Science 2027",
        fields={"Course": "Data Science"},
        updated_at=at(4),
    ),
]


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLE)


@pytest.fixture(scope="module")
def number(config):
    return config.numbers[0]


@pytest.fixture(scope="module")
def owners(config):
    return {user.id: user for user in config.users}


class TestFirstResponse:
    def test_three_buttons(self, number, whatsapp_schema):
        """AI, Data Science and Something else are three reply buttons under a greeting."""
        payload = render_menu(build_first_response(number, RAVI), RAVI.phone)
        expected = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "919800000001",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "header": {"type": "text", "text": "Example University"},
                "body": {"text": "Hi Ravi! Which course is this about?"},
                "footer": {"text": "We reply within minutes"},
                "action": {
                    "buttons": [
                        {
                            "type": "reply",
                            "reply": {"id": option_id(OptionKind.PRODUCT, "AI"), "title": "AI"},
                        },
                        {
                            "type": "reply",
                            "reply": {
                                "id": option_id(OptionKind.PRODUCT, "Data Science"),
                                "title": "Data Science",
                            },
                        },
                        {
                            "type": "reply",
                            "reply": {"id": "other_queries", "title": "Something else"},
                        },
                    ]
                },
            },
        }
        assert expected == payload
        assert [] == whatsapp_schema.errors(payload)

    def test_nameless_lead_is_greeted_with_the_fallback(self, number):
        """A lead without a name is greeted with the template's fallback."""
        menu = build_first_response(number, Lead(phone="919800000002"))
        assert "Hi there! Which course is this about?" == menu.body

    def test_typed_answer_picks_the_product(self, number):
        """Typing "data science" picks the Data Science product."""
        menu = build_first_response(number, RAVI)
        outcome = interpret_reply(menu, text="data science")
        assert (OptionKind.PRODUCT, "Data Science", MatchedBy.TITLE) == (
            outcome.option.kind,
            outcome.option.key,
            outcome.by,
        )


class TestSecondResponse:
    def test_three_enquiries_make_a_list_of_four_rows(self, number, owners, whatsapp_schema):
        """Ravi's three AI enquiries, most recent first, and A new enquiry make four rows."""
        menu = build_second_response(number, number.products[0], RAVI, ENQUIRIES, owners)
        payload = render_menu(menu, RAVI.phone)
        expected = {
            "type": "list",
            "body": {"text": "Which of your enquiries shall we continue?"},
            "action": {
                "button": "Your enquiries",
                "sections": [
                    {
                        "rows": [
                            {
                                "id": option_id(OptionKind.OPPORTUNITY, "opp-2"),
                                "title": "PG AI 2027 (Priya)",
                                "description": "with our team",
                            },
                            {
                                "id": option_id(OptionKind.OPPORTUNITY, "opp-3"),
                                "title": "PG AI 2026 (Arjun)",
                                "description": "with Asha Rao",
                            },
                            {
                                "id": option_id(OptionKind.OPPORTUNITY, "opp-1"),
                                "title": "PG AI 2027",
                                "description": "with Ben Thomas",
                            },
                            {"id": "new_opportunity", "title": "A new enquiry"},
                        ]
                    }
                ],
            },
        }
        assert expected == payload["interactive"]
        assert [] == whatsapp_schema.errors(payload)
        assert () == menu.left_out

    def test_tapping_a_row_picks_the_enquiry(self, number, owners):
        """Tapping the second row selects Arjun's enquiry by its id."""
        menu = build_second_response(number, number.products[0], RAVI, ENQUIRIES, owners)
        outcome = interpret_reply(menu, reply_id=option_id(OptionKind.OPPORTUNITY, "opp-3"))
        assert Selected(menu.options[1], MatchedBy.ID) == outcome
        assert "opp-3" == outcome.option.key
