"""
``python -m bench routing``: `resolve` of a 4-target rule, in memory.

Three scenarios, each with its `RoutingContext` built once: the owner is
available (the first target assigns); the owner is away, so the chat group
assigns round robin (its first two members away too); the owner and the
whole group are away, so an admin takes it.  The mix runs the three in
turn.  Target (docs/performance.md): at least 200 000 decisions/s.
"""

from __future__ import annotations

import functools
import random

from bench._timing import measure, table
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import (
    Admin,
    Availability,
    ChatGroup,
    ChatGroupTarget,
    LeadOwner,
    OpportunityOwner,
    RoutingContext,
    RoutingRule,
    TurnRecord,
    resolve,
)


TARGET = 200_000
SEED = 20261102


def _rule() -> RoutingRule:
    return RoutingRule(
        name="AI desk",
        targets=(OpportunityOwner(), ChatGroupTarget("AI counsellors"), LeadOwner(), Admin()),
    )


def _contexts(rng: random.Random) -> dict[str, RoutingContext]:
    """
    The three scenarios' contexts: a team of 12 users, 4 in the group, 2 admins.
    """
    users = {
        f"u-{index:02d}": User(
            id=f"u-{index:02d}",
            name=f"User {index}",
            admin=index >= 10,
            max_open_conversations=rng.choice((None, 25, 50)),
        )
        for index in range(12)
    }
    members = tuple(f"u-{index:02d}" for index in range(4))
    group = ChatGroup(name="AI counsellors", members=members)
    # Every member was assigned before; u-00 has waited longest.
    turns = {"chat_group:AI counsellors": TurnRecord("chat_group:AI counsellors", members)}
    owner, lead_owner = "u-06", "u-07"
    lead = Lead(phone=Phone("919800000001"), name="Ravi Kumar", owner=lead_owner)
    opportunity = Opportunity(id="opp-1", type="Postgraduate Course", name="PG AI", owner=owner)
    open_conversations = {user: rng.randrange(0, 20) for user in users}
    away = {members[0]: False}  # whose turn it is, is away

    def context(presence: dict[str, bool]) -> RoutingContext:
        availability = Availability(
            users=users, presence=presence, open_conversations=open_conversations
        )
        return RoutingContext(
            availability=availability,
            groups={group.name: group},
            turns=turns,
            lead=lead,
            opportunity=opportunity,
        )

    nobody = dict.fromkeys((*members, owner, lead_owner), False)
    return {
        "owner available": context(away),
        "owner away → group round robin": context({**away, owner: False}),
        "group exhausted → admin": context(nobody),
    }


def main(quick: bool) -> None:
    """
    Time `resolve` per scenario and for the mix; print the medians.
    """
    rng = random.Random(SEED)
    rule = _rule()
    contexts = _contexts(rng)
    decisions = 20_000 if quick else 200_000

    def run(some: list[RoutingContext]) -> None:
        # Each decision is dropped once made, as a caller drops it once
        # acted on.
        for context in some:
            resolve(rule, context)

    rows = []
    expected = {
        "owner available": "u-06",
        "owner away → group round robin": "u-01",
        "group exhausted → admin": "u-10",
    }
    for name, context in contexts.items():
        decision = resolve(rule, context)
        if decision.assignee != expected[name]:
            raise RuntimeError(f"{name}: {decision}")
        timing = measure(functools.partial(run, [context] * decisions), items=decisions)
        rows.append((name, f"{timing.median * 1e6 / decisions:.2f}", f"{timing.rate:,.0f}"))
    mix = list(contexts.values()) * (decisions // 3)
    timing = measure(lambda: run(mix), items=len(mix))
    rows.append(
        ("mix of the three", f"{timing.median * 1e6 / len(mix):.2f}", f"{timing.rate:,.0f}")
    )
    print()
    print(f"## routing: resolve() of a 4-target rule, {decisions:,} decisions a run, medians of 5")
    print(f"target ≥ {TARGET:,}/s: {'met' if timing.rate >= TARGET else 'NOT met'}")
    print()
    print(table(["scenario", "µs/decision", "decisions/s"], rows))
