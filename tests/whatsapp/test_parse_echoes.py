"""
Reading business-app echoes: what a Coexistence number sends from the WhatsApp Business app.
"""

import copy
import datetime as dt
import json

import pytest

from convroute.engine import IncomingMessage, OutgoingMessage
from convroute.whatsapp import PassedOver, SkippedItem, WebhookBatch, parse_webhook


BUSINESS = "15550783881"
LEAD = "16505551234"
AT = dt.datetime(2025, 2, 12, 0, 43, 44, tzinfo=dt.UTC)
WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="
# An smb_message_echoes delivery as Meta documents it (the webhook
# reference's syntax, with its example values): the business answered a
# lead from the WhatsApp Business app on its phone.
ECHO = {
    "object": "whatsapp_business_account",
    "entry": [
        {
            "id": "102290129340398",
            "changes": [
                {
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": BUSINESS,
                            "phone_number_id": "106540352242922",
                        },
                        "message_echoes": [
                            {
                                "from": BUSINESS,
                                "to": "+16505551234",
                                "id": WAMID,
                                "timestamp": "1739321024",
                                "type": "text",
                                "text": {
                                    "body": "Here's the info you requested! "
                                    "https://www.meta.com/quest/quest-3/"
                                },
                            }
                        ],
                    },
                    "field": "smb_message_echoes",
                }
            ],
        }
    ],
}
ECHOES = "entry[0].changes[0].value.message_echoes"


def echo(**changes):
    item = copy.deepcopy(ECHO["entry"][0]["changes"][0]["value"]["message_echoes"][0])
    for key, value in changes.items():
        if value is None:
            del item[key]
        else:
            item[key] = value
    return item


def with_echoes(*items, echoes=None):
    body = copy.deepcopy(ECHO)
    value = body["entry"][0]["changes"][0]["value"]
    value["message_echoes"] = list(items) if echoes is None else echoes
    return body


def sent(text="Here's the info you requested! https://www.meta.com/quest/quest-3/", ident=WAMID):
    return OutgoingMessage(
        id=ident, at=AT, lead=LEAD, number=BUSINESS, text=text, phone_number_id="106540352242922"
    )


class TestEchoes:
    def test_documented_echo_is_an_outgoing_message(self):
        """A text echo is the business's message to the lead: from the business, to the lead."""
        assert WebhookBatch(events=[sent()]) == parse_webhook(json.dumps(ECHO).encode())

    def test_echoes_and_messages_in_one_delivery_keep_their_order(self):
        """Messages and echoes of one delivery come out in the order they are in."""
        body = copy.deepcopy(ECHO)
        incoming = {
            "field": "messages",
            "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": BUSINESS, "phone_number_id": "1065"},
                "messages": [
                    {
                        "from": LEAD,
                        "id": "wamid.in",
                        "timestamp": "1739321000",
                        "type": "text",
                        "text": {"body": "Hi"},
                    }
                ],
            },
        }
        body["entry"][0]["changes"].insert(0, incoming)

        assert [IncomingMessage, OutgoingMessage] == [type(e) for e in parse_webhook(body).events]

    @pytest.mark.parametrize(
        ("item", "text"),
        [
            pytest.param(
                echo(type="image", text=None, image={"id": "1003", "caption": "Your timetable"}),
                "Your timetable",
                id="captioned-image",
            ),
            pytest.param(
                echo(type="document", text=None, document={"id": "1004", "filename": "a.pdf"}),
                "",
                id="document-without-caption",
            ),
            pytest.param(
                echo(type="audio", text=None, audio={"id": "1005", "voice": True}),
                "",
                id="voice-note",
            ),
            pytest.param(
                echo(type="location", text=None, location={"latitude": 12.9, "longitude": 77.6}),
                "",
                id="location",
            ),
        ],
    )
    def test_media_echoes_are_outgoing_with_their_caption(self, item, text):
        """A media echo is outgoing too: its caption is its text; without one it says nothing."""
        assert (sent(text),) == parse_webhook(with_echoes(item)).events

    def test_integer_timestamp(self):
        """Meta's reference calls the echo's timestamp an integer: one is read as well."""
        assert (sent(),) == parse_webhook(with_echoes(echo(timestamp=1739321024))).events


class TestMalformedEchoes:
    @pytest.mark.parametrize(
        ("bad", "reason", "detail"),
        [
            pytest.param(
                echo(to=None),
                PassedOver.NO_RECIPIENT,
                "to: no phone, perhaps a business-scoped user id instead",
                id="no-to",
            ),
            pytest.param(
                echo(to=""),
                PassedOver.NO_RECIPIENT,
                "to: no phone, perhaps a business-scoped user id instead",
                id="empty-to",
            ),
            pytest.param(
                echo(to="US.13491208655302741918"),
                PassedOver.MALFORMED,
                "to: not a phone number 'US.13491208655302741918': "
                "'U' is neither a digit nor punctuation",
                id="bsuid-to",
            ),
            pytest.param(
                echo(to=BUSINESS),
                PassedOver.MALFORMED,
                f"to: the business number {BUSINESS} itself, not a lead",
                id="to-the-business",
            ),
            pytest.param(
                echo(text=None),
                PassedOver.MALFORMED,
                "text: expected an object, got null",
                id="no-text",
            ),
            pytest.param(
                echo(text={"body": 5}),
                PassedOver.MALFORMED,
                "text.body: expected text, got a number",
                id="body-not-text",
            ),
            pytest.param(
                echo(type="reaction", text=None, reaction={"message_id": "wamid.x", "emoji": "👍"}),
                PassedOver.UNSUPPORTED_TYPE,
                "type 'reaction'",
                id="reaction",
            ),
            pytest.param(
                echo(type="revoke", text=None),
                PassedOver.UNSUPPORTED_TYPE,
                "type 'revoke'",
                id="revoke",
            ),
            pytest.param(
                echo(type="carousel"), PassedOver.UNSUPPORTED_TYPE, "type 'carousel'", id="unknown"
            ),
            pytest.param(
                echo(type=None), PassedOver.MALFORMED, "type: expected text, got null", id="no-type"
            ),
            pytest.param(
                echo(id=None), PassedOver.MALFORMED, "id: expected text, got null", id="no-id"
            ),
            pytest.param(
                echo(timestamp="soon"),
                PassedOver.MALFORMED,
                "timestamp: expected a string of Unix seconds, got the text 'soon'",
                id="bad-timestamp",
            ),
            pytest.param(
                echo(timestamp=-5),
                PassedOver.MALFORMED,
                "timestamp: expected a string of Unix seconds, got the number -5",
                id="negative-timestamp",
            ),
            pytest.param(
                echo(text={"body": "x" * 4097}),
                PassedOver.OVERSIZE,
                "text.body: 4097 characters, more than 4096",
                id="oversize",
            ),
            pytest.param(
                "an echo", PassedOver.MALFORMED, "expected an object, got text", id="not-an-object"
            ),
        ],
    )
    def test_skipped_and_the_rest_read(self, bad, reason, detail):
        """A bad echo is passed over with its reason; the echoes around it are read."""
        body = with_echoes(echo(id="before"), bad, echo(id="after"))

        expected = WebhookBatch(
            events=[sent(ident="before"), sent(ident="after")],
            skipped=[SkippedItem(f"{ECHOES}[1]", reason, detail)],
        )
        assert expected == parse_webhook(body)

    @pytest.mark.parametrize(
        ("echoes", "detail"),
        [({"id": WAMID}, "expected a list, got an object"), ("x", "expected a list, got text")],
    )
    def test_echoes_not_a_list(self, echoes, detail):
        """A message_echoes that is not a list is passed over as malformed."""
        expected = WebhookBatch(skipped=[SkippedItem(ECHOES, PassedOver.MALFORMED, detail)])
        assert expected == parse_webhook(with_echoes(echoes=echoes))

    def test_no_business_number(self):
        """Echoes of a change without a usable display_phone_number are each passed over."""
        body = with_echoes(echo(id="a"), echo(id="b"))
        body["entry"][0]["changes"][0]["value"]["metadata"] = {"phone_number_id": "1065"}

        assert [PassedOver.NO_BUSINESS_NUMBER] * 2 == [
            s.reason for s in parse_webhook(body).skipped
        ]
