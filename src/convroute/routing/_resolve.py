"""
The resolver: walk a rule's targets until one yields an available person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeAlias

import attrs

from convroute._arguments import shown, wrong_type
from convroute.model import Lead, Opportunity
from convroute.routing._availability import Availability, SkipReason
from convroute.routing._explain import explain_step
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


class TraceStep(NamedTuple):
    """
    One target tried, and what came of it.

    A named tuple, so that a step unpacks as ``target, user, reason,
    skipped``.

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


TraceValues: TypeAlias = tuple[Target, str | None, SkipReason | None, tuple[Candidate, ...]]
"""
One trace step as plain values: target, user, reason and skipped (see `TraceStep`).
"""


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

    def trace_values(self) -> list[TraceValues]:
        """
        The trace as plain values: (target, user, reason, skipped) per step.
        """
        return [(step.target, step.user, step.reason, step.skipped) for step in self.trace]

    def explain(self, names: Mapping[str, str] | None = None) -> str:
        """
        The decision as readable lines: one per target tried, in order.

        Each line names the target as actions name it (``admin``,
        ``chat_group:Sales``, ``specific_user:u-meera``…), then who was
        picked or why the target was skipped, with the round-robin members
        passed over and why.  A decision that tried no target (there was
        no rule) explains itself as an empty string.

            >>> from convroute.model import User
            >>> users = {"u-asha": User("u-asha", "Asha", admin=True)}
            >>> context = RoutingContext(Availability(users, presence={"u-asha": False}))
            >>> rule = RoutingRule("fallback", (SpecificUser("u-meera"), Admin()))
            >>> print(resolve(rule, context).explain({"u-asha": "Asha"}))
            specific_user:u-meera: skipped, u-meera is an unknown user
            admin: skipped, no admin available (Asha (u-asha) unavailable)

        Args:
            names: Display names by user id, shown beside the ids; users
                missing here are shown by id alone.

        Returns:
            The lines, joined by line breaks (no break after the last).

        Raises:
            TypeError: When *names* is not a mapping of ids to ``str`` names.
        """
        display = {} if names is None else _display_names(names)
        return "\n".join(
            [
                explain_step(step.target, step.user, step.reason, step.skipped, display)
                for step in self.trace
            ]
        )


def _display_names(names: Mapping[str, str]) -> Mapping[str, str]:
    if not isinstance(names, Mapping):
        raise wrong_type("names", names, "a mapping of user ids to display names, or None")
    for user, name in names.items():
        if not isinstance(user, str):
            # Keyed by anything else, a name would never be shown, unsaid.
            raise TypeError(f"names' key {shown(user)} must be a user id (a str)")
        if not isinstance(name, str):
            raise wrong_type(f"names[{user!r}]", name, "a str")
    return names


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
    trace: list[TraceStep] = []
    for target in rule.targets:
        step, turn = _ATTEMPTS[type(target)](target, context)
        trace.append(step)
        if step.reason is None:
            return Decision(rule, step.user, target, tuple(trace), turn)
    return Decision(rule, None, None, tuple(trace), None)


_Outcome: TypeAlias = tuple[TraceStep, TurnRecord | None]
"""
What trying one target gives: its trace step, and the pool's new turn record
when a round robin picked.
"""

# Each attempt takes a target of its class and the context.
_Attempt: TypeAlias = Callable[[Any, RoutingContext], _Outcome]


def _try_opportunity_owner(target: OpportunityOwner, context: RoutingContext) -> _Outcome:
    opportunity = context.opportunity
    if opportunity is None:
        return TraceStep(target, None, _NO_OPPORTUNITY, ()), None
    return _one_user(target, opportunity.owner, context.availability)


def _try_lead_owner(target: LeadOwner, context: RoutingContext) -> _Outcome:
    lead = context.lead
    if lead is None:
        return TraceStep(target, None, _NO_LEAD, ()), None
    return _one_user(target, lead.owner, context.availability)


def _try_specific_user(target: SpecificUser, context: RoutingContext) -> _Outcome:
    return _one_user(target, target.user, context.availability)


def _try_chat_group(target: ChatGroupTarget, context: RoutingContext) -> _Outcome:
    group = context.groups.get(target.group)
    if group is None:
        return TraceStep(target, None, _UNKNOWN_GROUP, ()), None
    return _take_turn(target, group.members, context)


def _try_admin(target: Admin, context: RoutingContext) -> _Outcome:
    admins = tuple([user.id for user in context.availability.users.values() if user.admin])
    return _take_turn(target, admins, context)


# Enum members read once (see docs/performance.md, "How the hot paths are written").
_NO_OPPORTUNITY = SkipReason.NO_OPPORTUNITY
_NO_LEAD = SkipReason.NO_LEAD
_NO_OWNER = SkipReason.NO_OWNER
_UNKNOWN_GROUP = SkipReason.UNKNOWN_GROUP
_NO_MEMBER_AVAILABLE = SkipReason.NO_MEMBER_AVAILABLE


def _one_user(target: Target, user: str | None, availability: Availability) -> _Outcome:
    if user is None:
        return TraceStep(target, None, _NO_OWNER, ()), None
    return TraceStep(target, user, availability.check(user), ()), None


def _take_turn(
    target: ChatGroupTarget | Admin, members: tuple[str, ...], context: RoutingContext
) -> _Outcome:
    pool = target.label
    record = context.turns.get(pool)
    assigned = () if record is None else record.assigned
    user, new_record, skipped = pick_turn(members, context.availability, pool, assigned)
    if user is None:
        return TraceStep(target, None, _NO_MEMBER_AVAILABLE, skipped), None
    return TraceStep(target, user, None, skipped), new_record


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
