"""
The waiting pass a rule at a time: which rules' queues a pass reads, and how far.

A pass (a tick's, after someone may have become available) reads each
routing rule's waits in its own queue, oldest first.  Whether a rule can
take anyone now is decided here, from the config and who is available,
before any of its waits is read: a rule whose targets do not depend on the
conversation (chat groups, admins, named users) and reach nobody available
is passed over; a rule with an owner target depends on each conversation's
owner, so its whole queue is read.  docs/routing.md, "Waiting
conversations", tells the rules.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterator, Mapping

import attrs

from convroute.engine._changes import Snapshot
from convroute.engine._compiled import Compiled
from convroute.model import User
from convroute.routing import (
    Admin,
    Availability,
    ChatGroupTarget,
    LeadOwner,
    OpportunityOwner,
    RoutingRule,
    SpecificUser,
)


@attrs.frozen
class RulePass:
    """
    One routing rule's part of a waiting pass.

    Attributes:
        rule: The rule's name: its waits are read, oldest first.
        by_owner: Whether the rule has an owner target, so that each
            conversation may reach someone else: its queue is read to the
            end, not only while a batch routes some.
    """

    rule: str
    by_owner: bool


def rule_passes(compiled: Compiled, snapshot: Snapshot, at: dt.datetime) -> tuple[RulePass, ...]:
    """
    The rules whose waits a pass at *at* reads, in the config's order.

    Those that can reach someone available now (by presence, activity,
    working hours and capacity), and those with an owner target.
    """
    users = compiled.all_users(snapshot.users)
    availability = Availability(
        users, snapshot.presence, snapshot.open_conversations, compiled.schedules, at
    )
    passes = []
    for rule in compiled.rules.values():
        by_owner = any(isinstance(t, OpportunityOwner | LeadOwner) for t in rule.targets)
        reachable = _reachable(compiled, users, rule)
        if by_owner or any(availability.check(user) is None for user in reachable):
            passes.append(RulePass(rule.name, by_owner))
    return tuple(passes)


def _reachable(compiled: Compiled, users: Mapping[str, User], rule: RoutingRule) -> Iterator[str]:
    # The users the rule's conversation-independent targets may pick.
    for target in rule.targets:
        match target:
            case ChatGroupTarget(group=name):
                group = compiled.groups.get(name)
                if group is not None:
                    yield from group.members
            case Admin():
                yield from (user.id for user in users.values() if user.admin)
            case SpecificUser(user=user):
                yield user
            case _:
                pass
