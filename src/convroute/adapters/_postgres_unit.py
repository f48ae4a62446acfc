"""
A unit of work of the PostgreSQL store: one transaction on one connection.

Every statement goes through `PostgresUnit`, which sends it with the store's
`Sender` (`convroute.adapters._postgres_send`) and turns `psycopg.Error`
into `StoreError` (`StoreConflictError` for the failures that running the unit
again can cure; told as `convroute.adapters._postgres_failure` tells them,
with no value of a row) and refuses to run once the transaction has failed.  The
unit runs at ``READ COMMITTED`` and takes transaction-level advisory locks
where it must see what no other worker can change: a lead's state, a
round-robin pool, a user's capacity.  Each statement after the lock then
reads what the lock's previous holder committed.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading

from collections.abc import Callable, Collection, Iterable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import psycopg

from psycopg import pq

from convroute.adapters._codec import RecentValues
from convroute.adapters._postgres_failure import store_error
from convroute.adapters._postgres_run import (
    COMMIT,
    PipelinedUnits,
    Queued,
    fresh_connection,
    rollback_quietly,
    statements_of,
)
from convroute.adapters._postgres_schema import lock_key
from convroute.adapters._postgres_send import FAILURES, Sender, failed_at, sent_nothing
from convroute.adapters._sql_repositories import (
    PEOPLE,
    LeadRows,
    PeopleRows,
    Read,
    lead_state_read,
    open_counts_read,
)
from convroute.adapters._sql_statements import Statements
from convroute.adapters._sql_unit import SQLRepositories
from convroute.adapters._unit_rules import not_open, refuse_reuse
from convroute.errors import StoreConflictError, StoreError
from convroute.model import Phone


# What running the unit again can cure: it lost a race, and was rolled back;
# or the connection's prepared statements were dropped behind the store's
# back (a pool's reset, a host's DISCARD ALL), and the sender prepares them
# anew the next time.
_CONFLICTS = (
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
    psycopg.errors.InvalidSqlStatementName,
)

_T = TypeVar("_T")

_BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED"
_LOCK_ONE = "SELECT pg_advisory_xact_lock(%s)"
# unnest keeps the list's order, and so the order the locks are taken in.
_LOCK_MANY = "SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key"
_TRY_LOCK_MANY = (
    "SELECT pg_try_advisory_xact_lock(key) "
    "FROM unnest(%s::bigint[]) WITH ORDINALITY AS listed (key, place) ORDER BY place"
)


class PeopleSeen:
    """
    The users, presence and absences one store read last of each account, with their mark.

    A unit that reads its lead's state reads the mark of its account's
    users' last change with it (`LeadRows.people`): when the store read
    them at that mark, the unit is given what it read, and is spared the
    read (a round trip).  Only reads whose mark other units see are kept
    (never one made after the unit changed them itself), of the `MOST`
    accounts read latest.  Safe to share between threads.
    """

    MOST = 64

    __slots__ = ("_lock", "_rows")

    def __init__(self) -> None:
        self._rows: collections.OrderedDict[str, PeopleRows] = collections.OrderedDict()
        self._lock = threading.Lock()

    def at(self, account: str, changed: int | None) -> PeopleRows | None:
        """
        What the store read of *account* at the mark *changed*, if it did.
        """
        with self._lock:
            rows = self._rows.get(account)
            if rows is None or rows.changed != changed:
                return None
            self._rows.move_to_end(account)
            return rows

    def keep(self, account: str, rows: PeopleRows) -> None:
        """
        Keep *rows* as *account*'s latest read, unless the unit that read them changed them.
        """
        if rows.own:
            return
        with self._lock:
            self._rows[account] = rows
            self._rows.move_to_end(account)
            while len(self._rows) > self.MOST:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        """
        Forget every read.
        """
        with self._lock:
            self._rows.clear()


class PostgresUnit(SQLRepositories):
    """
    The repositories of one transaction on one connection, on one account's rows.

    Its locks are the account's: two accounts' units never wait for each
    other over a lead, a pool or a user of the same name.

    Args:
        acquire: Gives the connection when the unit begins, and the function
            that gives it back when the unit ends.
        sql: The store's statements.
        sender: Sends them, on the connections of the store's units.
        schema: The store's schema, which its lock keys are made from.
        account: The account whose rows the unit sees, also in its lock keys.
        describe: The store, as error messages name it.
        values: The store's codec, which keeps what it wrote and read lately.
        people: The store's latest reads of its accounts' users.
        run: The run of units the unit is one of, on the run's connection
            (*acquire* is then not called): its COMMIT is left with the run
            (`convroute.adapters._postgres_run`).
    """

    def __init__(
        self,
        acquire: Callable[[], tuple[psycopg.Connection[Any], Callable[[], None]]],
        sql: Statements,
        *,
        sender: Sender,
        schema: str,
        account: str,
        describe: str,
        values: RecentValues,
        people: PeopleSeen,
        run: PipelinedUnits | None = None,
    ) -> None:
        super().__init__(sql, account, values)
        self._people = people
        self._run = run
        # How many of the queued entries the units of the run before this
        # one left, while they are not sent.
        self._carried = 0
        self._acquire = acquire
        self._sender = sender
        self._schema = schema
        self._describe = describe
        self._connection: psycopg.Connection[Any] | None = None
        self._release: Callable[[], None] | None = None
        self._failure: StoreError | None = None
        self._held: set[tuple[str, str]] = set()
        # Writes and locks not sent yet: (once per row?, statement, values).
        self._queued: list[Queued] = []
        # What reads gave, until the unit next writes.
        self._remembered: dict[tuple[str, str], Any] = {}
        # Reads to send after the statement of the next round trip, and remember.
        self._ahead: dict[tuple[str, str], Read] = {}
        self._open = False
        self._ended = False

    def __enter__(self) -> Self:
        refuse_reuse(opened=self._open, ended=self._ended)
        if self._run is not None:
            connection, carried = self._run.take()
            self._queued = [*carried, (False, _BEGIN, None)]
            self._carried = len(carried)
            self._connection, self._release = connection, lambda: None
            self._open = True
            return self
        connection, release = fresh_connection(
            self._acquire, self._describe, "a unit of work is a transaction of its own"
        )
        # Sent with the unit's first statement, whatever the connection's
        # autocommit: the sender goes below psycopg, which begins nothing.
        # The level is named: the locks rely on it, whatever the server's
        # or the session's default.
        self._queued.append((False, _BEGIN, None))
        self._connection, self._release = connection, release
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
        connection, release = self._connection, self._release
        if connection is None or release is None:
            return
        self._connection = self._release = None
        if self._run is not None:
            self._end_in_run(connection, ok=exc_type is None)
            return
        try:
            if exc_type is not None or self._failure is not None:
                rollback_quietly(self._sender, connection)
                if exc_type is None and self._failure is not None:
                    raise self._failure
                return
            # A read meant for later in the unit has no use at its end.
            self._ahead.clear()
            if self._queued == [(False, _BEGIN, None)]:
                return  # nothing was asked of the database
            try:
                # The queued writes and the COMMIT, in one round trip.
                self._send(connection, "COMMIT", ())
            except FAILURES as failure:
                rollback_quietly(self._sender, connection)
                raise self._error("cannot commit", failure) from None
            except BaseException:
                # A Ctrl-C: the server may have stopped the transaction
                # short of its COMMIT, and left it open.
                rollback_quietly(self._sender, connection)
                raise
        finally:
            self._queued = []
            self._ahead.clear()
            release()

    def _end_in_run(self, connection: psycopg.Connection[Any], *, ok: bool) -> None:
        # A unit of a run leaves its writes and its COMMIT with the run; one
        # that failed, or whose block raised, rolls back what it sent, gives
        # back what the units before it left, and ends the run.
        run = self._run
        assert run is not None  # noqa: S101 - only a unit of a run ends so
        queued, self._queued = self._queued, []
        self._ahead.clear()
        carried, self._carried = queued[: self._carried], 0
        own = queued[len(carried) :]
        asked_nothing = own == [(False, _BEGIN, None)]
        if ok and self._failure is None:
            run.put(None if asked_nothing else [*own, COMMIT], done=True)
            return
        if not (carried or asked_nothing):
            rollback_quietly(self._sender, connection)
        # Otherwise nothing of this unit reached the server: the transaction
        # open there is the units' before it, which the run commits.
        run.put(None, done=False)
        if ok and self._failure is not None:
            raise self._failure

    def check_open(self) -> psycopg.Connection[Any]:
        """
        The connection, once the unit is known to be open and not failed.

        Raises:
            StoreError: When the unit is not open, or one of its statements
                failed (PostgreSQL then refuses the rest of the transaction).
        """
        if not self._open or self._connection is None:
            raise not_open()
        if self._failure is not None:
            raise StoreError(
                f"{self._describe}: a statement of this unit of work failed, so nothing "
                f"of it will be committed; open a new unit of work ({self._failure})"
            )
        return self._connection

    def lock(self, kind: str, keys: Iterable[str]) -> None:
        """
        Hold the advisory locks of *keys* of this *kind* until the unit ends.

        Keys held already are passed over; the others are taken in the
        order given, so callers that take many give them sorted, and two
        units never wait for each other in a circle on one kind.

        Raises:
            StoreError: When PostgreSQL fails; `StoreConflictError` when it ended
                the wait to break a deadlock.
        """
        wanted = [key for key in dict.fromkeys(keys) if (kind, key) not in self._held]
        if not wanted:
            return
        self.check_open()
        numbers = [lock_key(self._schema, self.account, kind, key) for key in wanted]
        # Sent with the next statement that reads, which then reads what
        # the lock's previous holder committed: one round trip for both.
        if len(numbers) == 1:
            self._queued.append((False, _LOCK_ONE, numbers))
        else:
            self._queued.append((False, _LOCK_MANY, (numbers,)))
        self._held.update((kind, key) for key in wanted)

    def try_lock(self, kind: str, keys: Iterable[str]) -> set[str]:
        """
        Take the advisory locks of *keys* of this *kind* that no other unit holds.

        Never waits: a key another unit holds is left out.

        Returns:
            The keys whose locks the unit holds now, until it ends.

        Raises:
            StoreError: When PostgreSQL fails.
        """
        given = list(dict.fromkeys(keys))
        wanted = [key for key in given if (kind, key) not in self._held]
        if wanted:
            numbers = [lock_key(self._schema, self.account, kind, key) for key in wanted]
            rows = self.rows(_TRY_LOCK_MANY, (numbers,))
            self._held.update(
                (kind, key) for key, (taken,) in zip(wanted, rows, strict=True) if taken
            )
        return {key for key in given if (kind, key) in self._held}

    def remembered(self, key: tuple[str, str], read: Callable[[], _T]) -> _T:
        """
        What *read* gives, read once for *key* until the unit next writes.

        Any write forgets every read remembered: a read after it runs
        again, after the writes, and so sees them.  What another unit
        commits meanwhile is not seen: remember only what no other unit
        can change while this one holds its lock (a lead's state, under
        the lead's), or what the unit reads once anyway (the users).
        """
        if key in self._remembered:
            return cast("_T", self._remembered[key])
        # Read now: not again after the next round trip.
        self._ahead.pop(key, None)
        value = read()
        self._remember(key, value)
        return value

    def prefetch_lead(self, phone: Phone) -> None:
        """
        Read the lead's whole state with the unit's next round trip, whatever that asks.

        A hint from the service, which reads the state next (after it
        claims the event's id): the lead's lock and the read go after the
        statement the round trip waits for, and so after every write sent
        before them, and what the read gives is remembered as any read of
        the state is.  A round trip saved an event.
        """
        self._read_ahead(lead_state_read(self, phone))

    def prefetch_open_counts(self, users: Collection[str], since: dt.datetime) -> None:
        """
        Count *users*' open conversations with the unit's next round trip, whatever that asks.

        A hint from the service, which counts them next (after the turn of
        a round-robin pool it reads now).  The users' locks are taken now,
        in order, before the pool's lock that the turn's read takes next:
        a unit that routes takes the users' locks before any pool's, so
        two units never wait for each other in a circle over a pool and
        its users.  The count goes after the statement the round trip
        waits for, as a lead's state read ahead does (`prefetch_lead`),
        and what it gives is remembered.  Saves the round trip of a
        message that a pool's turn routes to a user with a capacity.
        """
        self._read_ahead(open_counts_read(self, users, since), lock_now=True)

    def _read_ahead(self, read: Read, *, lock_now: bool = False) -> None:
        # *read* sent with the next round trip, unless remembered; its locks
        # taken now when *lock_now* (else sent with it, before it).
        self.check_open()
        if read.key in self._remembered:
            return
        if lock_now:
            read.take_locks(self)
        self._ahead[read.key] = read

    def write(self, sql: str, parameters: Sequence[Any] = ()) -> None:
        """
        Queue a write, to be sent with the unit's next read or its commit.
        """
        self.check_open()
        self._remembered.clear()
        self._queued.append((False, sql, parameters))

    def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """
        Queue a write for each row of parameters, sent as `write` is.
        """
        self.check_open()
        self._remembered.clear()
        batch = list(rows)
        if batch:
            self._queued.append((True, sql, batch))

    def run(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """
        Run one statement that writes, after the queued ones.

        Returns:
            How many rows it changed.

        Raises:
            StoreError: When PostgreSQL fails.
        """
        self._remembered.clear()
        result = self._call(sql, parameters, "a write failed")
        # As psycopg's rowcount: -1 for a statement that counts no rows.
        changed = None if result is None else result.command_tuples
        return -1 if changed is None else changed

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """
        Run one statement that writes once per row, after the queued ones.

        Raises:
            StoreError: When PostgreSQL fails.
        """
        self.write_many(sql, rows)
        self._call("", (), "a write failed")

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """
        Run a query, after the queued statements, and fetch every row.

        Raises:
            StoreError: When PostgreSQL fails.
        """
        result = self._call(sql, parameters, "a read failed")
        if result is None:
            return []
        try:
            return self._sender.rows(result, self.check_open())
        except FAILURES as exc:
            # A value psycopg cannot load: the unit ends, as when a statement fails.
            raise self._failed("a read failed", exc) from None

    def row(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """
        Run a query, after the queued statements, and fetch its first row.

        Raises:
            StoreError: When PostgreSQL fails.
        """
        found = self.rows(sql, parameters)
        return found[0] if found else None

    def _call(self, sql: str, parameters: Sequence[Any], doing: str) -> pq.abc.PGresult | None:
        connection = self.check_open()
        try:
            return self._send(connection, sql, parameters)
        except FAILURES as exc:
            raise self._failed(doing, exc) from None
        except BaseException:
            # A Ctrl-C: what the server ran of the round trip is unknown (the
            # sender stopped it, or closed the connection), and what was
            # queued is gone; a caller that carries on in the unit is refused,
            # so that what the unit does is all or none.
            self._failure = StoreError(f"{self._describe}: {doing}: interrupted")
            raise

    def _send(
        self, connection: psycopg.Connection[Any], sql: str, parameters: Sequence[Any]
    ) -> pq.abc.PGresult | None:
        # The queued statements, then *sql* (unless empty), then the reads
        # ahead with their locks, in one round trip; the result is *sql*'s.
        queued, self._queued = self._queued, []
        ahead, self._ahead = self._ahead, {}
        entries, self._carried = self._carried, 0
        statements = statements_of(queued[:entries])
        carried = len(statements)
        statements += statements_of(queued[entries:])
        if sql:
            statements.append((sql, parameters))
        waited = len(statements) - 1
        # In order, as `lock` asks of callers that take many.
        locks = sorted(
            {lock for read in ahead.values() for lock in read.locks if lock not in self._held}
        )
        for kind, key in locks:
            statements.append((_LOCK_ONE, (lock_key(self._schema, self.account, kind, key),)))
        reads = len(statements)
        statements.extend((read.sql, read.parameters) for read in ahead.values())
        try:
            results = self._sender.send(connection, statements)
        except BaseException as exc:
            if sent_nothing(exc):
                # The unit keeps what it queued (and what the run's units
                # before it left): nothing of it reached the server.
                self._queued, self._carried = queued, entries
            if carried and self._run is not None:
                self._carried_failed(exc, carried, self._run)
            raise
        if carried and self._run is not None:
            self._run.sent()
        self._held.update(locks)
        for read, result in zip(ahead.values(), results[reads:], strict=True):
            self._remember(read.key, read.rows(self._sender.rows(result, connection)))
        return results[waited] if sql else None

    def _carried_failed(self, exc: BaseException, carried: int, run: PipelinedUnits) -> None:
        # The round trip that was to carry the writes and COMMIT the run's
        # earlier units left (its first *carried* statements) failed:
        # theirs, unless the failure names one of this unit's (then they
        # went through, or, when nothing was sent, still wait).
        place = failed_at(exc)
        if place is not None and place >= carried:
            if not sent_nothing(exc):
                run.sent()
            return
        run.lost(exc)
        if isinstance(exc, FAILURES):
            self._failure = self._error("the unit of work before it failed to commit", exc)

    def _remember(self, key: tuple[str, str], value: object) -> None:
        # A read of the account's users is the store's latest; a lead's
        # state whose mark is that read's brings it, as if read then.
        self._remembered[key] = value
        if isinstance(value, PeopleRows):
            self._people.keep(self.account, value)
        elif isinstance(value, LeadRows) and PEOPLE not in self._remembered:
            seen = self._people.at(self.account, value.people)
            if seen is not None:
                self._remembered[PEOPLE] = seen

    def _failed(self, doing: str, exc: Exception) -> StoreError:
        # The error of a failed statement, which ends the unit.
        # PostgreSQL refuses every later statement of a failed transaction;
        # a failure before the server saw the statement leaves it usable,
        # but the unit is ended alike, so that what it did is all or none.
        # A failure known already (the run's earlier units') says more.
        self._failure = self._failure or self._error(doing, exc)
        return self._failure

    def _error(self, doing: str, exc: Exception) -> StoreError:
        # Raised from None: psycopg's error, whose text can quote a row's
        # values, is in no traceback of the store's.
        kind = StoreConflictError if isinstance(exc, _CONFLICTS) else StoreError
        return store_error(kind, f"{self._describe}: {doing}", exc)
