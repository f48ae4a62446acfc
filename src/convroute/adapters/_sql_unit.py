"""
What the units of work and the stores of both SQL stores share.

Each unit runs its statements its own way (SQLite at once, PostgreSQL
queued and pipelined); the repositories over it, and closing a store at
the end of ``with``, are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Generic, Self, TypeVar, cast, overload

from convroute.adapters._codec import RecentValues
from convroute.adapters._sql_repositories import (
    SQLConversations,
    SQLFunnelRecords,
    SQLLeads,
    SQLNumbers,
    SQLOpportunities,
    SQLOutbox,
    SQLProcessed,
    SQLTicks,
    SQLTurns,
    SQLUnit,
    SQLUsers,
)
from convroute.adapters._sql_statements import Statements


_R = TypeVar("_R")


class _PerUnit(Generic[_R]):
    """
    A repository of a unit, made over the unit the first time it is asked for, then kept.
    """

    def __init__(self, kind: Callable[[SQLUnit], _R]) -> None:
        self._kind = kind
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, unit: None, owner: type) -> Self: ...

    @overload
    def __get__(self, unit: object, owner: type) -> _R: ...

    def __get__(self, unit: object, owner: type) -> _R | Self:
        if unit is None:
            return self
        made = self._kind(cast("SQLUnit", unit))
        # Kept in the unit's own attributes, which Python reads before a
        # descriptor without __set__: the next access costs a lookup.
        vars(unit)[self._name] = made
        return made


class SQLRepositories:
    """
    The ten repositories of a SQL unit of work, made over the unit itself.

    The unit gives what `convroute.adapters._sql_repositories.SQLUnit` asks:
    the statements, the account they bind, the ways to run them, and the
    locks.
    """

    def __init__(self, sql: Statements, account: str, values: RecentValues) -> None:
        self.sql = sql
        self.account = account
        self.values = values

    # Each made the first time the unit's caller asks for it (an event asks
    # for a few of the ten), over the unit: the subclass.
    leads = _PerUnit(SQLLeads)
    opportunities = _PerUnit(SQLOpportunities)
    conversations = _PerUnit(SQLConversations)
    turns = _PerUnit(SQLTurns)
    users = _PerUnit(SQLUsers)
    funnel_records = _PerUnit(SQLFunnelRecords)
    processed = _PerUnit(SQLProcessed)
    outbox = _PerUnit(SQLOutbox)
    ticks = _PerUnit(SQLTicks)
    numbers = _PerUnit(SQLNumbers)


class ClosedOnExit:
    """
    A store that closes (this thread's connection) at the end of ``with``.
    """

    def close(self) -> None:
        """
        Close what the store opened for this thread.
        """
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
