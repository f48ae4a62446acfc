"""
WhatsApp: the inbound side of the Cloud API.

`verify_subscription` answers the GET handshake that subscribes a webhook;
`verify_signature` checks a delivery's ``X-Hub-Signature-256`` against its
raw bytes; `parse_webhook` reads the delivery into the engine's incoming
messages (text, taps and media), passing over statuses, reactions, system
messages and malformed messages with a reason; a failed status keeps
WhatsApp's error codes (`FailedStatus`).  Pure: no I/O, no clock.
"""

from convroute._whatsapp_limits import MAX_TEXT_BODY
from convroute.errors import WebhookError
from convroute.whatsapp._batch import (
    FailedStatus,
    FailureCause,
    PassedOver,
    SkippedItem,
    WebhookBatch,
)
from convroute.whatsapp._parse import parse_webhook
from convroute.whatsapp._signature import (
    SIGNATURE_HEADER,
    verify_signature,
    verify_subscription,
)


__all__ = [
    "MAX_TEXT_BODY",
    "SIGNATURE_HEADER",
    "FailedStatus",
    "FailureCause",
    "PassedOver",
    "SkippedItem",
    "WebhookBatch",
    "WebhookError",
    "parse_webhook",
    "verify_signature",
    "verify_subscription",
]
