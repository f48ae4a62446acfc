"""
What the engine asks the store to change, and what it reads first.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable, Mapping
from typing import TypeAlias

import attrs

from convroute.engine._actions import Action
from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation


@attrs.frozen
class SaveLead:
    """
    Add or replace a lead (by phone).
    """

    lead: Lead


@attrs.frozen
class SaveOpportunity:
    """
    Add or replace one of a lead's opportunities (by id).
    """

    lead: Phone
    opportunity: Opportunity


@attrs.frozen
class RemoveOpportunity:
    """
    Forget one of a lead's opportunities (by id); nothing when it is not there.
    """

    lead: Phone
    opportunity: str


@attrs.frozen
class SaveConversation:
    """
    Add or replace a conversation (by lead and number).
    """

    conversation: Conversation


@attrs.frozen
class SaveTurn:
    """
    Replace a round-robin pool's turn record (by pool).
    """

    record: TurnRecord


@attrs.frozen
class AddTransition:
    """
    Add a funnel record.
    """

    transition: Transition


@attrs.frozen
class RemoveTransitions:
    """
    Remove funnel records, by id.
    """

    ids: tuple[str, ...]


@attrs.frozen
class SaveUser:
    """
    Add or replace a user the host reported (by id).
    """

    user: User


@attrs.frozen
class SavePresence:
    """
    Record whether a user is available.
    """

    user: str
    available: bool


@attrs.frozen
class SaveAwaySince:
    """
    Record since when a user is away (unavailable or inactive); ``None`` clears it.
    """

    user: str
    since: dt.datetime | None


@attrs.frozen
class AdvanceTick:
    """
    Record a tick's time as the latest, unless a later one is recorded.
    """

    at: dt.datetime


@attrs.frozen
class SavePhoneNumberId:
    """
    Remember the Cloud API's id of a business number, as a webhook gave it.
    """

    number: Phone
    phone_number_id: str


Change: TypeAlias = (
    SaveLead
    | SaveOpportunity
    | RemoveOpportunity
    | SaveConversation
    | SaveTurn
    | AddTransition
    | RemoveTransitions
    | SaveUser
    | SavePresence
    | SaveAwaySince
    | AdvanceTick
    | SavePhoneNumberId
)
"""
Any change the engine asks of the store.
"""


def _opportunities(values: Iterable[Opportunity]) -> tuple[Opportunity, ...]:
    return tuple(values)


def _transitions(values: Iterable[Transition]) -> tuple[Transition, ...]:
    return tuple(values)


@attrs.frozen
class ConversationContext:
    """
    A conversation with its lead and the lead's opportunities: what routing it again reads.

    Attributes:
        conversation: The conversation.
        lead: Its lead, if the store knows it.
        opportunities: The lead's opportunities.
    """

    conversation: Conversation
    lead: Lead | None = None
    opportunities: tuple[Opportunity, ...] = attrs.field(default=(), converter=_opportunities)


def _contexts(values: Iterable[ConversationContext]) -> tuple[ConversationContext, ...]:
    return tuple(values)


def _conversations(values: Iterable[Conversation]) -> tuple[Conversation, ...]:
    return tuple(values)


@attrs.frozen
class Snapshot:
    """
    The stored state one event needs, read by the caller before deciding.

    Attributes:
        lead: The event's lead, if the store knows it.
        opportunities: The lead's opportunities.
        conversation: The lead's conversation with the event's number.
        users: The users the host reported at run time, by id; they
            replace the config's users of the same id.
        presence: ``False`` for users reported away.
        open_conversations: Open conversations held, by user id; needed
            only for users with a capacity.
        turns: Round-robin turn records, by pool label.
        records: The lead's funnel records.
        due: For a tick: the conversations due by its time, earliest first.
        waiting: For a tick, a presence or user update or a close: the
            conversations waiting for someone, oldest wait first, to route
            again.
        held: For a presence or user update: the open conversations the
            user holds.
        away_since: Since when each user recorded away has been away.
        last_tick: The latest tick's time before this decision, if any.
        conversations: For an opportunity update that replaces another:
            the lead's conversations with every number.
        phone_number_ids: The Cloud API ids of business numbers that
            webhooks gave, by number: read only when a send needs one the
            config and the event do not give.
    """

    lead: Lead | None = None
    opportunities: tuple[Opportunity, ...] = attrs.field(default=(), converter=_opportunities)
    conversation: Conversation | None = None
    users: Mapping[str, User] = attrs.field(factory=dict)
    presence: Mapping[str, bool] = attrs.field(factory=dict)
    open_conversations: Mapping[str, int] = attrs.field(factory=dict)
    turns: Mapping[str, TurnRecord] = attrs.field(factory=dict)
    records: tuple[Transition, ...] = attrs.field(default=(), converter=_transitions)
    due: tuple[ConversationContext, ...] = attrs.field(default=(), converter=_contexts)
    waiting: tuple[ConversationContext, ...] = attrs.field(default=(), converter=_contexts)
    held: tuple[Conversation, ...] = attrs.field(default=(), converter=_conversations)
    away_since: Mapping[str, dt.datetime] = attrs.field(factory=dict)
    last_tick: dt.datetime | None = None
    conversations: tuple[Conversation, ...] = attrs.field(default=(), converter=_conversations)
    phone_number_ids: Mapping[Phone, str] = attrs.field(factory=dict)


def _changes(values: Iterable[Change]) -> tuple[Change, ...]:
    return tuple(values)


def _actions(values: Iterable[Action]) -> tuple[Action, ...]:
    return tuple(values)


def _notes(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class Outcome:
    """
    What the engine decided for one event.

    Attributes:
        changes: The state changes, in the order to apply them.
        actions: The actions for the host, in order.
        notes: Plain sentences on what was decided and why, e.g. why an
            event changed nothing.
        keys: For a tick, which has no event id: the stable key each
            action serves, one per action (the conversation and the due
            time or wait it serves), from which its id is made.  Empty for
            an event: its actions' ids come from the event's id.
        frees_someone: Whether the decision may have let someone take a
            waiting conversation (a slot freed, a deadline passed): a tick
            then routes what waits.
    """

    changes: tuple[Change, ...] = attrs.field(default=(), converter=_changes)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=_actions)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_notes)
    # A tuple as given, unconverted: nearly every outcome has none.
    keys: tuple[str, ...] = ()
    frees_someone: bool = False
