"""
How a SQLite store's file is opened read-only, and what a failed open means.

A reader's connection is opened with SQLite's ``mode=ro``: it never creates
the file, switches its journal mode or upgrades its schema, so a file the
process may not write (mode 0444, a read-only folder, another user's file)
can be read.  A file in write-ahead-log mode needs its shared-memory file
(``-shm``) beside it: SQLite makes one when the folder can be written, and
reads one a writer left there.  In a folder that cannot be written and
with no write-ahead log beside the file, no writer has the file open (a
writer keeps its log while it does), so the file is read as SQLite's
``immutable``: without locks, as it stands.
"""

from __future__ import annotations

import os
import pathlib
import sqlite3

from convroute.adapters._sqlite_schema import (
    SCHEMA_VERSION,
    refuse_unknown_version,
    schema_version,
)
from convroute.errors import StoreError, StoreUnusableError


__all__ = ["connect_read_only", "opening_error", "refuse_unwritable_file", "unwritable_error"]

_NEEDS_WRITE_ACCESS = (
    "a store opened to be written needs write access to its file and to the folder it is in "
    "(commands that only read open it read-only)"
)


def connect_read_only(path: str, timeout: float) -> sqlite3.Connection:
    """
    Open a read-only connection to the store in *path*, at this convroute's schema.

    Autocommit mode, ``query_only``, and a busy timeout of *timeout* seconds;
    nothing of the file is changed.

    Raises:
        sqlite3.Error: When the file cannot be opened or read.
        StoreUnusableError: When the file holds no convroute store, or one
            of another schema version (an older one is upgraded only by a
            store that may write).
    """
    connection = _open(path, timeout, immutable=False)
    try:
        try:
            version = schema_version(connection)
        except sqlite3.OperationalError as exc:
            if not _shared_memory_cannot_be_made(exc, path):
                raise
            connection.close()
            connection = _open(path, timeout, immutable=True)
            version = schema_version(connection)
        _refuse_other_versions(connection, version)
    except BaseException:
        connection.close()
        raise
    return connection


def refuse_unwritable_file(path: str) -> None:
    """
    Refuse to open *path* to write when this process may not write it.

    SQLite would open it all the same, read-only, and fail at the first
    write, or not at all for a unit that happens to write nothing.

    Raises:
        StoreUnusableError: When the file is there and may not be written.
    """
    effective = os.access in os.supports_effective_ids
    if pathlib.Path(path).exists() and not os.access(path, os.W_OK, effective_ids=effective):
        raise StoreUnusableError(
            f"cannot write the SQLite store {path!r}: the file is read-only for this user; "
            + _NEEDS_WRITE_ACCESS
        )


def opening_error(path: str, exc: sqlite3.Error, *, read_only: bool) -> StoreError:
    """
    The error that tells why SQLite could not open the store in *path*.

    A file that is not there (for a reader), cannot be read or made, is no
    database, is damaged, or may not be written by a writer is a
    `StoreUnusableError`;
    anything else (a lock not had in time, a disk that fails) a plain
    `StoreError`.
    """
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_READONLY:
        return unwritable_error(path, exc)
    if code == sqlite3.SQLITE_CANTOPEN and read_only and not pathlib.Path(path).exists():
        return StoreUnusableError(
            f"no SQLite store at {path!r}: no such file (a read-only store is never created)"
        )
    if code == sqlite3.SQLITE_CORRUPT:
        return damaged_error(path, exc)
    if code in {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM}:
        return StoreUnusableError(f"cannot open the SQLite store {path!r}: {exc}")
    return StoreError(f"cannot open the SQLite store {path!r}: {exc}")


def damaged_error(path: str, exc: Exception, doing: str | None = None) -> StoreUnusableError:
    """
    The error for a store whose file SQLite finds damaged (cut short, overwritten).

    Running again cannot cure it: the file is to be restored from a backup.
    """
    where = f"SQLite store {path!r}" + ("" if doing is None else f": {doing}")
    return StoreUnusableError(
        f"{where}: the file is damaged ({exc}); restore it from a backup "
        "(sqlite3's .recover may save some of it)"
    )


def unwritable_error(path: str, exc: Exception, doing: str | None = None) -> StoreUnusableError:
    """
    The error for a write SQLite refused as read-only in a store opened to write.

    The file, its write-ahead log or its folder is read-only for this
    process: when the store opened it, or since (*doing* then says what
    the unit was doing).
    """
    where = f"cannot write the SQLite store {path!r}" + ("" if doing is None else f": {doing}")
    return StoreUnusableError(
        f"{where}: the file or its folder is read-only for this user ({exc}); "
        + _NEEDS_WRITE_ACCESS
    )


def _open(path: str, timeout: float, *, immutable: bool) -> sqlite3.Connection:
    # A URI names the file whatever characters its path holds (as_uri
    # quotes them); SQLite's own parameters follow the ``?``.
    options = "mode=ro&immutable=1" if immutable else "mode=ro"
    uri = f"{pathlib.Path(path).absolute().as_uri()}?{options}"
    connection = sqlite3.connect(
        uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=True
    )
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        connection.execute("PRAGMA query_only = ON")
    except BaseException:
        connection.close()
        raise
    return connection


def _shared_memory_cannot_be_made(exc: sqlite3.OperationalError, path: str) -> bool:
    # A write-ahead log beside the file means a writer has it open (or
    # crashed with it): reading the file alone would miss its commits.
    code = getattr(exc, "sqlite_errorcode", 0)
    cannot = code == sqlite3.SQLITE_READONLY_DIRECTORY or code & 0xFF == sqlite3.SQLITE_CANTOPEN
    return cannot and not pathlib.Path(f"{path}-wal").exists()


def _refuse_other_versions(connection: sqlite3.Connection, version: int) -> None:
    refuse_unknown_version(connection, version, SCHEMA_VERSION)
    if version == 0:
        raise StoreUnusableError("the database is empty: it holds no convroute store")
    if version < SCHEMA_VERSION:
        raise StoreUnusableError(
            f"the database has schema version {version}, older than this convroute's "
            f"({SCHEMA_VERSION}), and a store opened read-only never upgrades it: opening it "
            "to write upgrades it in place (the service does when it starts), which needs "
            "write access to the file and its folder"
        )
