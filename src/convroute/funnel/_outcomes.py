"""
What the tracker answers: the messages it reads and the outcomes it gives.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from convroute._click_ids import click_id
from convroute._frozen import require_aware, unicode_text
from convroute.funnel._ads import AdReferral
from convroute.funnel._records import Transition
from convroute.model import Phone


class IgnoredReason(enum.StrEnum):
    """
    Why an event left a lead where it was in a funnel.
    """

    DUPLICATE_EVENT = "duplicate_event"
    """
    The lead already has the record this event makes: it was processed.
    """
    ALREADY_IN_FUNNEL = "already_in_funnel"
    """
    A lead enters a funnel once (first touch); later triggers are ignored.
    """
    NO_TRIGGER = "no_trigger"
    """
    The incoming message holds no trigger phrase of its business number,
    comes from no ad the entry stage names a source for, and the funnel
    does not take untracked leads.
    """
    NOT_IN_FUNNEL = "not_in_funnel"
    """
    Follow-ups and manual moves only move leads already in the funnel.
    """
    NO_FOLLOW_UP = "no_follow_up"
    """
    The business message holds no follow-up phrase of the funnel.
    """
    ALREADY_AT_STAGE = "already_at_stage"
    """
    The lead is at that stage already.
    """
    EARLIER_STAGE = "earlier_stage"
    """
    The follow-up names a stage before the lead's current one: automatic
    moves never go backwards (a person may, by hand).
    """
    UNKNOWN_FUNNEL = "unknown_funnel"
    """
    No funnel has that name.
    """
    UNKNOWN_STAGE = "unknown_stage"
    """
    The funnel has no stage of that name.
    """


@attrs.frozen
class FunnelMessage:
    """
    A WhatsApp message between a lead and a business number.

    Attributes:
        id: The event's id: the WhatsApp message id of an incoming message,
            the host's id of an outgoing one.  Records derive theirs from it.
        lead: The lead's phone.
        number: The business number (the one written to, or sending).
        text: The message's text; ``""`` for media without a caption.
        at: When it was sent (an aware datetime).
        ctwa_clid: The click-to-WhatsApp ad's click id of an incoming
            message's referral, if any (an empty or blank one is none).
        ad: The click-to-WhatsApp ad an incoming message came from, if
            any: an entry stage may name its source.
    """

    id: str = attrs.field(converter=unicode_text)
    lead: Phone = attrs.field(converter=unicode_text)
    number: Phone
    text: str
    at: dt.datetime = attrs.field(validator=require_aware)
    ctwa_clid: str | None = attrs.field(default=None, converter=click_id)
    ad: AdReferral | None = None


@attrs.frozen
class FunnelOutcome:
    """
    What an event did to a lead in one funnel.

    Attributes:
        funnel: The funnel's name.
        transition: The new record to store; ``None`` when ignored.
        reason: Why the event was ignored; ``None`` when it recorded.
        phrase: The trigger or follow-up phrase that decided, as configured.
        ad: The click-to-WhatsApp ad the entering message came from, if
            any, whichever way its source was decided.
    """

    funnel: str
    transition: Transition | None = None
    reason: IgnoredReason | None = None
    phrase: str | None = None
    ad: AdReferral | None = None

    @property
    def entered(self) -> bool:
        """
        Whether the lead entered the funnel.
        """
        return self.transition is not None and self.transition.is_entry

    @property
    def moved(self) -> bool:
        """
        Whether the lead, already in the funnel, moved to another stage.
        """
        return self.transition is not None and not self.transition.is_entry
