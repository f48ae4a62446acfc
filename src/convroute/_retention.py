"""
Retention: what a store may forget, a batch at a time.

`convroute.service.Service.prune` and ``convroute prune`` both run `prune`:
processed event ids, sent outbox items and closed conversations older than
a time are deleted in batches, each its own unit of work, so that no
lock is held for long while events are handled beside it.  A store whose
writers take turns, one at a time (SQLite), says so with a true
``single_writer``; its prune rests between two batches for a quarter of
the time the batch before took: a waiting writer tries again until it
finds the lock free, and the next batch, begun at once, would take it
first nearly every time.  Resting, the prune leaves the writers beside it
their share of the store's time, and still prunes a million ids within
10 seconds (measured: docs/performance.md).  A store with many writers
(PostgreSQL's row locks) gains nothing by a rest, and is pruned without
one; so is the memory store, a store for tests, though its units run one
at a time.
"""

from __future__ import annotations

import datetime as dt
import time

from collections.abc import Callable

from convroute._accounts import DEFAULT_ACCOUNT
from convroute._frozen import aware
from convroute.errors import RetentionError, StoreConflictError
from convroute.ports import Store, UnitOfWork


__all__ = [
    "LARGEST_BATCH",
    "LONGEST_REST",
    "REST_SHARE",
    "SHORTEST_WINDOW",
    "Pruned",
    "prune",
    "rests_between_batches",
]

SHORTEST_WINDOW = dt.timedelta(days=7)
"""
The shortest window a prune keeps: Meta retries a failed webhook delivery
for up to 7 days, and a late retry of a forgotten event id would look new.
"""

LARGEST_BATCH = 1_000_000_000
"""
The most rows a batch may have: every store takes it as a limit (SQLite and
PostgreSQL stop at 2**63 - 1), and a larger one is a typo, not a batch.
"""

Pruned = tuple[int, int, int]
"""
How many processed ids, sent items and closed conversations a prune deleted.
"""

_ATTEMPTS = 5
"""
How many times a batch is run when its unit keeps losing races.
"""

REST_SHARE = 0.25
"""
How long a prune rests between two batches, as a share of the last one's time.
"""

LONGEST_REST = 0.01
"""
The longest rest between two batches, in seconds, however long a batch took.

A batch of 1 000 rows takes a few milliseconds; one that took longer
(its process was not scheduled, or it waited for the lock) does not make
the prune idle for as long.
"""


def prune(
    store: Store,
    before: dt.datetime,
    *,
    now: dt.datetime,
    batch: int,
    account: str = DEFAULT_ACCOUNT,
    rest: Callable[[float], None] = time.sleep,
    timer: Callable[[], float] = time.perf_counter,
) -> Pruned:
    """
    Delete from *store* what of *account* is older than *before*, a batch at a time.

    Args:
        store: The store to prune.
        account: The account whose rows go; another's are never touched.
        before: What is older than this goes; aware.
        now: The clock's time, which *before* must be 7 days or more behind.
        batch: The most rows of one kind one unit of work deletes.
        rest: Called between two batches of one kind, after a batch that
            deleted *batch* rows, with `REST_SHARE` of the seconds that
            batch took (its unit of work, from beginning to commit), at
            most `LONGEST_REST`: sleeps, but in tests.  Only for a store
            whose ``single_writer`` is ``True`` (`rests_between_batches`);
            never for another.
        timer: Seconds from any fixed start, to time the batches with.

    Returns:
        How many processed ids, sent items and closed conversations were
        deleted.

    Raises:
        TypeError: When *batch* is not an ``int``.
        ValueError: When *before* or *now* is naive, or *batch* is not
            1 to `LARGEST_BATCH`.
        RetentionError: When *before* is less than 7 days before *now*.
        StoreError: When the store fails: the batches committed before
            stay deleted.
    """
    aware(before, "before")
    aware(now, "now")
    if not isinstance(batch, int) or isinstance(batch, bool):
        raise TypeError(f"a prune's batch must be an int, not {batch!r}")
    if not 1 <= batch <= LARGEST_BATCH:
        raise ValueError(f"a prune's batch must be 1 to {LARGEST_BATCH:_} rows, not {batch}")
    # A difference, not now - window: that overflows at the calendar's start.
    if now - before < SHORTEST_WINDOW:
        raise RetentionError(before, now, SHORTEST_WINDOW)
    steps: tuple[Callable[[UnitOfWork], int], ...] = (
        lambda uow: uow.processed.prune(before, batch),
        lambda uow: uow.outbox.prune_sent(before, batch),
        lambda uow: uow.conversations.prune_closed(before, batch),
    )
    if not rests_between_batches(store):
        rest = _no_rest
    processed, sent, closed = (
        _in_batches(store, account, step, batch, rest=rest, timer=timer) for step in steps
    )
    return processed, sent, closed


def rests_between_batches(store: Store) -> bool:
    """
    Whether a prune of *store* rests between two batches: its writers take turns.

    A store says so with a ``single_writer`` attribute that is ``True``, as
    `convroute.adapters.SQLiteStore` does.  It is no part of
    `convroute.ports.Store`: a store of a host's own without it (or with
    any other value) works as before, and is pruned without rests.
    """
    return getattr(store, "single_writer", False) is True


def _no_rest(_seconds: float) -> None:
    # A store with many writers gains nothing from a rest.
    return


def _in_batches(
    store: Store,
    account: str,
    step: Callable[[UnitOfWork], int],
    batch: int,
    *,
    rest: Callable[[float], None],
    timer: Callable[[], float],
) -> int:
    # Runs *step* in a unit of work of its own until it deletes less than a
    # batch, resting between two for a share of the batch's time; the
    # total it deleted.
    total = 0
    while True:
        began = timer()
        deleted = _unit(store, account, step)
        took = timer() - began
        total += deleted
        if deleted < batch:
            return total
        rest(min(max(took, 0.0) * REST_SHARE, LONGEST_REST))


def _unit(store: Store, account: str, step: Callable[[UnitOfWork], int]) -> int:
    for _ in range(_ATTEMPTS - 1):
        try:
            with store.unit_of_work(account) as uow:
                return step(uow)
        except StoreConflictError:
            # Rolled back whole: nothing of the batch was deleted.
            continue
    with store.unit_of_work(account) as uow:
        return step(uow)
