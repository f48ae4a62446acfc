"""
A unit of work of the SQLite store: one ``BEGIN IMMEDIATE`` transaction.

Every statement goes through `SQLiteUnit`, which turns `sqlite3.Error`
into `StoreError` and refuses to run once the unit's transaction is gone,
so that no write ever lands outside it in autocommit mode.
"""

from __future__ import annotations

import sqlite3

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self

from convroute.adapters._sqlite_repositories import (
    SQLiteConversations,
    SQLiteFunnelRecords,
    SQLiteLeads,
    SQLiteOpportunities,
    SQLiteOutbox,
    SQLiteProcessed,
    SQLiteTurns,
    SQLiteUsers,
)
from convroute.adapters._unit_rules import nested, not_open, refuse_reuse
from convroute.errors import StoreError


# sqlite3 raises these itself; a str that cannot be encoded as UTF-8 (a lone
# surrogate) fails before SQLite sees it.
_FAILURES = (sqlite3.Error, UnicodeEncodeError)


class SQLiteUnit:
    """
    The repositories of one transaction on one connection.
    """

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._connection = connection
        self._path = path
        self._open = False
        self._ended = False
        self.leads = SQLiteLeads(self)
        self.opportunities = SQLiteOpportunities(self)
        self.conversations = SQLiteConversations(self)
        self.turns = SQLiteTurns(self)
        self.users = SQLiteUsers(self)
        self.funnel_records = SQLiteFunnelRecords(self)
        self.processed = SQLiteProcessed(self)
        self.outbox = SQLiteOutbox(self)

    def __enter__(self) -> Self:
        refuse_reuse(opened=self._open, ended=self._ended)
        if self._connection.in_transaction:
            raise nested()
        try:
            # IMMEDIATE takes the write lock now, not at the first write: the
            # reads of the unit then see what no other writer can change.
            self._connection.execute("BEGIN IMMEDIATE")
        except _FAILURES as exc:
            raise self._error("cannot begin a unit of work", exc) from exc
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._open = False
        self._ended = True
        if exc_type is not None:
            self._rollback()
            return
        if not self._connection.in_transaction:
            raise StoreError(
                f"SQLite store {self._path!r}: the unit of work's transaction was rolled back "
                "after an error; nothing of it was committed"
            )
        try:
            self._connection.execute("COMMIT")
        except _FAILURES as failure:
            self._rollback()
            raise self._error("cannot commit", failure) from failure

    def check_open(self) -> sqlite3.Connection:
        """
        The connection, once the unit is known to be open in its transaction.

        Raises:
            StoreError: When the unit is not open, or SQLite ended its
                transaction after an error.
        """
        if not self._open:
            raise not_open()
        if not self._connection.in_transaction:
            self._open = False
            raise StoreError(
                f"SQLite store {self._path!r}: the unit of work's transaction was rolled back "
                "after an error; open a new unit of work"
            )
        return self._connection

    def run(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """
        Run one statement that writes.

        Returns:
            How many rows it changed.

        Raises:
            StoreError: When SQLite fails.
        """
        connection = self.check_open()
        try:
            return connection.execute(sql, parameters).rowcount
        except _FAILURES as exc:
            raise self._error("a write failed", exc) from exc

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """
        Run one statement that writes, once per row of parameters.

        Raises:
            StoreError: When SQLite fails.
        """
        connection = self.check_open()
        try:
            connection.executemany(sql, rows)
        except _FAILURES as exc:
            raise self._error("a write failed", exc) from exc

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """
        Run a query and fetch every row.

        Raises:
            StoreError: When SQLite fails.
        """
        connection = self.check_open()
        try:
            return connection.execute(sql, parameters).fetchall()
        except _FAILURES as exc:
            raise self._error("a read failed", exc) from exc

    def row(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """
        Run a query and fetch its first row, or ``None``.

        Raises:
            StoreError: When SQLite fails.
        """
        connection = self.check_open()
        try:
            return connection.execute(sql, parameters).fetchone()
        except _FAILURES as exc:
            raise self._error("a read failed", exc) from exc

    def _rollback(self) -> None:
        if not self._connection.in_transaction:
            return
        try:
            self._connection.execute("ROLLBACK")
        except sqlite3.Error:
            # The exception that brought us here says more; SQLite rolls
            # back an unfinished transaction when the connection closes.
            return

    def _error(self, doing: str, exc: Exception) -> StoreError:
        return StoreError(f"SQLite store {self._path!r}: {doing}: {exc}")
