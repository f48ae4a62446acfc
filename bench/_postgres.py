"""
``python -m bench postgres``: the service with 1, 2 and 4 worker processes.

The workload of ``python -m bench service`` (`bench._workload.conversations`:
first messages, product taps, follow-ups and second menus of generated
leads, every event its own unit of work through `Service.process`), its
leads shared out between worker processes (a lead's events all go to one
worker, in order, as a host routing webhooks by sender would), over

- `PostgresStore`: each worker its own connection to one schema; the
  server in ``CONVROUTE_BENCH_POSTGRES`` when set, else a throw-away
  cluster (``tests/postgres_cluster.py``: fsync off), started for the run;
- `SQLiteStore`: each worker its own connection to one file (write-ahead
  log, ``synchronous=NORMAL``), its units one at a time.

Each run starts from a fresh store (the host's updates loaded first, not
timed); the workers (started once, not timed) open it, then are released
together, and the time is from their release until the last is done.  The
runs go in rounds, each timing every worker count on both stores in turn,
after a warm-up round that also checks the workers wrote the actions one
process would have.  There is no target (issue #8 asks for the figures).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import pathlib
import secrets
import sys
import tempfile
import time

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from bench._placement import cores, one_core, why_not_one_core
from bench._timing import Timing, table
from bench._workload import START, account, conversations
from convroute.adapters import SQLiteStore
from convroute.engine import Engine, Event, IncomingMessage
from convroute.ports import Store
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport


URL_ENV = "CONVROUTE_BENCH_POSTGRES"
RUNS = 5
WORKERS = (1, 2, 4)
# A worker of "postgres-one-core" runs on one core with its server process:
# worker i on the i-th core this process may use, round the cores again
# past the last.
KINDS = ("postgres", "postgres-one-core", "sqlite")
_CLOCK_AT = START + dt.timedelta(days=1)
# A safety net: a worker silent this long has hung.
_PATIENCE = 600.0
_SPAWN = multiprocessing.get_context("spawn")


@attrs.frozen
class StoreSpec:
    """
    Where a run's state lives, as a worker opens it.

    Attributes:
        kind: ``"postgres"``, ``"postgres-one-core"`` (each worker and its server
            process pinned to one core) or ``"sqlite"``.
        where: The server's URL, or the SQLite file.
        schema: The PostgreSQL schema, for ``"postgres"``.
    """

    kind: str
    where: str
    schema: str = ""

    def open(self) -> Store:
        """
        Open the store: its schema is made when missing.
        """
        if self.kind == "sqlite":
            return SQLiteStore(self.where)
        from convroute.adapters.postgres import PostgresStore

        return PostgresStore(self.where, schema=self.schema)

    @contextlib.contextmanager
    def placed(self, worker: int) -> Iterator[Any]:
        """
        The store opened for *worker*; for "postgres-one-core", on one core with its server process.
        """
        if self.kind != "postgres-one-core":
            store: Any = self.open()
            try:
                yield store
            finally:
                store.close()
            return
        import psycopg

        from convroute.adapters.postgres import PostgresStore

        with psycopg.connect(self.where, autocommit=True) as connection:
            store = PostgresStore(connection, schema=self.schema)
            usable = cores()
            with one_core(connection.info.backend_pid, usable[worker % len(usable)]):
                yield store


def share(events: Sequence[Event], worker: int, workers: int) -> list[Event]:
    """
    The events of the leads *worker* of *workers* handles: every *workers*-th lead, in order.
    """
    leads: dict[str, int] = {}
    mine = []
    for event in events:
        if not isinstance(event, IncomingMessage):
            raise TypeError(f"the workload has only incoming messages, not {event!r}")
        number = leads.setdefault(event.lead, len(leads))
        if number % workers == worker:
            mine.append(event)
    return mine


def _work(tasks: Any, results: Any) -> None:
    """
    A worker process: for each task, open the store, say ready, wait for go, process its events.
    """
    engine = Engine.from_config(account())
    while (task := tasks.get()) is not None:
        spec, leads, worker, workers = task
        _, events = conversations(leads)
        mine = share(events, worker, workers)
        with spec.placed(worker) as store:
            service = Service(engine, store, RecordingTransport(), clock=lambda: _CLOCK_AT)
            results.put(("ready", worker))
            if tasks.get() != "go":
                raise RuntimeError("a worker was told something other than go")
            for event in mine:
                service.process(event)
            results.put(("done", len(mine)))


class _Pool:
    """
    Worker processes kept for every run of one worker count: spawning is not timed.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._results = _SPAWN.Queue()
        self._tasks = [_SPAWN.Queue() for _ in range(workers)]
        self._processes = [
            _SPAWN.Process(target=_work, args=(tasks, self._results), daemon=True)
            for tasks in self._tasks
        ]
        for process in self._processes:
            process.start()

    def run(self, spec: StoreSpec, leads: int) -> float:
        """
        Process the workload against *spec*'s store; the seconds from release to the last done.
        """
        for worker, tasks in enumerate(self._tasks):
            tasks.put((spec, leads, worker, self.workers))
        for _ in self._tasks:
            self._expect("ready")
        start = time.perf_counter()
        for tasks in self._tasks:
            tasks.put("go")
        processed = sum(self._expect("done") for _ in self._tasks)
        seconds = time.perf_counter() - start
        if not processed:
            raise RuntimeError("the workers processed nothing")
        return seconds

    def _expect(self, what: str) -> Any:
        kind, value = self._results.get(timeout=_PATIENCE)
        if kind != what:
            raise RuntimeError(f"a worker said {kind!r}, not {what!r}")
        return value

    def close(self) -> None:
        """
        Let the workers end.
        """
        for tasks in self._tasks:
            tasks.put(None)
        for process in self._processes:
            process.join(_PATIENCE)


@contextlib.contextmanager
def _server(settings: Mapping[str, str] | None = None) -> Iterator[str]:
    # The server URL_ENV names, or a throw-away cluster started with *settings*
    # (server parameters) besides its own.
    given = os.environ.get(URL_ENV)
    if given:
        yield given
        return
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))
    from postgres_cluster import ThrowAwayCluster

    extra = " ".join(f"-c {key}={value}" for key, value in (settings or {}).items())

    class Cluster(ThrowAwayCluster):
        def _options(self) -> str:
            return f"{super()._options()} {extra}".rstrip()

    with Cluster() as cluster:
        yield cluster.url


@contextlib.contextmanager
def _fresh(kind: str, url: str, folder: str) -> Iterator[tuple[StoreSpec, Any]]:
    """
    A fresh, empty store of *kind*, and the parent's handle on it; gone afterwards.
    """
    if kind == "sqlite":
        spec = StoreSpec("sqlite", str(pathlib.Path(folder) / f"{secrets.token_hex(4)}.db"))
    else:
        spec = StoreSpec(kind, url, f"bench_{secrets.token_hex(4)}")
    store: Any = spec.open()
    try:
        yield spec, store
    finally:
        if kind == "sqlite":
            store.close()
            for suffix in ("", "-wal", "-shm"):
                pathlib.Path(spec.where + suffix).unlink(missing_ok=True)
        else:
            store.drop()
            store.close()


_TITLES = {
    "postgres": "PostgreSQL",
    "postgres-one-core": "PostgreSQL, on one core each",
    "sqlite": "SQLite",
}


def _kinds_here(url: str) -> tuple[list[str], str | None]:
    # The kinds of store this machine can run, and why one of them cannot.
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        why = why_not_one_core(connection.info.backend_pid)
    return [kind for kind in KINDS if why is None or kind != "postgres-one-core"], why


def _kinds(store: Store) -> dict[str, int]:
    with store.unit_of_work() as uow:
        kinds: dict[str, int] = {}
        for item in uow.outbox.items():
            kinds[item.type] = kinds.get(item.type, 0) + 1
        return kinds


def _expected(engine: Engine, setup: Sequence[Event], events: Sequence[Event]) -> dict[str, int]:
    store = MemoryStore()
    service = Service(engine, store, RecordingTransport(), clock=lambda: _CLOCK_AT)
    for event in (*setup, *events):
        service.process(event)
    return _kinds(store)


def _run(
    pool: _Pool,
    kind: str,
    url: str,
    folder: str,
    *,
    leads: int,
    expected: dict[str, int] | None = None,
) -> float:
    """
    Time one run of the workload over a fresh store of *kind*; seconds.

    With *expected*, check that the workers wrote those actions.
    """
    engine = Engine.from_config(account())
    setup, _ = conversations(leads)
    with _fresh(kind, url, folder) as (spec, store):
        service = Service(engine, store, RecordingTransport(), clock=lambda: _CLOCK_AT)
        for update in setup:
            service.process(update)
        seconds = pool.run(spec, leads)
        if expected is not None:
            got = _kinds(store)
            if got != expected:
                raise RuntimeError(f"{kind}, {pool.workers} workers: {got} != {expected}")
    return seconds


def main(quick: bool) -> None:
    """
    Time the service with 1, 2 and 4 workers on PostgreSQL and SQLite; print the medians.
    """
    leads = 200 if quick else 1_000
    repeat = 3 if quick else RUNS
    engine = Engine.from_config(account())
    setup, events = conversations(leads)
    expected = _expected(engine, setup, events)
    runs: dict[tuple[str, int], list[float]] = {}
    with _server() as url, tempfile.TemporaryDirectory() as folder:
        kinds, why = _kinds_here(url)
        pools = [_Pool(workers) for workers in WORKERS]
        try:
            # Rounds of every case in turn: the machine's drift falls on all of them alike.
            for round_ in range(repeat + 1):
                for pool in pools:
                    for kind in kinds:
                        # The warm-up round checks that the workers wrote what one process
                        # would have, or the figures mean nothing.
                        seconds = _run(
                            pool,
                            kind,
                            url,
                            folder,
                            leads=leads,
                            expected=None if round_ else expected,
                        )
                        if round_:
                            runs.setdefault((kind, pool.workers), []).append(seconds)
        finally:
            for pool in pools:
                pool.close()
    rates = {key: Timing(runs=tuple(value), items=len(events)).rate for key, value in runs.items()}
    rows = []
    for workers in WORKERS:
        row = [f"{workers} worker{'s' if workers > 1 else ''}"]
        for kind in kinds:
            row += [
                f"{rates[kind, workers]:,.0f}",
                f"{rates[kind, workers] / rates[kind, 1]:.2f}x",
            ]
        row.append(f"{rates['postgres', workers] / rates['sqlite', workers]:.2f}x")
        rows.append(tuple(row))
    headers = ["workers"]
    for kind in kinds:
        headers += [f"{_TITLES[kind]} events/s", "vs 1"]
    server = "given" if os.environ.get(URL_ENV) else "throw-away"
    print()
    print(
        f"## postgres: {len(events):,} events of {leads:,} leads a run shared by worker "
        f"processes, one unit of work an event, medians of {repeat} ({server} server)"
    )
    print()
    print(table([*headers, "PostgreSQL / SQLite"], rows))
    if why is not None:
        print()
        print(f"PostgreSQL with each worker and its server process on one core: not run, {why}.")
