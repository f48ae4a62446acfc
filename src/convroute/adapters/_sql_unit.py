"""
What the units of work of both SQL stores share: running a statement.

Every statement goes through `StatementRunner`, which checks that the
unit is open and turns the driver's failures into `StoreError`; each store
says what its driver raises and what a failure does to its unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self

from convroute.adapters._sql_repositories import (
    SQLConversations,
    SQLFunnelRecords,
    SQLLeads,
    SQLOpportunities,
    SQLOutbox,
    SQLProcessed,
    SQLTurns,
    SQLUsers,
)
from convroute.adapters._sql_statements import Statements
from convroute.errors import StoreError


class StatementRunner:
    """
    The repositories of a SQL unit of work, and the four ways they run SQL.

    Subclasses give `check_open`, `failed` and the driver's `FAILURES`.
    """

    FAILURES: tuple[type[Exception], ...] = ()

    def __init__(self, sql: Statements) -> None:
        self.sql = sql
        self.leads = SQLLeads(self)
        self.opportunities = SQLOpportunities(self)
        self.conversations = SQLConversations(self)
        self.turns = SQLTurns(self)
        self.users = SQLUsers(self)
        self.funnel_records = SQLFunnelRecords(self)
        self.processed = SQLProcessed(self)
        self.outbox = SQLOutbox(self)

    def check_open(self) -> Any:
        """
        The connection, once the unit is known to be open and usable.

        Raises:
            StoreError: When it is not.
        """
        raise NotImplementedError

    def failed(self, doing: str, exc: Exception) -> StoreError:
        """
        The error to raise for a statement that failed with *exc*.
        """
        raise NotImplementedError

    def lock(self, kind: str, keys: Iterable[str]) -> None:
        """
        Hold the locks of *keys* of this *kind* until the unit ends.
        """
        raise NotImplementedError

    def run(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """
        Run one statement that writes.

        Returns:
            How many rows it changed.

        Raises:
            StoreError: When the database fails.
        """
        connection = self.check_open()
        try:
            return int(connection.execute(sql, parameters).rowcount)
        except self.FAILURES as exc:
            raise self.failed("a write failed", exc) from exc

    def write(self, sql: str, parameters: Sequence[Any] = ()) -> None:
        """
        Run one statement that writes, whose row count nobody needs.

        A store may send it later, with the unit's next statement that
        reads (or its commit): a read always sees the unit's own writes.

        Raises:
            StoreError: When the database fails, now or when it is sent.
        """
        self.run(sql, parameters)

    def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """
        `write`, once per row of parameters.

        Raises:
            StoreError: When the database fails, now or when it is sent.
        """
        self.run_many(sql, rows)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """
        Run one statement that writes, once per row of parameters.

        Raises:
            StoreError: When the database fails.
        """
        connection = self.check_open()
        batch = list(rows)
        if not batch:
            return
        cursor = connection.cursor()
        try:
            cursor.executemany(sql, batch)
        except self.FAILURES as exc:
            raise self.failed("a write failed", exc) from exc
        finally:
            cursor.close()

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """
        Run a query and fetch every row.

        Raises:
            StoreError: When the database fails.
        """
        connection = self.check_open()
        try:
            return list(connection.execute(sql, parameters).fetchall())
        except self.FAILURES as exc:
            raise self.failed("a read failed", exc) from exc

    def row(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """
        Run a query and fetch its first row, or ``None``.

        Raises:
            StoreError: When the database fails.
        """
        connection = self.check_open()
        try:
            return connection.execute(sql, parameters).fetchone()
        except self.FAILURES as exc:
            raise self.failed("a read failed", exc) from exc


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
