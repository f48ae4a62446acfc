"""
The reference adapters: a store in memory, a transport that records.
"""

from __future__ import annotations

import threading

from collections.abc import Callable
from contextlib import AbstractContextManager

from convroute._accounts import DEFAULT_ACCOUNT, account_name
from convroute.adapters._memory import MemoryUnit
from convroute.adapters._memory_state import MemoryGate, MemoryState
from convroute.adapters._unit_rules import nested
from convroute.ports import UnitOfWork
from convroute.state import OutboxItem


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
    the same objects.  Each account's values are kept apart, in a state of
    their own; one lock serves every account's units.

    Attributes:
        committed: How many units of work committed.
        rolled_back: How many units of work were undone.
    """

    def __init__(self) -> None:
        self._gate = MemoryGate()
        self._accounts: dict[str, MemoryState] = {}

    @property
    def committed(self) -> int:
        """
        How many units of work committed, of every account.
        """
        return self._gate.committed

    @property
    def rolled_back(self) -> int:
        """
        How many units of work were undone because their block raised.
        """
        return self._gate.rolled_back

    def unit_of_work(self, account: str = DEFAULT_ACCOUNT) -> AbstractContextManager[UnitOfWork]:
        """
        Open a unit of work on *account*'s values.

        It commits when the block ends, and is undone when the block raises.

        Returns:
            A context manager giving the repositories.

        Raises:
            AccountError: When *account* is not an account name.
            StoreError: On entering, when this thread has a unit open already.
        """
        name = account_name(account)
        state = self._accounts.get(name)
        if state is None:
            # setdefault: two threads opening a new account's first units
            # at once get one state.
            state = self._accounts.setdefault(name, MemoryState())
        return MemoryUnit(self._gate, state)

    def accounts(self) -> frozenset[str]:
        """
        The accounts the store holds any value of.

        An account whose units only read, or were undone, is not held; nor
        is one whose every value was removed since.

        Raises:
            StoreError: When this thread has a unit of work open (it holds
                the lock the listing waits for).
        """
        gate = self._gate
        if gate.owner == threading.get_ident():
            raise nested()
        with gate.lock:
            # A copy: a first unit of a new account adds its state unlocked.
            states = tuple(self._accounts.items())
            return frozenset(name for name, state in states if state.holds_values())

    def __repr__(self) -> str:
        states = list(self._accounts.values())
        leads = sum(len(state.leads) for state in states)
        conversations = sum(len(state.conversations) for state in states)
        records = sum(len(state.records) for state in states)
        outbox = sum(len(state.outbox) for state in states)
        pending = sum(len(state.pending) for state in states)
        gate = self._gate
        return (
            f"<MemoryStore accounts={len(states)} leads={leads} conversations={conversations} "
            f"funnel_records={records} outbox={outbox} pending={pending} "
            f"committed={gate.committed} rolled_back={gate.rolled_back}>"
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
