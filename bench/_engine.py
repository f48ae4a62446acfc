"""
``python -m bench engine``: `Engine.decide` for one incoming message, in memory.

The account and the leads are `bench._workload`'s.  Four kinds of message,
each over a snapshot prepared beforehand, so that only `Engine.decide` is
timed:

- *first message*: a lead's first message, one in three with the trigger
  phrase (the lead enters the funnel), and the first menu is sent;
- *tap → create + assign*: the lead taps a product it has no opportunity
  for: one is created and routed round robin;
- *open conversation*: a message in a conversation assigned a minute ago;
- *second menu*: the lead, with three matching enquiries, taps the
  product: the second menu is sent.

The mix is the four in turn, each message from its own lead.  Target
(docs/performance.md): at least 20 000 events/s.
"""

from __future__ import annotations

import datetime as dt
import functools
import random

from collections.abc import Callable

import attrs

from bench._timing import measure, table
from bench._workload import (
    AI,
    FIRST_NAMES,
    NUMBER,
    SEED,
    START,
    account,
    enquiries,
    first_text,
    phone,
)
from convroute.engine import (
    AddTransition,
    Engine,
    IncomingMessage,
    SaveConversation,
    Snapshot,
)
from convroute.model import Lead, Opportunity
from convroute.state import Conversation


TARGET = 20_000

Case = tuple[Snapshot, IncomingMessage]
"""
One message and the snapshot it is decided over.
"""


def _message(index: int, at: dt.datetime, **fields: str) -> IncomingMessage:
    return IncomingMessage(id=f"wamid.{index}", at=at, lead=phone(index), number=NUMBER, **fields)


def _first(rng: random.Random, index: int) -> Case:
    name = rng.choice(FIRST_NAMES)
    return Snapshot(), _message(index, START, text=first_text(index), name=name)


def _menu_snapshot(
    engine: Engine, rng: random.Random, index: int, opportunities: tuple[Opportunity, ...] = ()
) -> Snapshot:
    """
    The state after the lead's first message: the first menu is pending.
    """
    _, first = _first(rng, index)
    lead = Lead(phone=first.lead, name=first.name or "")
    snapshot = Snapshot(lead=lead, opportunities=opportunities)
    outcome = engine.decide(snapshot, first, now=START)
    [conversation] = [c.conversation for c in outcome.changes if isinstance(c, SaveConversation)]
    records = [c.transition for c in outcome.changes if isinstance(c, AddTransition)]
    return attrs.evolve(snapshot, conversation=conversation, records=records)


def _tap(engine: Engine, rng: random.Random, index: int) -> Case:
    snapshot = _menu_snapshot(engine, rng, index)
    at = START + dt.timedelta(minutes=1)
    return snapshot, _message(index, at, reply_id=AI)


def _open(rng: random.Random, index: int) -> Case:
    lead = Lead(phone=phone(index), name=rng.choice(FIRST_NAMES))
    conversation = Conversation(
        lead=lead.phone,
        number=NUMBER,
        status="assigned",
        last_message_at=START,
        assignee="u-ben",
        rule="AI desk",
    )
    at = START + dt.timedelta(minutes=1)
    return Snapshot(lead=lead, conversation=conversation), _message(
        index, at, text="When does the next batch start?"
    )


def _second(engine: Engine, rng: random.Random, index: int) -> Case:
    opportunities = enquiries(index, ("u-asha", "u-ben", None))
    snapshot = _menu_snapshot(engine, rng, index, opportunities=opportunities)
    at = START + dt.timedelta(minutes=1)
    return snapshot, _message(index, at, reply_id=AI)


def cases(engine: Engine, count: int, seed: int = SEED) -> dict[str, list[Case]]:
    """
    *count* messages of each kind, each from its own lead.
    """
    rng = random.Random(seed)
    kinds: dict[str, list[Case]] = {
        "first message → first menu": [],
        "tap → create + assign": [],
        "message in an open conversation": [],
        "tap → second menu": [],
    }
    makers: tuple[Callable[[int], Case], ...] = (
        lambda i: _first(rng, i),
        lambda i: _tap(engine, rng, i),
        lambda i: _open(rng, i),
        lambda i: _second(engine, rng, i),
    )
    for n in range(count):
        for position, (cases_of_kind, make) in enumerate(zip(kinds.values(), makers, strict=True)):
            cases_of_kind.append(make(4 * n + position))
    return kinds


def _check(engine: Engine, kinds: dict[str, list[Case]]) -> None:
    # The scenarios do what they say, or the figures mean nothing.
    expected = {
        "first message → first menu": {"send"},
        "tap → create + assign": {"create_opportunity", "assign"},
        "message in an open conversation": set(),
        "tap → second menu": {"send"},
    }
    for name, kind_cases in kinds.items():
        for snapshot, message in kind_cases[:8]:
            outcome = engine.decide(snapshot, message, now=message.at)
            found = {action.to_json()["type"] for action in outcome.actions} - {
                "enter_funnel",
                "meta_event",
            }
            if found != expected[name]:
                raise RuntimeError(f"{name}: {found} ({outcome.notes})")


def main(quick: bool) -> None:
    """
    Time `Engine.decide` per kind of message and for the mix; print medians.
    """
    engine = Engine.from_config(account())
    count = 500 if quick else 5_000
    kinds = cases(engine, count)
    _check(engine, kinds)
    decide = engine.decide

    def run(some: list[Case]) -> None:
        # Each outcome is dropped once made, as the service drops it once
        # stored: keeping them all would leave the garbage collector more
        # to walk with every message than a running service has.
        for snapshot, message in some:
            decide(snapshot, message, now=message.at)

    rows = []
    for name, kind_cases in kinds.items():
        timing = measure(functools.partial(run, kind_cases), items=len(kind_cases))
        rows.append((name, f"{timing.median * 1e6 / count:.1f}", f"{timing.rate:,.0f}"))
    mix = [case for group in zip(*kinds.values(), strict=True) for case in group]
    timing = measure(lambda: run(mix), items=len(mix))
    rows.append(("mix of the four", f"{timing.median * 1e6 / len(mix):.1f}", f"{timing.rate:,.0f}"))
    print()
    print(f"## engine: Engine.decide() of one incoming message, {len(mix):,} a run, medians of 5")
    print(f"target ≥ {TARGET:,}/s: {'met' if timing.rate >= TARGET else 'NOT met'}")
    print()
    print(table(["message", "µs/event", "events/s"], rows))
