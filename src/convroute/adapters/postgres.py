"""
`PostgresStore`: convroute's state in PostgreSQL, shared by many workers.

Needs the ``postgres`` extra (``pip install 'convroute[postgres]'``, which
brings psycopg 3).  Several processes, on several machines, may process
events against one database at once: the database serialises what must
not interleave (see `convroute.adapters._postgres_unit` and
docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import threading
import weakref

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from convroute.errors import MissingExtraError, StoreError


try:
    import psycopg
except ImportError as exc:  # pragma: no cover - the tests run with the extra
    raise MissingExtraError("the PostgreSQL store", "postgres") from exc

from convroute._accounts import DEFAULT_ACCOUNT, account_name
from convroute.adapters._codec import RecentValues
from convroute.adapters._postgres_failure import store_error
from convroute.adapters._postgres_run import PipelinedUnits
from convroute.adapters._postgres_schema import SCHEMA_VERSION, migrate, quoted
from convroute.adapters._postgres_send import Sender
from convroute.adapters._postgres_unit import PeopleSeen, PostgresUnit
from convroute.adapters._sql_accounts import accounts_query
from convroute.adapters._sql_statements import statements
from convroute.adapters._sql_unit import ClosedOnExit
from convroute.adapters._unit_rules import nested
from convroute.ports import UnitOfWork


__all__ = ["ConnectionPool", "PostgresStore"]

_Connection = psycopg.Connection[Any]


class ConnectionPool(Protocol):
    """
    **Protocol**: a pool that lends connections, as ``psycopg_pool``'s does.
    """

    def connection(self, timeout: float | None = None) -> AbstractContextManager[_Connection]:
        """
        Lend a connection for the ``with`` block.
        """
        ...


class PostgresStore(ClosedOnExit):
    """
    A store in a PostgreSQL database: `convroute.ports.Store`.

    Its tables live in a schema of their own (*schema*), created, or
    upgraded to the current version, when the store opens: workers starting
    at once build it once.  Each unit of work is one transaction; units
    that touch the same lead, the same round-robin pool or the same user's
    capacity wait for each other, whichever processes or machines they run
    in, and others run side by side.

        >>> store = PostgresStore(url)  # doctest: +SKIP
        >>> with store.unit_of_work() as uow:  # doctest: +SKIP
        ...     uow.users.set_presence("u-asha", True)

    Args:
        source: Where the connections come from:

            - a connection string (``postgresql://user@host/db``, or
              ``key=value`` pairs): the store opens a connection per thread
              that uses it, and closes it when the thread ends, or at once
              in `close`;
            - a ``psycopg.Connection``: every unit of work runs on it, one
              at a time (units from several threads wait for each other);
              it stays the host's, and open;
            - a pool, such as ``psycopg_pool.ConnectionPool``: each unit of
              work borrows a connection for as long as it runs.

            A connection the store is given must not be inside a
            transaction when a unit of work begins.
        schema: The PostgreSQL schema of the store's tables.
        create: Whether to build the store when the schema holds none;
            with ``False``, a missing store is an error (for readers, such
            as reports, that a mistyped name should not send to an empty
            new store).
        upgrade: Whether to upgrade a store an older convroute wrote;
            with ``False``, such a store is an error and is left as it is
            (for readers, such as reports, which should not change a
            schema the service's workers use, nor need the right to).
            A store of this version is opened by reading it alone, either
            way: a role that may only read its tables opens it.

    Raises:
        StoreError: When the database cannot be reached.
        StoreUnusableError: When the schema's version is one this
            convroute does not know (newer, or negative), or (*create*
            false) there is no store in the schema, or (*upgrade* false)
            an older convroute wrote it.
        ValueError: When *schema* is not a plain lower-case name.
    """

    def __init__(
        self,
        source: str | _Connection | ConnectionPool,
        *,
        schema: str = "convroute",
        create: bool = True,
        upgrade: bool = True,
    ) -> None:
        self._schema = schema
        name = quoted(schema)
        self._sql = statements(
            lambda table: f"{name}.{table}",
            "%s",
            row_lock=" FOR UPDATE",
            skip_locked=" SKIP LOCKED",
            greatest="GREATEST",
            arrays=True,
        )
        self._accounts = accounts_query(lambda table: f"{name}.{table}")
        self._sender = Sender()
        self._values = RecentValues()
        self._people = PeopleSeen()
        self._source = source
        self._conninfo = source if isinstance(source, str) else ""
        self._lock = threading.Lock()
        # Each thread's own connection (from a connection string) sits in a
        # holder only this thread-local refers to: when the thread ends,
        # Python drops the holder, and its finaliser closes the connection.
        self._local = threading.local()
        self._describe = f"PostgreSQL store (schema {schema!r})"
        self._acquire: Callable[[], tuple[_Connection, Callable[[], None]]]
        if isinstance(source, str):
            self._acquire = self._own_connection
        elif isinstance(source, psycopg.Connection):
            self._acquire = self._given_connection
        else:
            self._acquire = self._pooled_connection
        connection, release = self._acquire()
        try:
            migrate(connection, schema, create=create, upgrade=upgrade)
        except BaseException as exc:
            release()
            # The store is not made: nobody could close what it opened.
            self.close()
            if isinstance(exc, psycopg.Error):
                raise store_error(StoreError, "cannot open the PostgreSQL store", exc) from None
            raise
        release()

    @property
    def schema(self) -> str:
        """
        The PostgreSQL schema of the store's tables.
        """
        return self._schema

    @property
    def schema_version(self) -> int:
        """
        The schema version this store writes.
        """
        return SCHEMA_VERSION

    def unit_of_work(self, account: str = DEFAULT_ACCOUNT) -> AbstractContextManager[UnitOfWork]:
        """
        Open a unit of work on *account*'s rows: one transaction, on a connection of its own.

        Its locks are the account's: units of two accounts never wait for
        each other over a lead, a pool or a user of the same name.

        Returns:
            A context manager giving the repositories: commits when the
            block ends, rolls back when it raises.

        Raises:
            AccountError: When *account* is not an account name.
            StoreError: (on entering) When no connection can be had, or this
                thread has a unit of this store open already.
            StoreConflictError: (on leaving, or from a repository) When
                PostgreSQL ended the unit to break a deadlock: nothing of it
                was kept, and it may be run again.
        """
        return self._unit(account_name(account))

    def _unit(self, account: str, run: PipelinedUnits | None = None) -> PostgresUnit:
        return PostgresUnit(
            self._nested_guard,
            self._sql,
            sender=self._sender,
            schema=self._schema,
            account=account,
            describe=self._describe,
            values=self._values,
            people=self._people,
            run=run,
        )

    def pipelined(self, account: str = DEFAULT_ACCOUNT) -> PipelinedUnits:
        """
        Open a run of units of work on *account*'s rows, each COMMIT sent with the next one's reads.

        For a worker with many events at hand, each to process in a unit of
        work of its own (`convroute.service.Service.process_many`): the run
        holds one connection, and a unit of it that ends does not wait for
        its COMMIT, which PostgreSQL runs before the next unit begins. Each
        unit is a transaction of its own, with its locks, as a unit of
        `unit_of_work` is; the run's `PipelinedUnits.committed` tells how
        many of them are known to be committed.

            >>> with store.pipelined() as run:  # doctest: +SKIP
            ...     for phone in phones:
            ...         with run.unit_of_work() as uow:
            ...             uow.users.set_presence(phone, True)
            >>> run.committed  # doctest: +SKIP

        Returns:
            A context manager giving the run: sends the last unit's COMMIT
            and gives the connection back when the block ends.

        Raises:
            AccountError: When *account* is not an account name.
            StoreError: (on entering) When no connection can be had, the
                connection given is inside a transaction, or this thread has
                a unit of this store open already; (on leaving) when the last
                units' COMMIT fails.
        """
        name = account_name(account)
        return PipelinedUnits(
            self._nested_guard,
            lambda run: self._unit(name, run),
            self._sender,
            self._describe,
        )

    def accounts(self) -> frozenset[str]:
        """
        The accounts the schema holds any value of: a row in any of its tables.

        One statement, in a transaction of its own, which sees the units
        committed before it and takes no lock a unit waits for.  An account
        whose units only read, or were rolled back, is not held.

        Raises:
            StoreError: When no connection can be had, PostgreSQL fails, or
                this thread has a unit of this store open.
        """
        connection, release = self._nested_guard()
        try:
            with connection.transaction():
                rows = connection.execute(self._accounts).fetchall()
        except psycopg.Error as exc:
            raise store_error(
                StoreError, f"{self._describe}: cannot list its accounts", exc
            ) from None
        finally:
            release()
        return frozenset(name for (name,) in rows)

    def drop(self) -> None:
        """
        Drop the store's schema, and every table and value in it, for good.

        For throw-away stores (tests, demos); no unit of work may be open.

        Raises:
            StoreError: When PostgreSQL fails.
        """
        connection, release = self._nested_guard()
        try:
            with connection.transaction():
                connection.execute(f"DROP SCHEMA IF EXISTS {quoted(self._schema)} CASCADE")
            self._people.clear()
        except psycopg.Error as exc:
            raise store_error(
                StoreError, f"{self._describe}: cannot drop the schema", exc
            ) from None
        finally:
            release()

    def close(self) -> None:
        """
        Close this thread's connection, when the store opened it itself.

        A store made from a connection string opens one connection per
        thread that uses it, and closes it when that thread ends; `close`
        closes the calling thread's at once (a long-lived thread, such as
        the main one, calls it when done).  Using the store again opens a
        new one.  A connection or pool the store was given stays open: it
        is the host's.
        """
        held: _Held | None = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            held.close()

    def __repr__(self) -> str:
        return f"PostgresStore(schema={self._schema!r})"

    def _nested_guard(self) -> tuple[_Connection, Callable[[], None]]:
        # With a pool, a unit opened inside another would get a connection
        # of its own and could wait forever for a lock its caller holds.
        if getattr(self._local, "open", False):
            raise nested()
        connection, release = self._acquire()
        self._local.open = True

        def done() -> None:
            self._local.open = False
            release()

        return connection, done

    def _own_connection(self) -> tuple[_Connection, Callable[[], None]]:
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None and held.usable():
            return held.connection, _nothing
        if held is not None:
            held.close()
        try:
            connection = psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise store_error(StoreError, "cannot connect to the PostgreSQL store", exc) from None
        self._local.held = _Held(connection)
        return connection, _nothing

    def _given_connection(self) -> tuple[_Connection, Callable[[], None]]:
        source: Any = self._source
        self._lock.acquire()
        return source, self._lock.release

    def _pooled_connection(self) -> tuple[_Connection, Callable[[], None]]:
        pool: Any = self._source
        lent = pool.connection()
        try:
            connection: _Connection = lent.__enter__()
        except psycopg.Error as exc:
            raise store_error(
                StoreError, "cannot borrow a connection for the PostgreSQL store", exc
            ) from None

        def give_back() -> None:
            lent.__exit__(None, None, None)

        return connection, give_back


def _nothing() -> None:
    return None


class _Held:
    """
    One thread's own connection, closed when the holder is dropped.

    Only the store's thread-local refers to a holder, so it is dropped (and
    the connection closed) when its thread ends, or when `close` lets go of
    it.  The finaliser refers to the connection, never to the holder or the
    store, which may go first.
    """

    __slots__ = ("__weakref__", "_closer", "connection")

    def __init__(self, connection: _Connection) -> None:
        self.connection = connection
        self._closer = weakref.finalize(self, _close_quietly, connection)

    def usable(self) -> bool:
        """
        Whether the connection is open and not broken.
        """
        return not (self.connection.closed or self.connection.broken)

    def close(self) -> None:
        """
        Close the connection now (once: the finaliser then does nothing).
        """
        self._closer()


def _close_quietly(connection: _Connection) -> None:
    # Run as its thread ends, or at exit: a server already gone, or a
    # connection psycopg found broken, has nothing left to close.
    with contextlib.suppress(psycopg.Error):
        connection.close()
