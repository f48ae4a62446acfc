"""
The engine on click-to-WhatsApp ad leads: the source they enter with, and the ad reported.
"""

import datetime as dt

import pytest

from convroute.engine import AdReferral, Engine, EnterFunnel, IncomingMessage
from convroute.model import Phone
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
BLACK_FRIDAY = "120210000000000001"


def from_ad(text, referral, ctwa_clid=None):
    return IncomingMessage(
        id="wamid.1",
        at=AT,
        lead=LEAD,
        number=NUMBER,
        text=text,
        ctwa_clid=ctwa_clid,
        referral=referral,
    )


def entry(outcome):
    (entered,) = (action for action in outcome.actions if isinstance(action, EnterFunnel))
    return entered.to_json()


class TestAdLeads:
    @pytest.mark.parametrize(
        ("text", "referral", "source"),
        [
            pytest.param(
                "Hello! Can I get more info on this?",
                AdReferral(source_id=BLACK_FRIDAY, source_type="ad", headline="Learn AI"),
                "Black Friday ad",
                id="mapped",
            ),
            pytest.param(
                "Hello!",
                AdReferral(source_id="120219999999999999", headline="Learn AI"),
                "Meta Ads",
                id="unmapped",
            ),
            pytest.param(
                "I came from Instagram",
                AdReferral(source_id=BLACK_FRIDAY, headline="Learn AI"),
                "Instagram",
                id="phrase-wins",
            ),
        ],
    )
    def test_enter_funnel_names_the_source_and_the_ad(self, text, referral, source):
        """The ad lead enters with the decided source, and enter_funnel reports the ad."""
        outcome = State(Engine.from_config(CONFIG)).message(from_ad(text, referral))

        assert {
            "type": "enter_funnel",
            "funnel": "Sales",
            "lead": LEAD,
            "source": source,
            "stage": "Lead Entry",
            "transition": entry(outcome)["transition"],
            "ad": {"source_id": referral.source_id, "headline": "Learn AI"},
        } == entry(outcome)

    def test_referral_without_id(self):
        """A referral without source_id enters with ads_source; its ad has no id."""
        outcome = State(Engine.from_config(CONFIG)).message(from_ad("Hi", AdReferral()))

        assert ("Meta Ads", {"source_id": None, "headline": None}) == (
            entry(outcome)["source"],
            entry(outcome)["ad"],
        )

    def test_click_id_is_kept_for_meta(self):
        """The ad's ctwa_clid attributes the entry's Meta event, as for a phrase."""
        state = State(Engine.from_config(CONFIG))
        outcome = state.message(from_ad("Hi", AdReferral(source_id=BLACK_FRIDAY), "ARAkLk"))

        (event,) = (a.to_json() for a in outcome.actions if a.to_json()["type"] == "meta_event")
        assert "ARAkLk" == event["payload"]["data"][0]["user_data"]["ctwa_clid"]

    def test_no_referral_no_ad_key(self):
        """An entry without a referral has no ad in its JSON form."""
        outcome = State(Engine.from_config(CONFIG)).message(from_ad("I came from Instagram", None))

        assert "ad" not in entry(outcome)

    @pytest.mark.parametrize("blank", ["", "  ", "\u200b"])
    def test_an_empty_click_id_is_no_click(self, blank):
        """An empty ctwa_clid attributes nothing: no Meta event carries it, as without a click."""
        outcome = State(Engine.from_config(CONFIG)).message(
            from_ad("I came from Instagram", None, blank)
        )

        assert (None, [], ("no Meta event LeadSubmitted for 'Lead Entry': no_click",)) == (
            from_ad("Hi", None, blank).ctwa_clid,
            [a for a in outcome.actions if a.to_json()["type"] == "meta_event"],
            outcome.notes[:1],
        )
