"""
The engine: one event and the state it needs in, changes and actions out.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Mapping
from typing import assert_never

import attrs

from convroute._frozen import aware
from convroute.config import Config
from convroute.engine._actions import TransitionDeleted
from convroute.engine._changes import (
    Outcome,
    RemoveTransitions,
    SaveConversation,
    SaveLead,
    Snapshot,
)
from convroute.engine._compiled import Compiled
from convroute.engine._conversation import MessageContext, converse
from convroute.engine._effects import Effects, record_funnel, why_ignored
from convroute.engine._events import (
    CloseConversation,
    DeleteOpportunity,
    DeleteTransition,
    Event,
    IncomingMessage,
    OutgoingMessage,
    SetPresence,
    SetStage,
    Tick,
    UpdateLead,
    UpdateOpportunity,
    UpdateUser,
)
from convroute.engine._opportunities import host_opportunity
from convroute.engine._phone_number_ids import with_phone_number_ids
from convroute.engine._routing import RoutingState, later
from convroute.engine._time import close, tick, update_presence
from convroute.engine._waiting_pass import RulePass, rule_passes
from convroute.funnel import FunnelMessage, delete_transition
from convroute.model import Lead, Phone, User
from convroute.state import Conversation, ConversationStatus


@attrs.frozen(eq=False)
class Engine:
    """
    A config, compiled once, that decides events.

    Pure: `decide` reads only its arguments and changes nothing; the
    service stores what it returns.

    Attributes:
        config: The account's setup.
    """

    config: Config
    _compiled: Compiled = attrs.field(alias="_compiled", repr=False)

    @classmethod
    def from_config(cls, config: Config) -> Engine:
        """
        Compile *config*: funnels' matchers, boards and lookup tables.

        Args:
            config: A checked config, e.g. from `load_config`.

        Returns:
            The engine.
        """
        return cls(config=config, _compiled=Compiled.from_config(config))

    def all_users(self, runtime: Mapping[str, User]) -> Mapping[str, User]:
        """
        The config's users with those the host reported at run time.

        Users reported at run time replace config users of the same id, in
        their place.
        """
        return self._compiled.all_users(runtime)

    def rule_passes(self, snapshot: Snapshot, at: dt.datetime) -> tuple[RulePass, ...]:
        """
        The routing rules whose waiting conversations a pass at *at* reads, in the config's order.

        A rule whose targets are chat groups, admins or named users, none
        of them available now (by the snapshot's users, presence and
        capacities, and their working hours at *at*), is left out: its
        waits are not read.

        Raises:
            ValueError: When *at* is naive.
        """
        return rule_passes(self._compiled, snapshot, aware(at, "at"))

    def decide(self, snapshot: Snapshot, event: Event | Tick, *, now: dt.datetime) -> Outcome:
        """
        Decide what an event, or a tick, changes and which actions it yields.

        Args:
            snapshot: The stored state the event needs (see `Snapshot`).
            event: The event, or a tick.
            now: The current time, aware; it decides whether a Meta event
                is too old to send, whether the lead's last message is
                recent enough for an away or assigned message, and times a
                presence or user update that carries no time of its own.
                Conversation and menu timeouts are measured between the
                events' own times.

        Returns:
            The changes to store and the actions for the host, in order.
            Each ``send`` carries the ``phone_number_id`` of its number
            when one is known: the config's, else the event's, else the
            snapshot's; an id the event gives that the config does not
            declare is remembered (`SavePhoneNumberId`).

        Raises:
            ValueError: When *now* is naive.
        """
        aware(now, "now")
        outcome = self._decide(snapshot, event, now)
        return with_phone_number_ids(self._compiled, snapshot, event, outcome)

    def _decide(  # noqa: PLR0911 - one case a kind of event
        self, snapshot: Snapshot, event: Event | Tick, now: dt.datetime
    ) -> Outcome:
        match event:
            case IncomingMessage():
                return self._incoming(snapshot, event, now)
            case OutgoingMessage():
                return self._outgoing(snapshot, event, now)
            case SetStage():
                return self._set_stage(snapshot, event, now)
            case DeleteTransition():
                return _delete(snapshot, event)
            case CloseConversation():
                return close(self._compiled, snapshot, event, now)
            case UpdateUser() | SetPresence():
                return update_presence(self._compiled, snapshot, event, now)
            case UpdateLead():
                return _update_lead(event)
            case UpdateOpportunity() | DeleteOpportunity():
                return host_opportunity(snapshot, event)
            case Tick():
                return tick(self._compiled, snapshot, event)
            case _:  # pragma: no cover - the match above is exhaustive
                assert_never(event)

    def _incoming(self, snapshot: Snapshot, event: IncomingMessage, now: dt.datetime) -> Outcome:
        lead = snapshot.lead
        effects = Effects(event.lead, list(snapshot.opportunities))
        if lead is None:
            lead = Lead(phone=event.lead, name=event.name or "")
            effects.change(SaveLead(lead))
        message = _funnel_message(event)
        tracker = self._compiled.tracker
        record_funnel(
            effects,
            self._compiled,
            tracker.incoming(message, snapshot.records),
            snapshot.records,
            now,
        )
        converse(MessageContext(self._compiled, snapshot, event, lead, now), effects)
        return effects.outcome()

    def _outgoing(self, snapshot: Snapshot, event: OutgoingMessage, now: dt.datetime) -> Outcome:
        effects = Effects(lead=event.lead, opportunities=list(snapshot.opportunities))
        message = FunnelMessage(
            id=event.id, lead=event.lead, number=event.number, text=event.text, at=event.at
        )
        outcomes = self._compiled.tracker.outgoing(message, snapshot.records)
        record_funnel(effects, self._compiled, outcomes, snapshot.records, now)
        for outcome in outcomes:
            if outcome.reason is not None:
                effects.note(f"funnel {outcome.funnel!r}: {why_ignored(outcome)}")
        conversation = snapshot.conversation
        if conversation is not None and conversation.status is ConversationStatus.ASSIGNED:
            kept = conversation
            if event.at > conversation.last_message_at:
                # The business writing keeps the conversation open too.
                kept = attrs.evolve(kept, last_message_at=event.at)
            if _answers(event, conversation):
                kept = attrs.evolve(kept, reply_awaited_since=None)
            if kept is not conversation:
                effects.change(SaveConversation(self._due_no_later(kept, snapshot, now)))
                return effects.outcome()
        if not outcomes:
            # Each funnel notes why it moved nobody; without funnels, this says it.
            effects.note(
                "the account has no funnels, and no open conversation was kept open: nothing done"
            )
        return effects.outcome()

    def _due_no_later(
        self, conversation: Conversation, snapshot: Snapshot, now: dt.datetime
    ) -> Conversation:
        # Kept open by the business, a conversation is due at its expiry or
        # its reply deadline, if not sooner.  One a tick found over (its due
        # time cleared) is opened again: it is due as a tick would time it,
        # its assignee's absence included (the only read of the users here).
        compiled = self._compiled
        if conversation.due_at is None:
            router = RoutingState(
                compiled,
                compiled.all_users(snapshot.users),
                snapshot.presence,
                {},
                {},
                now,
                snapshot.away_since,
            )
            due_now = router.next_due(conversation)
            return conversation if due_now is None else attrs.evolve(conversation, due_at=due_now)
        due = later(conversation.last_message_at, compiled.config.conversation_timeout)
        rule = None if conversation.rule is None else compiled.rules.get(conversation.rule)
        awaited = conversation.reply_awaited_since
        if (
            rule is not None
            and rule.reply_within is not None
            and awaited is not None
            and conversation.reassignments < rule.max_reassignments
        ):
            deadline = later(awaited, rule.reply_within)
            if deadline is not None and (due is None or deadline < due):
                due = deadline
        current = conversation.due_at
        if due is None or (current is not None and current <= due):
            return conversation
        return attrs.evolve(conversation, due_at=due)

    def _set_stage(self, snapshot: Snapshot, event: SetStage, now: dt.datetime) -> Outcome:
        effects = Effects(lead=event.lead, opportunities=list(snapshot.opportunities))
        outcome = self._compiled.tracker.move(
            event_id=event.id,
            funnel=event.funnel,
            lead=event.lead,
            stage=event.stage,
            actor=event.by,
            at=event.at,
            records=snapshot.records,
        )
        if outcome.reason is not None:
            effects.note(f"set_stage {event.funnel!r} → {event.stage!r}: {why_ignored(outcome)}")
        record_funnel(effects, self._compiled, (outcome,), snapshot.records, now)
        return effects.outcome()


def _answers(event: OutgoingMessage, conversation: Conversation) -> bool:
    # The assignee's message (any, when the host does not say who wrote)
    # sent at or after the lead's last message answers it.  convroute's
    # own sends never get here: the service knows their ids.
    incoming = conversation.last_incoming_at
    return (
        conversation.reply_awaited_since is not None
        and (event.by is None or event.by == conversation.assignee)
        and (incoming is None or event.at >= incoming)
    )


def _funnel_message(event: IncomingMessage) -> FunnelMessage:
    # What the funnel reads of a message; the one place a funnel message
    # is made by position (docs/performance.md).
    return FunnelMessage(
        event.id,
        event.lead,
        event.number,
        event.text_or_caption or "",
        event.at,
        event.ctwa_clid,
        event.referral,
    )


def _delete(snapshot: Snapshot, event: DeleteTransition) -> Outcome:
    deletion = delete_transition(snapshot.records, event.transition)
    if not deletion.found:
        return Outcome(notes=[f"transition {event.transition} is unknown: nothing deleted"])
    removed = tuple(record.id for record in deletion.removed)
    (target,) = (record for record in deletion.removed if record.id == event.transition)
    deleted = TransitionDeleted(
        funnel=target.funnel,
        lead=target.lead,
        transition=target.id,
        stage=None if deletion.position is None else deletion.position.stage,
    )
    return Outcome(changes=[RemoveTransitions(removed)], actions=[deleted])


def _update_lead(event: UpdateLead) -> Outcome:
    lead: Phone = event.lead.phone
    changes = [SaveLead(event.lead)]
    effects = Effects(lead=lead, opportunities=[])
    for opportunity in event.opportunities:
        effects.save_opportunity(opportunity)
    return Outcome(changes=[*changes, *effects.changes])
