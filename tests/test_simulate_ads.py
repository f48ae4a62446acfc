"""
simulate on click-to-WhatsApp ad leads: the ``referral`` of an incoming line.
"""

import json
import pathlib
import re

import pytest

from convroute.config import load_config
from convroute.engine import AdReferral
from convroute.simulate import EventLineError, read_event_line, simulate
from convroute.testing import MemoryStore


CONFIG = load_config(pathlib.Path(__file__).parents[1] / "examples" / "account.toml")
BLACK_FRIDAY = "120210000000000001"
REFERRAL = {
    "source_id": BLACK_FRIDAY,
    "source_type": "ad",
    "headline": "Learn AI this winter",
    "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ",
}


def ad_line(referral=REFERRAL, *, ident="wamid.ad.1", text="Hello! Can I get more info?", **extra):
    event = {
        "type": "incoming",
        "id": ident,
        "at": "2026-11-02T09:00:00+05:30",
        "from": "919800000001",
        "to": "918040001234",
        "text": text,
        "referral": referral,
    }
    return json.dumps({**event, **extra})


def entries(lines):
    return [
        a for a in simulate(CONFIG, MemoryStore(), lines) if a["type"] in {"enter_funnel", "error"}
    ]


class TestReferralLines:
    def test_referral_is_read(self):
        """The referral gives the message its ad and its click id."""
        (event,) = read_event_line(ad_line())

        assert (
            AdReferral(source_id=BLACK_FRIDAY, source_type="ad", headline="Learn AI this winter"),
            "ARAkLkA8rmlFeiCktEJQ",
        ) == (event.referral, event.ctwa_clid)

    def test_referral_without_id_or_click(self):
        """A referral without source_id or ctwa_clid is still a referral."""
        (event,) = read_event_line(ad_line({"source_type": "ad", "source_id": ""}))

        assert (AdReferral(source_type="ad"), None) == (event.referral, event.ctwa_clid)

    def test_an_empty_click_id_beside_the_referral_is_none(self):
        """An empty ctwa_clid on the line is no click, as an empty one in the referral is."""
        (event,) = read_event_line(ad_line({"source_type": "ad"}, ctwa_clid=""))

        assert None is event.ctwa_clid

    @pytest.mark.parametrize("blank", [" ", "\u200b"])
    def test_a_blank_click_id_beside_the_referral_s_is_none(self, blank):
        """A blank ctwa_clid on the line is no click: the referral's click id is kept."""
        (event,) = read_event_line(ad_line(ctwa_clid=blank))

        assert REFERRAL["ctwa_clid"] == event.ctwa_clid

    @pytest.mark.parametrize("blank", [" ", "\u200b"])
    def test_a_blank_click_id_in_the_referral_is_none(self, blank):
        """A blank referral.ctwa_clid is no click, and differs from none on the line."""
        (event,) = read_event_line(ad_line({**REFERRAL, "ctwa_clid": blank}, ctwa_clid="abc"))

        assert "abc" == event.ctwa_clid

    def test_the_same_click_id_twice_is_accepted(self):
        """ctwa_clid beside the referral's same click id is one click."""
        (event,) = read_event_line(ad_line(ctwa_clid=REFERRAL["ctwa_clid"]))

        assert REFERRAL["ctwa_clid"] == event.ctwa_clid

    @pytest.mark.parametrize(
        ("referral", "extra", "message"),
        [
            ("ad", {}, "incoming: 'referral' must be an object"),
            ([REFERRAL], {}, "incoming: 'referral' must be an object"),
            (
                {"source_id": 120210000000000001},
                {},
                "incoming: 'referral.source_id' must be a string",
            ),
            ({"headline": ["Learn"]}, {}, "incoming: 'referral.headline' must be a string"),
            ({"ctwa_clid": True}, {}, "incoming: 'referral.ctwa_clid' must be a string"),
            (
                {"source_url": "https://fb.me/x"},
                {},
                (
                    "incoming: 'referral': unknown key 'source_url'; "
                    "known: ctwa_clid, headline, source_id, source_type"
                ),
            ),
            (
                REFERRAL,
                {"ctwa_clid": "other"},
                "incoming: 'ctwa_clid' and 'referral.ctwa_clid' differ",
            ),
            ({"headline": "h\ud800"}, {}, "lone surrogate"),
        ],
    )
    def test_malformed_referral_says_why(self, referral, extra, message):
        """A malformed referral is an EventLineError naming what is wrong."""
        with pytest.raises(EventLineError, match=re.escape(message)):
            read_event_line(ad_line(referral, **extra))


class TestAdLeadsSimulated:
    def test_enter_funnel_has_the_ad_and_its_source(self):
        """An ad lead enters with the ad's mapped source; enter_funnel names the ad."""
        (entered,) = entries([ad_line()])

        assert {
            "type": "enter_funnel",
            "event": "wamid.ad.1",
            "funnel": "Sales",
            "lead": "919800000001",
            "source": "Black Friday ad",
            "stage": "Lead Entry",
            "transition": entered["transition"],
            "ad": {"source_id": BLACK_FRIDAY, "headline": "Learn AI this winter"},
        } == entered

    @pytest.mark.parametrize(
        ("referral", "text", "source"),
        [
            pytest.param(
                {"source_id": "999", "headline": "Other"}, "Hi", "Meta Ads", id="unmapped"
            ),
            pytest.param({"headline": "Other"}, "Hi", "Meta Ads", id="no-id"),
            pytest.param(REFERRAL, "I came from Instagram", "Instagram", id="phrase-wins"),
        ],
    )
    def test_source_decided(self, referral, text, source):
        """Unmapped ads enter with ads_source, and a phrase wins over any ad."""
        (entered,) = entries([ad_line(referral, text=text)])

        assert (source, referral.get("source_id"), referral["headline"]) == (
            entered["source"],
            entered["ad"]["source_id"],
            entered["ad"]["headline"],
        )

    def test_malformed_referral_is_an_error_line_and_the_run_goes_on(self):
        """A referral of the wrong type is one error line; the next line still runs."""
        error, entered = entries([ad_line({"source_id": 5}), ad_line(ident="wamid.ad.2")])

        assert (
            {
                "type": "error",
                "line": 1,
                "error": "incoming: 'referral.source_id' must be a string",
            },
            "Black Friday ad",
        ) == (error, entered["source"])
