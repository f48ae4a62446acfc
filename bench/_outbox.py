"""
``python -m bench outbox``: a new message's `handle()` behind a failing backlog.

The intake of new messages must not slow down when the host's transport
is failing: `Service.handle` delivers only the actions of the event it
handled, and leaves the backlog to `dispatch_pending`.  Each run times
`handle()` of new leads' first messages (a menu sent to each, some entering
the funnel), one unit of work and one delivery each, on a fresh store:
either with an empty outbox, or behind 1 000 pending items whose
deliveries failed and whose next attempt is due (the worst case: a claim
that took whatever is due would take them all).  The two are run
alternately, in one process, and compared as the ratio of their medians.
Target (docs/performance.md): within 10 % of the empty outbox's time.
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from collections.abc import Callable
from contextlib import AbstractContextManager

from bench._timing import Timing, table
from bench._workload import NUMBER, START, account, first_text, memory_store, phone, sqlite_store
from convroute.engine import Engine, IncomingMessage
from convroute.ports import Store
from convroute.service import Service
from convroute.state import OutboxItem
from convroute.testing import RecordingTransport


TARGET = 1.10
RUNS = 7
BACKLOG = 1_000
NOW = START + dt.timedelta(days=1)


def _fill(store: Store) -> None:
    # BACKLOG items that failed once, due again an hour ago.
    created = NOW - dt.timedelta(hours=2)
    items = [
        OutboxItem(
            f"backlog-{index}",
            f"wamid.backlog.{index}",
            "send",
            {"type": "send", "event": f"wamid.backlog.{index}", "message": {"type": "text"}},
            created,
        )
        for index in range(BACKLOG)
    ]
    with store.unit_of_work() as uow:
        uow.outbox.add(items)
        for item in items:
            uow.outbox.release(item.id, "TimeoutError: the CRM did not answer", created)


def _messages(count: int, offset: int) -> list[IncomingMessage]:
    return [
        IncomingMessage(
            id=f"wamid.new.{offset + index}",
            at=NOW,
            lead=phone(offset + index),
            number=NUMBER,
            text=first_text(offset + index),
        )
        for index in range(count)
    ]


def _run(
    engine: Engine,
    stores: Callable[[], AbstractContextManager[Store]],
    messages: list[IncomingMessage],
    *,
    backlog: bool,
) -> float:
    # Seconds to handle *messages*, one by one, on a fresh store.
    with stores() as store:
        transport = RecordingTransport(fail=lambda item: item.id.startswith("backlog-"))
        service = Service(engine, store, transport, clock=lambda: NOW)
        if backlog:
            _fill(store)
        gc.collect()
        start = time.perf_counter()
        for message in messages:
            service.handle(message)
        seconds = time.perf_counter() - start
        if transport.failed or len(transport.sent) < len(messages):
            raise RuntimeError("handle() delivered what it should not have, or too little")
    return seconds


def _compare(
    engine: Engine, stores: Callable[[], AbstractContextManager[Store]], count: int
) -> tuple[Timing, Timing]:
    messages = _messages(count, 0)
    empty, behind = [], []
    # A warm-up of each, then the two alternately: drift on a noisy machine
    # falls on both.
    _run(engine, stores, messages, backlog=False)
    _run(engine, stores, messages, backlog=True)
    for _ in range(RUNS):
        empty.append(_run(engine, stores, messages, backlog=False))
        behind.append(_run(engine, stores, messages, backlog=True))
    return Timing(tuple(empty), count), Timing(tuple(behind), count)


def main(quick: bool) -> None:
    """
    Time handle() with an empty outbox and behind the backlog; print medians and ratios.
    """
    engine = Engine.from_config(account())
    count = 100 if quick else 500
    rows = []
    met = True
    for name, stores in (("SQLiteStore", sqlite_store), ("MemoryStore", memory_store)):
        empty, behind = _compare(engine, stores, count)
        ratio = behind.median / empty.median
        met = met and ratio <= TARGET
        rows.append(
            (
                name,
                f"{empty.median * 1e6 / count:.0f}",
                f"{behind.median * 1e6 / count:.0f}",
                f"{ratio:.3f}",
            )
        )
    print()
    print(
        f"## outbox: handle() of {count:,} new messages, empty outbox vs behind "
        f"{BACKLOG:,} failing items due, medians of {RUNS}"
    )
    print(f"target ratio ≤ {TARGET:.2f}: {'met' if met else 'NOT met'}")
    print()
    print(table(["store", "µs/event, empty", "µs/event, behind 1 000", "ratio"], rows))
