"""
Reading the click-to-WhatsApp ad a message came from: its referral.
"""

import copy
import datetime as dt

import pytest

from convroute.engine import AdReferral, IncomingMessage
from convroute.whatsapp import PassedOver, SkippedItem, WebhookBatch, parse_webhook


WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0N0VFMDA2MTQ0RkJFNkNDNAA="
CLICK = (
    "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCq"
    "TrJ5nW1h7IHYeYymGb5K5J5iTROpBhWAGaIAeUzHL50"
)
# Meta's own example of a text message from a click-to-WhatsApp ad (the
# Cloud API's OpenAPI description, v23.0).
FROM_AN_AD = {
    "object": "whatsapp_business_account",
    "entry": [
        {
            "id": "102290129340398",
            "changes": [
                {
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "15550783881",
                            "phone_number_id": "106540352242922",
                        },
                        "contacts": [
                            {"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}
                        ],
                        "messages": [
                            {
                                "referral": {
                                    "source_url": "https://fb.me/3cr4Wqqkv",
                                    "source_id": "120226305854810726",
                                    "source_type": "ad",
                                    "body": "Summer Succulents are here!",
                                    "headline": "Chat with us",
                                    "media_type": "image",
                                    "image_url": "https://scontent.xx.fbcdn.net/v/t45.1...",
                                    "ctwa_clid": CLICK,
                                    "welcome_message": {
                                        "text": "Hi there! Let us know how we can help!"
                                    },
                                },
                                "from": "16505551234",
                                "id": WAMID,
                                "timestamp": "1750275992",
                                "text": {"body": "Hello! Can I get more info on this?"},
                                "type": "text",
                            }
                        ],
                    },
                    "field": "messages",
                }
            ],
        }
    ],
}
MESSAGE = "entry[0].changes[0].value.messages[0]"


def with_referral(referral):
    body = copy.deepcopy(FROM_AN_AD)
    body["entry"][0]["changes"][0]["value"]["messages"][0]["referral"] = referral
    return body


class TestReferrals:
    def test_metas_example(self):
        """The ad's id, kind and headline come with the message, its click id beside them."""
        expected = IncomingMessage(
            id=WAMID,
            at=dt.datetime(2025, 6, 18, 19, 46, 32, tzinfo=dt.UTC),
            lead="16505551234",
            number="15550783881",
            text="Hello! Can I get more info on this?",
            name="Sheena Nelson",
            ctwa_clid=CLICK,
            referral=AdReferral(
                source_id="120226305854810726", source_type="ad", headline="Chat with us"
            ),
            phone_number_id="106540352242922",
        )
        assert WebhookBatch(events=[expected]) == parse_webhook(FROM_AN_AD)

    @pytest.mark.parametrize(
        ("referral", "expected"),
        [
            pytest.param({"source_type": "ad"}, AdReferral(source_type="ad"), id="no-source-id"),
            pytest.param({"source_id": ""}, AdReferral(), id="empty-source-id"),
            pytest.param({"source_id": None, "headline": None}, AdReferral(), id="nulls"),
            pytest.param({}, AdReferral(), id="empty"),
        ],
    )
    def test_referral_without_an_ad_id(self, referral, expected):
        """A referral without a source_id is still the message's referral, with no ad id."""
        [event] = parse_webhook(with_referral(referral)).events
        assert (expected, None) == (event.referral, event.ctwa_clid)

    @pytest.mark.parametrize(
        ("referral", "detail"),
        [
            ("ad", "referral: expected an object, got text"),
            ([], "referral: expected an object, got a list"),
            ({"source_id": 120226305854810726}, "referral.source_id: expected text, got a number"),
            ({"source_type": {"kind": "ad"}}, "referral.source_type: expected text, got an object"),
            ({"headline": ["Chat"]}, "referral.headline: expected text, got a list"),
            (
                {"headline": "Chat \ud800"},
                "referral.headline: holds a lone surrogate, which is not text",
            ),
        ],
    )
    def test_malformed_referral_passes_the_message_over(self, referral, detail):
        """A referral not shaped as documented makes its message malformed, with a reason."""
        expected = WebhookBatch(skipped=[SkippedItem(MESSAGE, PassedOver.MALFORMED, detail)])
        assert expected == parse_webhook(with_referral(referral))

    def test_oversize_headline(self):
        """A headline far longer than any WhatsApp sends passes the message over as oversize."""
        batch = parse_webhook(with_referral({"headline": "x" * 5000}))
        assert (
            SkippedItem(
                MESSAGE, PassedOver.OVERSIZE, "referral.headline: 5000 characters, more than 4096"
            ),
        ) == batch.skipped
