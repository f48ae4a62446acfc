"""
Time-driven routing: ticks, presence changes, closes, and what waits.

A tick serves the conversations due by its time (a deadline passed, a
conversation over) and, when the service asks, routes the waiting ones; a
presence or user update records absences and routes what waits when
someone may have become available; a close frees a slot.  docs/routing.md,
"Time", tells the rules.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable, Mapping

import attrs

from convroute.engine._actions import (
    Assign,
    Reassign,
    ReassignReason,
    TraceEntry,
    Unassign,
    Unrouted,
    UnroutedReason,
    trace_of,
)
from convroute.engine._changes import (
    AdvanceTick,
    ConversationContext,
    Outcome,
    SaveAwaySince,
    SaveConversation,
    SavePresence,
    SaveTurn,
    SaveUser,
    Snapshot,
)
from convroute.engine._compiled import Compiled
from convroute.engine._effects import Effects
from convroute.engine._events import CloseConversation, SetPresence, Tick, UpdateUser
from convroute.engine._routing import RoutingState, away_start, hand_over, later, start_wait
from convroute.model import Opportunity, Phone, User
from convroute.routing import Availability, RoutingRule, SkipReason
from convroute.state import Conversation, ConversationStatus


_ASSIGNED = ConversationStatus.ASSIGNED
_UNROUTED = ConversationStatus.UNROUTED
_CLOSED = ConversationStatus.CLOSED
_NOBODY = Phone("")
_REPORTED_AWAY = frozenset({SkipReason.UNAVAILABLE, SkipReason.INACTIVE})


def tick(compiled: Compiled, snapshot: Snapshot, event: Tick) -> Outcome:
    """
    Serve what is due by the tick's time, then route the waiting conversations given.

    A tick at or before the last one changes nothing.
    """
    at = event.at
    last = snapshot.last_tick
    if last is not None and at <= last:
        return Outcome(
            notes=[
                (
                    f"the tick at {at.isoformat()} is not after the last tick, at "
                    f"{last.isoformat()}: nothing done"
                )
            ]
        )
    effects = Effects(_NOBODY, [])
    # Someone whose working hours began since the last tick may take what waits.
    effects.frees_someone = last is None or any(
        schedule.opened_between(last, at) for schedule in compiled.schedules.values()
    )
    router = _router(compiled, snapshot, at, snapshot.users, snapshot.presence)
    served: set[tuple[str, str]] = set()
    unassigned: list[ConversationContext] = []
    for context in snapshot.due:
        conversation = context.conversation
        served.add((conversation.lead, conversation.number))
        _serve_due(router, effects, context, at, unassigned)
    waiting = [
        context
        for context in snapshot.waiting
        if (context.conversation.lead, context.conversation.number) not in served
    ]
    # Those unassigned now wait too: a slot freed after theirs may take them.
    route_waiting(router, effects, [*waiting, *unassigned], at, keyed=True)
    # Last: a store shared by workers holds the tick's one row from this
    # write to the end of the unit, so the write comes as late as it can.
    effects.change(AdvanceTick(at))
    return effects.outcome()


def update_presence(
    compiled: Compiled, snapshot: Snapshot, event: SetPresence | UpdateUser, now: dt.datetime
) -> Outcome:
    """
    Record a presence or user update, with what follows from it.

    A user who became away is recorded away since the event's time, and
    the conversations they hold become due by the rule's
    ``reassign_when_away``; one who is available routes what waits.
    """
    at = now if event.at is None else event.at
    effects = Effects(_NOBODY, [])
    runtime: Mapping[str, User] = snapshot.users
    match event:
        case UpdateUser(user=user, available=available):
            effects.change(SaveUser(user))
            if available is not None:
                effects.change(SavePresence(user.id, available))
            runtime = {**snapshot.users, user.id: user}
            user_id = user.id
        case SetPresence(user=user_id, available=available):
            effects.change(SavePresence(user_id, available))
    presence = snapshot.presence
    if available is not None:
        presence = {**presence, user_id: available}
    router = _router(compiled, snapshot, at, runtime, presence)
    # What is recorded is the host's word (presence, active); off hours are
    # read from the schedule whenever they matter.
    reported_away = Availability(router.users, presence).check(user_id) in _REPORTED_AWAY
    recorded = snapshot.away_since.get(user_id)
    if reported_away and recorded is None:
        effects.change(SaveAwaySince(user_id, at))
        router.away_since = {**snapshot.away_since, user_id: at}
    elif not reported_away and recorded is not None:
        effects.change(SaveAwaySince(user_id, None))
    if router.away(user_id):
        for conversation in snapshot.held:
            _lower_due(effects, conversation, router.next_due(conversation))
    else:
        route_waiting(router, effects, snapshot.waiting, at, keyed=False, now=now)
    return effects.outcome()


def close(
    compiled: Compiled, snapshot: Snapshot, event: CloseConversation, now: dt.datetime
) -> Outcome:
    """
    Close a conversation; a slot it held is free for what waits.
    """
    conversation = snapshot.conversation
    if conversation is None or conversation.status is _CLOSED:
        return Outcome(notes=["no open conversation to close"])
    closed = attrs.evolve(
        conversation,
        status=_CLOSED,
        last_message_at=max(conversation.last_message_at, event.at),
        menu=None,
        menu_sent_at=None,
        product=None,
        reprompts=0,
        waiting_since=None,
        due_at=None,
    )
    effects = Effects(_NOBODY, [])
    effects.change(SaveConversation(closed))
    assignee = conversation.assignee
    if (
        conversation.status is _ASSIGNED
        and assignee is not None
        and _open(compiled, conversation, event.at)
    ):
        router = _router(compiled, snapshot, event.at, snapshot.users, snapshot.presence)
        router.freed(assignee)
        route_waiting(router, effects, snapshot.waiting, event.at, keyed=False, now=now)
    return effects.outcome()


def route_waiting(
    router: RoutingState,
    effects: Effects,
    waiting: Iterable[ConversationContext],
    at: dt.datetime,
    *,
    keyed: bool,
    now: dt.datetime | None = None,
) -> None:
    """
    Route each waiting conversation, oldest wait first, that someone can take now.

    One nobody can take waits on, silently.  One whose rule was removed
    stops waiting, with an ``unrouted`` action saying so.

    Args:
        router: Who can take conversations, as this decision goes.
        effects: The decision's changes and actions.
        waiting: The waiting conversations, with their leads.
        at: The time of the routing (an event's, a tick's).
        keyed: Whether the actions serve keys (a tick's) rather than an event.
        now: The time of the decision, to which WhatsApp's 24-hour window
            is measured; *at* when not given.
    """
    for context in waiting:
        conversation = context.conversation
        since = conversation.waiting_since
        if (
            conversation.status is not _UNROUTED
            or since is None
            or not _open(router.compiled, conversation, at)
        ):
            continue
        _enter(effects, context, since if keyed else None)
        name = conversation.rule
        rule = None if name is None else router.compiled.rules.get(name)
        if rule is None:
            _rule_removed(effects, conversation)
            continue
        opportunity = _find(context.opportunities, conversation.opportunity)
        decision = router.resolve(
            rule, context.lead, opportunity, frozenset(conversation.held_before)
        )
        assignee = decision.assignee
        if assignee is None or decision.target is None:
            # Waits on, due by its expiry (a wait stored without a due time
            # gets one).
            _lower_due(effects, conversation, router.next_due(conversation))
            continue
        if decision.turn is not None:
            effects.change(SaveTurn(decision.turn))
        router.took(assignee)
        if opportunity is not None and opportunity.owner is None:
            # As when a message routes it: the first assignee owns it.
            opportunity = opportunity.owned_by(assignee)
            effects.save_opportunity(opportunity)
        assigned = attrs.evolve(
            conversation,
            status=_ASSIGNED,
            assignee=assignee,
            assigned_at=at,
            reply_awaited_since=at,
            waiting_since=None,
            away_message_sent=False,
        )
        assigned = attrs.evolve(assigned, due_at=router.next_due(assigned))
        action = Assign.conversation(
            conversation.lead,
            conversation.number,
            opportunity=conversation.opportunity,
            user=assignee,
            rule=rule.name,
            target=decision.target.label,
            trace=trace_of(decision),
            waited=max((at - since).total_seconds(), 0.0),
        )
        hand_over(
            effects,
            assigned,
            action,
            context.lead,
            compiled=router.compiled,
            opportunity=opportunity,
            users=router.users,
            at=now or at,
        )


def _serve_due(
    router: RoutingState,
    effects: Effects,
    context: ConversationContext,
    at: dt.datetime,
    unassigned: list[ConversationContext],
) -> None:
    conversation = context.conversation
    # One read as held by a removed user may have no due time: its last
    # message keys it then.
    _enter(effects, context, conversation.due_at or conversation.last_message_at)
    assignee = conversation.assignee
    if conversation.status is not _ASSIGNED or assignee is None:
        if conversation.waiting_since is not None and not _open(router.compiled, conversation, at):
            # The wait is over with its conversation: the lead's next
            # message starts anew, and nothing is read as waiting.
            effects.note(
                f"the conversation of {conversation.lead} on {conversation.number} is over "
                "(no message for the conversation timeout): it stops waiting"
            )
            effects.change(
                SaveConversation(attrs.evolve(conversation, waiting_since=None, due_at=None))
            )
            return
        if conversation.waiting_since is not None and _rule_of(router, conversation) is None:
            _rule_removed(effects, conversation)
            return
        # Waiting and open: due at its expiry.  Otherwise nothing about it
        # is timed any more.
        _set_due(effects, conversation, router.next_due(conversation))
        return
    if not _open(router.compiled, conversation, at):
        # Over: its slot is free, and the lead's next message starts anew.
        _set_due(effects, conversation, None)
        effects.frees_someone = True
        return
    if assignee not in router.users:
        waiting = take_from_removed(router, effects, context, at)
        if waiting is not None:
            unassigned.append(attrs.evolve(context, conversation=waiting))
        return
    rule = _rule_of(router, conversation)
    if rule is None and conversation.rule is not None:
        # Nothing reassigns it any more: its assignee keeps it, due at its expiry.
        effects.note(
            f"routing rule {conversation.rule!r} is unknown: the conversation stays with {assignee}"
        )
    reason = None if rule is None else _reassign_reason(router, conversation, rule, at)
    if rule is None or reason is None:
        _set_due(effects, conversation, router.next_due(conversation))
        return
    waiting = _reassign(router, effects, context, rule, reason, at)
    if waiting is not None:
        unassigned.append(attrs.evolve(context, conversation=waiting))


def _reassign_reason(
    router: RoutingState, conversation: Conversation, rule: RoutingRule, at: dt.datetime
) -> ReassignReason | None:
    if conversation.reassignments >= rule.max_reassignments or conversation.assignee is None:
        return None
    if rule.reassign_when_away is not None and router.away(conversation.assignee):
        start = away_start(conversation, router.absent_since(conversation.assignee))
        deadline = later(start, rule.reassign_when_away)
        if deadline is not None and deadline <= at:
            return ReassignReason.AWAY
    awaited = conversation.reply_awaited_since
    if rule.reply_within is not None and awaited is not None:
        deadline = later(awaited, rule.reply_within)
        if deadline is not None and deadline <= at:
            return ReassignReason.NO_REPLY
    return None


def take_from_removed(
    router: RoutingState,
    effects: Effects,
    context: ConversationContext,
    at: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> Conversation | None:
    """
    Take an open conversation from an assignee who is no longer a known user.

    Its rule is walked again, as by a reassignment, whatever the rule's
    reassignment keys and ``max_reassignments`` say: a ``reassign`` to
    whoever it picks, or an ``unassign`` and a wait.  Neither counts as
    one of the rule's reassignments, nor is the removed user added to
    those the conversation passes over.  Without its rule in the config,
    it is unassigned and does not wait: the lead's next message starts
    anew.

    Args:
        router: Who can take conversations, as this decision goes.
        effects: The decision's changes and actions.
        context: The conversation, assigned to an unknown user, with its
            lead and the lead's opportunities.
        at: The time of the routing (a message's, a tick's).
        now: The time of the decision, to which WhatsApp's 24-hour window
            is measured; *at* when not given.

    Returns:
        The conversation when it was unassigned and waits, else ``None``.
    """
    conversation = context.conversation
    old = conversation.assignee
    assert old is not None  # noqa: S101 - only assigned conversations are taken
    effects.note(f"user {old!r} is unknown: the conversation is routed again without them")
    rule = _rule_of(router, conversation)
    if rule is not None:
        return _reassign(
            router, effects, context, rule, ReassignReason.ASSIGNEE_REMOVED, at, now=now
        )
    effects.note(f"routing rule {conversation.rule!r} is unknown: the conversation does not wait")
    if conversation.rule is not None:
        effects.act(_unassign(conversation, conversation.rule, ReassignReason.ASSIGNEE_REMOVED, ()))
    # Unrouted with no rule: the lead's next message starts anew.
    ended = attrs.evolve(
        conversation,
        status=_UNROUTED,
        assignee=None,
        assigned_at=None,
        reply_awaited_since=None,
        rule=None,
        waiting_since=None,
        due_at=None,
    )
    effects.change(SaveConversation(ended))
    return None


def _reassign(  # noqa: PLR0917 - one reassignment's parts
    router: RoutingState,
    effects: Effects,
    context: ConversationContext,
    rule: RoutingRule,
    reason: ReassignReason,
    at: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> Conversation | None:
    # Returns the conversation when it was unassigned and waits.  A user
    # removed from the config is no holder the rule moved it from: not
    # passed over later (they may come back), not counted, and the slot
    # they held was nobody's.
    conversation = context.conversation
    old = conversation.assignee
    assert old is not None  # noqa: S101 - only assigned conversations are reassigned
    removed = reason is ReassignReason.ASSIGNEE_REMOVED
    held = conversation.held_before
    if old not in held and not removed:
        held = (*held, old)
    if not removed:
        router.freed(old)
        effects.frees_someone = True
    opportunity = _find(context.opportunities, conversation.opportunity)
    decision = router.resolve(rule, context.lead, opportunity, frozenset(held))
    trace = trace_of(decision)
    count = conversation.reassignments + (0 if removed else 1)
    assignee = decision.assignee
    if assignee is not None and decision.target is not None:
        if decision.turn is not None:
            effects.change(SaveTurn(decision.turn))
        router.took(assignee)
        moved = attrs.evolve(
            conversation,
            assignee=assignee,
            assigned_at=at,
            reply_awaited_since=at,
            held_before=held,
            reassignments=count,
        )
        moved = attrs.evolve(moved, due_at=router.next_due(moved))
        action = Reassign(
            conversation.lead,
            conversation.number,
            conversation.opportunity,
            old,
            assignee,
            rule.name,
            decision.target.label,
            reason,
            trace,
        )
        hand_over(
            effects,
            moved,
            action,
            context.lead,
            compiled=router.compiled,
            opportunity=opportunity,
            users=router.users,
            at=now or at,
        )
        return None
    effects.act(_unassign(conversation, rule.name, reason, trace))
    waiting = attrs.evolve(
        conversation,
        status=_UNROUTED,
        assignee=None,
        assigned_at=None,
        reply_awaited_since=None,
        waiting_since=at,
        away_message_sent=False,
        held_before=held,
        reassignments=count,
        due_at=None,
    )
    return start_wait(
        effects,
        waiting,
        context.lead,
        compiled=router.compiled,
        opportunity=opportunity,
        users=router.users,
        at=now or at,
    )


def _unassign(
    conversation: Conversation,
    rule: str,
    reason: ReassignReason,
    trace: tuple[TraceEntry, ...],
) -> Unassign:
    # The action taking *conversation* from its assignee, for *rule*.
    assert conversation.assignee is not None  # noqa: S101 - only assigned ones are taken
    return Unassign(
        conversation.lead,
        conversation.number,
        conversation.opportunity,
        conversation.assignee,
        rule,
        reason,
        trace,
    )


def _rule_removed(effects: Effects, conversation: Conversation) -> None:
    # Its rule can never take it: the wait ends, and the host hears why.
    effects.note(f"routing rule {conversation.rule!r} is unknown: the conversation stops waiting")
    effects.act(
        Unrouted.conversation(
            conversation.lead,
            conversation.number,
            opportunity=conversation.opportunity,
            rule=conversation.rule,
            trace=(),
            reason=UnroutedReason.RULE_REMOVED,
        )
    )
    effects.change(SaveConversation(attrs.evolve(conversation, waiting_since=None, due_at=None)))


def _rule_of(router: RoutingState, conversation: Conversation) -> RoutingRule | None:
    # The conversation's rule in the config, or None (none, or removed).
    name = conversation.rule
    return None if name is None else router.compiled.rules.get(name)


def _router(
    compiled: Compiled,
    snapshot: Snapshot,
    at: dt.datetime,
    runtime: Mapping[str, User],
    presence: Mapping[str, bool],
) -> RoutingState:
    return RoutingState(
        compiled,
        compiled.all_users(runtime),
        presence,
        snapshot.open_conversations,
        snapshot.turns,
        at,
        snapshot.away_since,
    )


def _enter(effects: Effects, context: ConversationContext, served: dt.datetime | None) -> None:
    # What follows is about this conversation; a tick's actions serve its
    # key: the conversation and the due time or wait served.
    conversation = context.conversation
    effects.lead = conversation.lead
    effects.opportunities = list(context.opportunities)
    if served is not None:
        effects.key = f"tick:{conversation.lead}:{conversation.number}:{served.isoformat()}"


def _set_due(effects: Effects, conversation: Conversation, due: dt.datetime | None) -> None:
    if due != conversation.due_at:
        effects.change(SaveConversation(attrs.evolve(conversation, due_at=due)))


def _lower_due(effects: Effects, conversation: Conversation, due: dt.datetime | None) -> None:
    # Only a tick sets a due time later: anything else may only bring it on.
    current = conversation.due_at
    if due is not None and (current is None or due < current):
        effects.change(SaveConversation(attrs.evolve(conversation, due_at=due)))


def _open(compiled: Compiled, conversation: Conversation, at: dt.datetime) -> bool:
    return at - conversation.last_message_at < compiled.config.conversation_timeout


def _find(opportunities: Iterable[Opportunity], opportunity: str | None) -> Opportunity | None:
    return next((o for o in opportunities if o.id == opportunity), None)
