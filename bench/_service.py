"""
``python -m bench service``: the service over a store, one event a unit of work.

The generated conversations of `bench._workload.conversations` on the
worked example's account, every event in its own unit of work, through
`Service.process` (the outbox is left for a dispatcher) and through
`Service.handle` (which also delivers the outbox to a `RecordingTransport`
after each event).  Per lead:

- three in four leads: a first message (the first menu; one in three with
  the trigger phrase, entering the funnel), a tap on a product (an
  opportunity is created and assigned), and a message in the now open
  conversation;
- one in four leads, known to the CRM with three enquiries beforehand
  (`UpdateLead`, not timed): a first message, a tap on a product (the
  second menu) and a tap on an enquiry (assigned to its owner).

The events of all leads are interleaved in time.  Each run starts from a
fresh store.  Target (docs/performance.md): at least 2 000 events/s with
SQLite.
"""

from __future__ import annotations

import datetime as dt
import gc
import time

from collections.abc import Callable
from contextlib import AbstractContextManager

from bench._timing import Timing, table
from bench._workload import START, account, conversations, memory_store, sqlite_store
from convroute.engine import Engine, Event, IncomingMessage
from convroute.ports import Store
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport


TARGET = 2_000
RUNS = 5


def _time(
    engine: Engine,
    stores: Callable[[], AbstractContextManager[Store]],
    setup: list[Event],
    events: list[Event],
    *,
    dispatch: bool,
) -> Timing:
    """
    Time the events over a fresh store, one warm-up run and `RUNS` timed.
    """
    clock_at = START + dt.timedelta(days=1)
    runs = []
    for run in range(RUNS + 1):
        with stores() as store:
            transport = RecordingTransport()
            service = Service(engine, store, transport, clock=lambda: clock_at)
            for update in setup:
                service.process(update)
            work = service.handle if dispatch else service.process
            gc.collect()
            start = time.perf_counter()
            for event in events:
                work(event)
            seconds = time.perf_counter() - start
            if dispatch and not transport.sent:
                raise RuntimeError("nothing was delivered")
        if run:
            runs.append(seconds)
    return Timing(runs=tuple(runs), items=len(events))


def _check(engine: Engine, setup: list[Event], events: list[Event]) -> None:
    # The conversations go where they should, or the figures mean nothing.
    transport = RecordingTransport()
    # A day on, as the timed runs: the service refuses events dated after its clock.
    service = Service(engine, MemoryStore(), transport, clock=lambda: START + dt.timedelta(days=1))
    for update in setup:
        service.process(update)
    kinds: dict[str, int] = {}
    for event in events:
        for item in service.handle(event).actions:
            kinds[item.type] = kinds.get(item.type, 0) + 1
    leads = len({event.lead for event in events if isinstance(event, IncomingMessage)})
    if (kinds.get("assign"), kinds.get("send")) != (leads, leads + len(setup)):
        raise RuntimeError(f"the conversations did not go as planned: {kinds}")


def main(quick: bool) -> None:
    """
    Time the service on SQLite and in memory; print the medians.
    """
    engine = Engine.from_config(account())
    leads = 200 if quick else 2_000
    setup, events = conversations(leads)
    _check(engine, setup, events)
    rows = []
    rates = {}
    for store_name, stores in (("SQLiteStore", sqlite_store), ("MemoryStore", memory_store)):
        for how, dispatch in (("process", False), ("handle (+ dispatch)", True)):
            timing = _time(engine, stores, setup, events, dispatch=dispatch)
            rates[store_name, dispatch] = timing.rate
            rows.append(
                (
                    f"{store_name}, {how}",
                    f"{timing.median * 1e6 / len(events):.0f}",
                    f"{timing.rate:,.0f}",
                )
            )
    met = rates["SQLiteStore", False] >= TARGET
    print()
    print(
        f"## service: {len(events):,} events of {leads:,} leads a run, "
        f"one unit of work an event, medians of {RUNS}"
    )
    print(f"target ≥ {TARGET:,}/s with SQLite (process): {'met' if met else 'NOT met'}")
    print()
    print(table(["store, entry point", "µs/event", "events/s"], rows))
