"""
Reading Cloud API webhooks: realistic deliveries, and bad ones.
"""

import datetime as dt
import json
import pathlib

import pytest

from convroute.engine import AdReferral, IncomingMessage, Media, MediaKind
from convroute.model import Phone
from convroute.whatsapp import (
    MAX_TEXT_BODY,
    PassedOver,
    SkippedItem,
    WebhookBatch,
    WebhookError,
    parse_webhook,
)


BUSINESS = Phone("15550783881")
LEAD = Phone("16505551234")
OTHER_LEAD = Phone("5511912345678")
TIMESTAMP = "1749416383"
AT = dt.datetime(2025, 6, 8, 20, 59, 43, tzinfo=dt.UTC)
FIRST = "entry[0].changes[0].value"


def envelope(*changes):
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": list(changes)}],
    }


PHONE_NUMBER_ID = "106540352242922"


def metadata(display=BUSINESS):
    return {"display_phone_number": display, "phone_number_id": PHONE_NUMBER_ID}


def messages_change(*messages, contacts=(), meta=None):
    value = {
        "messaging_product": "whatsapp",
        "metadata": metadata() if meta is None else meta,
        "contacts": list(contacts),
        "messages": list(messages),
    }
    return {"field": "messages", "value": value}


def contact(wa_id, name):
    return {"profile": {"name": name}, "wa_id": wa_id}


def message(kind, content, *, wamid="wamid.1", sender=LEAD, **extra):
    return {
        "from": sender,
        "id": wamid,
        "timestamp": TIMESTAMP,
        "type": kind,
        kind: content,
        **extra,
    }


def text(body="Does it come in another color?", **extra):
    return message("text", {"body": body}, **extra)


def incoming(text="Does it come in another color?", *, wamid="wamid.1", lead=LEAD, **extra):
    extra.setdefault("phone_number_id", PHONE_NUMBER_ID)
    return IncomingMessage(id=wamid, at=AT, lead=lead, number=BUSINESS, text=text, **extra)


def status(state, wamid="wamid.sent"):
    return {"id": wamid, "status": state, "timestamp": TIMESTAMP, "recipient_id": LEAD}


class TestRealisticPayloads:
    def test_text_with_profile_name(self):
        """A text message becomes an event, named from the contact whose wa_id sent it."""
        body = envelope(messages_change(text(), contacts=[contact(LEAD, "Sheena Nelson")]))

        assert WebhookBatch(events=[incoming(name="Sheena Nelson")]) == parse_webhook(body)

    def test_button_reply(self):
        """A tapped reply button gives its id as reply_id and its title as text."""
        reply = {"type": "button_reply", "button_reply": {"id": "product.a", "title": "AI"}}
        body = envelope(messages_change(message("interactive", reply, context={"id": "wamid.m"})))

        assert (incoming("AI", reply_id="product.a"),) == parse_webhook(body).events

    def test_list_reply(self):
        """A tapped list row gives its id as reply_id and its title as text."""
        row = {"id": "opp.2", "title": "PG AI 2027", "description": "Updated yesterday"}
        reply = {"type": "list_reply", "list_reply": row}
        body = envelope(messages_change(message("interactive", reply)))

        assert (incoming("PG AI 2027", reply_id="opp.2"),) == parse_webhook(body).events

    def test_template_quick_reply_button(self):
        """A template's quick-reply button gives its text, and its payload as reply_id."""
        button = {"payload": "promo.yes", "text": "Yes, tell me more"}
        body = envelope(messages_change(message("button", button)))

        expected = incoming("Yes, tell me more", reply_id="promo.yes")
        assert (expected,) == parse_webhook(body).events

    def test_template_button_without_payload(self):
        """A quick-reply button without a payload gives its text alone."""
        body = envelope(messages_change(message("button", {"text": "Stop"})))

        assert (incoming("Stop"),) == parse_webhook(body).events

    def test_referral_with_click_id(self):
        """A click-to-WhatsApp ad's ctwa_clid is kept as it came."""
        referral = {
            "source_url": "https://fb.me/3cr4Wqqkv",
            "source_id": "120226305854810726",
            "source_type": "ad",
            "headline": "Learn AI",
            "body": "Enrol now",
            "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4",
        }
        body = envelope(messages_change(text(referral=referral)))

        [event] = parse_webhook(body).events
        assert referral["ctwa_clid"] == event.ctwa_clid

    @pytest.mark.parametrize(
        ("referral", "ad"),
        [
            pytest.param(
                {"source_type": "post", "source_id": "1"},
                AdReferral(source_id="1", source_type="post"),
                id="absent",
            ),
            pytest.param({"ctwa_clid": ""}, AdReferral(), id="empty"),
            pytest.param({"ctwa_clid": None}, AdReferral(), id="null"),
        ],
    )
    def test_referral_without_click_id(self, referral, ad):
        """A referral without a click id gives no ctwa_clid, and is still the message's ad."""
        body = envelope(messages_change(text(referral=referral)))

        assert (incoming(referral=ad),) == parse_webhook(body).events

    def test_statuses_only(self):
        """Status updates are passed over, one item each, and give no event."""
        value = {"metadata": metadata(), "statuses": [status("delivered"), status("read")]}
        body = envelope({"field": "messages", "value": value})

        expected = WebhookBatch(
            skipped=[
                SkippedItem(f"{FIRST}.statuses[0]", PassedOver.STATUS, "status 'delivered'"),
                SkippedItem(f"{FIRST}.statuses[1]", PassedOver.STATUS, "status 'read'"),
            ]
        )
        assert expected == parse_webhook(body)

    @pytest.mark.parametrize(
        ("unread", "detail"),
        [
            pytest.param(
                message("reaction", {"message_id": "wamid.x", "emoji": "\N{THUMBS UP SIGN}"}),
                "type 'reaction'",
                id="reaction",
            ),
            pytest.param(
                {
                    "from": LEAD,
                    "id": "wamid.1",
                    "timestamp": TIMESTAMP,
                    "type": "unsupported",
                    "errors": [{"code": 131051, "title": "Message type unknown"}],
                },
                "type 'unsupported'",
                id="unsupported",
            ),
            pytest.param(message("hologram", {"depth": 3}), "type 'hologram'", id="future-type"),
            pytest.param(
                message("interactive", {"type": "nfm_reply", "nfm_reply": {"body": "Sent"}}),
                "interactive type 'nfm_reply'",
                id="flow-reply",
            ),
        ],
    )
    def test_unread_types_are_passed_over(self, unread, detail):
        """Reactions, flow replies and unknown types are passed over; the next message is read."""
        body = envelope(messages_change(unread, text(wamid="wamid.2")))

        expected = WebhookBatch(
            events=[incoming(wamid="wamid.2")],
            skipped=[SkippedItem(f"{FIRST}.messages[0]", PassedOver.UNSUPPORTED_TYPE, detail)],
        )
        assert expected == parse_webhook(body)

    def test_several_entries_changes_and_messages_in_order(self):
        """Every message of every change of every entry becomes an event, in order."""
        body = envelope(
            messages_change(
                text("one", wamid="m1"),
                text("two", wamid="m2", sender=OTHER_LEAD),
                contacts=[contact(LEAD, "Sheena"), contact(OTHER_LEAD, "Ana")],
            ),
            {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}},
            messages_change(text("three", wamid="m3")),
        )
        second = {
            "id": "2",
            "changes": [messages_change(text("four", wamid="m4", sender="+55 11 91234-5678"))],
        }
        body["entry"].append(second)

        expected = WebhookBatch(
            events=[
                incoming("one", wamid="m1", name="Sheena"),
                incoming("two", wamid="m2", lead=OTHER_LEAD, name="Ana"),
                incoming("three", wamid="m3"),
                incoming("four", wamid="m4", lead=OTHER_LEAD),
            ],
            skipped=[
                SkippedItem("entry[0].changes[1]", PassedOver.OTHER_FIELD, "field 'account_update'")
            ],
        )
        assert expected == parse_webhook(body)

    def test_business_number_is_normalised(self):
        """A display phone number written with punctuation is read as digits."""
        body = envelope(messages_change(text(), meta=metadata("+1 555-078-3881")))

        assert (incoming(),) == parse_webhook(body).events

    @pytest.mark.parametrize("sender", ["9800000001", "1234"])
    def test_sender_taken_as_given(self, sender):
        """WhatsApp's own number is kept as it came, even one convroute would not read typed."""
        body = envelope(messages_change(text(sender=sender)))

        assert (incoming(lead=sender),) == parse_webhook(body).events

    def test_name_only_from_the_sender_contact(self):
        """A contact of another wa_id names nobody; a contact without a name is fine."""
        contacts = [contact(OTHER_LEAD, "Ana"), {"wa_id": LEAD}, "not a contact"]
        body = envelope(messages_change(text(), contacts=contacts))

        assert (incoming(),) == parse_webhook(body).events

    @pytest.mark.parametrize(
        "form",
        [
            pytest.param(lambda body: json.dumps(body).encode(), id="bytes"),
            pytest.param(lambda body: bytearray(json.dumps(body).encode()), id="bytearray"),
            pytest.param(json.dumps, id="str"),
            pytest.param(lambda body: body, id="mapping"),
        ],
    )
    def test_every_form_of_body(self, form):
        """Raw bytes, text and a decoded object give the same batch."""
        body = envelope(messages_change(text(body="caf\N{LATIN SMALL LETTER E WITH ACUTE}")))

        assert WebhookBatch(events=[incoming("café")]) == parse_webhook(form(body))

    def test_text_at_the_limit(self):
        """A text of exactly WhatsApp's limit is read."""
        body = envelope(messages_change(text("x" * MAX_TEXT_BODY)))

        assert (incoming("x" * MAX_TEXT_BODY),) == parse_webhook(body).events


class TestUnusableEnvelope:
    @pytest.mark.parametrize(
        ("body", "message"),
        [
            pytest.param(
                b'{"object": "caf\xe9"}',
                "body: not UTF-8: invalid continuation byte at byte 15",
                id="latin-1",
            ),
            pytest.param(
                b"\xff\xfe{}", "body: not UTF-8: invalid start byte at byte 0", id="utf-16-bom"
            ),
            pytest.param(
                b'{"object": ',
                "body: not JSON: Expecting value at line 1 column 12",
                id="truncated",
            ),
            pytest.param("", "body: not JSON: Expecting value at line 1 column 1", id="empty"),
            pytest.param(
                b"\xef\xbb\xbf{}",
                "body: not JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at line 1 column 1",
                id="utf-8-bom",
            ),
            pytest.param(b'{"entry": NaN}', "body: not JSON: NaN is not a JSON number", id="nan"),
            pytest.param(
                b"[" * 100_000, "body: nested too deeply to be a Cloud API webhook", id="deep"
            ),
            pytest.param(b"[]", "body: expected a JSON object, got a list", id="list"),
            pytest.param(b'"text"', "body: expected a JSON object, got text", id="string"),
            pytest.param([], "body: expected a JSON object, got a list", id="decoded-list"),
            pytest.param(
                b"{}", "object: expected 'whatsapp_business_account', got null", id="no-object"
            ),
            pytest.param(
                {"object": "page", "entry": []},
                "object: expected 'whatsapp_business_account', got the text 'page'",
                id="page",
            ),
            pytest.param(
                {"object": "whatsapp_business_account"},
                "entry: expected a list, got null",
                id="no-entry",
            ),
            pytest.param(
                {"object": "whatsapp_business_account", "entry": {"id": "1"}},
                "entry: expected a list, got an object",
                id="entry-object",
            ),
        ],
    )
    def test_refused(self, body, message):
        """A body that is not UTF-8 JSON holding the Cloud API envelope is refused, saying where."""
        with pytest.raises(WebhookError) as caught:
            parse_webhook(body)

        assert message == str(caught.value)

    def test_huge_integer(self):
        """A number of thousands of digits is refused as not JSON, on one line."""
        with pytest.raises(WebhookError) as caught:
            parse_webhook(b'{"object": ' + b"9" * 5000 + b"}")

        assert str(caught.value).startswith("body: not JSON: Exceeds the limit")
        assert "\n" not in str(caught.value)

    def test_empty_entry_list(self):
        """An envelope without entries is an empty batch."""
        assert WebhookBatch() == parse_webhook({"object": "whatsapp_business_account", "entry": []})


DROP = object()
WIDE_DIGITS = "\N{FULLWIDTH DIGIT ONE}" * 10


def broken(reason, detail, **changes):
    message = text(wamid="wamid.bad")
    for key, value in changes.items():
        if value is DROP:
            del message[key]
        else:
            message[key] = value
    return pytest.param(message, reason, detail, id="-".join(changes))


class TestMalformedMessages:
    @pytest.mark.parametrize(
        ("bad", "reason", "detail"),
        [
            broken(
                PassedOver.MALFORMED, "text.body: expected text, got a number", text={"body": 42}
            ),
            broken(PassedOver.MALFORMED, "text: expected an object, got a number", text=7),
            broken(
                PassedOver.OVERSIZE,
                "text.body: 1000000 characters, more than 4096",
                text={"body": "x" * 1_000_000},
            ),
            broken(
                PassedOver.OVERSIZE,
                "text.body: 4097 characters, more than 4096",
                text={"body": "é" * 4097},
            ),
            broken(
                PassedOver.NO_SENDER,
                "from: no phone, perhaps a business-scoped user id instead",
                **{"from": ""},
            ),
            broken(
                PassedOver.NO_SENDER,
                "from: no phone, perhaps a business-scoped user id instead",
                **{"from": DROP},
            ),
            broken(
                PassedOver.MALFORMED, "from: expected text, got a number", **{"from": 16505551234}
            ),
            broken(
                PassedOver.MALFORMED,
                "from: not a phone number 'US.13491208655302741918': "
                "'U' is neither a digit nor punctuation",
                **{"from": "US.13491208655302741918"},
            ),
            broken(
                PassedOver.MALFORMED,
                "from: 65 characters, too long for a phone number",
                **{"from": "1" * 65},
            ),
            broken(
                PassedOver.MALFORMED,
                "timestamp: expected a string of Unix seconds, got the text 'soon'",
                timestamp="soon",
            ),
            broken(
                PassedOver.MALFORMED,
                "timestamp: expected a string of Unix seconds, got the number 1749416383",
                timestamp=1749416383,
            ),
            broken(
                PassedOver.MALFORMED,
                "timestamp: expected a string of Unix seconds, got the text '-1'",
                timestamp="-1",
            ),
            broken(
                PassedOver.MALFORMED,
                "timestamp: expected a string of Unix seconds, got the text '99999999999999999999'",
                timestamp="9" * 20,
            ),
            broken(
                PassedOver.MALFORMED,
                "timestamp: expected a string of Unix seconds, got the text " + repr(WIDE_DIGITS),
                timestamp=WIDE_DIGITS,
            ),
            broken(PassedOver.MALFORMED, "id: expected text, got null", id=DROP),
            broken(PassedOver.MALFORMED, "id: empty", id=""),
            broken(PassedOver.OVERSIZE, "id: 5000 characters, more than 4096", id="w" * 5000),
            broken(PassedOver.MALFORMED, "type: expected text, got null", type=DROP),
            broken(PassedOver.MALFORMED, "referral: expected an object, got text", referral="ad"),
            broken(
                PassedOver.MALFORMED,
                "referral.ctwa_clid: expected text, got a number",
                referral={"ctwa_clid": 5},
            ),
            broken(
                PassedOver.MALFORMED,
                "text.body: holds a lone surrogate, which is not text",
                text={"body": "\ud83d"},
            ),
            broken(
                PassedOver.MALFORMED,
                "interactive: expected an object, got null",
                type="interactive",
            ),
            broken(
                PassedOver.MALFORMED,
                "interactive.type: expected text, got null",
                type="interactive",
                interactive={},
            ),
            broken(
                PassedOver.MALFORMED,
                "interactive.button_reply: expected an object, got null",
                type="interactive",
                interactive={"type": "button_reply"},
            ),
            broken(
                PassedOver.MALFORMED,
                "interactive.list_reply.id: empty",
                type="interactive",
                interactive={"type": "list_reply", "list_reply": {"id": "", "title": "AI"}},
            ),
            broken(
                PassedOver.MALFORMED,
                "interactive.button_reply.title: expected text, got null",
                type="interactive",
                interactive={"type": "button_reply", "button_reply": {"id": "a"}},
            ),
            broken(
                PassedOver.MALFORMED,
                "button.payload: expected text, got a list",
                type="button",
                button={"text": "Yes", "payload": []},
            ),
        ],
    )
    def test_skipped_and_the_rest_read(self, bad, reason, detail):
        """A malformed message is passed over with its reason; the messages around it are read."""
        body = envelope(messages_change(text(wamid="before"), bad, text(wamid="after")))

        expected = WebhookBatch(
            events=[incoming(wamid="before"), incoming(wamid="after")],
            skipped=[SkippedItem(f"{FIRST}.messages[1]", reason, detail)],
        )
        assert expected == parse_webhook(json.dumps(body).encode())

    def test_not_an_object(self):
        """A message that is not an object is passed over as malformed."""
        body = envelope(messages_change(["wamid.1"], text()))

        expected = WebhookBatch(
            events=[incoming()],
            skipped=[
                SkippedItem(
                    f"{FIRST}.messages[0]", PassedOver.MALFORMED, "expected an object, got a list"
                )
            ],
        )
        assert expected == parse_webhook(body)

    @pytest.mark.parametrize(
        ("meta", "detail"),
        [
            pytest.param({}, "metadata.display_phone_number: expected text, got null", id="absent"),
            pytest.param("x", "metadata: expected an object, got text", id="not-object"),
            pytest.param(
                metadata("Acme Ltd"),
                "metadata.display_phone_number: not a phone number 'Acme Ltd': "
                "'A' is neither a digit nor punctuation",
                id="not-a-phone",
            ),
        ],
    )
    def test_no_business_number(self, meta, detail):
        """Without a business number every message of the change is passed over; others are read."""
        body = envelope(
            messages_change(text(wamid="m1"), text(wamid="m2"), meta=meta),
            messages_change(text(wamid="m3")),
        )

        expected = WebhookBatch(
            events=[incoming(wamid="m3")],
            skipped=[
                SkippedItem(f"{FIRST}.messages[0]", PassedOver.NO_BUSINESS_NUMBER, detail),
                SkippedItem(f"{FIRST}.messages[1]", PassedOver.NO_BUSINESS_NUMBER, detail),
            ],
        )
        assert expected == parse_webhook(body)

    @pytest.mark.parametrize(
        ("entry", "path", "detail"),
        [
            pytest.param("x", "entry[0]", "expected an object, got text", id="entry"),
            pytest.param(
                {"id": "1"}, "entry[0].changes", "expected a list, got null", id="changes"
            ),
            pytest.param(
                {"changes": [None]},
                "entry[0].changes[0]",
                "expected an object, got null",
                id="change",
            ),
            pytest.param(
                {"changes": [{"value": {}}]},
                "entry[0].changes[0].field",
                "expected text, got null",
                id="field",
            ),
            pytest.param(
                {"changes": [{"field": "messages", "value": []}]},
                "entry[0].changes[0].value",
                "expected an object, got a list",
                id="value",
            ),
            pytest.param(
                {"changes": [{"field": "messages", "value": {"messages": {}}}]},
                "entry[0].changes[0].value.messages",
                "expected a list, got an object",
                id="messages",
            ),
            pytest.param(
                {"changes": [{"field": "messages", "value": {"statuses": "read"}}]},
                "entry[0].changes[0].value.statuses",
                "expected a list, got text",
                id="statuses",
            ),
        ],
    )
    def test_malformed_structure(self, entry, path, detail):
        """A malformed entry or change is passed over; the next entry is read."""
        body = envelope(messages_change(text(wamid="m2")))
        body["entry"].insert(0, entry)

        expected = WebhookBatch(
            events=[incoming(wamid="m2")],
            skipped=[SkippedItem(path, PassedOver.MALFORMED, detail)],
        )
        assert expected == parse_webhook(body)


class TestPassedOverDocumented:
    @pytest.mark.parametrize("reason", list(PassedOver))
    def test_every_reason_in_the_docs(self, reason):
        """Each reason for passing over has its row in docs/whatsapp.md."""
        docs = pathlib.Path(__file__).parents[2] / "docs" / "whatsapp.md"

        assert f"| `{reason}` |" in docs.read_text(encoding="utf-8")


SHA = "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI="
MEDIA_ID = "1003383421387256"


def media(kind, **extra):
    return message(
        kind, {"mime_type": "application/octet-stream", "sha256": SHA, "id": MEDIA_ID, **extra}
    )


def media_event(kind, caption=None, **extra):
    extra.setdefault("phone_number_id", PHONE_NUMBER_ID)
    return IncomingMessage(
        id="wamid.1", at=AT, lead=LEAD, number=BUSINESS, media=Media(kind, caption), **extra
    )


CONTACT_CARD = {
    "name": {"first_name": "Lucía", "last_name": "Gómez", "formatted_name": "Lucía Gómez"},
    "org": {"company": "Google"},
    "phones": [{"phone": "+1 (983) 555-2319", "wa_id": "19835552319", "type": "MOBILE"}],
}
LOCATION = {
    "address": "101 Forest Ave, Palo Alto, CA 94301",
    "latitude": 37.44221496582,
    "longitude": -122.16165924072,
    "name": "Philz Coffee",
    "url": "https://philzcoffee.com/",
}


def broken_media(detail, kind, content, reason=PassedOver.MALFORMED):
    bad = message(kind, content, wamid="wamid.bad")
    return pytest.param(bad, reason, detail, id=detail)


class TestMediaMessages:
    @pytest.mark.parametrize(
        ("payload", "expected"),
        [
            pytest.param(
                message(
                    "image",
                    {
                        "caption": "Taj Mahal",
                        "mime_type": "image/jpeg",
                        "sha256": SHA,
                        "id": MEDIA_ID,
                    },
                ),
                media_event(MediaKind.IMAGE, "Taj Mahal"),
                id="image-with-caption",
            ),
            pytest.param(
                message("image", {"mime_type": "image/jpeg", "sha256": SHA, "id": MEDIA_ID}),
                media_event(MediaKind.IMAGE),
                id="image",
            ),
            pytest.param(
                media("video", mime_type="video/mp4", caption="My vacation video"),
                media_event(MediaKind.VIDEO, "My vacation video"),
                id="video",
            ),
            pytest.param(
                media("audio", mime_type="audio/ogg; codecs=opus", voice=True),
                media_event(MediaKind.AUDIO),
                id="voice-note",
            ),
            pytest.param(
                media(
                    "document",
                    mime_type="application/pdf",
                    filename="lucky-shrub-invoice.pdf",
                    caption="Lucky Shrub Invoice",
                ),
                media_event(MediaKind.DOCUMENT, "Lucky Shrub Invoice"),
                id="document",
            ),
            pytest.param(
                media("document", mime_type="application/pdf", filename="fees.pdf"),
                media_event(MediaKind.DOCUMENT),
                id="document-without-caption",
            ),
            pytest.param(
                media("sticker", mime_type="image/webp", animated=False),
                media_event(MediaKind.STICKER),
                id="sticker",
            ),
            pytest.param(
                message("location", LOCATION), media_event(MediaKind.LOCATION), id="location"
            ),
            pytest.param(
                message("location", {"latitude": 12.97, "longitude": 77.59}),
                media_event(MediaKind.LOCATION),
                id="dropped-pin",
            ),
            pytest.param(
                message("contacts", [CONTACT_CARD]), media_event(MediaKind.CONTACTS), id="contacts"
            ),
        ],
    )
    def test_each_kind_is_an_event(self, payload, expected):
        """Images, videos, voice notes, documents, stickers, locations, contacts are events."""
        body = envelope(messages_change(payload))

        assert WebhookBatch(events=[expected]) == parse_webhook(json.dumps(body).encode())

    def test_media_from_an_ad_keeps_its_click_and_name(self):
        """A media message keeps its sender's name and its ad, as text does."""
        referral = {"source_type": "ad", "source_id": "1202", "ctwa_clid": "ARAkLkA8rmlF"}
        image = {
            "caption": "Is this open?",
            "mime_type": "image/jpeg",
            "sha256": SHA,
            "id": MEDIA_ID,
        }
        payload = message("image", image, referral=referral)
        body = envelope(messages_change(payload, contacts=[contact(LEAD, "Sheena Nelson")]))

        expected = media_event(
            MediaKind.IMAGE,
            "Is this open?",
            name="Sheena Nelson",
            ctwa_clid="ARAkLkA8rmlF",
            referral=AdReferral(source_id="1202", source_type="ad"),
        )
        assert (expected,) == parse_webhook(body).events

    def test_caption_of_other_kinds_is_not_read(self):
        """Only images, videos and documents have captions: another kind's is passed over."""
        body = envelope(messages_change(media("audio", caption=42)))

        assert (media_event(MediaKind.AUDIO),) == parse_webhook(body).events

    @pytest.mark.parametrize(
        ("unread", "detail"),
        [
            pytest.param(
                message("reaction", {"message_id": "wamid.x", "emoji": "\N{THUMBS UP SIGN}"}),
                "type 'reaction'",
                id="reaction",
            ),
            pytest.param(
                message("reaction", {"message_id": "wamid.x"}),
                "type 'reaction'",
                id="reaction-removed",
            ),
            pytest.param(
                {
                    "from": LEAD,
                    "id": "wamid.1",
                    "timestamp": TIMESTAMP,
                    "type": "unknown",
                    "errors": [{"code": 131051, "title": "Message type unknown"}],
                },
                "type 'unknown'",
                id="unknown",
            ),
            pytest.param(
                message(
                    "order",
                    {
                        "catalog_id": "194836987003835",
                        "text": "I came from Instagram",
                        "product_items": [
                            {
                                "product_retailer_id": "di9ozbzfi4",
                                "quantity": 2,
                                "item_price": 30,
                                "currency": "USD",
                            }
                        ],
                    },
                ),
                "type 'order'",
                id="order",
            ),
            pytest.param(
                message(
                    "system",
                    {
                        "body": "User A changed from 16505551234 to 16505551235",
                        "wa_id": "16505551235",
                        "type": "user_changed_number",
                    },
                ),
                "type 'system'",
                id="system",
            ),
            pytest.param(
                message("revoke", {"original_message_id": "wamid.x"}), "type 'revoke'", id="revoke"
            ),
            pytest.param(
                message(
                    "edit",
                    {
                        "original_message_id": "wamid.x",
                        "message": {"type": "image", "image": {"id": MEDIA_ID, "caption": "AI"}},
                    },
                ),
                "type 'edit'",
                id="edit",
            ),
            pytest.param(
                message(
                    "interactive",
                    {
                        "type": "nfm_reply",
                        "nfm_reply": {
                            "name": "flow",
                            "body": "Sent",
                            "response_json": '{"flow_token": "t"}',
                        },
                    },
                ),
                "interactive type 'nfm_reply'",
                id="flow-reply",
            ),
        ],
    )
    def test_kinds_not_acted_on_are_passed_over(self, unread, detail):
        """Reactions, system messages, orders, edits, revokes and flow replies give no event."""
        body = envelope(messages_change(unread, text(wamid="wamid.2")))

        expected = WebhookBatch(
            events=[incoming(wamid="wamid.2")],
            skipped=[SkippedItem(f"{FIRST}.messages[0]", PassedOver.UNSUPPORTED_TYPE, detail)],
        )
        assert expected == parse_webhook(body)

    @pytest.mark.parametrize(
        ("bad", "reason", "detail"),
        [
            broken_media("image: expected an object, got text", "image", "1003383421387256"),
            broken_media("image.id: expected text, got null", "image", {"mime_type": "image/jpeg"}),
            broken_media("image.id: empty", "image", {"id": ""}),
            broken_media(
                "video.id: expected text, got a number", "video", {"id": 1003383421387256}
            ),
            broken_media(
                "image.caption: expected text, got a number",
                "image",
                {"id": MEDIA_ID, "caption": 42},
            ),
            broken_media(
                "document.caption: expected text, got a list",
                "document",
                {"id": MEDIA_ID, "caption": ["Fees"]},
            ),
            broken_media(
                "video.caption: holds a lone surrogate, which is not text",
                "video",
                {"id": MEDIA_ID, "caption": "\ud83d"},
            ),
            broken_media(
                "image.caption: 4097 characters, more than 4096",
                "image",
                {"id": MEDIA_ID, "caption": "x" * 4097},
                reason=PassedOver.OVERSIZE,
            ),
            broken_media("audio: expected an object, got null", "audio", None),
            broken_media("sticker.id: expected text, got a boolean", "sticker", {"id": True}),
            broken_media("location: expected an object, got text", "location", "Palo Alto"),
            broken_media(
                "location.latitude: expected a number, got null",
                "location",
                {"longitude": -122.16},
            ),
            broken_media(
                "location.longitude: expected a number, got text",
                "location",
                {"latitude": 37.44, "longitude": "-122.16"},
            ),
            broken_media(
                "location.latitude: expected a number, got a boolean",
                "location",
                {"latitude": True, "longitude": 0},
            ),
            broken_media("contacts: expected a list, got an object", "contacts", CONTACT_CARD),
            broken_media("contacts: empty", "contacts", []),
            broken_media(
                "contacts[1]: expected an object, got text", "contacts", [CONTACT_CARD, "x"]
            ),
        ],
    )
    def test_malformed_media_is_skipped_and_the_rest_read(self, bad, reason, detail):
        """A media message not shaped as documented is passed over; the others are read."""
        body = envelope(messages_change(text(wamid="before"), bad, text(wamid="after")))

        expected = WebhookBatch(
            events=[incoming(wamid="before"), incoming(wamid="after")],
            skipped=[SkippedItem(f"{FIRST}.messages[1]", reason, detail)],
        )
        assert expected == parse_webhook(json.dumps(body).encode())


class TestPhoneNumberIds:
    def test_the_changes_id_goes_with_each_message(self):
        """Each message carries the phone_number_id of its change's metadata."""
        other = {"display_phone_number": BUSINESS, "phone_number_id": "206540352242922"}
        body = envelope(
            messages_change(text(wamid="m1")), messages_change(text(wamid="m2"), meta=other)
        )

        found = [event.phone_number_id for event in parse_webhook(body).events]

        assert [PHONE_NUMBER_ID, "206540352242922"] == found

    def test_a_change_without_one_gives_none(self):
        """A change whose metadata has no phone_number_id gives messages without one."""
        body = envelope(messages_change(text(), meta={"display_phone_number": BUSINESS}))

        assert WebhookBatch(events=[incoming(phone_number_id=None)]) == parse_webhook(body)

    @pytest.mark.parametrize(
        ("value", "detail"),
        [
            pytest.param(106540352242922, "expected text, got a number", id="number"),
            pytest.param(["1065"], "expected text, got a list", id="list"),
            pytest.param("1065-4035", "expected digits, got the text '1065-4035'", id="dash"),
            pytest.param("", "expected digits, got the text ''", id="empty"),
            pytest.param(
                "\uff11\uff10", "expected digits, got the text '\uff11\uff10'", id="wide-digits"
            ),
            pytest.param(
                "1" * 65, f"expected digits, got the text '{'1' * 40}'… (65 characters)", id="long"
            ),
        ],
    )
    def test_a_malformed_id_passes_its_changes_messages_over(self, value, detail):
        """An id not of digits makes its change's messages malformed; other changes are read."""
        meta = {"display_phone_number": BUSINESS, "phone_number_id": value}
        body = envelope(
            messages_change(text(wamid="m1"), text(wamid="m2"), meta=meta),
            messages_change(text(wamid="m3")),
        )

        where = f"metadata.phone_number_id: {detail}"
        expected = WebhookBatch(
            events=[incoming(wamid="m3")],
            skipped=[
                SkippedItem(f"{FIRST}.messages[0]", PassedOver.MALFORMED, where),
                SkippedItem(f"{FIRST}.messages[1]", PassedOver.MALFORMED, where),
            ],
        )
        assert expected == parse_webhook(body)
