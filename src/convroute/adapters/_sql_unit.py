"""
What the units of work and the stores of both SQL stores share.

Each unit runs its statements its own way (SQLite at once, PostgreSQL
queued and pipelined); the repositories over it, and closing a store at
the end of ``with``, are the same.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self, cast

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
        # The subclass is the unit the repositories run on.
        unit = cast("SQLUnit", self)
        self.leads = SQLLeads(unit)
        self.opportunities = SQLOpportunities(unit)
        self.conversations = SQLConversations(unit)
        self.turns = SQLTurns(unit)
        self.users = SQLUsers(unit)
        self.funnel_records = SQLFunnelRecords(unit)
        self.processed = SQLProcessed(unit)
        self.outbox = SQLOutbox(unit)
        self.ticks = SQLTicks(unit)
        self.numbers = SQLNumbers(unit)


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
