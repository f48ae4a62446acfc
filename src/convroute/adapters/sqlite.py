"""
`SQLiteStore`: convroute's state in one SQLite file, the embedded default.

Standard library ``sqlite3`` only.  Each thread gets its own connection;
each unit of work is one ``BEGIN IMMEDIATE`` transaction, so units never
interleave, also across processes sharing the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from contextlib import AbstractContextManager

from convroute._accounts import DEFAULT_ACCOUNT, account_name
from convroute.adapters._codec import RecentValues
from convroute.adapters._sql_accounts import accounts_query
from convroute.adapters._sql_unit import ClosedOnExit
from convroute.adapters._sqlite_opening import (
    connect_read_only,
    opening_error,
    refuse_unwritable_file,
)
from convroute.adapters._sqlite_schema import SCHEMA_VERSION, connect
from convroute.adapters._sqlite_unit import SQLiteUnit
from convroute.adapters._unit_rules import nested
from convroute.errors import StoreError
from convroute.ports import UnitOfWork


__all__ = ["SQLiteStore"]

# Names sqlite3 reads as a database of the connection's own: with one
# connection per thread, each thread would see a different, empty one.
_PRIVATE_DATABASES = frozenset({"", ":memory:"})
_ACCOUNTS = accounts_query(lambda name: name)


class SQLiteStore(ClosedOnExit):
    """
    A store in one SQLite file: `convroute.ports.Store`.

    The file is created, or upgraded to the current schema, when the store
    opens it (unless *read_only*); its settings are write-ahead logging and
    ``synchronous=NORMAL``.  Each thread that uses the store gets its own
    connection; each unit of work is one ``BEGIN IMMEDIATE`` transaction
    (taken when the ``with`` block begins, committed when it ends, rolled
    back when it raises), so units never interleave, whether they run in
    threads of one process or in several processes sharing the file.  A
    unit that waits longer than *timeout* for another's lock fails with
    `StoreError`, as does any other SQLite failure.

        >>> import pathlib, tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> with SQLiteStore(pathlib.Path(folder.name) / "state.db") as store:
        ...     with store.unit_of_work() as uow:
        ...         uow.users.set_presence("u-asha", True)
        >>> folder.cleanup()

    Args:
        path: The database file; created when missing.  ``":memory:"`` is
            refused: each thread's connection would hold its own database
            (use `convroute.testing.MemoryStore`).
        timeout: How long a unit of work waits for another's write lock, in
            seconds, trying again every 0.2 ms.
        read_only: A reader's store (reports): the file is opened with
            SQLite's ``mode=ro`` and never created, switched to
            write-ahead logging or upgraded, so a file the process may not
            write can be read; its units begin a read transaction
            (``BEGIN``), which sees one consistent state and, with
            write-ahead logging, never blocks the writers, however long it
            lasts; a write is refused with `StoreError`.

    Raises:
        StoreUnusableError: When the file cannot be used as it is found: it
            is not a database, or another program's, or is damaged; its schema is one
            this convroute does not know (newer, or negative), or, with
            *read_only*, an older one; it cannot be read; with
            *read_only*, it is not there; without, it (or its folder) may
            not be written.
        StoreError: When the file cannot be opened otherwise.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, read_only: bool = False
    ) -> None:
        self._path = os.fspath(path)
        self._read_only = read_only
        self._values = RecentValues()
        if self._path in _PRIVATE_DATABASES:
            raise StoreError(
                f"SQLiteStore needs a file, not {self._path!r}: each thread's connection "
                "would get a database of its own; use convroute.testing.MemoryStore instead"
            )
        self._timeout = timeout
        self._local = threading.local()
        # Open this thread's connection now, so that a bad path fails here
        # rather than at the first event.
        self._connection()

    @property
    def path(self) -> str:
        """
        The database file.
        """
        return self._path

    @property
    def single_writer(self) -> bool:
        """
        True: every unit takes the file's one write lock, so a prune rests between its batches.
        """
        return True

    @property
    def schema_version(self) -> int:
        """
        The schema version this store writes, the file's ``user_version``.
        """
        return SCHEMA_VERSION

    def unit_of_work(self, account: str = DEFAULT_ACCOUNT) -> AbstractContextManager[UnitOfWork]:
        """
        Open a unit of work on this thread's connection, on *account*'s rows.

        Every account's units take the file's one write lock: they run one
        at a time, whatever their account.

        Returns:
            A context manager giving the repositories: commits when the
            block ends, rolls back when it raises.

        Raises:
            AccountError: When *account* is not an account name.
            StoreError: When the connection cannot be opened, or (on
                entering) when the write lock is not had within the
                timeout or this thread has a unit open already.
        """
        name = account_name(account)
        return SQLiteUnit(
            self._connection(),
            self._path,
            name,
            timeout=self._timeout,
            read_only=self._read_only,
            values=self._values,
        )

    def accounts(self) -> frozenset[str]:
        """
        The accounts the file holds any value of: a row in any of its tables.

        One read, which sees the units committed before it and waits for
        no writer.  An account whose units only read, or were rolled back,
        is not held.

        Raises:
            StoreError: When the file cannot be read, or this thread has a
                unit of work open (its uncommitted rows would be counted).
        """
        connection = self._connection()
        if connection.in_transaction:
            raise nested()
        try:
            rows = connection.execute(_ACCOUNTS).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot list the accounts of the SQLite store {self._path!r}: {exc}"
            ) from exc
        return frozenset(name for (name,) in rows)

    def close(self) -> None:
        """
        Close this thread's connection; using the store again reopens one.

        Each thread that used the store closes its own connection: sqlite3
        connections belong to the thread that opened them.
        """
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            self._local.connection = None
            connection.close()

    def __repr__(self) -> str:
        reading = ", read_only=True" if self._read_only else ""
        return f"SQLiteStore({self._path!r}, timeout={self._timeout!r}{reading})"

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                if self._read_only:
                    connection = connect_read_only(self._path, self._timeout)
                else:
                    refuse_unwritable_file(self._path)
                    connection = connect(self._path, self._timeout)
                    # Its units wait for the write lock themselves (POLL).
                    connection.execute("PRAGMA busy_timeout = 0")
            except sqlite3.Error as exc:
                raise opening_error(self._path, exc, read_only=self._read_only) from exc
            self._local.connection = connection
        return connection
