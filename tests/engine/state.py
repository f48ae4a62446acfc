"""
A plain state the engine tests fold changes into: the simplest store there is.
"""

from __future__ import annotations

import datetime as dt

import attrs

from convroute.engine import (
    AddTransition,
    AdvanceTick,
    Change,
    CloseConversation,
    ConversationContext,
    DeleteOpportunity,
    Engine,
    Event,
    IncomingMessage,
    Outcome,
    RemoveOpportunity,
    RemoveTransitions,
    SaveAwaySince,
    SaveConversation,
    SaveLead,
    SaveOpportunity,
    SavePhoneNumberId,
    SavePresence,
    SaveTurn,
    SaveUser,
    SetPresence,
    Snapshot,
    Tick,
    UpdateOpportunity,
    UpdateUser,
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
    away_since: dict[str, dt.datetime] = attrs.field(factory=dict)
    last_tick: dt.datetime | None = None
    phone_number_ids: dict[Phone, str] = attrs.field(factory=dict)

    def snapshot(self, lead: Phone, number: Phone, at: dt.datetime) -> Snapshot:
        """
        Everything the engine may read for *lead* writing to *number*.
        """
        return attrs.evolve(
            self.shared(at),
            lead=self.leads.get(lead),
            opportunities=tuple(self.opportunities.get(lead, {}).values()),
            conversation=self.conversations.get((lead, number)),
            records=tuple(r for r in self.records.values() if r.lead == lead),
        )

    def shared(self, at: dt.datetime) -> Snapshot:
        """
        What every routing reads: users, presence, capacities, turns, absences.
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
            users=dict(self.users),
            presence=dict(self.presence),
            open_conversations=counts,
            turns=dict(self.turns),
            away_since=dict(self.away_since),
            last_tick=self.last_tick,
            phone_number_ids=dict(self.phone_number_ids),
        )

    def context(self, conversation: Conversation) -> ConversationContext:
        """
        A conversation with its lead and the lead's opportunities.
        """
        lead = conversation.lead
        return ConversationContext(
            conversation, self.leads.get(lead), tuple(self.opportunities.get(lead, {}).values())
        )

    def waiting(self, at: dt.datetime) -> tuple[ConversationContext, ...]:
        """
        The open waiting conversations, oldest wait first.
        """
        since = at - self.engine.config.conversation_timeout
        found = [
            c
            for c in self.conversations.values()
            if c.status is ConversationStatus.UNROUTED
            and c.waiting_since is not None
            and c.last_message_at >= since
        ]
        found.sort(key=lambda c: (c.waiting_since, c.lead, c.number))
        return tuple(self.context(c) for c in found)

    def tick(self, at: dt.datetime, *, waiting: bool = True) -> Outcome:
        """
        Decide a tick: what is due, then (with *waiting*) what waits.
        """
        due = [c for c in self.conversations.values() if c.due_at is not None and c.due_at <= at]
        due.sort(key=lambda c: (c.due_at, c.lead, c.number))
        snapshot = attrs.evolve(
            self.shared(at),
            due=tuple(self.context(c) for c in due),
            waiting=self.waiting(at) if waiting else (),
        )
        return self.run(Tick(at), snapshot, at)

    def host(self, event: SetPresence | UpdateUser | CloseConversation, at: dt.datetime) -> Outcome:
        """
        Decide a presence or user update, or a close, as the service reads it.
        """
        since = at - self.engine.config.conversation_timeout
        snapshot = attrs.evolve(self.shared(at), waiting=self.waiting(at))
        if isinstance(event, CloseConversation):
            conversation = self.conversations.get((event.lead, event.number))
            snapshot = attrs.evolve(snapshot, conversation=conversation)
        else:
            user = event.user if isinstance(event, SetPresence) else event.user.id
            held = [
                c
                for c in self.conversations.values()
                if c.status is ConversationStatus.ASSIGNED
                and c.assignee == user
                and c.last_message_at >= since
            ]
            held.sort(key=lambda c: (c.lead, c.number))
            snapshot = attrs.evolve(snapshot, held=tuple(held))
        return self.run(event, snapshot, at)

    def run(self, event: Event | Tick, snapshot: Snapshot, now: dt.datetime) -> Outcome:
        """
        Decide *event* over *snapshot* and fold the changes in.
        """
        outcome = self.engine.decide(snapshot, event, now=now)
        for change in outcome.changes:
            self.apply(change)
        return outcome

    def host_record(self, event: UpdateOpportunity | DeleteOpportunity, at: dt.datetime) -> Outcome:
        """
        Decide the host's update or removal of an opportunity over the whole state.
        """
        if isinstance(event, UpdateOpportunity):
            lead = event.lead
        else:
            held = [p for p, mine in self.opportunities.items() if event.opportunity in mine]
            lead = held[0] if held else None
        snapshot = Snapshot(
            lead=None if lead is None else self.leads.get(lead, Lead(phone=lead)),
            opportunities=() if lead is None else tuple(self.opportunities.get(lead, {}).values()),
            conversations=tuple(
                c for key, c in sorted(self.conversations.items()) if key[0] == lead
            ),
        )
        if isinstance(event, UpdateOpportunity) and lead not in self.leads:
            snapshot = attrs.evolve(snapshot, lead=None)
        return self.run(event, snapshot, at)

    def message(self, event: IncomingMessage, now: dt.datetime | None = None) -> Outcome:
        """
        Decide an incoming message over the whole state.
        """
        snapshot = self.snapshot(event.lead, event.number, event.at)
        return self.run(event, snapshot, now or event.at)

    def apply(self, change: Change) -> None:  # noqa: C901, PLR0912 - one case a change
        """
        Fold one change in.
        """
        match change:
            case SaveLead(lead=lead):
                self.leads[lead.phone] = lead
            case SaveOpportunity(lead=lead, opportunity=opportunity):
                self.opportunities.setdefault(lead, {})[opportunity.id] = opportunity
            case RemoveOpportunity(lead=lead, opportunity=ident):
                self.opportunities.get(lead, {}).pop(ident, None)
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
            case SaveAwaySince(user=user, since=since):
                if since is None:
                    self.away_since.pop(user, None)
                else:
                    self.away_since[user] = since
            case AdvanceTick(at=at):
                self.last_tick = at if self.last_tick is None else max(self.last_tick, at)
            case SavePhoneNumberId(number=number, phone_number_id=phone_number_id):
                self.phone_number_ids[number] = phone_number_id
