"""
What convroute does not act on, delivered in a webhook: passed over, never an error, nothing stored.
"""

import json

import pytest

from convroute.whatsapp import PassedOver
from service.conftest import AT, LEAD, NUMBER


STAMP = str(int(AT.timestamp()))


def lead_message(wamid, kind, content=None, **extra):
    item = {"from": LEAD, "id": wamid, "timestamp": STAMP, "type": kind, **extra}
    if content is not None:
        item[kind] = content
    return item


# One of each kind Meta delivers that convroute passes over: a reaction, a system message, an
# unsupported or unknown type, an order, a revoked or edited message, a flow's reply.
UNREAD = [
    lead_message("wamid.reaction", "reaction", {"message_id": "wamid.0", "emoji": "\U0001f44d"}),
    lead_message("wamid.system", "system", {"body": "changed number", "type": "user_changed"}),
    lead_message(
        "wamid.unsupported",
        "unsupported",
        errors=[{"code": 131051, "title": "Message type unknown"}],
    ),
    lead_message("wamid.unknown", "unknown", errors=[{"code": 131051}]),
    lead_message(
        "wamid.order",
        "order",
        {"catalog_id": "1948", "product_items": [{"product_retailer_id": "a", "quantity": 1}]},
    ),
    lead_message("wamid.revoke", "revoke", {"original_message_id": "wamid.0"}),
    lead_message("wamid.edit", "edit", {"original_message_id": "wamid.0"}),
    lead_message(
        "wamid.flow",
        "interactive",
        {"type": "nfm_reply", "nfm_reply": {"name": "flow", "response_json": "{}", "body": "Sent"}},
    ),
]


def delivery(messages, statuses=()):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "106540352242922"},
        "messages": list(messages),
    }
    if statuses:
        value["statuses"] = list(statuses)
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


class TestPassedOver:
    def test_kinds_not_acted_on_change_nothing(self, service, store):
        """Reactions, system, unsupported, order, revoked, edited and flow messages: no error."""
        status = {"id": "wamid.sent", "status": "read", "timestamp": STAMP, "recipient_id": LEAD}

        handled = service.handle_webhook(delivery(UNREAD, [status]), verify=False)

        reasons = {item.reason for item in handled.batch.skipped}
        assert ((), (), ()) == (handled.handled, handled.failed, handled.failed_deliveries)
        assert {PassedOver.UNSUPPORTED_TYPE, PassedOver.STATUS} == reasons
        assert len(UNREAD) + 1 == len(handled.batch.skipped)
        with store.unit_of_work() as uow:
            assert (None, ()) == (uow.leads.get(LEAD), tuple(uow.outbox.items()))

    @pytest.mark.parametrize("unread", UNREAD, ids=lambda item: item["type"])
    def test_the_next_message_is_handled_as_usual(self, service, unread):
        """A message after one passed over, in the same delivery, gets its menu."""
        text = lead_message("wamid.text", "text", {"body": "Hi"})

        handled = service.handle_webhook(delivery([unread, text]), verify=False)

        assert [["send"]] == [[item.type for item in one.actions] for one in handled.handled]
