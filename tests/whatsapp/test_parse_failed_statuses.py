"""
Failed statuses: passed over like every status, with their message id, error codes and titles.
"""

import json

import pytest

from hypothesis import given

from convroute.whatsapp import (
    FailedStatus,
    FailureCause,
    PassedOver,
    SkippedItem,
    WebhookBatch,
    parse_webhook,
)
from whatsapp.test_parse_fuzz import JSON_VALUES


LEAD = "16505551234"
TEXT = "my card is 4111, call me on 16505551234"
PATH = "entry[0].changes[0].value.statuses[0]"
RE_ENGAGEMENT = {
    "code": 131047,
    "title": "Re-engagement message",
    "message": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number."
    },
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}
UNDELIVERABLE = {
    "code": 131026,
    "title": "Message undeliverable",
    "message": f"Message undeliverable to {LEAD}",
    "error_data": {"details": f"Unable to deliver {TEXT!r} to {LEAD}"},
}


def failed(*errors, wamid="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA", **extra):
    status = {
        "id": wamid,
        "status": "failed",
        "timestamp": "1749416383",
        "recipient_id": LEAD,
        "errors": list(errors),
    }
    status.update(extra)
    return status


def delivery(*statuses):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "1065"},
        "statuses": list(statuses),
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }


def only_item(body):
    [item] = parse_webhook(body).skipped
    return item


class TestFailedStatuses:
    def test_a_failed_status_carries_its_codes_and_titles(self):
        """A failed status is passed over with its message id and each error's code and title."""
        wamid = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
        body = delivery(failed(RE_ENGAGEMENT, UNDELIVERABLE, wamid=wamid))

        expected = WebhookBatch(
            skipped=[
                SkippedItem(
                    PATH,
                    PassedOver.STATUS,
                    "status 'failed'",
                    failed_status=FailedStatus(
                        message_id=wamid,
                        causes=(
                            FailureCause(131047, "Re-engagement message"),
                            FailureCause(131026, "Message undeliverable"),
                        ),
                    ),
                )
            ]
        )
        assert expected == parse_webhook(json.dumps(body).encode())

    @pytest.mark.parametrize("state", ["sent", "delivered", "read", "FAILED", "deleted"])
    def test_other_statuses_carry_none(self, state):
        """Statuses other than failed carry no failed_status, errors or not."""
        body = delivery(failed(UNDELIVERABLE, status=state))

        assert SkippedItem(PATH, PassedOver.STATUS, f"status {state!r}") == only_item(body)

    def test_the_phone_and_error_texts_are_not_kept(self):
        """Neither recipient_id nor an error's message or details reach the failed status."""
        item = only_item(delivery(failed(UNDELIVERABLE)))

        assert [] == [secret for secret in (LEAD, TEXT) if secret in repr(item.failed_status)]

    def test_a_failed_status_without_errors_has_no_causes(self):
        """A failed status without an errors list is still one, with no cause."""
        status = failed()
        del status["errors"]

        expected = FailedStatus(message_id=status["id"], causes=())
        assert expected == only_item(delivery(status)).failed_status

    @pytest.mark.parametrize(
        ("error", "cause"),
        [
            pytest.param(
                {"code": "131047", "title": 7}, FailureCause(None, None), id="wrong-types"
            ),
            pytest.param({"code": True, "title": None}, FailureCause(None, None), id="boolean"),
            pytest.param({"code": 1.5}, FailureCause(None, None), id="float"),
            pytest.param({"code": 2**64, "title": ""}, FailureCause(None, ""), id="huge-code"),
            pytest.param({"title": "a\ud800b"}, FailureCause(None, None), id="lone-surrogate"),
            pytest.param("131047", FailureCause(None, None), id="not-an-object"),
            pytest.param({}, FailureCause(None, None), id="empty"),
        ],
    )
    def test_unreadable_parts_of_an_error_are_none(self, error, cause):
        """A code that is no whole number, or a title that is no text, is None; the cause stays."""
        body = delivery(failed(error))

        assert (cause,) == only_item(body).failed_status.causes

    def test_a_long_title_is_cut(self):
        """A title longer than 120 characters is cut there, marked with an ellipsis."""
        body = delivery(failed({"code": 131000, "title": "x" * 10_000}))

        [cause] = only_item(body).failed_status.causes
        assert "x" * 120 + "\N{HORIZONTAL ELLIPSIS}" == cause.title

    def test_only_the_first_five_errors_are_kept(self):
        """Of a huge errors list, the first five are kept and the rest counted."""
        errors = [{"code": code, "title": "t"} for code in range(100_000)]

        status = only_item(delivery(failed(*errors))).failed_status
        expected = (tuple(FailureCause(code, "t") for code in range(5)), 99_995)
        assert expected == (status.causes, status.causes_left_off)

    @pytest.mark.parametrize(
        "wamid",
        [None, 17, "", "a" * 5000, "wamid.\ud800"],
        ids=["null", "number", "empty", "oversize", "lone-surrogate"],
    )
    def test_an_unreadable_message_id_is_none(self, wamid):
        """A status id that is not an id WhatsApp sends is None; the failure is still told."""
        body = delivery(failed(RE_ENGAGEMENT, wamid=wamid))

        expected = FailedStatus(
            message_id=None, causes=(FailureCause(131047, "Re-engagement message"),)
        )
        assert expected == only_item(body).failed_status

    @given(errors=JSON_VALUES)
    def test_any_errors_value_is_read_without_raising(self, errors):
        """Whatever errors holds, a failed status is passed over with at most five causes."""
        status = only_item(delivery(failed(errors=errors))).failed_status

        causes_ok = all(
            (cause.code is None or isinstance(cause.code, int))
            and (cause.title is None or len(cause.title) <= 121)
            for cause in status.causes
        )
        assert (True, True) == (len(status.causes) <= 5, causes_ok)


class TestFailedStatusValues:
    def test_causes_are_a_tuple(self):
        """FailedStatus keeps its causes as a tuple, whatever sequence it is given."""
        status = FailedStatus(message_id="wamid.1", causes=[FailureCause(131047, "t")])

        assert (FailureCause(131047, "t"),) == status.causes
