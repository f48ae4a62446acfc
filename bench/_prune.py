"""
``python -m bench prune``: pruning a million processed event ids beside live intake.

A `SQLiteStore` file holds 1 000 000 processed event ids recorded 60 days
ago (filled through the port, not timed).  Another process handles events
through a `Service` on the same file without a pause: the example account's
leads writing, tapping menus and being assigned.  Once that intake has run
a while, `Service.prune` (30 days, batches of 1 000) is timed, and the
intake's rate is counted in two windows of its own completion times: the
seconds before the prune began (the intake alone) and the prune's own.

The target: the prune within 10 seconds, intake going on beside it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import pathlib
import statistics
import tempfile
import time

from typing import Any

from bench._timing import table
from bench._workload import START, account, conversations
from convroute.adapters import SQLiteStore
from convroute.service import Service
from convroute.testing import RecordingTransport


RUNS = 3
TARGET_SECONDS = 10.0
# The service's clock: a day after the workload's first event.
_NOW = START + dt.timedelta(days=1)
_OLD = _NOW - dt.timedelta(days=60)
_BEFORE = _NOW - dt.timedelta(days=30)
# Ids claimed a unit of work at a time while the store is filled.
_FILL_UNIT = 50_000
# The intake's leads: more events than it handles in a run.
_LEADS = 40_000
# How long the intake runs before the prune: a warm-up, then the window
# its rate alone is counted in.
_WARM_UP = 1.0
_ALONE = 4.0
# A safety net only: an intake that has not started by then has failed.
_PATIENCE = 120.0
# Spawned, not forked: the child opens its own connection.
_SPAWN = multiprocessing.get_context("spawn")


def _fill(path: pathlib.Path, total: int) -> None:
    with SQLiteStore(path) as store:
        for start in range(0, total, _FILL_UNIT):
            with store.unit_of_work() as uow:
                for index in range(start, min(start + _FILL_UNIT, total)):
                    uow.processed.claim(f"wamid.old.{index}", _OLD)


def _intake(path: str, ready: Any, stop: Any, done: Any) -> None:
    """
    Handle events on the store at *path* until *stop* is set; send their completion times.
    """
    setup, events = conversations(_LEADS)
    finished: list[float] = []
    with SQLiteStore(path) as store:
        service = Service(account(), store, RecordingTransport(), clock=lambda: _NOW)
        for update in setup:
            service.process(update)
        ready.set()
        for event in events:
            if stop.is_set():
                break
            service.handle(event)
            finished.append(time.perf_counter())
    done.put(finished)


def _run(total: int) -> tuple[float, float, float]:
    """
    One run on a fresh file: the prune's seconds, the intake's rate alone and during it.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "convroute.db"
        _fill(path, total)
        ready, stop, done = _SPAWN.Event(), _SPAWN.Event(), _SPAWN.Queue()
        intake = _SPAWN.Process(target=_intake, args=(str(path), ready, stop, done))
        intake.start()
        try:
            if not ready.wait(_PATIENCE):
                raise RuntimeError("the intake did not start")
            time.sleep(_WARM_UP)
            alone = time.perf_counter()
            time.sleep(_ALONE)
            with SQLiteStore(path) as store:
                service = Service(account(), store, RecordingTransport(), clock=lambda: _NOW)
                start = time.perf_counter()
                report = service.prune(_BEFORE)
                end = time.perf_counter()
            stop.set()
            finished = done.get(timeout=_PATIENCE)
        finally:
            stop.set()
            intake.join(_PATIENCE)
    if report.processed != total:
        raise RuntimeError(f"{report.processed:,} ids were pruned, not {total:,}")
    if not finished or finished[-1] < end:
        raise RuntimeError("the intake ran out of events before the prune ended")
    before = sum(alone <= at < start for at in finished) / (start - alone)
    during = sum(start <= at < end for at in finished) / (end - start)
    return end - start, before, during


def main(quick: bool) -> None:
    """
    Time the prune beside the intake; print the medians and the intake's rates.
    """
    total = 100_000 if quick else 1_000_000
    runs = [_run(total) for _ in range(1 if quick else RUNS)]
    seconds = statistics.median(run[0] for run in runs)
    alone = statistics.median(run[1] for run in runs)
    during = statistics.median(run[2] for run in runs)
    print()
    print(
        f"## prune: {total:,} processed ids older than 30 days, batches of 1 000, "
        f"an intake process on the same SQLite file, medians of {len(runs)}"
    )
    print()
    print(
        table(
            ["prune s", "ids/s", "intake events/s alone", "intake events/s during", "ratio"],
            [
                (
                    f"{seconds:.2f}",
                    f"{total / seconds:,.0f}",
                    f"{alone:,.0f}",
                    f"{during:,.0f}",
                    f"{during / alone:.2f}",
                )
            ],
        )
    )
    verdict = "met" if seconds <= TARGET_SECONDS else "NOT met"
    print(f"\ntarget: prune of {total:,} ids ≤ {TARGET_SECONDS:.0f} s beside intake: {verdict}")
