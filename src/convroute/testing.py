"""
Reference adapters for tests and scripts: a store in memory, a transport that records.

`MemoryStore` implements `convroute.ports.Store` in plain dicts, with real
units of work: one at a time, committed when the ``with`` block ends, undone
when it raises.  `RecordingTransport` implements `convroute.ports.Transport`
by keeping every item it delivers in `RecordingTransport.sent`, and fails
when told to.

    >>> from convroute.routing import TurnRecord
    >>> store = MemoryStore()
    >>> with store.unit_of_work() as uow:
    ...     uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",)))
    >>> store.committed
    1

For a store that outlives the process, see `convroute.adapters.SQLiteStore`.
"""

from __future__ import annotations

import threading

from collections.abc import Callable
from contextlib import AbstractContextManager

from convroute.adapters._memory import MemoryUnit
from convroute.adapters._memory_state import MemoryState
from convroute.ports import UnitOfWork
from convroute.state import OutboxItem


__all__ = ["DeliveryFailed", "MemoryStore", "RecordingTransport"]


class MemoryStore:
    """
    A store that keeps convroute's state in memory: `convroute.ports.Store`.

    Units of work never interleave: each holds the store's lock from the
    start of its ``with`` block to the end, so a round-robin pick and its
    record are atomic, also across threads.  A unit commits when its block
    ends and is undone when the block raises; undoing costs as much as the
    unit wrote.  A unit cannot be opened inside another in the same thread
    (`StoreError`), and its repositories refuse to work once it ended.

    Values are kept as they were saved (they are frozen), and come back as
    the same objects.

    Attributes:
        committed: How many units of work committed.
        rolled_back: How many units of work were undone.
    """

    def __init__(self) -> None:
        self._state = MemoryState()

    @property
    def committed(self) -> int:
        """
        How many units of work committed.
        """
        return self._state.committed

    @property
    def rolled_back(self) -> int:
        """
        How many units of work were undone because their block raised.
        """
        return self._state.rolled_back

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """
        Open a unit of work: commits when the block ends, undone when it raises.

        Returns:
            A context manager giving the repositories.

        Raises:
            StoreError: On entering, when this thread has a unit open already.
        """
        return MemoryUnit(self._state)

    def __repr__(self) -> str:
        state = self._state
        return (
            f"<MemoryStore leads={len(state.leads)} conversations={len(state.conversations)} "
            f"funnel_records={len(state.records)} outbox={len(state.outbox)} "
            f"pending={len(state.pending)} committed={state.committed} "
            f"rolled_back={state.rolled_back}>"
        )


class DeliveryFailed(RuntimeError):  # noqa: N818 - named for what the host's transport reports
    """
    What a `RecordingTransport` raises when told to fail a delivery.

    Attributes:
        item: The item that was not delivered.
    """

    item: OutboxItem

    def __init__(self, item: OutboxItem) -> None:
        self.item = item
        super().__init__(f"delivery of outbox item {item.id!r} ({item.type}) failed, as told")


class RecordingTransport:
    """
    A transport that keeps what it delivers: `convroute.ports.Transport`.

    Told to fail, it raises `DeliveryFailed` and records nothing in `sent`:
    give *fail* a number to fail that many next deliveries, or a function
    that says which items fail (``lambda item: item.type == "send"``).
    `fail_next` adds failures later.  It is safe to share between threads.

        >>> transport = RecordingTransport(fail=1)
        >>> transport
        <RecordingTransport sent=0 failed=0 failing_next=1>

    Args:
        fail: How many of the next deliveries fail, or a function of the
            item that returns ``True`` for those that fail.

    Attributes:
        sent: The items delivered, in order (the same item twice if it was
            delivered twice).
        failed: The items whose delivery failed, in order.
    """

    def __init__(self, fail: int | Callable[[OutboxItem], bool] = 0) -> None:
        self.sent: list[OutboxItem] = []
        self.failed: list[OutboxItem] = []
        self._lock = threading.Lock()
        self._failing_next = 0
        self._fails: Callable[[OutboxItem], bool] | None = None
        if callable(fail):
            self._fails = fail
        else:
            self.fail_next(fail)

    def fail_next(self, count: int = 1) -> None:
        """
        Make the next *count* deliveries fail, besides any told before.

        Args:
            count: How many.

        Raises:
            ValueError: When *count* is negative.
        """
        if count < 0:
            raise ValueError(f"a count of failures cannot be negative: {count}")
        with self._lock:
            self._failing_next += count

    @property
    def sent_ids(self) -> list[str]:
        """
        The ids of the items delivered, in order.
        """
        return [item.id for item in self.sent]

    def deliver(self, item: OutboxItem) -> None:
        """
        Record *item* as delivered, or fail as told.

        Args:
            item: The outbox item.

        Raises:
            DeliveryFailed: When this delivery was told to fail.
        """
        with self._lock:
            failing = self._failing_next > 0
            if failing:
                self._failing_next -= 1
            elif self._fails is not None:
                failing = self._fails(item)
            if failing:
                self.failed.append(item)
            else:
                self.sent.append(item)
        if failing:
            raise DeliveryFailed(item)

    def __repr__(self) -> str:
        told = f" fail={self._fails!r}" if self._fails is not None else ""
        return (
            f"<RecordingTransport sent={len(self.sent)} failed={len(self.failed)} "
            f"failing_next={self._failing_next}{told}>"
        )
