"""
What reading a webhook gives: the messages, and what was passed over.
"""

from __future__ import annotations

import enum

from collections.abc import Iterable

import attrs

from convroute.engine import IncomingMessage, OutgoingMessage


class PassedOver(enum.StrEnum):
    """
    Why part of a webhook gave no incoming message.
    """

    STATUS = "status"
    """
    A status update of a message the business sent: sent, delivered, read,
    failed (its item's `SkippedItem.failed_status` says why).
    """
    OTHER_FIELD = "other_field"
    """
    A change of another webhook field than ``messages`` and
    ``smb_message_echoes``, e.g. ``account_update`` or
    ``message_template_status_update``.
    """
    UNSUPPORTED_TYPE = "unsupported_type"
    """
    A kind of message convroute does not act on: reactions, system
    messages (a lead's new number), orders, edits and revokes,
    ``unsupported`` and ``unknown``, an interactive reply other than a
    button or a list row (a flow's ``nfm_reply``), or a type WhatsApp adds
    later.
    """
    NO_SENDER = "no_sender"
    """
    A message without a ``from`` phone, as business-scoped user ids may
    bring.
    """
    NO_RECIPIENT = "no_recipient"
    """
    A business-app echo without a ``to`` phone, as business-scoped user
    ids may bring.
    """
    NO_BUSINESS_NUMBER = "no_business_number"
    """
    A message whose change names no usable ``display_phone_number``.
    """
    OVERSIZE = "oversize"
    """
    A text longer than WhatsApp's 4096 characters, or another field far
    longer than any WhatsApp sends.
    """
    MALFORMED = "malformed"
    """
    A part of the webhook that is not shaped as the Cloud API documents:
    a wrong type, a missing id, a bad timestamp or phone.
    """


@attrs.frozen
class FailureCause:
    """
    Why WhatsApp could not deliver a message: one item of a failed status's ``errors``.

    Only the code and the title are read: an error's ``message`` and
    ``error_data.details`` may quote the lead's phone or the message's text.

    Attributes:
        code: WhatsApp's error code, e.g. ``131047`` (more than 24 hours
            since the lead's last message) or ``131026`` (undeliverable);
            ``None`` when the item has no whole number there.
        title: WhatsApp's short title, e.g. ``Re-engagement message``, cut
            to 120 characters (and an ellipsis); ``None`` when the item has
            no text there.
    """

    code: int | None
    title: str | None


def _causes(values: Iterable[FailureCause]) -> tuple[FailureCause, ...]:
    return tuple(values)


@attrs.frozen
class FailedStatus:
    """
    A ``failed`` status: a message WhatsApp accepted and then could not deliver.

    The lead did not get it (a menu, a notice).  The status's
    ``recipient_id`` (the lead's phone) is not kept.

    Attributes:
        message_id: The id of the message that failed (``wamid.…``), or
            ``None`` when the status has no id WhatsApp would send.
        causes: The first five of the status's ``errors``, in order.
        causes_left_off: How many errors followed those five.
    """

    message_id: str | None
    causes: tuple[FailureCause, ...] = attrs.field(default=(), converter=_causes)
    causes_left_off: int = 0


@attrs.frozen
class SkippedItem:
    """
    A part of a webhook that gave no incoming message, and why.

    Attributes:
        path: Where it is in the webhook, e.g.
            ``entry[0].changes[1].value.messages[2]``.
        reason: Why it was passed over.
        detail: A readable line saying what was found, e.g.
            ``timestamp: expected a string of Unix seconds, got 'soon'``.
        failed_status: For a status whose ``status`` is ``failed``, the
            message id and WhatsApp's error codes and titles; ``None`` for
            everything else.
    """

    path: str
    reason: PassedOver
    detail: str
    failed_status: FailedStatus | None = None


def _events(
    values: Iterable[IncomingMessage | OutgoingMessage],
) -> tuple[IncomingMessage | OutgoingMessage, ...]:
    return tuple(values)


def _skipped(values: Iterable[SkippedItem]) -> tuple[SkippedItem, ...]:
    return tuple(values)


@attrs.frozen
class WebhookBatch:
    """
    Everything one webhook delivery holds, in the order it holds it.

    Attributes:
        events: The messages, for the engine: the leads' messages
            (`IncomingMessage`), and the business's own sent from the
            WhatsApp Business app (`OutgoingMessage`, from echoes).  Meta
            redelivers webhooks, so an id may come again: the service
            processes each id once.
        skipped: The messages, statuses and changes passed over.
    """

    events: tuple[IncomingMessage | OutgoingMessage, ...] = attrs.field(
        default=(), converter=_events
    )
    skipped: tuple[SkippedItem, ...] = attrs.field(default=(), converter=_skipped)
