"""
``python -m bench tick``: `Service.tick` with many open conversations, few of them due.

A store holds many open conversations of a team of 200 users (without a
capacity: see `CAPACITY`): assigned ones, due a day on, and one in ten
waiting for a user who is inactive (their rule can never take them).  Of them 1 000 are due
at the tick: 900 whose assignee has not answered within ``reply_within``
(the others are available, so each is reassigned) and 100 over (no
message for ``conversation_timeout``: a slot freed).  Timed: one
`Service.tick`, which serves the due ones, 100 a unit of work, then (a
slot was freed) makes the waiting pass: reads the 100 oldest waits (routing
none), passes over the rule nobody can take without reading its queue,
reads the team rule's (empty) queue, and delivers the outbox as it does.
Between runs the 1 000 are made due again (not timed) and the next tick
is a minute later.

With 100 000 and then 1 000 000 open conversations, in `SQLiteStore` (a
file in a temporary folder) and `MemoryStore`, filled by saving the
conversations directly, 10 000 a unit of work.  The time should not grow
with the open conversations that are not due.
"""

from __future__ import annotations

import datetime as dt
import gc
import pathlib
import tempfile
import time

from collections.abc import Callable
from contextlib import AbstractContextManager

import attrs

from bench._timing import Timing, table
from bench._workload import NUMBER, START, memory_store, phone, sqlite_store
from convroute.adapters import SQLiteStore
from convroute.config import Config, loads_config
from convroute.ports import Store
from convroute.service import Service
from convroute.state import Conversation
from convroute.testing import RecordingTransport


RUNS = 3
# The team's capacity, or None.  With one, every unit of work counts the
# open conversations its users hold (to check the capacity), a count that
# grows with what they hold: docs/performance.md gives both.
CAPACITY: int | None = None
REASSIGNED = 900
EXPIRED = 100
DUE = REASSIGNED + EXPIRED
# The team the assigned conversations are shared by.
USERS = 200
# Saved in units of this many while the store is filled (not timed).
_FILL_UNIT = 10_000
_NOW = START + dt.timedelta(hours=12)
_TIMEOUT = dt.timedelta(hours=24)
_REPLY_WITHIN = dt.timedelta(minutes=15)


def account() -> Config:
    """
    A team of `USERS` users in one group, and a rule nobody can take.
    """
    capacity = "" if CAPACITY is None else f"max_open_conversations = {CAPACITY}\n"
    users = "".join(
        f'[[users]]\nid = "u-{index}"\nname = "User {index}"\n{capacity}' for index in range(USERS)
    )
    members = ", ".join(f'"u-{index}"' for index in range(USERS))
    return loads_config(
        users
        + f"""
[[users]]
id = "u-night"
name = "Night"
active = false

[[chat_groups]]
name = "Team"
members = [{members}]

[[routing_rules]]
name = "Desk"
targets = [{{ kind = "chat_group", group = "Team" }}]
reply_within = "15m"
reassign_when_away = "10m"

[[routing_rules]]
name = "Night"
targets = [{{ kind = "specific_user", user = "u-night" }}]

[[numbers]]
number = "{NUMBER}"
create_new_rule = "Desk"
"""
    )


def _user(index: int) -> str:
    """
    The assignee of the *index*-th conversation: one of `USERS`.
    """
    return f"u-{index % USERS}"


def _conversation(index: int, total: int) -> Conversation:
    """
    The *index*-th open conversation, not due: assigned and due a day on, or one in ten waiting.
    """
    seen = START + dt.timedelta(seconds=index * 40_000 / total)
    lead = phone(index)
    if index % 10 == 0:
        waiting = Conversation.unrouted(lead, NUMBER, seen, opportunity=None, rule="Night")
        return attrs.evolve(waiting, waiting_since=seen, due_at=seen + _TIMEOUT)
    assigned = Conversation.assigned(
        lead, NUMBER, seen, _user(index), opportunity=None, rule="Desk"
    )
    # Answered: only its expiry is ahead.
    return attrs.evolve(
        assigned, assigned_at=seen, reply_awaited_since=None, due_at=seen + _TIMEOUT
    )


def _due_now() -> list[Conversation]:
    """
    The first `DUE` conversations, due before `_NOW`: unanswered, then over.
    """
    due = []
    for index in range(DUE):
        if index < REASSIGNED:
            seen = _NOW - _REPLY_WITHIN - dt.timedelta(seconds=1 + (index * 7919) % 3600)
            due_at = seen + _REPLY_WITHIN
        else:
            seen = _NOW - _TIMEOUT - dt.timedelta(seconds=1 + index)
            due_at = seen + _TIMEOUT
        assigned = Conversation.assigned(
            phone(index), NUMBER, seen, _user(index), opportunity=None, rule="Desk"
        )
        due.append(attrs.evolve(assigned, assigned_at=seen, due_at=due_at))
    return due


def _fill(store: Store, total: int) -> None:
    for start in range(DUE, total, _FILL_UNIT):
        with store.unit_of_work() as uow:
            for index in range(start, min(start + _FILL_UNIT, total)):
                uow.conversations.save(_conversation(index, total))


def _make_due(store: Store, due: list[Conversation]) -> None:
    with store.unit_of_work() as uow:
        for conversation in due:
            uow.conversations.save(conversation)


def _check(kinds: list[str]) -> None:
    reassigned = kinds.count("reassign")
    if reassigned != REASSIGNED or len(kinds) != REASSIGNED:
        raise RuntimeError(f"the tick wrote {len(kinds)} actions, {reassigned} reassignments")


def _time(stores: AbstractContextManager[Store], total: int) -> Timing:
    due = _due_now()
    runs = []
    with stores as store:
        _fill(store, total)
        service = Service(account(), store, RecordingTransport(), clock=lambda: _NOW)
        for run in range(RUNS + 1):
            _make_due(store, due)
            gc.collect()
            start = time.perf_counter()
            report = service.tick(_NOW + dt.timedelta(minutes=run))
            seconds = time.perf_counter() - start
            _check([item.type for item in report.actions])
            if run:
                runs.append(seconds)
    return Timing(runs=tuple(runs), items=DUE)


def profile(quick: bool) -> Callable[[], None]:
    """
    The work ``--profile`` profiles: `RUNS` ticks on SQLite, the store filled beforehand.

    Args:
        quick: 100 000 open conversations rather than 1 000 000.
    """
    total = 100_000 if quick else 1_000_000
    folder = tempfile.mkdtemp()
    store = SQLiteStore(pathlib.Path(folder) / "convroute.db")
    _fill(store, total)
    service = Service(account(), store, RecordingTransport(), clock=lambda: _NOW)
    due = _due_now()

    def ticks() -> None:
        for run in range(RUNS):
            _make_due(store, due)
            report = service.tick(_NOW + dt.timedelta(minutes=run))
            _check([item.type for item in report.actions])

    return ticks


def main(quick: bool) -> None:
    """
    Time one tick of each store at each size; print the medians and the ratio of the sizes.
    """
    sizes = (10_000, 100_000) if quick else (100_000, 1_000_000)
    medians: dict[tuple[str, int], float] = {}
    for total in sizes:
        for name, stores in (("SQLiteStore", sqlite_store), ("MemoryStore", memory_store)):
            medians[name, total] = _time(stores(), total).median
    small, large = sizes
    rows = [
        (
            name,
            f"{medians[name, small] * 1e3:.0f}",
            f"{medians[name, large] * 1e3:.0f}",
            f"{medians[name, large] / medians[name, small]:.2f}",
        )
        for name in ("SQLiteStore", "MemoryStore")
    ]
    print()
    print(
        f"## tick: Service.tick with {DUE:,} due ({REASSIGNED} reassigned, {EXPIRED} over), "
        f"medians of {RUNS}"
    )
    print()
    print(
        table(
            ["store", f"ms, {small:,} open", f"ms, {large:,} open", f"ratio {large:,} / {small:,}"],
            rows,
        )
    )
