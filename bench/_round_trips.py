"""
``python -m bench roundtrips``: what one PostgreSQL worker's event costs, and where its time goes.

The workload of ``python -m bench postgres`` (`bench._workload.conversations`:
every event its own unit of work through `Service.process`), processed by one
`Service` over one `PostgresStore` on one connection, on the server of
``CONVROUTE_BENCH_POSTGRES`` or a throw-away cluster.  It prints

- the round trips of an event, each named by the statement whose answer the
  worker waited for (a unit sends its queued statements with that one, in
  one pipeline), their total checked against the server's ``ReadyForQuery``
  messages in libpq's trace of the connection;
- the statements of an event, queued ones included;
- the round trips of an event through `Service.process_many`, 100 events a
  call, each unit's COMMIT sent with the next unit's reads;
- the same for delivering what the events wrote (`Service.dispatch_pending`);
- in further runs, without counting, on fresh stores: the rate, and each
  event's time split into the worker's CPU, the server backend's CPU (read
  from ``/proc``, when the server runs on this machine) and the rest
  (waiting for a core, the network), for two placements in alternation
  (three runs of each; one with ``--quick``): the worker and its server
  process where the scheduler puts them, and both pinned to one core,
  each through `Service.process` and through `Service.process_many`
  (`bench._placement`; when the server runs on this machine and this
  process may pin its processes, else the row says why not);
- the floors below which no worker of this shape gets here, measured in the
  same run: the same events through the in-memory store (the engine and the
  service, with no store to speak of), and a round trip that does nothing
  (``SELECT 1`` through the store's own sender, on the same server), in
  each placement; and
  the most events per second one worker could reach with each event's round
  trips costing that much and its engine nothing more.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import secrets
import statistics
import tempfile
import time

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import psycopg

from bench._placement import placement
from bench._postgres import _server
from bench._timing import table
from bench._workload import START, account, conversations
from convroute.adapters import _postgres_unit
from convroute.adapters._postgres_send import Sender
from convroute.adapters.postgres import PostgresStore
from convroute.engine import Engine, Event
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport


_CLOCK_AT = START + dt.timedelta(days=1)
_SCHEDULER = "as the scheduler places them"
_ONE_CORE = "the worker and its server process on one core"
# Events a call of `Service.process_many`, in the runs that use it.
_BATCH = 100
_MANY = f"process_many, {_BATCH} a call: "
_MANY_SCHEDULER = _MANY + _SCHEDULER
_MANY_ONE_CORE = _MANY + "on one core"
# Bare round trips timed for the floor.
_BARE = 5_000
_OTHER_NAMES = {
    _postgres_unit._LOCK_ONE: "advisory lock",  # noqa: SLF001 - the bench names what the unit sends
    _postgres_unit._LOCK_MANY: "advisory locks",  # noqa: SLF001
    _postgres_unit._TRY_LOCK_MANY: "advisory try-locks",  # noqa: SLF001
    _postgres_unit._BEGIN: "BEGIN",  # noqa: SLF001
    "COMMIT": "COMMIT",
    "": "(the queued statements alone)",
}


@attrs.define
class _Counts:
    """Round trips and statements, by name."""

    waits: collections.Counter[str] = attrs.Factory(collections.Counter)
    statements: collections.Counter[str] = attrs.Factory(collections.Counter)

    def clear(self) -> None:
        self.waits.clear()
        self.statements.clear()


@contextlib.contextmanager
def _counting(counts: _Counts) -> Iterator[None]:
    # Each call of the unit's send is one round trip: its queued statements
    # and the one it waits for, in one pipeline (or that one alone).
    original = _postgres_unit.PostgresUnit._send  # noqa: SLF001

    def send(unit: Any, connection: Any, sql: str, parameters: Any) -> Any:
        names = {value: key for key, value in attrs.asdict(unit.sql).items()}
        names.update(_OTHER_NAMES)
        counts.waits[names.get(sql, sql)] += 1
        for _, statement, _values in unit._queued:  # noqa: SLF001
            counts.statements[names.get(statement, statement)] += 1
        if sql:
            counts.statements[names.get(sql, sql)] += 1
        # The reads sent ahead, after it, each under its locks (one statement
        # a lock) not held yet.
        for read in unit._ahead.values():  # noqa: SLF001
            for lock in read.locks:
                if lock not in unit._held:  # noqa: SLF001
                    counts.statements[names[_postgres_unit._LOCK_ONE]] += 1  # noqa: SLF001
            counts.statements[names.get(read.sql, read.sql)] += 1
        return original(unit, connection, sql, parameters)

    _postgres_unit.PostgresUnit._send = send  # type: ignore[method-assign]  # noqa: SLF001
    try:
        yield
    finally:
        _postgres_unit.PostgresUnit._send = original  # type: ignore[method-assign]  # noqa: SLF001


@contextlib.contextmanager
def _traced(connection: psycopg.Connection[Any]) -> Iterator[list[int]]:
    # The server's ReadyForQuery messages: one for each time the client waits.
    found = [0]
    with tempfile.TemporaryFile() as trace:
        connection.pgconn.trace(trace.fileno())
        try:
            yield found
        finally:
            connection.pgconn.untrace()
            trace.seek(0)
            found[0] = trace.read().count(b"\tReadyForQuery\t")


def _backend_cpu(pid: int) -> float | None:
    # utime + stime of the server's process for this connection, in seconds.
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def _service(url: str, setup: list[Event]) -> Iterator[tuple[Service, psycopg.Connection[Any]]]:
    engine = Engine.from_config(account())
    with psycopg.connect(url, autocommit=True) as connection:
        store = PostgresStore(connection, schema=f"bench_{secrets.token_hex(4)}")
        try:
            service = Service(engine, store, RecordingTransport(), clock=lambda: _CLOCK_AT)
            for update in setup:
                service.process(update)
            yield service, connection
        finally:
            store.drop()


def _engine_alone(setup: list[Event], events: list[Event]) -> float:
    # The worker's CPU an event, in seconds, with the in-memory store.
    service = Service(
        Engine.from_config(account()), MemoryStore(), RecordingTransport(), clock=lambda: _CLOCK_AT
    )
    for update in setup:
        service.process(update)
    cpu = time.process_time()
    for event in events:
        service.process(event)
    return (time.process_time() - cpu) / len(events)


def _bare_round_trip(url: str, *, one: bool = False) -> tuple[float, float, float | None] | None:
    # Wall, worker CPU and server CPU of one round trip doing nothing, in
    # seconds; on one core when *one* (None when they cannot be).
    sender = Sender()
    with psycopg.connect(url, autocommit=True) as connection:
        pid = connection.info.backend_pid
        placed = placement(pid, one=one)
        if isinstance(placed, str):
            return None
        with placed:
            for _ in range(_BARE // 10):
                sender.send(connection, [("SELECT 1", None)])
            server, cpu, start = _backend_cpu(pid), time.process_time(), time.perf_counter()
            for _ in range(_BARE):
                sender.send(connection, [("SELECT 1", None)])
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            server_after = _backend_cpu(pid)
    busy = None if server is None or server_after is None else (server_after - server) / _BARE
    return wall / _BARE, cpu / _BARE, busy


def _floors(
    engine: float,
    bares: dict[str, tuple[float, float, float | None] | None],
    trips: float,
) -> list[tuple[str, str, str]]:
    rows = [
        ("the engine and service alone (in-memory store), an event", "—", f"{1e3 * engine:.3f}")
    ]
    for where, bare in bares.items():
        if bare is None:
            continue
        wall, cpu, server = bare
        rows.append(
            (
                f"a round trip doing nothing, {where} (wall; worker CPU, server CPU)",
                "—",
                f"{1e3 * wall:.3f} ({1e3 * cpu:.3f}, "
                + ("n/a" if server is None else f"{1e3 * server:.3f}")
                + ")",
            )
        )
        for label, count in (("this event's", trips), ("one to read, one to commit", 2.0)):
            floor = engine + count * wall
            rows.append(
                (
                    f"both, {where}, at {count:.2f} round trips ({label})",
                    f"{1 / floor:,.0f}",
                    f"{1e3 * floor:.3f}",
                )
            )
    return rows


@attrs.frozen
class _Run:
    """One timed run of the events: seconds of wall, of the worker's CPU, of the server's CPU."""

    wall: float
    cpu: float
    server: float | None


def _process(service: Service, events: list[Event], *, many: bool) -> None:
    # One call of `Service.process` an event, or of `process_many` a batch.
    if not many:
        for event in events:
            service.process(event)
        return
    for start in range(0, len(events), _BATCH):
        service.process_many(events[start : start + _BATCH])


def _timed(
    url: str, setup: list[Event], events: list[Event], *, one: bool, many: bool
) -> _Run | str:
    # The events on a fresh store, timed; with the worker and its server
    # process on one core when *one*, or why they cannot be; through
    # `Service.process_many` when *many*.
    with _service(url, setup) as (service, connection):
        pid = connection.info.backend_pid
        placed = placement(pid, one=one)
        if isinstance(placed, str):
            return placed
        with placed:
            server, cpu, start = _backend_cpu(pid), time.process_time(), time.perf_counter()
            _process(service, events, many=many)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            server_after = _backend_cpu(pid)
    busy = None if server is None or server_after is None else server_after - server
    return _Run(wall, cpu, busy)


def _placements(
    url: str, setup: list[Event], events: list[Event], *, rounds: int
) -> dict[str, list[_Run] | str]:
    # Each placement's runs, in alternation (or why it could not run).
    runs: dict[str, list[_Run] | str] = {
        _SCHEDULER: [],
        _ONE_CORE: [],
        _MANY_SCHEDULER: [],
        _MANY_ONE_CORE: [],
    }
    for _ in range(rounds):
        for label, done in list(runs.items()):
            if isinstance(done, str):
                continue
            one = label in {_ONE_CORE, _MANY_ONE_CORE}
            run = _timed(url, setup, events, one=one, many=label.startswith(_MANY))
            if isinstance(run, str):
                runs[label] = run
            else:
                done.append(run)
    return runs


def _print_placements(placements: dict[str, list[_Run] | str], n: int) -> None:
    print(
        "Without counting, ms an event, medians of the runs, the placements in alternation "
        "(the rest: waiting for a core, the network):"
    )
    print()
    rows = []
    for label, runs in placements.items():
        if isinstance(runs, str):
            rows.append((label, f"n/a: {runs}", "", "", "", "", ""))
            continue
        wall = statistics.median(run.wall for run in runs)
        cpu = statistics.median(run.cpu for run in runs)
        servers = [run.server for run in runs if run.server is not None]
        server = statistics.median(servers) if len(servers) == len(runs) else None
        rows.append(
            (
                label,
                ", ".join(f"{n / run.wall:,.0f}" for run in runs),
                f"{n / wall:,.0f}",
                f"{1e3 * wall / n:.2f}",
                f"{1e3 * cpu / n:.2f}",
                "n/a" if server is None else f"{1e3 * server / n:.2f}",
                "n/a" if server is None else f"{1e3 * (wall - cpu - server) / n:.2f}",
            )
        )
    print(
        table(
            [
                "placement",
                "events/s, each run",
                "median",
                "wall",
                "worker CPU",
                "server CPU",
                "rest",
            ],
            rows,
        )
    )
    print()
    for compared, against, label in (
        (_ONE_CORE, _SCHEDULER, "On one core against as placed"),
        (_MANY_SCHEDULER, _SCHEDULER, "process_many against process, as placed"),
        (_MANY_ONE_CORE, _ONE_CORE, "process_many against process, on one core"),
    ):
        after, before = placements[compared], placements[against]
        if isinstance(after, str) or isinstance(before, str):
            continue
        ratios = [old.wall / new.wall for old, new in zip(before, after, strict=True)]
        print(f"{label}, events/s, run by run: " + ", ".join(f"{r:.2f}x" for r in ratios))
    print()


def _per_event(counter: collections.Counter[str], events: int) -> list[tuple[str, str]]:
    rows = [(name, f"{count / events:.3f}") for name, count in counter.most_common()]
    return [*rows, ("total", f"{sum(counter.values()) / events:.2f}")]


def main(quick: bool) -> None:
    """
    Count one worker's round trips and statements an event, then split its time.
    """
    leads = 200 if quick else 1_000
    setup, events = conversations(leads)
    counts = _Counts()
    with _server() as url:
        with _service(url, setup) as (service, connection), _counting(counts):
            with _traced(connection) as wire:
                for event in events:
                    service.process(event)
            processed = (collections.Counter(counts.waits), collections.Counter(counts.statements))
            counts.clear()
            with _traced(connection) as delivery_wire:
                report = service.dispatch_pending(limit=len(events))
        with _service(url, setup) as (service, connection), _traced(connection) as many_wire:
            _process(service, events, many=True)
        placements = _placements(url, setup, events, rounds=1 if quick else 3)
        bares = {
            _SCHEDULER: _bare_round_trip(url),
            _ONE_CORE: _bare_round_trip(url, one=True),
        }
    engine = _engine_alone(setup, events)
    n = len(events)
    print()
    print(f"## roundtrips: {n:,} events of {leads:,} leads, one worker, one unit of work an event")
    print()
    print(f"Round trips an event, by the statement waited for (libpq's trace: {wire[0] / n:.2f}):")
    print()
    print(table(["waited for", "per event"], _per_event(processed[0], n)))
    print()
    print("Statements an event:")
    print()
    print(table(["statement", "per event"], _per_event(processed[1], n)))
    print()
    print(
        f"With `Service.process_many`, {_BATCH} events a call (each unit's COMMIT sent with "
        f"the next unit's reads): {many_wire[0] / n:.2f} round trips an event (libpq's trace)."
    )
    print()
    sent = len(report.sent)
    print(
        f"Delivering {sent:,} items: {delivery_wire[0]:,} round trips "
        f"({delivery_wire[0] / max(sent, 1):.2f} an item), by the statement waited for:"
    )
    print()
    print(table(["waited for", "round trips"], list(counts.waits.most_common())))
    print()
    _print_placements(placements, n)
    print(
        "Floors, measured in this run: the most one worker could reach if its event cost only these"
    )
    print()
    print(
        table(
            ["floor", "events/s at most", "ms"],
            _floors(engine, bares, sum(processed[0].values()) / n),
        )
    )
