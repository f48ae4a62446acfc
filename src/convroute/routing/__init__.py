"""
Routing: who gets a conversation.

A `RoutingRule` lists targets, the default first and then its fallbacks;
`resolve` walks them over a `RoutingContext` snapshot and returns a
`Decision` that explains itself.  Pure: no I/O, no clock.
"""

from convroute.routing._availability import Availability, SkipReason
from convroute.routing._resolve import Decision, RoutingContext, TraceStep, resolve
from convroute.routing._round_robin import Candidate, RoundRobinPick, TurnRecord, round_robin
from convroute.routing._rules import (
    TARGET_KINDS,
    Admin,
    ChatGroup,
    ChatGroupTarget,
    LeadOwner,
    OpportunityOwner,
    RoutingRule,
    SpecificUser,
    Target,
)


__all__ = [
    "TARGET_KINDS",
    "Admin",
    "Availability",
    "Candidate",
    "ChatGroup",
    "ChatGroupTarget",
    "Decision",
    "LeadOwner",
    "OpportunityOwner",
    "RoundRobinPick",
    "RoutingContext",
    "RoutingRule",
    "SkipReason",
    "SpecificUser",
    "Target",
    "TraceStep",
    "TurnRecord",
    "resolve",
    "round_robin",
]
