"""
Retention: what a store may forget, a batch at a time.

`convroute.service.Service.prune` and ``convroute prune`` both run `prune`:
processed event ids, sent outbox items and closed conversations older than
a time are deleted in batches, each its own unit of work, so that no
lock is held for long while events are handled beside it.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Callable

from convroute._accounts import DEFAULT_ACCOUNT
from convroute._frozen import aware
from convroute.errors import RetentionError, StoreConflictError
from convroute.ports import Store, UnitOfWork


__all__ = ["SHORTEST_WINDOW", "Pruned", "prune"]

SHORTEST_WINDOW = dt.timedelta(days=7)
"""
The shortest window a prune keeps: Meta retries a failed webhook delivery
for up to 7 days, and a late retry of a forgotten event id would look new.
"""

Pruned = tuple[int, int, int]
"""
How many processed ids, sent items and closed conversations a prune deleted.
"""

_ATTEMPTS = 5
"""
How many times a batch is run when its unit keeps losing races.
"""


def prune(
    store: Store,
    before: dt.datetime,
    *,
    now: dt.datetime,
    batch: int,
    account: str = DEFAULT_ACCOUNT,
) -> Pruned:
    """
    Delete from *store* what of *account* is older than *before*, a batch at a time.

    Args:
        store: The store to prune.
        account: The account whose rows go; another's are never touched.
        before: What is older than this goes; aware.
        now: The clock's time, which *before* must be 7 days or more behind.
        batch: The most rows of one kind one unit of work deletes.

    Returns:
        How many processed ids, sent items and closed conversations were
        deleted.

    Raises:
        ValueError: When *before* or *now* is naive, or *batch* is not
            positive.
        RetentionError: When *before* is less than 7 days before *now*.
        StoreError: When the store fails: the batches committed before
            stay deleted.
    """
    aware(before, "before")
    aware(now, "now")
    if batch < 1:
        raise ValueError(f"a prune's batch must be 1 or more rows, not {batch}")
    # A difference, not now - window: that overflows at the calendar's start.
    if now - before < SHORTEST_WINDOW:
        raise RetentionError(before, now, SHORTEST_WINDOW)
    return (
        _in_batches(store, account, lambda uow: uow.processed.prune(before, batch), batch),
        _in_batches(store, account, lambda uow: uow.outbox.prune_sent(before, batch), batch),
        _in_batches(
            store, account, lambda uow: uow.conversations.prune_closed(before, batch), batch
        ),
    )


def _in_batches(store: Store, account: str, step: Callable[[UnitOfWork], int], batch: int) -> int:
    # Runs *step* in a unit of work of its own until it deletes less than a
    # batch; the total it deleted.
    total = 0
    while True:
        deleted = _unit(store, account, step)
        total += deleted
        if deleted < batch:
            return total


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
