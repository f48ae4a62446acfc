"""
A routing decision read back from the trace a routing action carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from convroute.routing import (
    Admin,
    Candidate,
    ChatGroupTarget,
    Decision,
    LeadOwner,
    OpportunityOwner,
    RoutingRule,
    SkipReason,
    SpecificUser,
    Target,
    TraceStep,
)


def decision_of(body: Mapping[str, Any], rules: Mapping[str, RoutingRule]) -> Decision:
    """
    The decision a routing action (``assign``, ``unrouted``…) reports.

    Args:
        body: The action's JSON form, with its ``rule`` and ``trace``.
        rules: The config's rules by name; a rule no longer there leaves
            the decision's `Decision.rule` empty.

    Returns:
        The decision, its trace step by step as the action gave it.
    """
    trace = tuple([_step(entry) for entry in body["trace"]])
    picked = trace[-1] if trace and trace[-1].reason is None else None
    rule = body.get("rule")
    return Decision(
        None if rule is None else rules.get(rule),
        None if picked is None else picked.user,
        None if picked is None else picked.target,
        trace,
    )


def _target(label: str) -> Target:
    # The inverse of the targets' labels, as actions carry them.
    kind, _, name = label.partition(":")
    if kind == ChatGroupTarget.kind:
        return ChatGroupTarget(name)
    if kind == SpecificUser.kind:
        return SpecificUser(name)
    plain: dict[str, Target] = {
        Admin.kind: Admin(),
        OpportunityOwner.kind: OpportunityOwner(),
        LeadOwner.kind: LeadOwner(),
    }
    return plain[kind]


def _step(entry: Mapping[str, Any]) -> TraceStep:
    reason = entry.get("reason")
    return TraceStep(
        _target(entry["target"]),
        entry.get("user"),
        None if reason is None else SkipReason(reason),
        tuple([Candidate(c["user"], SkipReason(c["reason"])) for c in entry.get("skipped", ())]),
    )
