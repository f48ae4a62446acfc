"""
What happens, as the engine hears it: messages, moves, closes, host updates.

An event's phones are digits with country code (`Phone`), taken as given:
WhatsApp's own numbers are never re-read.  A number written otherwise
(``+91 98000 00001``) is read as international when the event is made;
one that is not a phone raises `PhoneNumberError`.  Read numbers typed
nationally with `normalize_phone` and the account's country code first.
Text holding a lone surrogate raises `TextError`, a time within a day of
the calendar's ends `TimeRangeError`, and an empty id `ValueError`.
"""

from __future__ import annotations

import datetime as dt
import enum

from collections.abc import Iterable
from typing import Any, Final, TypeAlias

import attrs

from convroute._click_ids import click_id
from convroute._frozen import (
    fixed_offset,
    optional_fixed_offset,
    optional_unicode_text,
    require_aware,
    require_event_time,
    unicode_text,
)
from convroute._whatsapp_limits import MAX_PHONE_NUMBER_ID, is_phone_number_id
from convroute.funnel import AdReferral
from convroute.model import Lead, Opportunity, Phone, User, lead_phone


def _phone(value: str) -> Phone:
    # Digits are a Phone already (a wa_id, or what normalize_phone made):
    # kept as they are, which also keeps the hot path to one string check.
    return lead_phone(value)


def _event_id(value: str) -> str:
    # The service processes each id once: events without one would all be
    # taken for the first, and passed over as processed before.
    if not value:
        raise ValueError("an event's id must not be empty: the service processes each id once")
    return unicode_text(value)


def _opportunities(values: Iterable[Opportunity]) -> tuple[Opportunity, ...]:
    return tuple(values)


def _optional_event_time(
    instance: object, attribute: attrs.Attribute[Any], value: dt.datetime | None
) -> None:
    if value is not None:
        require_aware(instance, attribute, value)
        require_event_time(instance, attribute, value)


def _phone_number_id(
    _instance: object, _attribute: attrs.Attribute[Any], value: str | None
) -> None:
    # An id a transport writes into a URL path: digits, as Meta gives them.
    if value is not None and not is_phone_number_id(value):
        raise ValueError(f"a phone_number_id is 1 to {MAX_PHONE_NUMBER_ID} digits, not {value!r}")


class MediaKind(enum.StrEnum):
    """
    What a lead's message holds when it is neither text nor a tap.
    """

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    """
    A sound file or a voice note.
    """
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    """
    One or more contact cards.
    """


CAPTIONED_MEDIA: Final = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.DOCUMENT})
"""
The kinds of media WhatsApp lets a lead write a caption under.
"""


def _media_kind(value: str) -> MediaKind:
    try:
        return MediaKind(value)
    except ValueError:
        known = ", ".join(sorted(MediaKind))
        raise ValueError(f"unknown media kind {value!r}; known: {known}") from None


def _caption_allowed(instance: Media, _attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and instance.kind not in CAPTIONED_MEDIA:
        raise ValueError(
            f"{instance.kind} messages have no caption: only image, video and document do"
        )


@attrs.frozen
class Media:
    """
    What a lead's media message holds, as far as convroute reads it.

    A media message counts like text: it starts and keeps conversations,
    and enters funnels.  Its caption is its text: matched against trigger
    phrases and read as a typed reply.  Without one, it says nothing: as
    the reply to a menu, it picks nothing.

    Attributes:
        kind: The kind of media (a `MediaKind`, or its name).
        caption: The caption written under an image, video or document,
            if any; other kinds have none.
    """

    kind: MediaKind = attrs.field(converter=_media_kind)
    caption: str | None = attrs.field(
        default=None, converter=optional_unicode_text, validator=_caption_allowed
    )


def _text_or_media(
    instance: IncomingMessage, _attribute: attrs.Attribute[Any], value: Media | None
) -> None:
    if value is not None and (instance.text is not None or instance.reply_id is not None):
        raise ValueError(
            "a message holds text or media, not both: a media message's caption is its text"
        )


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
            the chat, if any (an empty or blank one is none).
        media: What a media message holds (an image, a voice note, a
            location…), in place of text: its caption is its text.
        referral: The click-to-WhatsApp ad (or post) that opened the chat,
            if any: an entry stage may name its source.
        phone_number_id: The Cloud API's id of the business number (the
            webhook's ``metadata.phone_number_id``), if known: remembered
            for the number, and carried by the sends from it.
    """

    id: str = attrs.field(converter=_event_id)
    at: dt.datetime = attrs.field(
        converter=fixed_offset, validator=[require_aware, require_event_time]
    )
    lead: Phone = attrs.field(converter=_phone)
    number: Phone = attrs.field(converter=_phone)
    text: str | None = attrs.field(default=None, converter=optional_unicode_text)
    reply_id: str | None = attrs.field(default=None, converter=optional_unicode_text)
    name: str | None = attrs.field(default=None, converter=optional_unicode_text)
    ctwa_clid: str | None = attrs.field(default=None, converter=click_id)
    media: Media | None = attrs.field(default=None, validator=_text_or_media)
    referral: AdReferral | None = None
    phone_number_id: str | None = attrs.field(default=None, validator=_phone_number_id)

    @property
    def text_or_caption(self) -> str | None:
        """
        What the message says: the text typed, or its media's caption.
        """
        media = self.media
        return self.text if media is None else media.caption


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
        by: The user who sent it, if the host knows: only the assignee's
            messages answer the lead.  Without it, any message does.
        phone_number_id: The Cloud API's id of the business number (an
            echo webhook's ``metadata.phone_number_id``), if known.
    """

    id: str = attrs.field(converter=_event_id)
    at: dt.datetime = attrs.field(
        converter=fixed_offset, validator=[require_aware, require_event_time]
    )
    lead: Phone = attrs.field(converter=_phone)
    number: Phone = attrs.field(converter=_phone)
    text: str = attrs.field(converter=unicode_text)
    by: str | None = attrs.field(default=None, converter=optional_unicode_text)
    phone_number_id: str | None = attrs.field(default=None, validator=_phone_number_id)


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

    id: str = attrs.field(converter=_event_id)
    at: dt.datetime = attrs.field(
        converter=fixed_offset, validator=[require_aware, require_event_time]
    )
    funnel: str = attrs.field(converter=unicode_text)
    lead: Phone = attrs.field(converter=_phone)
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

    id: str = attrs.field(converter=_event_id)
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

    id: str = attrs.field(converter=_event_id)
    at: dt.datetime = attrs.field(
        converter=fixed_offset, validator=[require_aware, require_event_time]
    )
    lead: Phone = attrs.field(converter=_phone)
    number: Phone = attrs.field(converter=_phone)


@attrs.frozen
class UpdateUser:
    """
    The host adds or changes a user (users of the config may be replaced).

    Attributes:
        id: The host's id of the update.
        user: The user as it is now.
        available: The user's presence, when the update says it.
        at: When the change happened: an absence it starts is timed from
            it.  Without it, from the time the engine is given.
    """

    id: str = attrs.field(converter=_event_id)
    user: User
    available: bool | None = None
    at: dt.datetime | None = attrs.field(
        default=None, converter=optional_fixed_offset, validator=_optional_event_time
    )


@attrs.frozen
class SetPresence:
    """
    The host reports a user available or away.

    Attributes:
        id: The host's id of the report.
        user: The user's id.
        available: Whether the user can take conversations.
        at: When the presence changed: an absence is timed from it.
            Without it, from the time the engine is given.
    """

    id: str = attrs.field(converter=_event_id)
    user: str = attrs.field(converter=unicode_text)
    available: bool
    at: dt.datetime | None = attrs.field(
        default=None, converter=optional_fixed_offset, validator=_optional_event_time
    )


@attrs.frozen
class Tick:
    """
    Time passed: whatever is due by *at* is done (deadlines, waits).

    A tick has no id: the actions it yields take their ids from the
    conversation and the due time they serve.

    Attributes:
        at: The tick's time.
    """

    at: dt.datetime = attrs.field(
        converter=fixed_offset, validator=[require_aware, require_event_time]
    )


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

    id: str = attrs.field(converter=_event_id)
    lead: Lead
    opportunities: tuple[Opportunity, ...] = attrs.field(default=(), converter=_opportunities)


def _replaces(
    _instance: UpdateOpportunity, _attribute: attrs.Attribute[Any], value: str | None
) -> None:
    if value is not None and not value:
        raise ValueError("'replaces' names an opportunity id: it must not be empty")


@attrs.frozen
class UpdateOpportunity:
    """
    The host adds or changes one of a lead's opportunities, as its CRM keeps it.

    Attributes:
        id: The host's id of the update.
        lead: The lead's phone.
        opportunity: The opportunity as it is now, under the CRM's record
            id; it replaces one of the same id.
        replaces: The id of an opportunity convroute created that this
            record now stands for, if any: conversations and pending
            menus about it follow the record, and it is forgotten.
    """

    id: str = attrs.field(converter=_event_id)
    lead: Phone = attrs.field(converter=_phone)
    opportunity: Opportunity
    replaces: str | None = attrs.field(
        default=None, converter=optional_unicode_text, validator=_replaces
    )


@attrs.frozen
class DeleteOpportunity:
    """
    The host removed an opportunity from its CRM: convroute forgets it.

    Attributes:
        id: The host's id of the removal.
        opportunity: The id of the opportunity to forget.
    """

    id: str = attrs.field(converter=_event_id)
    opportunity: str = attrs.field(converter=unicode_text)


Event: TypeAlias = (
    IncomingMessage
    | OutgoingMessage
    | SetStage
    | DeleteTransition
    | CloseConversation
    | UpdateUser
    | SetPresence
    | UpdateLead
    | UpdateOpportunity
    | DeleteOpportunity
)
"""
Any event the engine decides on.
"""
