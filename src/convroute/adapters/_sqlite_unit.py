"""
A unit of work of the SQLite store: one ``BEGIN IMMEDIATE`` transaction.

Every statement goes through `SQLiteUnit`, which turns `sqlite3.Error`
into `StoreError` and refuses to run once the unit's transaction is gone,
so that no write ever lands outside it in autocommit mode.
"""

from __future__ import annotations

import sqlite3
import time

from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from convroute.adapters._codec import RecentValues
from convroute.adapters._sql_statements import statements
from convroute.adapters._sql_unit import SQLRepositories
from convroute.adapters._sqlite_opening import damaged_error, unwritable_error
from convroute.adapters._unit_rules import nested, not_open, refuse_reuse
from convroute.errors import StoreError


# sqlite3 raises these itself; a str that cannot be encoded as UTF-8 (a lone
# surrogate) fails before SQLite sees it.
_FAILURES = (sqlite3.Error, UnicodeEncodeError)

_T = TypeVar("_T")

_STATEMENTS = statements(lambda name: name, "?")

POLL = 0.0002
"""
How long a writer's unit sleeps between two tries at the write lock, in seconds.

SQLite's own busy handler sleeps longer each time (1, 2, 5, 10… up to 100
ms): a writer waiting beside another that takes the lock again at once (a
prune's batches) wakes too seldom to find it free, and waits for the
whole run.  Trying every 0.2 ms finds the gaps; a failed try costs a few
microseconds.
"""


class SQLiteUnit(SQLRepositories):
    """
    The repositories of one transaction on one connection, on one account's rows.

    The unit holds the file's write lock, whatever its account: SQLite
    keeps one writer per file.
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: str,
        account: str,
        *,
        timeout: float = 0.0,
        read_only: bool = False,
        values: RecentValues,
    ) -> None:
        super().__init__(_STATEMENTS, account, values)
        # A writer's unit takes the write lock at once; a reader's begins a
        # read transaction, a snapshot that blocks no writer.
        self._begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        self._read_only = read_only
        self._connection = connection
        self._path = path
        self._timeout = timeout
        self._open = False
        self._ended = False

    def __enter__(self) -> Self:
        refuse_reuse(opened=self._open, ended=self._ended)
        if self._connection.in_transaction:
            raise nested()
        try:
            # IMMEDIATE takes the write lock now, not at the first write: the
            # reads of the unit then see what no other writer can change.
            self._begin_transaction()
        except _FAILURES as exc:
            raise self._error("cannot begin a unit of work", exc) from exc
        self._open = True
        return self

    def _begin_transaction(self) -> None:
        # A reader's connection keeps SQLite's busy handler; a writer's has
        # none (the store sets its busy_timeout to 0) and waits here for
        # the write lock, trying every POLL seconds until its timeout.
        if self._begin == "BEGIN":
            self._connection.execute(self._begin)
            return
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                self._connection.execute(self._begin)
            except sqlite3.OperationalError as exc:
                # The primary code: SQLITE_BUSY_RECOVERY and the like too.
                code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
                if code != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            else:
                return
            time.sleep(POLL)

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
        return self._execute(sql, parameters, "a write failed").rowcount

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

    # In-process, a write costs no round trip: it runs at once.
    write = run
    write_many = run_many

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """
        Run a query and fetch every row.

        Raises:
            StoreError: When SQLite fails.
        """
        return self._execute(sql, parameters, "a read failed").fetchall()

    def row(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """
        Run a query and fetch its first row, or ``None``.

        Raises:
            StoreError: When SQLite fails.
        """
        return self._execute(sql, parameters, "a read failed").fetchone()

    def _execute(self, sql: str, parameters: Sequence[Any], doing: str) -> sqlite3.Cursor:
        connection = self.check_open()
        try:
            return connection.execute(sql, parameters)
        except _FAILURES as exc:
            raise self._error(doing, exc) from exc

    def lock(self, kind: str, keys: Iterable[str]) -> None:
        """
        Nothing to take: the unit holds the file's write lock from its start.
        """

    def try_lock(
        self,
        kind: str,  # noqa: ARG002 - one write lock covers every kind
        keys: Iterable[str],
    ) -> set[str]:
        """
        Every key: the unit holds the file's write lock from its start.
        """
        return set(keys)

    def remembered(
        self,
        key: tuple[str, str],  # noqa: ARG002 - nothing is remembered
        read: Callable[[], _T],
    ) -> _T:
        """
        What *read* gives, read each time: a read in process costs no round trip.
        """
        return read()

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
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_READONLY and self._read_only:
            return StoreError(
                f"SQLite store {self._path!r} is open with read_only=True, and a read-only "
                "store never writes: the write was refused; open one without read_only to write"
            )
        if code == sqlite3.SQLITE_READONLY:
            # The file, its log or its folder became read-only to this
            # process after the store opened it.
            return unwritable_error(self._path, exc, doing)
        if code == sqlite3.SQLITE_CORRUPT:
            # A page the opening never read: the damage shows only now.
            return damaged_error(self._path, exc, doing)
        return StoreError(f"SQLite store {self._path!r}: {doing}: {exc}")
