"""
What happens, as the engine hears it: messages, moves, closes, host updates.

Phones are normalised when an event is made (``+91 98000 00001`` becomes
``919800000001``); one that is not a phone raises `PhoneNumberError`.  Text
holding a lone surrogate raises `TextError`, and a time within a day of the
calendar's ends `TimeRangeError`.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable
from typing import TypeAlias

import attrs

from convroute._frozen import (
    optional_unicode_text,
    require_aware,
    require_event_time,
    unicode_text,
)
from convroute.model import Lead, Opportunity, Phone, User, normalize_phone


def _opportunities(values: Iterable[Opportunity]) -> tuple[Opportunity, ...]:
    return tuple(values)


@attrs.frozen
class IncomingMessage:
    """
    A lead's message to a business number.

    Attributes:
        id: The WhatsApp message id; a repeated id is processed once.
        at: When the lead sent it.
        lead: The lead's phone.
        number: The business number written to.
        text: The text typed, if any.
        reply_id: The id of the button or list row tapped, if any.
        name: The lead's WhatsApp profile name, used when the lead is new.
        ctwa_clid: The click id of the click-to-WhatsApp ad that opened
            the chat, if any.
    """

    id: str = attrs.field(converter=unicode_text)
    at: dt.datetime = attrs.field(validator=[require_aware, require_event_time])
    lead: Phone = attrs.field(converter=normalize_phone)
    number: Phone = attrs.field(converter=normalize_phone)
    text: str | None = attrs.field(default=None, converter=optional_unicode_text)
    reply_id: str | None = attrs.field(default=None, converter=optional_unicode_text)
    name: str | None = attrs.field(default=None, converter=optional_unicode_text)
    ctwa_clid: str | None = attrs.field(default=None, converter=optional_unicode_text)


@attrs.frozen
class OutgoingMessage:
    """
    A message the business sent a lead (not one of convroute's menus).

    Attributes:
        id: The host's id of the message.
        at: When it was sent.
        lead: The lead's phone.
        number: The business number it was sent from.
        text: Its text.
    """

    id: str = attrs.field(converter=unicode_text)
    at: dt.datetime = attrs.field(validator=[require_aware, require_event_time])
    lead: Phone = attrs.field(converter=normalize_phone)
    number: Phone = attrs.field(converter=normalize_phone)
    text: str = attrs.field(converter=unicode_text)


@attrs.frozen
class SetStage:
    """
    Somebody moves a lead to a stage of a funnel by hand.

    Attributes:
        id: The host's id of the move.
        at: When.
        funnel: The funnel's name.
        lead: The lead's phone.
        stage: The stage's name.
        by: Who moved it (a user id), if known.
    """

    id: str = attrs.field(converter=unicode_text)
    at: dt.datetime = attrs.field(validator=[require_aware, require_event_time])
    funnel: str = attrs.field(converter=unicode_text)
    lead: Phone = attrs.field(converter=normalize_phone)
    stage: str = attrs.field(converter=unicode_text)
    by: str | None = attrs.field(default=None, converter=optional_unicode_text)


@attrs.frozen
class DeleteTransition:
    """
    Somebody deletes a funnel record.

    Attributes:
        id: The host's id of the deletion.
        transition: The id of the record to delete.
    """

    id: str = attrs.field(converter=unicode_text)
    transition: str = attrs.field(converter=unicode_text)


@attrs.frozen
class CloseConversation:
    """
    The host closes a lead's conversation with a business number.

    Attributes:
        id: The host's id of the close.
        at: When.
        lead: The lead's phone.
        number: The business number.
    """

    id: str = attrs.field(converter=unicode_text)
    at: dt.datetime = attrs.field(validator=[require_aware, require_event_time])
    lead: Phone = attrs.field(converter=normalize_phone)
    number: Phone = attrs.field(converter=normalize_phone)


@attrs.frozen
class UpdateUser:
    """
    The host adds or changes a user (users of the config may be replaced).

    Attributes:
        id: The host's id of the update.
        user: The user as it is now.
        available: The user's presence, when the update says it.
    """

    id: str = attrs.field(converter=unicode_text)
    user: User
    available: bool | None = None


@attrs.frozen
class SetPresence:
    """
    The host reports a user available or away.

    Attributes:
        id: The host's id of the report.
        user: The user's id.
        available: Whether the user can take conversations.
    """

    id: str = attrs.field(converter=unicode_text)
    user: str = attrs.field(converter=unicode_text)
    available: bool


@attrs.frozen
class UpdateLead:
    """
    The host adds or changes a lead and, optionally, its opportunities.

    Attributes:
        id: The host's id of the update.
        lead: The lead as it is now.
        opportunities: Opportunities of the lead to add or replace (by id);
            others the store holds are kept.
    """

    id: str = attrs.field(converter=unicode_text)
    lead: Lead
    opportunities: tuple[Opportunity, ...] = attrs.field(default=(), converter=_opportunities)


Event: TypeAlias = (
    IncomingMessage
    | OutgoingMessage
    | SetStage
    | DeleteTransition
    | CloseConversation
    | UpdateUser
    | SetPresence
    | UpdateLead
)
"""
Any event the engine decides on.
"""
