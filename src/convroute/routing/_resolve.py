"""
The resolver: walk a rule's targets until one yields an available person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import assert_never

import attrs

from convroute.model import Lead, Opportunity
from convroute.routing._availability import Availability, SkipReason
from convroute.routing._round_robin import Candidate, TurnRecord, round_robin
from convroute.routing._rules import (
    Admin,
    ChatGroup,
    ChatGroupTarget,
    LeadOwner,
    OpportunityOwner,
    RoutingRule,
    SpecificUser,
    Target,
)


@attrs.frozen
class RoutingContext:
    """
    Everything `resolve` needs to know, as values.

    Attributes:
        availability: Who can take a conversation now.
        groups: The chat groups by name.
        turns: The turn record of each round-robin pool, by pool label
            (``chat_group:<name>``, ``admin``); a pool missing here has
            never assigned anybody.
        lead: The lead writing, if known.
        opportunity: The opportunity the conversation is about, if any.
    """

    availability: Availability
    groups: Mapping[str, ChatGroup] = attrs.field(factory=dict)
    turns: Mapping[str, TurnRecord] = attrs.field(factory=dict)
    lead: Lead | None = None
    opportunity: Opportunity | None = None


@attrs.frozen
class TraceStep:
    """
    One target tried, and what came of it.

    Attributes:
        target: The target tried.
        user: The user assigned, or the one user the target named when it
            was skipped (an owner, a specific user); ``None`` otherwise.
        reason: Why the target was skipped; ``None`` when it assigned.
        skipped: For round-robin targets, the members passed over, with
            their reasons, in the order they were considered.
    """

    target: Target
    user: str | None = None
    reason: SkipReason | None = None
    skipped: tuple[Candidate, ...] = ()

    @property
    def assigned(self) -> bool:
        """
        Whether this step assigned the conversation.
        """
        return self.reason is None


@attrs.frozen
class Decision:
    """
    Who gets a conversation, and why.

    An unrouted decision (no assignee) is a normal outcome, not an error.

    Attributes:
        rule: The rule that was walked; ``None`` when there was none to walk.
        assignee: The user id assigned, or ``None`` when unrouted.
        target: The target that assigned, or ``None`` when unrouted.
        trace: One step per target tried, in order.
        turn: The new turn record of the round-robin pool that picked the
            assignee, to be stored; ``None`` when no round robin picked.
    """

    rule: RoutingRule | None
    assignee: str | None = None
    target: Target | None = None
    trace: tuple[TraceStep, ...] = ()
    turn: TurnRecord | None = None

    @property
    def routed(self) -> bool:
        """
        Whether somebody was assigned.
        """
        return self.assignee is not None


def resolve(rule: RoutingRule, context: RoutingContext) -> Decision:
    """
    Walk *rule*'s targets in order and assign the first available person.

    Args:
        rule: The routing rule: its default target, then the fallbacks.
        context: The lead, the opportunity and who is available.

    Returns:
        The decision, assigned or unrouted, with one trace step per target
        tried.  Nothing in *context* is changed: a round-robin pick comes
        back as `Decision.turn` for the caller to store.
    """
    trace = []
    for target in rule.targets:
        step, turn = _try(target, context)
        trace.append(step)
        if step.reason is None:
            return Decision(
                rule=rule, assignee=step.user, target=target, trace=tuple(trace), turn=turn
            )
    return Decision(rule=rule, trace=tuple(trace))


def _try(  # noqa: PLR0911 - one return per target kind reads best
    target: Target, context: RoutingContext
) -> tuple[TraceStep, TurnRecord | None]:
    match target:
        case OpportunityOwner():
            if context.opportunity is None:
                return TraceStep(target, reason=SkipReason.NO_OPPORTUNITY), None
            return _one_user(target, context.opportunity.owner, context.availability), None
        case LeadOwner():
            if context.lead is None:
                return TraceStep(target, reason=SkipReason.NO_LEAD), None
            return _one_user(target, context.lead.owner, context.availability), None
        case SpecificUser(user=user):
            return _one_user(target, user, context.availability), None
        case ChatGroupTarget(group=name):
            group = context.groups.get(name)
            if group is None:
                return TraceStep(target, reason=SkipReason.UNKNOWN_GROUP), None
            return _take_turn(target, group.members, context)
        case Admin():
            admins = [user.id for user in context.availability.users.values() if user.admin]
            return _take_turn(target, admins, context)
        case _:  # pragma: no cover - the match above is exhaustive
            assert_never(target)


def _one_user(target: Target, user: str | None, availability: Availability) -> TraceStep:
    if user is None:
        return TraceStep(target, reason=SkipReason.NO_OWNER)
    return TraceStep(target, user=user, reason=availability.check(user))


def _take_turn(
    target: ChatGroupTarget | Admin, members: list[str] | tuple[str, ...], context: RoutingContext
) -> tuple[TraceStep, TurnRecord | None]:
    pool = target.label
    record = context.turns.get(pool) or TurnRecord(pool=pool)
    pick = round_robin(members, context.availability, record)
    if pick.user is None:
        step = TraceStep(target, reason=SkipReason.NO_MEMBER_AVAILABLE, skipped=pick.skipped)
        return step, None
    return TraceStep(target, user=pick.user, skipped=pick.skipped), pick.record
