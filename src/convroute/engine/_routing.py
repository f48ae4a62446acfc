"""
Routing within one decision, and the times a routed conversation is due.

A `Router` walks rules over the snapshot's users, presence, capacities and
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
from convroute.model import Lead, Opportunity, User
from convroute.routing import (
    Availability,
    Decision,
    RoutingContext,
    RoutingRule,
    SkipReason,
    TurnRecord,
    resolve,
)
from convroute.state import Conversation, ConversationStatus


# The reasons that make an assignee away: never at_capacity, as a full user
# is full of the conversations they hold.
_AWAY_REASONS = frozenset({SkipReason.UNAVAILABLE, SkipReason.INACTIVE})
_ASSIGNED = ConversationStatus.ASSIGNED


@attrs.define
class Router:
    """
    Who can take conversations, as one decision goes on routing them.

    Attributes:
        compiled: The config.
        users: Every known user by id.
        presence: ``False`` for users reported away.
        open_conversations: Open conversations held, by user, as stored.
        turns: Round-robin turn records, by pool, as stored.
        away_since: Since when each user recorded away has been away.
        taken: Slots taken (positive) or freed (negative) in this decision.
        new_turns: Turn records picked in this decision, by pool.
    """

    compiled: Compiled
    users: Mapping[str, User]
    presence: Mapping[str, bool]
    open_conversations: Mapping[str, int]
    turns: Mapping[str, TurnRecord]
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
        availability = Availability(self.users, self.presence, counts, held_before)
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
        Whether *user* is away: unavailable or inactive (never merely full).
        """
        return Availability(self.users, self.presence).check(user) in _AWAY_REASONS

    def next_due(self, conversation: Conversation) -> dt.datetime | None:
        """
        When a tick must next look at *conversation*, as it stands.

        An assigned conversation is due at the earliest of: its expiry (a
        tick then sees its slot freed), its assignee's reply deadline, and
        the deadline of its assignee's absence; the last two only while
        the rule allows another reassignment.  Any other conversation is
        never due: waiting ones are found as waiting.

        Returns:
            The time, or ``None``.
        """
        assignee = conversation.assignee
        if assignee is None or conversation.status is not _ASSIGNED:
            return None
        return due_when_assigned(
            self.compiled,
            conversation.rule,
            last_message_at=conversation.last_message_at,
            reply_awaited_since=conversation.reply_awaited_since,
            reassignments=conversation.reassignments,
            away=assignee if self.away(assignee) else None,
            away_start=away_start(conversation, self.away_since),
        )


def due_when_assigned(
    compiled: Compiled,
    rule_name: str | None,
    *,
    last_message_at: dt.datetime,
    reply_awaited_since: dt.datetime | None,
    reassignments: int,
    away: str | None,
    away_start: dt.datetime,
) -> dt.datetime | None:
    """
    `Router.next_due` of an assigned conversation, from its parts.

    Args:
        compiled: The config.
        rule_name: The rule that routed it.
        last_message_at: Its last message's time.
        reply_awaited_since: When its reply clock started, if a reply is
            awaited.
        reassignments: How many times it was reassigned or unassigned.
        away: Its assignee, when away; else ``None``.
        away_start: Since when the assignee counts as away from it.
    """
    due = later(last_message_at, compiled.config.conversation_timeout)
    rule = None if rule_name is None else compiled.rules.get(rule_name)
    if rule is None or reassignments >= rule.max_reassignments:
        return due
    if rule.reply_within is not None and reply_awaited_since is not None:
        due = _earliest(due, later(reply_awaited_since, rule.reply_within))
    if rule.reassign_when_away is not None and away is not None:
        due = _earliest(due, later(away_start, rule.reassign_when_away))
    return due


def start_wait(effects: Effects, conversation: Conversation, lead: Lead | None) -> None:
    """
    A conversation begins to wait: nobody took it, or its assignee was taken off it.

    The one place a wait starts, whatever started it: what the lead is
    told when a wait starts belongs here.

    Args:
        effects: The decision's changes and actions.
        conversation: The conversation, unrouted, waiting since now.
        lead: Its lead, if known.
    """
    del lead  # what the lead is told of a wait is made from it
    effects.change(SaveConversation(conversation))


def hand_over(
    effects: Effects, conversation: Conversation, action: Assign | Reassign, lead: Lead | None
) -> None:
    """
    A conversation is assigned, or reassigned: the action, then the conversation stored.

    The one place a conversation gets a new assignee, whatever routed it:
    what the lead is told of an assignment belongs here.

    Args:
        effects: The decision's changes and actions.
        conversation: The conversation, assigned.
        action: The ``assign`` or ``reassign`` action.
        lead: Its lead, if known.
    """
    del lead  # what the lead is told of an assignment is made from it
    effects.act(action)
    effects.change(SaveConversation(conversation))


def away_start(conversation: Conversation, away_since: Mapping[str, dt.datetime]) -> dt.datetime:
    """
    Since when the assignee of *conversation* counts as away from it.

    The later of the time they went away and the assignment; the
    assignment alone when their absence was not recorded (they were made
    inactive in the config, say).
    """
    assignee = conversation.assignee
    since = None if assignee is None else away_since.get(assignee)
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
