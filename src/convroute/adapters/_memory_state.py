"""
The in-memory store's state, and the journal that undoes a unit's writes.

Every write of a unit of work goes through a `Journal` that remembers what
it replaced, so that rolling a unit back costs as much as the unit wrote,
never a copy of the whole state.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading

from collections.abc import Callable, MutableMapping
from typing import Any, Final

from convroute.adapters._sorted_keys import SortedKeys
from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem


__all__ = ["Held", "Journal", "MemoryGate", "MemoryState", "Timed"]

_ABSENT: Final = object()

Held = tuple[int, Phone, Phone]
"""
An assigned conversation as the assignee's index holds it: the microseconds
of its last message since the epoch, its lead, its number.
"""

Timed = tuple[int, Phone, Phone]
"""
A conversation as the due and waiting indexes hold it: the microseconds of
its due time (or of its wait's start) since the epoch, its lead, its number.
"""


class Journal:
    """
    What the writes of one unit of work replaced, to undo them.
    """

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        # (table, key, old value), or (None, undo function, None) for writes
        # that are not to a mapping.
        self._entries: list[tuple[MutableMapping[Any, Any] | None, Any, Any]] = []

    def put(self, table: MutableMapping[Any, Any], key: object, value: object) -> None:
        """
        Set ``table[key]``, remembering what was there.
        """
        self._entries.append((table, key, table.get(key, _ABSENT)))
        table[key] = value

    def pop(self, table: MutableMapping[Any, Any], key: object) -> None:
        """
        Remove *key* from *table* if it is there, remembering its value.
        """
        old = table.pop(key, _ABSENT)
        if old is not _ABSENT:
            self._entries.append((table, key, old))

    def on_undo(self, undo: Callable[[], object]) -> None:
        """
        Call *undo* when the unit is undone, in its turn among the writes.
        """
        self._entries.append((None, undo, None))

    def undo(self) -> None:
        """
        Undo every write, latest first.
        """
        for table, key, old in reversed(self._entries):
            if table is None:
                key()
            elif old is _ABSENT:
                del table[key]
            else:
                table[key] = old
        self._entries.clear()


class MemoryGate:
    """
    The lock of a `MemoryStore`'s units of work, whatever their account, and their counts.
    """

    __slots__ = ("committed", "lock", "owner", "rolled_back")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: int | None = None
        self.committed = 0
        self.rolled_back = 0


_VALUES = (
    "away",
    "conversations",
    "last_tick",
    "leads",
    "numbers",
    "opportunities",
    "outbox",
    "passes",
    "presence",
    "processed",
    "records",
    "turns",
    "users",
)
"""
What a `MemoryState` keeps of an account's values, one table each: a SQL
store keeps each in rows (or columns of a row) of its own.
"""

_ORDERS = (
    "by_assignee",
    "by_due",
    "by_waiting",
    "by_waiting_rule",
    "outbox_order",
    "pending",
    "records_by_lead",
    "serial",
)
"""
What a `MemoryState` keeps only to find and order those values: none holds
an account's value, nor makes its account held.
"""


class MemoryState:
    """
    Everything a `MemoryStore` holds for one account.
    """

    # Every attribute is declared in one of the two: an attribute in
    # neither cannot be set.
    __slots__ = _VALUES + _ORDERS

    def __init__(self) -> None:
        self.leads: dict[Phone, Lead] = {}
        self.opportunities: dict[Phone, dict[str, Opportunity]] = {}
        self.conversations: dict[tuple[Phone, Phone], Conversation] = {}
        # The assigned conversations of each user, sorted by the instant of
        # their last message: open_counts counts these by bisection, rather
        # than reading every conversation a user was ever assigned.
        self.by_assignee: dict[str, list[Held]] = {}
        # Conversations with a due time, in due-time order; unrouted ones
        # waiting, in the order their waits began: what a tick reads.
        self.by_due = SortedKeys()
        self.by_waiting = SortedKeys()
        # The same waits by rule: a pass reads one rule's queue.
        self.by_waiting_rule: dict[str | None, SortedKeys] = {}
        self.turns: dict[str, TurnRecord] = {}
        self.numbers: dict[Phone, str] = {}
        self.users: dict[str, User] = {}
        self.presence: dict[str, bool] = {}
        self.away: dict[str, dt.datetime] = {}
        # A one-entry mapping (key None), so that the journal can undo it.
        self.last_tick: dict[None, dt.datetime] = {}
        # Full waiting passes owed (by presence, user and close events) and
        # done, once there is a tick: the keys "owed" and "done".
        self.passes: dict[str, int] = {}
        self.records: dict[str, Transition] = {}
        self.records_by_lead: dict[Phone, dict[str, None]] = {}
        # Keyed by the ids' digests, as the SQL stores keep them.
        self.processed: dict[bytes, dt.datetime] = {}
        self.outbox: dict[str, OutboxItem] = {}
        # Insertion numbers break ties of created_at; a rollback that puts an
        # item back must not change its place, so they are kept apart.
        self.outbox_order: dict[str, int] = {}
        self.pending: dict[str, None] = {}
        self.serial = itertools.count()

    def holds_values(self) -> bool:
        """
        Whether the account keeps any value: a row, were it a SQL store's.

        Every table of values is asked, and only those: the aids that
        find and order them are left out.
        """
        return any(getattr(self, name) for name in _VALUES)
