"""
Hypothesis strategies for lines of a simulate event file, most of them malformed.

A line is an object of a known event type whose every field is either a
value that fits the example account (``examples/account.toml``) or
anything JSON can hold: another type, an integer of any size, a date at the
calendar's ends or past them, text with a lone surrogate, deep nesting.
Some lines are not objects at all, or not JSON, or not UTF-8.
"""

from __future__ import annotations

import json

from typing import Any

from hypothesis import strategies as st


__all__ = ["event_lines", "json_values"]

LEAD = "919800000001"
NUMBER = "918040001234"

_ODD_TIMES = (
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T12:00:00-01:00",
    "0001-01-02T00:00:00+00:00",
    "9999-12-31T23:59:59.999999+00:00",
    "9999-12-31T23:00:00-05:00",
    "9999-12-31T00:00:00+00:00",
    "9999-12-30T12:00:00+00:00",
    "2026-11-02T09:00:00",
    "2026-13-01T00:00:00+00:00",
    "1970-01-01T00:00:00Z",
)
_LONE_SURROGATES = ("\ud800", "a\udcff", "\udfff\ud800", "u-asha\udc80")
_GOOD_TIME = "2026-11-02T09:00:00+05:30"
_GOOD_WEBHOOK: dict[str, Any] = {
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
                            "display_phone_number": NUMBER,
                            "phone_number_id": "106540352242922",
                        },
                        "contacts": [{"profile": {"name": "Arjun"}, "wa_id": LEAD}],
                        "messages": [
                            {
                                "from": LEAD,
                                "id": "wamid.w",
                                "timestamp": "1793592000",
                                "type": "text",
                                "text": {"body": "Hello"},
                            }
                        ],
                    },
                }
            ],
        }
    ],
}
_GOOD_OPPORTUNITY = {
    "id": "opp-1",
    "type": "Postgraduate Course",
    "name": "PG AI 2027",
    "fields": {"Course": "AI"},
    "owner": "u-ben",
    "stage": "Applied",
    "updated_at": "2026-11-01T09:00:00+00:00",
    "status": "open",
}

# Each known field of each event type, with a value that fits the example
# account; fields other engineers' event types read are listed too.
_FIELDS: dict[str, dict[str, Any]] = {
    "user": {
        "id": "u-asha",
        "name": "Asha",
        "admin": False,
        "active": True,
        "available": True,
        "max_open_conversations": 3,
        "at": _GOOD_TIME,
        "schedule": "Office",
    },
    "lead": {
        "phone": LEAD,
        "name": "Ravi Kumar",
        "owner": "u-asha",
        "opportunities": [_GOOD_OPPORTUNITY],
        "fields": {"Course": "AI"},
        "language": "en",
    },
    "presence": {"user": "u-asha", "available": False, "at": _GOOD_TIME},
    "incoming": {
        "id": "wamid.1",
        "at": _GOOD_TIME,
        "from": LEAD,
        "to": NUMBER,
        "text": "Hi, I came from Instagram!",
        "reply_id": "product.11fb682be0a0233d5fb8",
        "name": "Ravi Kumar",
        "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ",
        "media": {"type": "image", "caption": "hi"},
        "referral": {"source_id": "1", "source_type": "ad", "headline": "h", "ctwa_clid": "c"},
    },
    "webhook": {"payload": _GOOD_WEBHOOK},
    "outgoing": {
        "id": "out.1",
        "at": _GOOD_TIME,
        "from": NUMBER,
        "to": LEAD,
        "text": "Thank you for scheduling with us!",
        "by": "u-asha",
    },
    "set_stage": {
        "funnel": "Sales",
        "lead": LEAD,
        "stage": "Won",
        "by": "u-asha",
        "at": _GOOD_TIME,
    },
    "delete_transition": {"transition": "t-1"},
    "close": {"lead": LEAD, "number": NUMBER, "at": _GOOD_TIME},
    "tick": {"at": _GOOD_TIME},
    "opportunity": {
        **_GOOD_OPPORTUNITY,
        "opportunity_type": "Postgraduate Course",
        "status": "won",
        "replaces": "opp-0",
        "lead": LEAD,
        "at": _GOOD_TIME,
    },
    "opportunity_removed": {"id": "opp-1", "lead": LEAD, "at": _GOOD_TIME},
}


def json_values() -> st.SearchStrategy[Any]:
    """
    Any value JSON can hold, integers of any size and odd text included.
    """
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=2**63 - 2, max_value=2**70),
        st.just(-(10**25)),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
        st.sampled_from(_ODD_TIMES),
        st.sampled_from(_LONE_SURROGATES),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.text(max_size=5), children, max_size=3),
        ),
        max_leaves=8,
    )


@st.composite
def _webhook_payloads(draw: st.DrawFn) -> dict[str, Any]:
    # The good payload with wild values in its message and its metadata.
    payload = json.loads(json.dumps(_GOOD_WEBHOOK))
    value = payload["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    for name in ("from", "id", "timestamp", "type", "text", "referral"):
        if draw(st.booleans()):
            message[name] = draw(json_values())
    if draw(st.booleans()):
        value["metadata"]["display_phone_number"] = draw(json_values())
    return payload


@st.composite
def _event_objects(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(_FIELDS)))
    event: dict[str, Any] = {"type": kind}
    for name, good in _FIELDS[kind].items():
        choice = draw(st.sampled_from(("good", "good", "absent", "wild")))
        if choice == "good":
            event[name] = good
        elif choice == "wild":
            wild = _webhook_payloads() if name == "payload" else json_values()
            event[name] = draw(st.one_of(wild, json_values()))
    if draw(st.integers(0, 9)) == 0:
        event["type"] = draw(json_values())
    return event


def _huge_integer_lines() -> st.SearchStrategy[str]:
    return st.sampled_from(
        (
            '{"type": %s}' % ("7" * 5000),
            '{"type": "user", "id": "u", "max_open_conversations": %s}' % ("9" * 5000),
            '{"type": "user", "id": "u", "max_open_conversations": %s}' % ("9" * 4000),
            '{"type": "user", "id": "u", "max_open_conversations": 9223372036854775808}',
            f'{{"type": "close", "lead": "{LEAD}", "number": "{NUMBER}", "at": {"1" * 5000}}}',
            '{"type": "user", "id": "u", "x": 1e999999}',
        )
    )


def _deep_lines() -> st.SearchStrategy[str]:
    return st.integers(1, 200_000).map(
        lambda depth: '{"type": "webhook", "payload": ' + "[" * depth + "]" * depth + "}"
    )


def event_lines() -> st.SearchStrategy[str]:
    """
    One line of an event file, mostly malformed, as the file's reader gives it.

    Invalid UTF-8 arrives as lone surrogates, the way a file opened with
    ``errors="surrogateescape"`` reads it.
    """
    objects = st.builds(json.dumps, _event_objects(), ensure_ascii=st.booleans())
    return st.one_of(
        objects,
        objects,
        objects,
        objects.map(lambda line: line.replace('"', '"\udcff', 1)),
        json_values().map(json.dumps),
        st.text(max_size=30),
        _huge_integer_lines(),
        _deep_lines(),
    )
