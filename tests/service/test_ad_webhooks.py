"""
Click-to-WhatsApp ad leads through the service: from the webhook to the funnel.
"""

import json

from convroute.funnel import Cause
from service.conftest import AT, LEAD, NUMBER


BLACK_FRIDAY = "120210000000000001"


def from_an_ad(wamid, text, referral, seconds=0):
    message = {
        "referral": referral,
        "from": LEAD,
        "id": wamid,
        "timestamp": str(int(AT.timestamp()) + seconds),
        "text": {"body": text},
        "type": "text",
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Ravi Kumar"}, "wa_id": LEAD}],
        "messages": [message],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def referral(source_id=BLACK_FRIDAY, **extra):
    given = {
        "source_url": "https://fb.me/3cr4Wqqkv",
        "source_id": source_id,
        "source_type": "ad",
        "body": "Enrol before December",
        "headline": "Learn AI this winter",
        "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ",
        **extra,
    }
    return {key: value for key, value in given.items() if value is not None}


def entered(handled):
    (item,) = (item for item in handled.handled[0].actions if item.type == "enter_funnel")
    return item.body


class TestAdLeadsThroughWebhooks:
    def test_mapped_ad_enters_with_its_source_and_keeps_the_click(self, service, store):
        """The ad's lead enters with the mapped source; the record keeps the click id."""
        handled = service.handle_webhook(
            from_an_ad("wamid.ad.1", "Hello! Can I get more info?", referral()), verify=False
        )

        with store.unit_of_work() as uow:
            (record,) = uow.funnel_records.for_lead(LEAD)
        assert (
            "Black Friday ad",
            {"source_id": BLACK_FRIDAY, "headline": "Learn AI this winter"},
            ("Black Friday ad", Cause.TRIGGER, "ARAkLkA8rmlFeiCktEJQ"),
        ) == (
            entered(handled)["source"],
            entered(handled)["ad"],
            (record.source, record.cause, record.ctwa_clid),
        )

    def test_unmapped_ad_and_phrase(self, service):
        """An unmapped ad enters with ads_source; a later ad changes nothing (first touch)."""
        first = service.handle_webhook(
            from_an_ad("wamid.ad.1", "Hi", referral(source_id=None)), verify=False
        )
        again = service.handle_webhook(
            from_an_ad("wamid.ad.2", "I came from Instagram", referral(), 60), verify=False
        )

        assert (
            "Meta Ads",
            {"source_id": None, "headline": "Learn AI this winter"},
            [],
        ) == (
            entered(first)["source"],
            entered(first)["ad"],
            [i.type for i in again.handled[0].actions if i.type == "enter_funnel"],
        )

    def test_phrase_wins_over_the_ad(self, service):
        """A trigger phrase in the ad's message names the source."""
        handled = service.handle_webhook(
            from_an_ad("wamid.ad.1", "Hi, I came from Instagram!", referral()), verify=False
        )

        assert ("Instagram", BLACK_FRIDAY) == (
            entered(handled)["source"],
            entered(handled)["ad"]["source_id"],
        )

    def test_malformed_referral_is_passed_over(self, service):
        """A referral of the wrong shape passes its message over; the service goes on."""
        handled = service.handle_webhook(
            from_an_ad("wamid.ad.1", "Hi", referral(source_id=120210000000000001)), verify=False
        )
        fine = service.handle_webhook(from_an_ad("wamid.ad.2", "Hi", referral()), verify=False)

        assert (
            ["referral.source_id: expected text, got a number"],
            (),
            "Black Friday ad",
        ) == (
            [item.detail for item in handled.batch.skipped],
            handled.handled,
            entered(fine)["source"],
        )
