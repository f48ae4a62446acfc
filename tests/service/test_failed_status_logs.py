"""
A failed status in a webhook: passed over, and one WARNING naming its codes, never the lead's phone.
"""

import json
import logging

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, LEAD, NUMBER


WAMID = "wamid.HBgMOTE5ODAwMDAwMDAxFQIAERgSNUE0QjZDRjg3RkQzNkE1MzlBAA=="
TEXT = "I came from Instagram, my card is 4111"
RE_ENGAGEMENT = {
    "code": 131047,
    "title": "Re-engagement message",
    "message": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number."
    },
}
UNDELIVERABLE = {
    "code": 131026,
    "title": "Message undeliverable",
    "message": f"Message undeliverable to {LEAD}",
    "error_data": {"details": f"Unable to deliver {TEXT!r} to {LEAD}"},
}
# Any JSON a body can carry (JSON has no NaN nor Infinity), with the keys of an error.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=8)
        | st.dictionaries(
            st.sampled_from(["code", "title", "message", "error_data", "details"])
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=40,
)
SHARED_FIXTURE = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def status(state, *errors, wamid=WAMID, **extra):
    one = {"id": wamid, "status": state, "timestamp": "1", "recipient_id": LEAD}
    if errors:
        one["errors"] = list(errors)
    one.update(extra)
    return one


def delivery(*statuses):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "1065"},
        "statuses": list(statuses),
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def fields(record):
    return getattr(record, "convroute", None)


def above_debug(caplog):
    return [
        one
        for one in caplog.records
        if one.levelno > logging.DEBUG and one.name.startswith("convroute")
    ]


def seen_above_debug(caplog):
    return " ".join(f"{one.getMessage()} {fields(one)}" for one in above_debug(caplog))


@pytest.fixture
def caplog(caplog):
    caplog.set_level(logging.DEBUG, logger="convroute")
    return caplog


@pytest.fixture
def service():
    return Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT, account="acme")


class TestFailedStatusWarning:
    def test_one_warning_with_codes_and_titles(self, caplog, service):
        """A failed status gives one WARNING: its codes and titles, in the message and as fields."""
        handled = service.handle_webhook(delivery(status("failed", RE_ENGAGEMENT)), verify=False)

        [record] = above_debug(caplog)
        expected = {
            "account": "acme",
            "message_id": WAMID,
            "status": "failed",
            "errors": [{"code": 131047, "title": "Re-engagement message"}],
            "errors_left_off": 0,
        }
        assert (logging.WARNING, "convroute.service", expected) == (
            record.levelno,
            record.name,
            fields(record),
        )
        assert (
            f"message {WAMID} was not delivered: WhatsApp reported it failed: "
            "error 131047 'Re-engagement message'"
        ) == record.getMessage()
        assert ((), (), ()) == (handled.batch.events, handled.failed, handled.handled)

    def test_every_error_is_named(self, caplog, service):
        """Each of a failed status's errors is named in the message, in order."""
        service.handle_webhook(
            delivery(status("failed", RE_ENGAGEMENT, UNDELIVERABLE)), verify=False
        )

        [record] = above_debug(caplog)
        assert record.getMessage().endswith(
            "error 131047 'Re-engagement message', error 131026 'Message undeliverable'"
        )

    def test_one_warning_a_failed_status(self, caplog, service):
        """Two failed statuses in one delivery give two WARNINGs, one message id each."""
        body = delivery(
            status("failed", RE_ENGAGEMENT, wamid="wamid.a"),
            status("delivered", wamid="wamid.b"),
            status("failed", UNDELIVERABLE, wamid="wamid.c"),
        )
        service.handle_webhook(body, verify=False)

        warnings = [(one.levelno, fields(one)["message_id"]) for one in above_debug(caplog)]
        assert [(logging.WARNING, "wamid.a"), (logging.WARNING, "wamid.c")] == warnings

    @pytest.mark.parametrize("state", ["sent", "delivered", "read"])
    def test_other_statuses_stay_at_debug(self, caplog, service, state):
        """Sent, delivered and read statuses are no news above DEBUG."""
        service.handle_webhook(delivery(status(state)), verify=False)

        debug = [one.getMessage() for one in caplog.records if one.levelno == logging.DEBUG]
        assert ([], 1) == (above_debug(caplog), sum("passed over" in one for one in debug))

    def test_no_phone_nor_error_text_above_debug(self, caplog, service):
        """The recipient's phone and the errors' message and details are nowhere above DEBUG."""
        service.handle_webhook(
            delivery(status("failed", UNDELIVERABLE, RE_ENGAGEMENT)), verify=False
        )

        seen = seen_above_debug(caplog)
        secrets = [LEAD, NUMBER, TEXT, "24 hours", "Message undeliverable to"]
        assert (1, []) == (len(above_debug(caplog)), [one for one in secrets if one in seen])

    def test_a_failed_status_without_errors_says_so(self, caplog, service):
        """A failed status without errors still gives its WARNING, saying no error was given."""
        service.handle_webhook(delivery(status("failed")), verify=False)

        [record] = above_debug(caplog)
        expected = (
            f"message {WAMID} was not delivered: WhatsApp reported it failed: no error given",
            [],
        )
        assert expected == (record.getMessage(), fields(record)["errors"])

    def test_unreadable_parts_are_said_plainly(self, caplog, service):
        """A missing code, a missing title and an unreadable id are said, never raised."""
        body = delivery(status("failed", {"title": "Spam rate limit hit"}, {"code": 131049}, 7))
        body = body.replace(WAMID.encode(), b"")
        service.handle_webhook(body, verify=False)

        [record] = above_debug(caplog)
        expected = (
            (
                "a message (no id) was not delivered: WhatsApp reported it failed: "
                "error (no code) 'Spam rate limit hit', error 131049 (no title), "
                "error (no code) (no title)"
            ),
            None,
        )
        assert expected == (record.getMessage(), fields(record)["message_id"])

    def test_a_huge_errors_list_is_capped(self, caplog, service):
        """Of a huge errors list the first five are named and the rest counted."""
        errors = [{"code": code, "title": "t" * 10_000} for code in range(10_000)]
        service.handle_webhook(delivery(status("failed", *errors)), verify=False)

        [record] = above_debug(caplog)
        logged = fields(record)["errors"]
        assert ([0, 1, 2, 3, 4], 121, 9_995) == (
            [one["code"] for one in logged],
            max(len(one["title"]) for one in logged),
            fields(record)["errors_left_off"],
        )
        assert record.getMessage().endswith("and 9995 more")

    @SHARED_FIXTURE
    @given(errors=JSON_VALUES)
    def test_any_errors_value_gives_one_warning(self, caplog, errors):
        """Whatever errors holds, a failed status gives one WARNING without the phone."""
        caplog.clear()
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        service.handle_webhook(delivery(status("failed", errors=errors)), verify=False)

        assert ([logging.WARNING], False) == (
            [one.levelno for one in above_debug(caplog)],
            LEAD in seen_above_debug(caplog),
        )
