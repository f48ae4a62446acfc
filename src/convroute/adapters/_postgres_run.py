"""
Runs of units of work of the PostgreSQL store, each one's COMMIT sent with the next one's reads.

A unit of work that ends waits for its COMMIT: one round trip of its own.
A worker with many events to process, each in a unit of its own, need not
wait for one unit's COMMIT before it begins the next: `PipelinedUnits`
holds one connection for a run of units, and a unit of the run that ends
leaves its last writes and its COMMIT with the run, which sends them
before the next unit's first statements, in that unit's first round
trip.  PostgreSQL runs them in order, so the next unit begins after the
COMMIT, and sees what it wrote, as if it had waited; a unit then costs
one round trip fewer.  What a unit of the run did is known to be
committed only when the run says so (`PipelinedUnits.committed`): after
the next unit's first round trip, or when the run ends.
"""

from __future__ import annotations

import contextlib

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import psycopg

from convroute.adapters._postgres_failure import store_error
from convroute.adapters._postgres_send import FAILURES, Sender, failed_at, sent_nothing
from convroute.errors import StoreError


if TYPE_CHECKING:
    from convroute.adapters._postgres_unit import PostgresUnit


Queued = tuple[bool, str, Any]
"""
A statement a unit has not sent yet: (once per row?, statement, values).
"""

COMMIT: Queued = (False, "COMMIT", None)


def statements_of(queued: Sequence[Queued]) -> list[tuple[str, Sequence[Any] | None]]:
    """
    The statements *queued* stands for, in order: a statement run once per row once for each.
    """
    statements: list[tuple[str, Sequence[Any] | None]] = []
    for many, statement, values in queued:
        if many:
            statements.extend((statement, row) for row in values)
        else:
            statements.append((statement, values))
    return statements


def rollback_quietly(sender: Sender, connection: psycopg.Connection[Any]) -> None:
    """
    Roll back the connection's transaction, if it is in one, whatever the server answers.

    Nothing is done when the transaction was never begun, or the server
    ended it (a failed COMMIT).  A failure is passed over: the exception
    that brought the caller here says more, and PostgreSQL rolls back an
    unfinished transaction when the connection closes.
    """
    with contextlib.suppress(*FAILURES):
        sender.rollback(connection)


def fresh_connection(
    acquire: Callable[[], tuple[psycopg.Connection[Any], Callable[[], None]]],
    describe: str,
    why: str,
) -> tuple[psycopg.Connection[Any], Callable[[], None]]:
    """
    A connection from *acquire*, and what gives it back, when it is open and in no transaction.

    Raises:
        StoreError: When it is closed, or inside a transaction (*why* says
            why that will not do); it is given back first.
    """
    connection, release = acquire()
    if connection.closed:
        # A host's connection it closed, or one the sender closed after a
        # second Ctrl-C: told as such, not as a transaction open.
        release()
        raise StoreError(f"{describe}: the connection is closed")
    if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        release()
        raise StoreError(
            f"{describe}: the connection is inside a transaction already; "
            f"{why}, on a connection not in one"
        )
    return connection, release


class PipelinedUnits:
    """
    Units of work on one connection, each one's COMMIT sent with the next one's first reads.

    Made by `convroute.adapters.postgres.PostgresStore.pipelined`.  While
    the run is open, it holds its connection, as a unit of work does; its
    units are opened one at a time with `unit_of_work`.  A unit that ends
    without failing leaves its writes and its COMMIT with the run; they go
    with the next unit's first round trip, or when the run ends.  A unit
    that fails, or whose block raises, ends the run: the units before it
    are still committed when the run ends, and a new run (or a unit of
    work of the store's own) is needed for what comes after.

    Attributes:
        committed: How many of the run's units, the first ones, are known
            to be committed.  When the run has ended, the units after them
            were not committed, or (the connection lost on the way) may
            have been: running them again is the caller's, as for a unit of
            work whose COMMIT got no answer.
    """

    def __init__(
        self,
        acquire: Callable[[], tuple[psycopg.Connection[Any], Callable[[], None]]],
        unit: Callable[[PipelinedUnits], PostgresUnit],
        sender: Sender,
        describe: str,
    ) -> None:
        self._acquire = acquire
        self._unit = unit
        self._sender = sender
        self._describe = describe
        self._connection: psycopg.Connection[Any] | None = None
        self._release: Callable[[], None] | None = None
        # What the units ended and not sent left: a unit's writes ending
        # with its COMMIT, each with the units that COMMIT completes (an
        # empty unit after it rides on it).
        self._pending: list[_Left] = []
        # The same, taken by the open unit and not known sent yet.
        self._in_flight: list[_Left] = []
        self._unit_open = False
        self._ended = False
        self._used = False
        self.committed = 0

    def __enter__(self) -> Self:
        if self._used:
            raise StoreError(f"{self._describe}: a run of units of work is used once")
        self._used = True
        self._connection, self._release = fresh_connection(
            self._acquire, self._describe, "a run of units of work is transactions of its own"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, release = self._connection, self._release
        self._connection = self._release = None
        self._ended = True
        if connection is None or release is None:
            return
        pending, self._pending = self._pending, []
        try:
            if not pending:
                # Nothing is left to commit; a unit cut short by an
                # interrupt may have left its transaction open.
                rollback_quietly(self._sender, connection)
                return
            try:
                self._sender.send(connection, statements_of(_entries(pending)))
            except FAILURES as failure:
                self.committed += _committed_before(pending, failure)
                rollback_quietly(self._sender, connection)
                if exc_type is None:
                    raise store_error(
                        StoreError, f"{self._describe}: cannot commit", failure
                    ) from None
                return
            except BaseException:
                rollback_quietly(self._sender, connection)
                raise
            self.committed += sum(left.units for left in pending)
        finally:
            release()

    def unit_of_work(self) -> PostgresUnit:
        """
        The run's next unit of work, to open with ``with``.

        Raises:
            StoreError: (on entering) When the run is not open, has
                ended, or has a unit open.
        """
        return self._unit(self)

    def take(self) -> tuple[psycopg.Connection[Any], list[Queued]]:
        """
        For a unit opening: the connection, and what the units before it left to send.

        Raises:
            StoreError: When the run is not open, has ended, or has a unit open.
        """
        if self._connection is None or self._ended:
            raise StoreError(
                f"{self._describe}: the run of units of work is not open, or has ended "
                "(a unit of it failed): open a new one"
            )
        if self._unit_open:
            raise StoreError(f"{self._describe}: the run has a unit of work open already")
        self._unit_open = True
        self._in_flight, self._pending = self._pending, []
        return self._connection, _entries(self._in_flight)

    def sent(self) -> None:
        """
        What the units before the open one left went through: they are committed.
        """
        self.committed += sum(left.units for left in self._in_flight)
        self._in_flight = []

    def lost(self, failure: BaseException) -> None:
        """
        Sending what the units before the open one left failed: the run ends.

        The units whose COMMIT the server ran before the statement that
        failed are committed; when the failure does not say which failed
        (a connection lost), none is counted.
        """
        self.committed += _committed_before(self._in_flight, failure)
        self._in_flight = []
        self._ended = True

    def put(self, own: list[Queued] | None, *, done: bool) -> None:
        """
        For a unit ending: its writes and COMMIT (None: it asked nothing); whether it ended well.

        What the units before it left, unless the unit sent it, stays with
        the run, to send with the next unit or at the end.  A unit that
        did not end well ends the run.
        """
        pending, self._in_flight = self._in_flight, []
        self._unit_open = False
        if done and own:
            pending.append(_Left(own, 1))
        elif done and pending:
            pending[-1].units += 1
        elif done:
            self.committed += 1
        self._pending = pending
        if not done:
            self._ended = True


class _Left:
    """
    A unit's writes, ending with its COMMIT, and how many units that COMMIT completes.
    """

    __slots__ = ("entries", "units")

    def __init__(self, entries: list[Queued], units: int) -> None:
        self.entries = entries
        self.units = units


def _entries(left: list[_Left]) -> list[Queued]:
    return [entry for one in left for entry in one.entries]


def _committed_before(left: list[_Left], failure: BaseException) -> int:
    # The units of *left* whose COMMIT the server ran before the statement
    # *failure* names; none when it names none, or nothing was sent.
    place = failed_at(failure)
    if place is None or sent_nothing(failure):
        return 0
    units = sent = 0
    for one in left:
        sent += len(statements_of(one.entries))
        if sent > place:
            break
        units += one.units
    return units
