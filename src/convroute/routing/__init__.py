"""
Routing: who gets a conversation.

A `RoutingRule` lists targets, the default first and then its fallbacks;
`resolve` walks them over a `RoutingContext` snapshot and returns a
`Decision` that explains itself.  A `Schedule` says when a user works.
A `Router` routes from code, keeping turn records and open counts itself.
Pure: no I/O, no clock.
"""

from convroute.routing._availability import Availability, SkipReason
from convroute.routing._check import RoutingCheck
from convroute.routing._hours import Interval, Weekday
from convroute.routing._resolve import Decision, RoutingContext, TraceStep, resolve
from convroute.routing._round_robin import Candidate, RoundRobinPick, TurnRecord, round_robin
from convroute.routing._router import Router
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
from convroute.routing._schedule import Schedule


__all__ = [
    "TARGET_KINDS",
    "Admin",
    "Availability",
    "Candidate",
    "ChatGroup",
    "ChatGroupTarget",
    "Decision",
    "Interval",
    "LeadOwner",
    "OpportunityOwner",
    "RoundRobinPick",
    "Router",
    "RoutingCheck",
    "RoutingContext",
    "RoutingRule",
    "Schedule",
    "SkipReason",
    "SpecificUser",
    "Target",
    "TraceStep",
    "TurnRecord",
    "Weekday",
    "resolve",
    "round_robin",
]
