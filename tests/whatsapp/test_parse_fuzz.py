"""
Whatever arrives at the webhook, parse_webhook gives a batch or a WebhookError.
"""

import copy
import json

from hypothesis import given
from hypothesis import strategies as st

from convroute.engine import IncomingMessage
from convroute.whatsapp import MAX_TEXT_BODY, WebhookBatch, WebhookError, parse_webhook


# Keys of the Cloud API, so that random objects often look the part.
KEYS = st.sampled_from(
    [
        "object",
        "entry",
        "changes",
        "field",
        "value",
        "metadata",
        "display_phone_number",
        "contacts",
        "wa_id",
        "profile",
        "name",
        "messages",
        "statuses",
        "from",
        "id",
        "timestamp",
        "type",
        "text",
        "body",
        "interactive",
        "button_reply",
        "list_reply",
        "button",
        "payload",
        "title",
        "referral",
        "ctwa_clid",
        "image",
        "document",
        "caption",
        "location",
        "latitude",
        "longitude",
        "message_echoes",
        "to",
        "source_id",
        "headline",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(
        [
            "whatsapp_business_account",
            "messages",
            "smb_message_echoes",
            "text",
            "interactive",
            "1749416383",
            "15550783881",
        ]
    )
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KEYS | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)

MESSAGES = [
    {
        "from": "16505551234",
        "id": "wamid.text",
        "timestamp": "1749416383",
        "type": "text",
        "text": {"body": "Hello"},
        "referral": {"source_type": "ad", "ctwa_clid": "ARAk"},
    },
    {
        "from": "16505551234",
        "id": "wamid.button",
        "timestamp": "1749416384",
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": "a", "title": "AI"}},
    },
    {
        "from": "5511912345678",
        "id": "wamid.list",
        "timestamp": "1749416385",
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": "r", "title": "Row"}},
    },
    {
        "from": "5511912345678",
        "id": "wamid.template",
        "timestamp": "1749416386",
        "type": "button",
        "button": {"payload": "yes", "text": "Yes"},
    },
    {
        "from": "16505551234",
        "id": "wamid.image",
        "timestamp": "1749416387",
        "type": "image",
        "image": {"caption": "AI", "mime_type": "image/jpeg", "sha256": "SfIn", "id": "1003"},
    },
    {
        "from": "16505551234",
        "id": "wamid.location",
        "timestamp": "1749416388",
        "type": "location",
        "location": {"latitude": 37.44, "longitude": -122.16, "name": "Philz Coffee"},
    },
    {
        "from": "16505551234",
        "id": "wamid.contacts",
        "timestamp": "1749416389",
        "type": "contacts",
        "contacts": [{"name": {"formatted_name": "Lucía Gómez"}}],
    },
]
ECHOES = [
    {
        "from": "15550783881",
        "to": "16505551234",
        "id": "wamid.echo",
        "timestamp": "1749416390",
        "type": "text",
        "text": {"body": "Thank you for scheduling with us!"},
    },
    {
        "from": "15550783881",
        "to": "+16505551234",
        "id": "wamid.echo.image",
        "timestamp": "1749416391",
        "type": "image",
        "image": {"caption": "Timetable", "id": "1004"},
    },
]
REAL = {
    "object": "whatsapp_business_account",
    "entry": [
        {
            "id": "102290129340398",
            "changes": [
                {
                    "field": "messages",
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "15550783881",
                            "phone_number_id": "106540352242922",
                        },
                        "contacts": [{"profile": {"name": "Sheena"}, "wa_id": "16505551234"}],
                        "messages": MESSAGES,
                    },
                },
                {
                    "field": "messages",
                    "value": {
                        "metadata": {"display_phone_number": "15550783881"},
                        "statuses": [{"id": "wamid.out", "status": "read"}],
                    },
                },
                {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}},
                {
                    "field": "smb_message_echoes",
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "15550783881",
                            "phone_number_id": "106540352242922",
                        },
                        "message_echoes": ECHOES,
                    },
                },
            ],
        }
    ],
}
MESSAGES_PATH = ("entry", 0, "changes", 0, "value", "messages")


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            yield from paths(child, (*prefix, key))


PATHS = list(paths(REAL))[1:]


DELETE = object()


def mutated(path, replacement):
    document = copy.deepcopy(REAL)
    *parents, last = path
    parent = document
    for key in parents:
        parent = parent[key]
    if replacement is DELETE and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = None if replacement is DELETE else replacement
    return document


def parsed_or_refused(body):
    try:
        batch = parse_webhook(body)
    except WebhookError:
        return None
    assert isinstance(batch, WebhookBatch)
    for event in batch.events:
        assert event.at.utcoffset() is not None
        assert event.text is None or len(event.text) <= MAX_TEXT_BODY
        said = event.text_or_caption if isinstance(event, IncomingMessage) else event.text
        assert said is None or len(said) <= MAX_TEXT_BODY
    return batch


class TestFuzz:
    def test_real_envelope_reads_whole(self):
        """The envelope the mutations start from gives one event per message and echo."""
        batch = parse_webhook(REAL)

        assert [message["id"] for message in [*MESSAGES, *ECHOES]] == [
            event.id for event in batch.events
        ]

    @given(JSON_VALUES)
    def test_any_json_value(self, value):
        """Any JSON value, decoded or as bytes, gives a batch or a WebhookError."""
        parsed_or_refused(value)
        parsed_or_refused(json.dumps(value).encode())

    @given(JSON_VALUES)
    def test_any_entry_list(self, entries):
        """Any value under a correct object gives a batch or a WebhookError."""
        parsed_or_refused({"object": "whatsapp_business_account", "entry": entries})
        parsed_or_refused({"object": "whatsapp_business_account", "entry": [entries]})

    @given(st.sampled_from(PATHS), JSON_VALUES | st.just(DELETE))
    def test_real_envelope_with_a_field_replaced(self, path, replacement):
        """A real envelope with one field replaced or deleted gives a batch or a WebhookError."""
        parsed_or_refused(mutated(path, replacement))

    @given(
        st.integers(0, len(MESSAGES) - 1),
        st.data(),
        JSON_VALUES | st.just(DELETE),
    )
    def test_one_broken_message_spares_the_others(self, index, data, replacement):
        """Whatever breaks in one message, the other messages still give their events."""
        inside = [
            path for path in PATHS if path[: len(MESSAGES_PATH) + 1] == (*MESSAGES_PATH, index)
        ]
        path = data.draw(st.sampled_from(inside))
        spared = [
            event for event in parse_webhook(REAL).events if event.id != MESSAGES[index]["id"]
        ]

        batch = parse_webhook(mutated(path, replacement))

        assert spared == [event for event in batch.events if event in spared]
        assert len(MESSAGES) == sum(
            isinstance(event, IncomingMessage) for event in batch.events
        ) + sum("messages[" in item.path for item in batch.skipped)

    @given(st.binary())
    def test_any_bytes(self, body):
        """Any bytes give a batch or a WebhookError."""
        parsed_or_refused(body)

    @given(st.text())
    def test_any_text(self, body):
        """Any text gives a batch or a WebhookError."""
        parsed_or_refused(body)
