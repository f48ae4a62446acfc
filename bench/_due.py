"""
``python -m bench due``: the store's share of a tick, finding and saving due work.

A store holds many open conversations (assigned to one of 200 users, each
due when it expires, a day on; one in ten unrouted, waiting with no due
time) of which 1 000 are due now.  Timed: what a tick asks of the store, in units of work of 100
conversations as `Service.tick` runs them, until none is due: `due(now,
100)`, then each conversation saved again with its next due time (a day
on).  Between runs the 1 000 are made due again (not timed).

With 100 000 and then 1 000 000 open conversations, in `SQLiteStore` (a
file in a temporary folder) and `MemoryStore`: the due conversations are
found through the store's index on the due time, so the time should hardly
grow with the conversations that are not due.  The engine's share of a
tick is measured elsewhere.
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from contextlib import AbstractContextManager

import attrs

from bench._timing import Timing, table
from bench._workload import NUMBER, START, memory_store, phone, sqlite_store
from convroute.ports import Store
from convroute.state import Conversation


RUNS = 5
DUE = 1_000
BATCH = 100
# The team the assigned conversations are shared by.
USERS = 200
# Saved in units of this many while the store is filled (not timed).
_FILL_UNIT = 10_000
_NOW = START + dt.timedelta(hours=12)
_NEXT = _NOW + dt.timedelta(days=1)


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
        waiting = Conversation.unrouted(lead, NUMBER, seen, opportunity=None, rule="Desk")
        return attrs.evolve(waiting, waiting_since=seen)
    assigned = Conversation.assigned(
        lead, NUMBER, seen, _user(index), opportunity=None, rule="Desk"
    )
    return attrs.evolve(assigned, assigned_at=seen, due_at=seen + dt.timedelta(days=1))


def _due_now(total: int) -> list[Conversation]:
    """
    The first `DUE` conversations, assigned and due before now, not in their leads' order.
    """
    due = []
    for index in range(DUE):
        seen = START + dt.timedelta(seconds=index * 40_000 / total)
        assigned = Conversation.assigned(
            phone(index), NUMBER, seen, _user(index), opportunity=None, rule="Desk"
        )
        at = _NOW - dt.timedelta(seconds=(index * 7919) % 3600)
        due.append(attrs.evolve(assigned, assigned_at=seen, due_at=at))
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


def _drain(store: Store) -> int:
    """
    Take every due conversation, `BATCH` a unit, saving each with its next due time.
    """
    served = 0
    while True:
        with store.unit_of_work() as uow:
            batch = uow.conversations.due(_NOW, BATCH)
            for conversation in batch:
                uow.conversations.save(attrs.evolve(conversation, due_at=_NEXT))
        served += len(batch)
        if len(batch) < BATCH:
            return served


def _time(stores: AbstractContextManager[Store], total: int) -> Timing:
    due = _due_now(total)
    runs = []
    with stores as store:
        _fill(store, total)
        for run in range(RUNS + 1):
            _make_due(store, due)
            gc.collect()
            start = time.perf_counter()
            served = _drain(store)
            seconds = time.perf_counter() - start
            if served != DUE:
                raise RuntimeError(f"{served} conversations were due, not {DUE}")
            if run:
                runs.append(seconds)
    return Timing(runs=tuple(runs), items=DUE)


def main(quick: bool) -> None:
    """
    Time draining the due conversations of each store at each size; print the medians.
    """
    sizes = (10_000, 100_000) if quick else (100_000, 1_000_000)
    rows = []
    for total in sizes:
        for name, stores in (("SQLiteStore", sqlite_store), ("MemoryStore", memory_store)):
            timing = _time(stores(), total)
            rows.append(
                (
                    f"{name}, {total:,} open",
                    f"{timing.median * 1e3:.1f}",
                    f"{timing.median * 1e6 / DUE:.0f}",
                )
            )
    print()
    print(
        f"## due: {DUE:,} due conversations taken and saved again, {BATCH} a unit of work, "
        f"medians of {RUNS}"
    )
    print()
    print(table(["store, conversations", "ms for all due", "µs/conversation"], rows))
