"""
What the PostgreSQL store says of a failure: never a value of a row.

PostgreSQL's error text runs past its primary message: a ``DETAIL`` line
(``Key (account, phone)=(default, 919800000001) already exists``, ``Failing
row contains (…)``) and a ``CONTEXT`` line can quote the values of a row, a
phone or a message text, which may reach a log only at DEBUG.  The store's
errors say what failed with the primary message, the SQLSTATE, the kind of
statement and the table, constraint and column the server names; they are
raised ``from None``, so that no traceback prints psycopg's error, and the
whole of it is logged at DEBUG (on this module's logger) for whoever needs
the row's values.
"""

from __future__ import annotations

import logging

import psycopg

from convroute.adapters._postgres_send import failed_statement
from convroute.errors import StoreError, StoreUnusableError


_log = logging.getLogger(__name__)

# A data exception's primary message can quote the value refused
# (``invalid input syntax for type integer: "…"``): what follows its
# first colon, and whatever it puts in double quotes, is left out.
_DATA_EXCEPTION = "22"
# A role refused a privilege: trying again changes nothing until it is
# granted, as with a SQLite file the process may not write.
_INSUFFICIENT_PRIVILEGE = "42501"


def store_error(kind: type[StoreError], doing: str, exc: BaseException) -> StoreError:
    """
    The store's error of *kind* for *exc*, met while *doing*: no value of a row in it.

    Args:
        kind: `StoreError` or one of its subclasses.
        doing: What failed, naming the store, e.g.
            ``PostgreSQL store (schema 'convroute'): a write failed``.
        exc: What psycopg (or the encoding of a parameter) raised.

    Returns:
        The error to raise ``from None``, carrying the SQLSTATE when the
        server gave one: a `StoreUnusableError` when the role lacks a
        privilege (SQLSTATE 42501), whatever *kind* is.
    """
    _log.debug("%s: %s", doing, one_line(str(exc)))
    sqlstate = exc.sqlstate if isinstance(exc, psycopg.Error) else None
    if sqlstate == _INSUFFICIENT_PRIVILEGE:
        kind = StoreUnusableError
    return kind(f"{doing}: {failure_text(exc)}", sqlstate=sqlstate)


def failure_text(exc: BaseException) -> str:
    """
    What *exc* says, on one line, without what can quote a row's values.

    A server's error is told by its primary message, then its SQLSTATE, the
    kind of statement that failed and the table, constraint and column it
    names: ``duplicate key value violates unique constraint "leads_pkey"
    (SQLSTATE 23505, INSERT statement, table leads, constraint leads_pkey)``.
    An error psycopg raised itself (a connection lost, a value it cannot
    load) has no such parts: it is told whole, on one line.
    """
    if not isinstance(exc, psycopg.Error):
        return one_line(str(exc))
    diag = exc.diag
    primary = diag.message_primary
    if exc.sqlstate is None or primary is None:
        return one_line(str(exc))
    if exc.sqlstate.startswith(_DATA_EXCEPTION):
        primary = _without_values(primary)
    parts = [f"SQLSTATE {exc.sqlstate}"]
    statement = failed_statement(exc)
    if statement is not None:
        parts.append(f"{statement} statement")
    for name, value in (
        ("table", diag.table_name),
        ("constraint", diag.constraint_name),
        ("column", diag.column_name),
    ):
        if value is not None:
            parts.append(f"{name} {value}")
    return f"{one_line(primary)} ({', '.join(parts)})"


def one_line(text: str) -> str:
    """
    *text* on one line: libpq's messages run over several.
    """
    return " ".join(text.split())


def _without_values(primary: str) -> str:
    head = primary.split(": ", 1)[0]
    quoted = head.split('"')
    # The even pieces are outside quotes, the odd ones inside.
    return '"…"'.join(quoted[0::2]) if len(quoted) > 1 else head
