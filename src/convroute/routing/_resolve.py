"""
The resolver: walk a rule's targets until one yields an available person.
"""

from __future__ import annotations

import functools

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs

from convroute.model import Lead, Opportunity
from convroute.routing._availability import Availability, SkipReason
from convroute.routing._round_robin import Candidate, TurnRecord, pick_turn
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


TraceValues: TypeAlias = tuple[Target, str | None, SkipReason | None, tuple[Candidate, ...]]
"""
One trace step as plain values: target, user, reason and skipped (see `TraceStep`).
"""


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


class _TraceOnDemand:
    # The base of `Decision` that holds the trace as `resolve` found it,
    # plain tuples, and makes its `TraceStep` values the first time `trace`
    # is read: most decisions are acted on by who was assigned, and a
    # frozen value costs more to make than the rest of a step.  The slot is
    # no attrs field, so equality, hashing, repr, `attrs.evolve` and
    # `attrs.asdict` see the public fields only, each reading `trace`.
    __slots__ = ("_steps",)

    if not TYPE_CHECKING:  # mypy would take any attribute for a trace

        def __getattr__(self, name: str) -> tuple[TraceStep, ...]:
            # Called only when an attribute is missing: `trace`, when
            # `resolve` left it to be made from `_steps`.
            if name != "trace":
                message = f"{type(self).__name__!r} object has no attribute {name!r}"
                raise AttributeError(message, name=name, obj=self)
            trace = tuple(
                [
                    TraceStep(target, user, reason, skipped)
                    for target, user, reason, skipped, _ in self._steps
                ]
            )
            object.__setattr__(self, "trace", trace)
            return trace

    def trace_values(self) -> list[TraceValues]:
        """
        The trace as plain values: (target, user, reason, skipped) per step.

        The same steps as `Decision.trace`, for a caller that turns each
        into a value of its own (an action's trace): a decision `resolve`
        made gives them without making its `TraceStep` values first.
        """
        try:
            steps: list[_Step] = object.__getattribute__(self, "_steps")
        except AttributeError:  # made by hand: its trace was given
            trace: tuple[TraceStep, ...] = object.__getattribute__(self, "trace")
            return [(step.target, step.user, step.reason, step.skipped) for step in trace]
        return [(target, user, reason, skipped) for target, user, reason, skipped, _ in steps]


@attrs.frozen
class Decision(_TraceOnDemand):
    """
    Who gets a conversation, and why.

    An unrouted decision (no assignee) is a normal outcome, not an error.

    Attributes:
        rule: The rule that was walked; ``None`` when there was none to walk.
        assignee: The user id assigned, or ``None`` when unrouted.
        target: The target that assigned, or ``None`` when unrouted.
        trace: One step per target tried, in order.  A decision made by
            `resolve` makes its steps when `trace` is first read.
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
    steps: list[_Step] = []
    for target, label in zip(rule.targets, rule.labels, strict=True):
        step = _ATTEMPTS[type(target)](target, label, context)
        steps.append(step)
        if step[2] is None:
            return _decision(rule, step[1], target, step[4], steps)
    return _decision(rule, None, None, None, steps)


_Step: TypeAlias = tuple[
    Target, str | None, SkipReason | None, tuple[Candidate, ...], TurnRecord | None
]
"""
A trace step as plain values: target, user, reason, skipped, and the pool's
new turn record when a round robin picked.
"""

# Each attempt takes a target of its class, the target's label (the pool of
# a round robin) and the context.
_Attempt: TypeAlias = Callable[[Any, str, RoutingContext], _Step]


def _decision(
    rule: RoutingRule,
    assignee: str | None,
    target: Target | None,
    turn: TurnRecord | None,
    steps: list[_Step],
) -> Decision:
    # The fields set one by one, leaving `trace` to be made when read: the
    # values are resolve's own, and attrs' __init__ would ask for the trace.
    decision = _new(Decision)
    _set(decision, "rule", rule)
    _set(decision, "assignee", assignee)
    _set(decision, "target", target)
    _set(decision, "turn", turn)
    _set(decision, "_steps", steps)
    return decision


_new = object.__new__
_set = object.__setattr__


def _try_opportunity_owner(target: OpportunityOwner, _pool: str, context: RoutingContext) -> _Step:
    opportunity = context.opportunity
    if opportunity is None:
        return target, None, _NO_OPPORTUNITY, (), None
    return _one_user(target, opportunity.owner, context.availability)


def _try_lead_owner(target: LeadOwner, _pool: str, context: RoutingContext) -> _Step:
    lead = context.lead
    if lead is None:
        return target, None, _NO_LEAD, (), None
    return _one_user(target, lead.owner, context.availability)


def _try_specific_user(target: SpecificUser, _pool: str, context: RoutingContext) -> _Step:
    return _one_user(target, target.user, context.availability)


def _try_chat_group(target: ChatGroupTarget, pool: str, context: RoutingContext) -> _Step:
    group = context.groups.get(target.group)
    if group is None:
        return target, None, _UNKNOWN_GROUP, (), None
    return _take_turn(target, pool, group.members, context)


def _try_admin(target: Admin, pool: str, context: RoutingContext) -> _Step:
    admins = tuple([user.id for user in context.availability.users.values() if user.admin])
    return _take_turn(target, pool, admins, context)


# Enum members looked up once: reading one from its class costs more than
# a global.
_NO_OPPORTUNITY = SkipReason.NO_OPPORTUNITY
_NO_LEAD = SkipReason.NO_LEAD
_NO_OWNER = SkipReason.NO_OWNER
_UNKNOWN_GROUP = SkipReason.UNKNOWN_GROUP
_NO_MEMBER_AVAILABLE = SkipReason.NO_MEMBER_AVAILABLE


def _one_user(target: Target, user: str | None, availability: Availability) -> _Step:
    if user is None:
        return target, None, _NO_OWNER, (), None
    return target, user, availability.check(user), (), None


def _take_turn(
    target: ChatGroupTarget | Admin,
    pool: str,
    members: tuple[str, ...],
    context: RoutingContext,
) -> _Step:
    record = context.turns.get(pool) or _empty_record(pool)
    user, new_record, skipped = pick_turn(members, context.availability, record)
    if user is None:
        return target, None, _NO_MEMBER_AVAILABLE, skipped, None
    return target, user, None, skipped, new_record


_ATTEMPTS: dict[type[Target], _Attempt] = {
    OpportunityOwner: _try_opportunity_owner,
    LeadOwner: _try_lead_owner,
    SpecificUser: _try_specific_user,
    ChatGroupTarget: _try_chat_group,
    Admin: _try_admin,
}
"""
The attempt of each target class.
"""


# Cached: a pool that never assigned anybody is asked for its empty record
# with every message it routes.
_empty_record = functools.lru_cache(maxsize=256)(TurnRecord)
