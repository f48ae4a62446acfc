"""
A plain state the engine tests fold changes into: the simplest store there is.
"""

from __future__ import annotations

import datetime as dt

import attrs

from convroute.engine import (
    AddTransition,
    Change,
    Engine,
    Event,
    IncomingMessage,
    Outcome,
    RemoveTransitions,
    SaveConversation,
    SaveLead,
    SaveOpportunity,
    SavePresence,
    SaveTurn,
    SaveUser,
    Snapshot,
)
from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, ConversationStatus


@attrs.define
class State:
    """
    Everything stored, in dicts; `run` decides an event and folds its changes.
    """

    engine: Engine
    leads: dict[str, Lead] = attrs.field(factory=dict)
    opportunities: dict[str, dict[str, Opportunity]] = attrs.field(factory=dict)
    conversations: dict[tuple[str, str], Conversation] = attrs.field(factory=dict)
    turns: dict[str, TurnRecord] = attrs.field(factory=dict)
    users: dict[str, User] = attrs.field(factory=dict)
    presence: dict[str, bool] = attrs.field(factory=dict)
    records: dict[str, Transition] = attrs.field(factory=dict)

    def snapshot(self, lead: Phone, number: Phone, at: dt.datetime) -> Snapshot:
        """
        Everything the engine may read for *lead* writing to *number*.
        """
        since = at - self.engine.config.conversation_timeout
        counts: dict[str, int] = {}
        for conversation in self.conversations.values():
            if (
                conversation.status is ConversationStatus.ASSIGNED
                and conversation.assignee is not None
                and conversation.last_message_at >= since
            ):
                counts[conversation.assignee] = counts.get(conversation.assignee, 0) + 1
        return Snapshot(
            lead=self.leads.get(lead),
            opportunities=tuple(self.opportunities.get(lead, {}).values()),
            conversation=self.conversations.get((lead, number)),
            users=dict(self.users),
            presence=dict(self.presence),
            open_conversations=counts,
            turns=dict(self.turns),
            records=tuple(r for r in self.records.values() if r.lead == lead),
        )

    def run(self, event: Event, snapshot: Snapshot, now: dt.datetime) -> Outcome:
        """
        Decide *event* over *snapshot* and fold the changes in.
        """
        outcome = self.engine.decide(snapshot, event, now=now)
        for change in outcome.changes:
            self.apply(change)
        return outcome

    def message(self, event: IncomingMessage, now: dt.datetime | None = None) -> Outcome:
        """
        Decide an incoming message over the whole state.
        """
        snapshot = self.snapshot(event.lead, event.number, event.at)
        return self.run(event, snapshot, now or event.at)

    def apply(self, change: Change) -> None:
        """
        Fold one change in.
        """
        match change:
            case SaveLead(lead=lead):
                self.leads[lead.phone] = lead
            case SaveOpportunity(lead=lead, opportunity=opportunity):
                self.opportunities.setdefault(lead, {})[opportunity.id] = opportunity
            case SaveConversation(conversation=c):
                self.conversations[c.lead, c.number] = c
            case SaveTurn(record=record):
                self.turns[record.pool] = record
            case AddTransition(transition=t):
                self.records.setdefault(t.id, t)
            case RemoveTransitions(ids=ids):
                for ident in ids:
                    self.records.pop(ident, None)
            case SaveUser(user=user):
                self.users[user.id] = user
            case SavePresence(user=user, available=available):
                self.presence[user] = available
