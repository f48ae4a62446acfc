"""
``python -m bench serverstats``: where one PostgreSQL worker's server time goes.

The workload of ``python -m bench roundtrips`` (one `Service`, one
`PostgresStore`, one connection, one unit of work an event), on a throw-away
cluster started with ``pg_stat_statements`` loaded (``track_io_timing``,
planning tracked too), or on the server of ``CONVROUTE_BENCH_POSTGRES`` if it
loads that extension.  It prints

- twice, on a fresh store and on one whose tables are vacuumed and analysed
  before each block of events (as autovacuum keeps a store in use; not timed),
  each statement kind's calls, execution and planning time, rows, shared
  buffers hit and dirtied, and WAL records and bytes, an event; their sum set
  beside the server process's CPU from ``/proc`` (when the server is on this
  machine), the difference being what execution does not count: parse, bind,
  the protocol, ``BEGIN``/``COMMIT``'s own work, the statistics themselves;
- each table's inserts, updates (and how many were HOT: no index written) and
  deletes, and each index's size, an event;
- in lockstep on the same events, the store as built against a copy of it
  changed in one way (`CANDIDATES`: an index dropped, the connection's plans
  made for each call's values): the ratio of the server's CPU, of its
  execution and planning time, and of the worker's CPU, block by block
  (medians).  The store's schema and code are not changed: the copies are
  throw-away schemas.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import secrets
import statistics
import time

from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import psycopg

from bench._postgres import _server
from bench._round_trips import _OTHER_NAMES, _backend_cpu
from bench._timing import table
from bench._workload import START, account, conversations
from convroute.adapters.postgres import PostgresStore
from convroute.engine import Engine, Event
from convroute.service import Service
from convroute.testing import RecordingTransport


_CLOCK_AT = START + dt.timedelta(days=1)
_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "track_io_timing": "on",
    "pg_stat_statements.track_planning": "on",
    "pg_stat_statements.max": "5000",
}
#: Changes tried on a copy of the store, each against the store as built: a label, the
#: statement that makes the copy so, and one run before each block (not timed), both on the
#: copy's own connection (``{schema}``: its schema).
CANDIDATES = (
    (
        "its tables vacuumed and analysed before each block",
        "",
        "VACUUM (ANALYZE) {tables}",
    ),
    ("plans made for each call's values", "SET plan_cache_mode = force_custom_plan", ""),
    ("without conversations_open", "DROP INDEX {schema}.conversations_open", ""),
    ("without outbox_lead", "DROP INDEX {schema}.outbox_lead", ""),
    ("without processed_events_at", "DROP INDEX {schema}.processed_events_at", ""),
)
_TABLES = (
    "conversations",
    "leads",
    "opportunities",
    "funnel_records",
    "outbox",
    "processed_events",
)
_BLOCK = 250
# What pg_stat_statements turns into $n (string, number and boolean constants), and $n itself.
_CONSTANT = re.compile(r"'(?:[^']|'')*'|\$\d+|%s|\b\d+\b|\btrue\b|\bfalse\b", re.IGNORECASE)


def _shape(sql: str) -> str:
    return " ".join(_CONSTANT.sub("?", sql).split())


@attrs.define
class _Store:
    """A store on its own connection, its setup done, and the names of its statements."""

    connection: psycopg.Connection[Any]
    store: PostgresStore
    service: Service
    schema: str
    names: dict[str, str]

    def cpu(self) -> float | None:
        return _backend_cpu(self.connection.info.backend_pid)

    def flush_stats(self) -> None:
        """Have the backend report its table and index counts now, not within seconds."""
        self.connection.execute("SELECT pg_stat_force_next_flush()")
        self.connection.execute("SELECT 1")

    def run(self, events: Sequence[Event]) -> float:
        """Process *events*; the worker's CPU seconds."""
        cpu = time.process_time()
        for event in events:
            self.service.process(event)
        return time.process_time() - cpu


@contextlib.contextmanager
def _store(url: str, setup: Sequence[Event]) -> Iterator[_Store]:
    engine = Engine.from_config(account())
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as connection:
        store = PostgresStore(connection, schema=schema)
        try:
            service = Service(engine, store, RecordingTransport(), clock=lambda: _CLOCK_AT)
            for update in setup:
                service.process(update)
            texts = attrs.asdict(store._sql)  # noqa: SLF001 - the bench names what the store sends
            names = {_shape(text): name for name, text in texts.items() if isinstance(text, str)}
            names.update({_shape(text): name for text, name in _OTHER_NAMES.items() if text})
            yield _Store(connection, store, service, schema, names)
        finally:
            store.drop()


_STATEMENTS = """
    SELECT query, calls, total_exec_time, total_plan_time, rows, shared_blks_hit,
           shared_blks_read, shared_blks_dirtied, shared_blks_written, wal_records, wal_bytes
    FROM pg_stat_statements
    WHERE query NOT LIKE '%%pg_stat%%' AND query NOT LIKE 'VACUUM%%'
      AND query NOT LIKE '%%pg_advisory_unlock_all%%'
      AND (query LIKE %s OR query NOT LIKE '%%bench\\_%%')
"""


def _statements(admin: psycopg.Connection[Any], store: _Store) -> list[tuple[Any, ...]]:
    rows = admin.execute(_STATEMENTS, (f"%{store.schema}%",)).fetchall()
    return [(store.names.get(_shape(row[0]), "? " + _shape(row[0])), *row[1:]) for row in rows]


def _breakdown(
    admin: psycopg.Connection[Any],
    url: str,
    setup: Sequence[Event],
    events: Sequence[Event],
    *,
    vacuumed: bool,
) -> None:
    n = len(events)
    with _store(url, setup) as store:
        store.flush_stats()
        admin.execute("SELECT pg_stat_statements_reset()")
        admin.execute("SELECT pg_stat_reset()")
        tables_ = ", ".join(f"{store.schema}.{table}" for table in _TABLES)
        wall = worker = busy = 0.0
        for at in range(0, n, _BLOCK if vacuumed else n):
            if vacuumed:  # as autovacuum would keep the tables; not timed
                store.connection.execute(f"VACUUM (ANALYZE) {tables_}")
            before, start = store.cpu(), time.perf_counter()
            worker += store.run(events[at : at + (_BLOCK if vacuumed else n)])
            wall += time.perf_counter() - start
            after = store.cpu()
            busy += float("nan") if before is None or after is None else after - before
        store.flush_stats()
        rows = _statements(admin, store)
        tables = admin.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, seq_scan, idx_scan"
            " FROM pg_stat_user_tables WHERE schemaname = %s ORDER BY relname",
            (store.schema,),
        ).fetchall()
        indexes = admin.execute(
            "SELECT s.relname, s.indexrelname, s.idx_blks_hit + s.idx_blks_read,"
            " pg_relation_size(s.indexrelid), pg_get_indexdef(s.indexrelid)"
            " FROM pg_statio_user_indexes s WHERE s.schemaname = %s ORDER BY 1, 2",
            (store.schema,),
        ).fetchall()
    rows.sort(key=lambda row: -row[2])
    exec_ms = sum(row[2] for row in rows)
    plan_ms = sum(row[3] for row in rows)
    print()
    kept = (
        f"its tables vacuumed and analysed before each block of {_BLOCK} events (not timed)"
        if vacuumed
        else "a fresh store"
    )
    print(f"## serverstats: {n:,} events, one worker, one unit of work an event, {kept}")
    print()
    print(
        f"{n / wall:,.0f} events/s with the statistics on; "
        f"worker CPU {1e3 * worker / n:.2f} ms an event."
    )
    print()
    print("Each statement kind, an event (times in µs; blocks are 8 kB shared buffers):")
    print()
    body = [
        (
            name,
            f"{calls / n:.3f}",
            f"{1e3 * total / max(calls, 1):.1f}",
            f"{1e3 * total / n:.1f}",
            f"{1e3 * plan / n:.1f}",
            f"{rows_ / max(calls, 1):.2f}",
            f"{hit / n:.1f}",
            f"{dirtied / n:.2f}",
            f"{wal_records / n:.2f}",
            f"{float(wal_bytes) / n:.0f}",
        )
        for name, calls, total, plan, rows_, hit, _, dirtied, _, wal_records, wal_bytes in rows
    ]
    total_row = tuple(sum(float(row[k]) for row in rows) / n for k in (1, 2, 3, 5, 7, 9, 10))
    body.append(
        (
            "total",
            f"{total_row[0]:.2f}",
            "",
            f"{1e3 * total_row[1]:.1f}",
            f"{1e3 * total_row[2]:.1f}",
            "",
            f"{total_row[3]:.1f}",
            f"{total_row[4]:.2f}",
            f"{total_row[5]:.2f}",
            f"{total_row[6]:.0f}",
        )
    )
    print(
        table(
            [
                "statement",
                "calls",
                "µs a call",
                "exec",
                "plan",
                "rows a call",
                "blocks hit",
                "dirtied",
                "WAL records",
                "WAL bytes",
            ],
            body,
        )
    )
    print()
    if math.isnan(busy):
        print("The server's process is not on this machine: its CPU is not known.")
    else:
        cpu_us = 1e6 * busy / n
        inside = 1e3 * (exec_ms + plan_ms) / n
        print(
            f"Server process CPU {cpu_us:.0f} µs an event; execution and planning as counted "
            f"{inside:.0f} µs ({inside / cpu_us:.0%}); the rest {cpu_us - inside:.0f} µs."
        )
    print()
    print("Each table's row changes, an event (HOT: an update that wrote no index):")
    print()
    print(
        table(
            ["table", "inserts", "updates", "of them HOT", "deletes", "seq scans", "index scans"],
            [(name, *(f"{value / n:.3f}" for value in counts)) for name, *counts in tables],
        )
    )
    if vacuumed:  # the vacuums' own reads of the indexes would be counted
        return
    print()
    print("Each index: blocks touched an event (read or written, shared buffers), size:")
    print()
    print(
        table(
            ["table", "index", "blocks an event", "kB", "definition"],
            [
                (
                    relname,
                    index,
                    f"{blocks / n:.2f}",
                    f"{size // 1024:,}",
                    definition.split(" USING btree ")[1],
                )
                for relname, index, blocks, size, definition in indexes
            ],
        )
    )


def _exec_ms(admin: psycopg.Connection[Any], store: _Store) -> float:
    return float(sum(row[2] + row[3] for row in _statements(admin, store)))


def _lockstep(
    admin: psycopg.Connection[Any],
    url: str,
    setup: Sequence[Event],
    events: Sequence[Event],
    *,
    change: str,
    each_block: str,
) -> tuple[float, float, float, int]:
    """Medians of the blocks' ratios, with *change* to without: server, execution, worker CPU."""
    cpu_ratios, exec_ratios, worker_ratios = [], [], []
    with _store(url, setup) as built, _store(url, setup) as copy:
        if change:
            copy.connection.execute(change.format(schema=copy.schema))
        tables = ", ".join(f"{copy.schema}.{table}" for table in _TABLES)
        admin.execute("SELECT pg_stat_statements_reset()")
        blocks = [events[at : at + _BLOCK] for at in range(0, len(events), _BLOCK)]
        for number, block in enumerate(blocks):
            figures: dict[str, tuple[float, float, float]] = {}
            order = (built, copy) if number % 2 == 0 else (copy, built)
            for store in order:
                if store is copy and each_block:
                    copy.connection.execute(each_block.format(tables=tables))
                cpu, spent = store.cpu(), _exec_ms(admin, store)
                worker = store.run(block)
                after = store.cpu()
                busy = float("nan") if cpu is None or after is None else after - cpu
                figures[store.schema] = (busy, _exec_ms(admin, store) - spent, worker)
            (cpu_a, exec_a, worker_a), (cpu_b, exec_b, worker_b) = (
                figures[built.schema],
                figures[copy.schema],
            )
            cpu_ratios.append(cpu_b / cpu_a if cpu_a else float("nan"))
            exec_ratios.append(exec_b / exec_a)
            worker_ratios.append(worker_b / worker_a)
    return (
        statistics.median(cpu_ratios),
        statistics.median(exec_ratios),
        statistics.median(worker_ratios),
        len(cpu_ratios),
    )


def main(quick: bool) -> None:
    """
    Break the server's share of one worker's events down by statement, table and index.
    """
    leads = 200 if quick else 1_000
    setup, events = conversations(leads)
    with _server(_SETTINGS) as url, psycopg.connect(url, autocommit=True) as admin:
        try:
            admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            admin.execute("SELECT pg_stat_statements_reset()")
        except psycopg.Error as error:
            # Said, not raised: `bench all` goes on with the benchmarks after this one.
            print(
                "\n## serverstats: not run: pg_stat_statements is not loaded by the server: "
                f"{error}"
            )
            return
        _breakdown(admin, url, setup, events, vacuumed=False)
        _breakdown(admin, url, setup, events, vacuumed=True)
        print()
        print(
            f"Lockstep, blocks of {_BLOCK} events given in turn to the store as built and to a "
            "copy changed in one way: medians of the blocks' ratios, copy / as built:"
        )
        print()
        rows = []
        for label, change, each_block in CANDIDATES:
            cpu, spent, worker, blocks = _lockstep(
                admin, url, setup, events, change=change, each_block=each_block
            )
            rows.append((label, f"{cpu:.3f}", f"{spent:.3f}", f"{worker:.3f}", str(blocks)))
        print(table(["the copy", "server CPU", "execution", "worker CPU", "blocks"], rows))
