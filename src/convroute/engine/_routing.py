"""
Routing within one decision, and the times a routed conversation is due.

A `RoutingState` walks rules over the snapshot's users, presence, capacities and
turns; a decision that routes several conversations (a tick, a presence
change) sees the slots and turns taken or freed by the earlier ones.  The
one function `next_due` says when a tick must next look at an assigned
conversation (docs/routing.md, "Time").
"""

from __future__ import annotations

import datetime as dt

from collections import ChainMap
from collections.abc import Iterator, Mapping

import attrs

from convroute.engine._actions import Assign, Reassign
from convroute.engine._changes import SaveConversation
from convroute.engine._compiled import Compiled
from convroute.engine._effects import Effects
from convroute.engine._lead_messages import assigned_message, away_message
from convroute.model import Lead, Opportunity, User
from convroute.routing import (
    Availability,
    Decision,
    RoutingContext,
    RoutingRule,
    Schedule,
    SkipReason,
    TurnRecord,
    resolve,
)
from convroute.state import Conversation, ConversationStatus


# The reasons that make an assignee away: never at_capacity, as a full user
# is full of the conversations they hold.
_AWAY_REASONS = frozenset({SkipReason.UNAVAILABLE, SkipReason.INACTIVE, SkipReason.OFF_HOURS})
_ASSIGNED = ConversationStatus.ASSIGNED
_UNROUTED = ConversationStatus.UNROUTED


@attrs.define
class RoutingState:
    """
    Who can take conversations, as one decision goes on routing them.

    Attributes:
        compiled: The config.
        users: Every known user by id.
        presence: ``False`` for users reported away.
        open_conversations: Open conversations held, by user, as stored.
        turns: Round-robin turn records, by pool, as stored.
        at: The time of the decision: schedules are read at it.
        away_since: Since when each user recorded away (unavailable or
            inactive) has been away.
        taken: Slots taken (positive) or freed (negative) in this decision.
        new_turns: Turn records picked in this decision, by pool.
    """

    compiled: Compiled
    users: Mapping[str, User]
    presence: Mapping[str, bool]
    open_conversations: Mapping[str, int]
    turns: Mapping[str, TurnRecord]
    at: dt.datetime
    away_since: Mapping[str, dt.datetime] = attrs.field(factory=dict)
    taken: dict[str, int] = attrs.field(factory=dict)
    new_turns: dict[str, TurnRecord] = attrs.field(factory=dict)

    def resolve(
        self,
        rule: RoutingRule,
        lead: Lead | None,
        opportunity: Opportunity | None,
        held_before: frozenset[str] = frozenset(),
    ) -> Decision:
        """
        Walk *rule* for a conversation, passing over *held_before*; record what it takes.
        """
        counts = self.open_conversations
        if self.taken:
            counts = _CountsAfter(counts, self.taken)
        turns = self.turns
        if self.new_turns:
            turns = ChainMap(self.new_turns, turns)  # type: ignore[arg-type]
        # By position, each argument named as its field (docs/performance.md).
        availability = Availability(
            self.users, self.presence, counts, self.compiled.schedules, self.at, held_before
        )
        context = RoutingContext(availability, self.compiled.groups, turns, lead, opportunity)
        decision = resolve(rule, context)
        if decision.turn is not None:
            self.new_turns[decision.turn.pool] = decision.turn
        return decision

    def took(self, user: str) -> None:
        """
        Count a slot taken by *user*: later routings in this decision see it.
        """
        self.taken[user] = self.taken.get(user, 0) + 1

    def freed(self, user: str) -> None:
        """
        Count a slot *user* no longer holds.
        """
        self.taken[user] = self.taken.get(user, 0) - 1

    def away(self, user: str) -> bool:
        """
        Whether *user* is away: unavailable, inactive or off hours (never merely full).
        """
        availability = Availability(self.users, self.presence, {}, self.compiled.schedules, self.at)
        return availability.check(user) in _AWAY_REASONS

    def absent_since(self, user: str) -> dt.datetime | None:
        """
        When the absence of *user*, away now, began, as far as it is known.

        The earlier of the recorded absence (unavailable or inactive) and
        the closing of their schedule, when both hold now; ``None`` when
        neither is known (made inactive in the config, say).
        """
        since = self.away_since.get(user)
        schedule = schedule_of(self.compiled, self.users, user)
        closed = None if schedule is None else schedule.closed_since(self.at)
        if closed is not None and (since is None or closed < since):
            return closed
        return since

    def next_due(self, conversation: Conversation) -> dt.datetime | None:
        """
        When a tick must next look at *conversation*, as it stands.

        An assigned conversation is due at the earliest of: its expiry (a
        tick then sees its slot freed), its assignee's reply deadline, and
        the deadline of its assignee's absence, or of the absence their
        schedule's next closing starts; the last two only while the rule
        allows another reassignment.  A waiting conversation is due at its
        expiry, when its wait ends; any other is never due.

        Returns:
            The time, or ``None``.
        """
        assignee = conversation.assignee
        if assignee is None or conversation.status is not _ASSIGNED:
            return wait_due(self.compiled, conversation)
        start = None
        if self.away(assignee):
            start = away_start(conversation, self.absent_since(assignee))
        return due_when_assigned(
            self.compiled,
            conversation.rule,
            at=self.at,
            last_message_at=conversation.last_message_at,
            reply_awaited_since=conversation.reply_awaited_since,
            reassignments=conversation.reassignments,
            assignee=assignee,
            users=self.users,
            away_start=start,
        )


def due_when_assigned(
    compiled: Compiled,
    rule_name: str | None,
    *,
    at: dt.datetime,
    last_message_at: dt.datetime,
    reply_awaited_since: dt.datetime | None,
    reassignments: int,
    assignee: str,
    users: Mapping[str, User],
    away_start: dt.datetime | None,
) -> dt.datetime | None:
    """
    `RoutingState.next_due` of an assigned conversation at *at*, from its parts.

    Args:
        compiled: The config.
        rule_name: The rule that routed it.
        at: The time of the decision.
        last_message_at: Its last message's time.
        reply_awaited_since: When its reply clock started, if a reply is
            awaited.
        reassignments: How many times it was reassigned or unassigned.
        assignee: Who holds it.
        users: Every known user by id.
        away_start: Since when the assignee counts as away from it, when
            away; ``None`` when not.
    """
    due = later(last_message_at, compiled.config.conversation_timeout)
    rule = None if rule_name is None else compiled.rules.get(rule_name)
    if rule is None or reassignments >= rule.max_reassignments:
        return due
    if rule.reply_within is not None and reply_awaited_since is not None:
        due = _earliest(due, later(reply_awaited_since, rule.reply_within))
    patience = rule.reassign_when_away
    if patience is None:
        return due
    if away_start is not None:
        return _earliest(due, later(away_start, patience))
    # Available now: their schedule's next closing starts an absence.
    schedule = schedule_of(compiled, users, assignee)
    closing = None if schedule is None else schedule.next_change(at)
    if closing is not None:
        due = _earliest(due, later(closing, patience))
    return due


def wait_due(compiled: Compiled, conversation: Conversation) -> dt.datetime | None:
    """
    When the wait of *conversation* ends, if it waits: at its expiry.

    A tick then ends the wait (or, the lead having written since, sets
    the wait's next expiry), so that the store's waiting ones are open.
    """
    if conversation.status is not _UNROUTED or conversation.waiting_since is None:
        return None
    return later(conversation.last_message_at, compiled.config.conversation_timeout)


def schedule_of(compiled: Compiled, users: Mapping[str, User], user: str) -> Schedule | None:
    """
    The working hours *user* follows, if any the config knows.
    """
    known = users.get(user)
    name = None if known is None else known.schedule
    return None if name is None else compiled.schedules.get(name)


def start_wait(
    effects: Effects,
    conversation: Conversation,
    lead: Lead | None,
    *,
    compiled: Compiled,
    opportunity: Opportunity | None,
    users: Mapping[str, User],
    at: dt.datetime,
) -> Conversation:
    """
    A conversation waits: nobody took it, or its assignee was taken off it.

    The one place a conversation is stored waiting, whatever made it wait:
    the number's away message goes out here, once per wait.

    Args:
        effects: The decision's changes and actions.
        conversation: The conversation, unrouted and waiting.
        lead: Its lead, if known.
        compiled: The config.
        opportunity: The opportunity it is about, if any.
        users: Every known user by id.
        at: The time of the decision: WhatsApp's 24-hour window is
            measured to it.

    Returns:
        The conversation as stored.
    """
    # Due at its expiry, or earlier when it was already: only a tick sets
    # a due time later.
    due = _earliest(conversation.due_at, wait_due(compiled, conversation))
    if due != conversation.due_at:
        conversation = attrs.evolve(conversation, due_at=due)
    known = Lead(phone=conversation.lead) if lead is None else lead
    sent = away_message(compiled, conversation, known, opportunity=opportunity, users=users, at=at)
    if sent is not None:
        effects.act(sent)
        conversation = attrs.evolve(conversation, away_message_sent=True)
    effects.change(SaveConversation(conversation))
    return conversation


def hand_over(
    effects: Effects,
    conversation: Conversation,
    action: Assign | Reassign,
    lead: Lead | None,
    *,
    compiled: Compiled,
    opportunity: Opportunity | None,
    users: Mapping[str, User],
    at: dt.datetime,
) -> None:
    """
    A conversation is assigned, or reassigned: the action, the assigned message, the conversation.

    The one place a conversation gets a new assignee, whatever routed it:
    the number's assigned message follows the action here.

    Args:
        effects: The decision's changes and actions.
        conversation: The conversation, assigned.
        action: The ``assign`` or ``reassign`` action.
        lead: Its lead, if known.
        compiled: The config.
        opportunity: The opportunity it is about, if any, as it ends up.
        users: Every known user by id.
        at: The time of the decision: WhatsApp's 24-hour window is
            measured to it.
    """
    effects.act(action)
    known = Lead(phone=conversation.lead) if lead is None else lead
    sent = assigned_message(
        compiled, conversation, known, opportunity=opportunity, users=users, at=at
    )
    if sent is not None:
        effects.act(sent)
    effects.change(SaveConversation(conversation))


def away_start(conversation: Conversation, since: dt.datetime | None) -> dt.datetime:
    """
    Since when the assignee of *conversation*, away since *since*, counts as away from it.

    The later of *since* and the assignment; the assignment alone when
    *since* is not known.
    """
    assigned = conversation.assigned_at or conversation.last_message_at
    return assigned if since is None or since < assigned else since


def _earliest(one: dt.datetime | None, other: dt.datetime | None) -> dt.datetime | None:
    if one is None:
        return other
    if other is None:
        return one
    return min(one, other)


def later(at: dt.datetime, span: dt.timedelta) -> dt.datetime | None:
    """
    *span* after *at*; ``None`` past the calendar's end (never).
    """
    try:
        return at + span
    except OverflowError:
        return None


class _CountsAfter(Mapping[str, int]):
    # Stored counts with this decision's slots taken and freed: read only
    # through `get`, as `Availability.check` reads them.
    __slots__ = ("_added", "_stored")

    def __init__(self, stored: Mapping[str, int], added: Mapping[str, int]) -> None:
        self._stored = stored
        self._added = added

    def __getitem__(self, user: str) -> int:
        return self._stored.get(user, 0) + self._added.get(user, 0)

    def get(self, user: str, default: object = None) -> int:  # noqa: ARG002 - a count is never missing
        """
        The count of *user*: stored, plus taken, less freed.
        """
        return self._stored.get(user, 0) + self._added.get(user, 0)

    def __iter__(self) -> Iterator[str]:
        return iter({*self._stored, *self._added})

    def __len__(self) -> int:
        return len({*self._stored, *self._added})
