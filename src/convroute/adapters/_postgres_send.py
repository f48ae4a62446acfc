"""
The PostgreSQL store's statements, sent through libpq below psycopg's Python layer.

A unit of work sends what it queued and the statement it waits for as one
pipeline of libpq's extended protocol (`psycopg.pq`, the C wrapper psycopg
itself uses): each distinct statement text, with its parameters' types, is
prepared once a connection under a name of the store's own, then run by
that name.  psycopg's `Transformer` dumps the parameters and loads the rows,
with the connection's adapters and encoding, as psycopg's cursors would;
what is skipped is their bookkeeping around it.

The connection stays psycopg's: a send leaves it out of pipeline mode with
no result unread, whatever failed, and psycopg reads the transaction's
state from libpq as the store leaves it.  A Ctrl-C while the server works
asks the server to stop the statement; when the connection cannot be left
so (it fails meanwhile, or a second Ctrl-C comes), it is closed.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import secrets
import select
import threading
import time
import weakref

from collections.abc import Sequence
from typing import Any

import psycopg

from psycopg import pq
from psycopg.adapt import PyFormat, Transformer


_OK = frozenset({pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK, pq.ExecStatus.EMPTY_QUERY})
_SYNC = pq.ExecStatus.PIPELINE_SYNC
_FATAL = pq.ExecStatus.FATAL_ERROR
# What ends a wait other than an error: the sender stops the server's work
# rather than wait for it to end.
_INTERRUPTED = (KeyboardInterrupt, SystemExit)
# How long a cancel request may take to reach the server, in seconds.
_CANCEL_TIMEOUT = 5.0
# After a Ctrl-C, the longest wait for the rest of what was sent: a server
# that answers nothing by then (a network gone) leaves the connection closed.
_DRAIN_TIMEOUT = 10.0
_PLACEHOLDER = re.compile(r"%(.|$)", re.DOTALL)
_KEYWORD = re.compile(r"\s*([A-Za-z]+)")
# The SQLSTATE of a prepared statement's name the server does not know.
_UNKNOWN_NAME = "26000"
# The store's own statements are a few dozen, with their parameters' types;
# past this many on one connection (statements a host sends through a unit),
# a new one is sent unnamed rather than kept on the server for good.
_MOST_PREPARED = 500
# How a server's error names the kind of statement that failed, in a note
# (PEP 678): a pipeline runs many, and only the sender knows which one.
_STATEMENT_NOTE = "convroute statement: "
FAILURES: tuple[type[Exception], ...] = (psycopg.Error, UnicodeEncodeError, ValueError)
"""
What sending a unit's statements raises when the store fails: psycopg's own
errors, and a str that cannot be sent (a lone surrogate, which UTF-8 cannot
encode; NUL, which PostgreSQL's text cannot hold) before the server sees it.
"""

# The attribute of a server's error that holds the place, in the round
# trip's statements, of the one that failed.
_FAILED_AT = "convroute_failed_at"
# The attribute of an error raised before anything of the round trip was sent.
_SENT_NOTHING = "convroute_sent_nothing"


class Sender:
    """
    Sends one store's statements on the connections its units are given.

    What a connection has prepared for this store is kept with the
    connection, for as long as the connection lives; the names carry a
    token of the store's own, so that two stores on one connection never
    take each other's.
    """

    def __init__(self) -> None:
        self._prefix = f"convroute_{secrets.token_hex(4)}_"
        self._numbered: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._prepared: weakref.WeakKeyDictionary[psycopg.Connection[Any], _Prepared] = (
            weakref.WeakKeyDictionary()
        )

    def send(
        self,
        connection: psycopg.Connection[Any],
        statements: Sequence[tuple[str, Sequence[Any] | None]],
    ) -> list[pq.abc.PGresult]:
        """
        Run *statements* in order, in one round trip, and give their results, in order.

        Nothing is sent when a parameter cannot be: a str holding NUL, or
        a lone surrogate, fails first.

        Raises:
            psycopg.Error: The first failed statement's error (PostgreSQL
                skips the rest; `failed_at` gives its place), or the
                connection's; an
                `InvalidSqlStatementName` when the connection's prepared
                statements were dropped behind the store's back (it prepares
                them anew the next time).
            UnicodeEncodeError: A str that the connection's encoding cannot
                encode (a lone surrogate, in UTF-8).
        """
        prepared = self._on(connection)
        # A transformer a round trip, made from the connection (its
        # adapters, its encoding), costs a few µs: keeping one with the
        # connection would keep the connection alive.
        dumper = Transformer(connection)
        dumped = []
        for sql, parameters in statements:
            try:
                dumped.append(self._dump(dumper, sql, parameters))
            except FAILURES as exc:
                # Before anything is sent: the statement is named all the same.
                setattr(exc, _FAILED_AT, len(dumped))
                setattr(exc, _SENT_NOTHING, True)
                raise
        if not dumped:
            return []
        pgconn = connection.pgconn
        with connection.lock:
            if pgconn.pipeline_status != pq.PipelineStatus.OFF:
                raise psycopg.ProgrammingError("the connection is in pipeline mode already")
            pgconn.enter_pipeline_mode()
            synced = read = interrupted = False
            try:
                preparing = prepared.queue(
                    pgconn, dumped, named=connection.prepare_threshold is not None
                )
                pgconn.pipeline_sync()
                synced = True
                _flush(pgconn)
                results = _until_sync(pgconn)
                read = True
            except _INTERRUPTED:
                interrupted = True
                raise
            finally:
                _leave_pipeline(connection, synced=synced, read=read, interrupted=interrupted)
        return prepared.settle(preparing, results, pgconn, [key[0] for _, key, _, _ in dumped])

    def rows(self, result: pq.abc.PGresult, connection: psycopg.Connection[Any]) -> list[Any]:
        """
        The rows of *result*, as tuples of Python values.
        """
        loader = Transformer(connection)
        loader.set_pgresult(result)
        return loader.load_rows(0, result.ntuples, tuple)

    def rollback(self, connection: psycopg.Connection[Any]) -> None:
        """
        Roll back the connection's transaction, if it is in one.

        Raises:
            psycopg.Error: When the connection fails.
        """
        pgconn = connection.pgconn
        with connection.lock:
            if pgconn.transaction_status == pq.TransactionStatus.IDLE:
                return
            pgconn.send_query(b"ROLLBACK")
            failed = None
            try:
                _flush(pgconn)
                while (result := _next_result(pgconn)) is not None:
                    if result.status == _FATAL and failed is None:
                        failed = psycopg.errors.error_from_result(
                            result, encoding=_encoding(pgconn)
                        )
            except BaseException:
                # Interrupted with the ROLLBACK's result unread: the
                # connection is closed rather than left busy.
                pgconn.finish()
                raise
            if failed is not None:
                raise failed

    def _on(self, connection: psycopg.Connection[Any]) -> _Prepared:
        prepared = self._prepared.get(connection)
        if prepared is None:
            with self._lock:
                prepared = self._prepared.setdefault(connection, _Prepared(self._prefix))
        return prepared

    def _dump(
        self, dumper: psycopg.abc.Transformer, sql: str, parameters: Sequence[Any] | None
    ) -> tuple[bytes, tuple[str, tuple[int, ...]], Sequence[Any], Any]:
        query = self._numbered.get(sql)
        if query is None:
            query = numbered(sql)
            if len(self._numbered) < _MOST_PREPARED:
                self._numbered[sql] = query
        if not parameters:
            return query, (sql, ()), (), None
        values = dumper.dump_sequence(parameters, [PyFormat.AUTO] * len(parameters))
        return query, (sql, dumper.types or ()), values, dumper.formats


class _Prepared:
    """
    The statements one store prepared on one connection.
    """

    __slots__ = ("_count", "_names", "_prefix")

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        # Never reused, even after `forget`: a name the server may still
        # hold is never prepared again.
        self._count = itertools.count()
        self._names: dict[tuple[str, tuple[int, ...]], bytes] = {}

    def queue(
        self,
        pgconn: pq.abc.PGconn,
        dumped: list[tuple[bytes, tuple[str, tuple[int, ...]], Sequence[Any], Any]],
        *,
        named: bool,
    ) -> list[tuple[tuple[str, tuple[int, ...]], bytes] | None]:
        """
        Send each statement, prepared first if it is new here.

        A statement new here is sent unnamed instead, parsed by the server
        every time, when not *named* (as psycopg does on a connection whose
        ``prepare_threshold`` is None: behind a pooler such as PgBouncer in
        transaction mode, whose server connections change between
        transactions), or when the connection holds `_MOST_PREPARED` already.

        Returns:
            For each command sent, in order: what it prepares (its key and
            name), or None for a statement run.
        """
        commands: list[tuple[tuple[str, tuple[int, ...]], bytes] | None] = []
        new: dict[tuple[str, tuple[int, ...]], bytes] = {}
        for query, key, values, formats in dumped:
            name = self._names.get(key) or new.get(key)
            if name is None and (not named or len(self._names) + len(new) >= _MOST_PREPARED):
                pgconn.send_query_params(query, values, key[1] or None, formats)
                commands.append(None)
                continue
            if name is None:
                name = new[key] = f"{self._prefix}{next(self._count)}".encode()
                pgconn.send_prepare(name, query, key[1] or None)
                commands.append((key, name))
            pgconn.send_query_prepared(name, values, formats)
            commands.append(None)
        return commands

    def settle(
        self,
        commands: list[tuple[tuple[str, tuple[int, ...]], bytes] | None],
        results: list[pq.abc.PGresult],
        pgconn: pq.abc.PGconn,
        statements: Sequence[str],
    ) -> list[pq.abc.PGresult]:
        """
        Keep the names the server prepared; give each statement's result, or raise the first error.

        A server's error carries the kind of the statement that failed (of
        *statements*, the texts sent), which `failed_statement` gives.
        """
        if len(results) != len(commands):
            raise psycopg.OperationalError(
                f"the server answered {len(results)} of {len(commands)} commands"
            )
        failed = None
        # The statement each command belongs to: a prepare, then its run.
        ran = 0
        runs = []
        for command, result in zip(commands, results, strict=True):
            status = result.status
            if command is not None and status == pq.ExecStatus.COMMAND_OK:
                self._names[command[0]] = command[1]
            elif status == _FATAL and failed is None:
                failed = psycopg.errors.error_from_result(result, encoding=_encoding(pgconn))
                failed.add_note(_STATEMENT_NOTE + statement_kind(statements[ran]))
                setattr(failed, _FAILED_AT, ran)
            elif status not in _OK and status != pq.ExecStatus.PIPELINE_ABORTED:
                failed = failed or psycopg.InterfaceError(
                    f"unexpected result: {pq.ExecStatus(status).name}"
                )
            if command is None:
                ran += 1
                runs.append(result)
        if failed is not None:
            if failed.sqlstate == _UNKNOWN_NAME:
                self._names.clear()
            raise failed
        return runs


def failed_statement(exc: BaseException) -> str | None:
    """
    The kind of statement whose failure *exc* is (``INSERT``…), when the sender knows it.
    """
    for note in getattr(exc, "__notes__", ()):
        if note.startswith(_STATEMENT_NOTE):
            return str(note).removeprefix(_STATEMENT_NOTE)
    return None


def failed_at(exc: BaseException) -> int | None:
    """
    The place of the statement whose failure *exc* is, among those `Sender.send` was given.

    A value that could not be sent names its statement too (nothing was
    sent then: `sent_nothing`).  None when nothing says which (the
    connection was lost): any of them may have failed.
    """
    place = getattr(exc, _FAILED_AT, None)
    return place if isinstance(place, int) else None


def sent_nothing(exc: BaseException) -> bool:
    """
    Whether *exc* was raised by `Sender.send` before it sent anything (a value it could not send).
    """
    return getattr(exc, _SENT_NOTHING, False) is True


def statement_kind(sql: str) -> str:
    """
    The kind of the statement *sql*: the letters it begins with, in capitals (``INSERT``…).

    Never more: the rest can hold values a host wrote into it.
    """
    found = _KEYWORD.match(sql)
    return found.group(1).upper() if found else "unnamed"


def numbered(sql: str) -> bytes:
    """
    *sql* with its ``%s`` placeholders numbered as PostgreSQL's (``$1``, ``$2``…), encoded.

    ``%%`` is a percent sign.

    Raises:
        ValueError: When a ``%`` is neither.
    """
    count = itertools.count(1)

    def replace(found: re.Match[str]) -> str:
        mark = found.group(1)
        if mark == "s":
            return f"${next(count)}"
        if mark == "%":
            return "%"
        raise ValueError(f"only %s placeholders and %% are allowed in a statement: {sql!r}")

    return _PLACEHOLDER.sub(replace, sql).encode()


def _encoding(pgconn: pq.abc.PGconn) -> str:
    return psycopg.ConnectionInfo(pgconn).encoding


def _flush(pgconn: pq.abc.PGconn, deadline: float | None = None) -> None:
    # The connection is non-blocking (psycopg leaves it so): send what
    # libpq holds, reading meanwhile when the server writes back.
    while pgconn.flush() != 0:
        readable, writable = _wait(pgconn.socket, write=True, timeout=_left(deadline))
        if not (readable or writable):
            raise _no_answer()
        if readable:
            pgconn.consume_input()


def _next_result(pgconn: pq.abc.PGconn, deadline: float | None = None) -> pq.abc.PGresult | None:
    # The next result, waiting for the server until libpq has it whole
    # (until *deadline*, on the monotonic clock, when given).
    while pgconn.is_busy():
        readable, _ = _wait(pgconn.socket, write=False, timeout=_left(deadline))
        if not readable:
            raise _no_answer()
        pgconn.consume_input()
    return pgconn.get_result()


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _no_answer() -> psycopg.OperationalError:
    return psycopg.OperationalError(
        f"the server answered nothing in {_DRAIN_TIMEOUT:g} s after the interrupt"
    )


def _until_sync(pgconn: pq.abc.PGconn, deadline: float | None = None) -> list[pq.abc.PGresult]:
    # Every command's result, in order, up to the pipeline's sync.
    results: list[pq.abc.PGresult] = []
    while True:
        result = _next_result(pgconn, deadline)
        if result is None:
            if pgconn.status != pq.ConnStatus.OK:
                raise psycopg.OperationalError(
                    "the connection to the server was lost: "
                    + pgconn.get_error_message(_encoding(pgconn))
                )
            if deadline is not None and time.monotonic() > deadline:
                # Draining after an interrupt that came once the sync was
                # read: nothing more will come.
                raise _no_answer()
            continue
        if result.status == _SYNC:
            return results
        results.append(result)


def _leave_pipeline(
    connection: psycopg.Connection[Any], *, synced: bool, read: bool, interrupted: bool
) -> None:
    # After a failure part-way (the sync unsent, or its results unread),
    # read to the sync first, so that psycopg finds the connection as it
    # left it; a connection lost has nothing left to read.  After a Ctrl-C,
    # the server is asked to stop the statement first (it may be waiting
    # for a lock), as psycopg does, and given _DRAIN_TIMEOUT to answer.
    # When that reading fails, times out or is interrupted again, the
    # connection is closed: never left half in pipeline mode.
    pgconn = connection.pgconn
    try:
        if not read and pgconn.status == pq.ConnStatus.OK:
            deadline = None
            if interrupted:
                with contextlib.suppress(psycopg.Error):
                    connection.cancel_safe(timeout=_CANCEL_TIMEOUT)
                deadline = time.monotonic() + _DRAIN_TIMEOUT
            if not synced:
                pgconn.pipeline_sync()
            _flush(pgconn, deadline)
            _until_sync(pgconn, deadline)
        pgconn.exit_pipeline_mode()
    except BaseException as exc:
        # finish, not close: closing a pool's connection may hand it back
        # to the pool, which the unit does itself when it ends.
        pgconn.finish()
        if not isinstance(exc, psycopg.Error):
            raise


def _wait(socket: int, *, write: bool, timeout: float | None = None) -> tuple[bool, bool]:
    # Block, with the GIL released, until the socket can be read (or
    # written, when *write*), or *timeout* seconds pass: then neither.
    if _POLL:
        poller = select.poll()
        poller.register(socket, select.POLLIN | (select.POLLOUT if write else 0))
        events = 0
        for _, event in poller.poll(None if timeout is None else timeout * 1000):
            events |= event
        return bool(events & ~select.POLLOUT), bool(events & select.POLLOUT)
    readable, writable, _ = select.select([socket], [socket] if write else [], [], timeout)
    return bool(readable), bool(writable)


_POLL = hasattr(select, "poll")
