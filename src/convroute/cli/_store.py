"""
The ``--store`` option of the commands: which store a spec names, opened.

``memory``, ``sqlite:PATH``, or a PostgreSQL connection URL
(``postgresql://user@host/db``), with ``?schema=NAME`` for a schema other
than ``convroute``.
"""

from __future__ import annotations

import argparse
import contextlib
import pathlib
import urllib.parse

from contextlib import AbstractContextManager

import regex

from convroute._accounts import DEFAULT_ACCOUNT, account_name
from convroute._frozen import unicode_text
from convroute._text import one_line
from convroute.adapters import SQLiteStore
from convroute.cli._common import EXIT_INVALID, CommandError, whole_number
from convroute.errors import AccountError
from convroute.ports import Store
from convroute.testing import MemoryStore


__all__ = [
    "LOCK_TIMEOUT",
    "STORES",
    "add_account_option",
    "add_existing_store_options",
    "open_store",
    "postgres_spec",
    "shown_store",
]

STORES = "memory, sqlite:PATH or postgresql://USER@HOST/DB[?schema=NAME]"
"""
The stores a ``--store`` option takes, for its help and errors.
"""

LOCK_TIMEOUT = "30s"
"""
How long a command waits for a PostgreSQL lock another session holds, as a
SQLite store waits for its file's write lock, before it fails (exit status 1).
"""

_POSTGRES = ("postgresql", "postgres")
_LAST_PORT = 65535
# libpq's parameters that take a whole number (its C int), beside the port.
_WHOLE_NUMBER_PARAMETERS = frozenset(
    {
        "connect_timeout",
        "keepalives",
        "keepalives_count",
        "keepalives_idle",
        "keepalives_interval",
        "tcp_user_timeout",
    }
)
_LARGEST_INT = 2_147_483_647
_PASSWORD_PARAMETER = regex.compile(r"(?i)(\bpassword\s*=\s*)('[^']*'|[^&\s]*)")
# What a URL's query may say that is no keyword of libpq's: ``ssl=true``
# for ``sslmode=require``.
_URI_ALIASES = frozenset({"ssl"})


def add_account_option(parser: argparse.ArgumentParser) -> None:
    """
    Add ``--account NAME``: the account of the store a command works on.

    A name that is not an account's is a usage error (exit status 2).
    """
    parser.add_argument(
        "--account",
        type=_account,
        default=DEFAULT_ACCOUNT,
        metavar="NAME",
        help="the account (business) in the store to work on: 1 to 64 characters "
        f"(default: {DEFAULT_ACCOUNT}, which holds what a store had before it had accounts)",
    )


def add_existing_store_options(parser: argparse.ArgumentParser) -> None:
    """
    Add ``--store STORE`` (required: an existing store) and ``--account NAME``.

    The options of every command that reads or changes what a service
    stored: ``report``, ``outbox``, ``prune`` and ``forget``.
    """
    parser.add_argument(
        "--store",
        required=True,
        metavar="STORE",
        help=f"an existing store the service wrote to (required): {STORES.partition(', ')[2]}",
    )
    add_account_option(parser)


def _account(text: str) -> str:
    try:
        return account_name(text)
    except AccountError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def postgres_spec(spec: str) -> tuple[str, str | None] | None:
    """
    The connection URL and schema a PostgreSQL spec names, or ``None``.

    The schema is ``None`` when the URL has no ``schema=`` parameter (the
    store's own default then).

    Raises:
        CommandError: When the URL cannot be parsed (an unclosed ``[`` of
            an IPv6 host, bytes that are not UTF-8), or names the schema
            more than once.
    """
    try:
        parts = urllib.parse.urlsplit(spec)
        if parts.scheme not in _POSTGRES:
            return None
        unicode_text(spec)
    except ValueError as error:  # TextError is one
        scheme = spec.partition(":")[0].lower()
        if scheme not in _POSTGRES:
            return None
        raise CommandError(
            EXIT_INVALID, f"--store: not a PostgreSQL URL {shown_store(spec)!r}: {error}"
        ) from None
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    if len(schemas) > 1:
        raise CommandError(EXIT_INVALID, "the store URL names its schema more than once")
    _refuse_bad_ports(parts.netloc, [value for key, value in query if key == "port"])
    _refuse_bad_whole_numbers(query)
    others = [(key, value) for key, value in query if key != "schema"]
    # A space is %20: libpq reads no + as one (options=-c%20lock_timeout%3D5s).
    encoded = urllib.parse.urlencode(others, quote_via=urllib.parse.quote)
    url = parts._replace(query=encoded).geturl()
    _refuse_unknown_parameters(url, [key for key, _ in others])
    return url, (schemas[0] if schemas else None)


def open_store(
    spec: str, *, existing: bool = False, writes: bool = False
) -> AbstractContextManager[Store]:
    """
    Open the store *spec* names.

    Args:
        spec: ``memory``, ``sqlite:PATH`` or a PostgreSQL URL.
        existing: Whether the store must be there already (a reader's):
            memory is refused, and a missing file or schema is an error
            rather than a new empty store.
        writes: Whether an existing store is opened to be written to (a
            SQLite file then takes the write lock of its units); a store
            opened only to read is never upgraded.

    Raises:
        CommandError: When *spec* names no store, or no existing one.
        ConvrouteError: When the store cannot be opened (`StoreError`; a
            `StoreUnusableError` when it cannot be used as it is found), or
            PostgreSQL's extra is not installed (`MissingExtraError`).
    """
    if spec == "memory":
        if existing:
            raise CommandError(
                EXIT_INVALID,
                "a memory store starts empty: name one a service wrote to, "
                "sqlite:PATH or postgresql://…",
            )
        return contextlib.nullcontext(MemoryStore())
    postgres = postgres_spec(spec)
    if postgres is not None:
        # A reader never upgrades a schema, as it never upgrades a file.
        return _open_postgres(*postgres, existing=existing, upgrade=not existing or writes)
    kind, _, where = spec.partition(":")
    if kind != "sqlite" or not where:
        raise CommandError(EXIT_INVALID, f"unknown store {shown_store(spec)!r}: use {STORES}")
    path = pathlib.Path(where)
    # SQLiteStore creates a missing file: a mistyped path would give a
    # reader an empty store instead of failing, and leave it behind.
    if existing and not path.exists():
        raise CommandError(EXIT_INVALID, f"no store at {where}: no such file")
    if existing and not path.is_file():
        raise CommandError(EXIT_INVALID, f"no store at {where}: not a file")
    # SQLite takes an empty file for a new database, and would build a
    # store in it: a store a service wrote to is never empty.
    if existing and path.stat().st_size == 0:
        raise CommandError(EXIT_INVALID, f"no store at {where}: the file is empty")
    # A reader's store takes no write lock: a long report blocks no writer.
    return SQLiteStore(path, read_only=existing and not writes)


def _open_postgres(
    url: str, schema: str | None, *, existing: bool, upgrade: bool
) -> AbstractContextManager[Store]:
    try:
        from convroute.adapters.postgres import PostgresStore  # noqa: PLC0415 - an extra

        named = {} if schema is None else {"schema": schema}
        return PostgresStore(
            _waiting_at_most(url, LOCK_TIMEOUT), **named, create=not existing, upgrade=upgrade
        )
    except ValueError as error:
        raise CommandError(EXIT_INVALID, str(error)) from None


def _waiting_at_most(url: str, timeout: str) -> str:
    # PostgreSQL waits for a lock for ever: a unit stuck in a transaction
    # (a worker hung, a session left open) would hang the command.  It
    # gives up as a SQLite store does, and exits 1, a lock held too long.
    # The URL's own options come after, so that its lock_timeout wins.
    from psycopg import conninfo  # noqa: PLC0415 - an extra

    given = conninfo.conninfo_to_dict(url).get("options") or ""
    return conninfo.make_conninfo(url, options=f"-c lock_timeout={timeout} {given}".rstrip())


def _refuse_bad_ports(netloc: str, given: list[str]) -> None:
    # libpq refuses a port that is no number only as it connects, which
    # reads as a server that cannot be reached (exit 1): a slip is named.
    # Each host of the URL may have its port (h1:5432,h2:5433), and a
    # port= parameter may give a list of them.
    hosts = netloc.rpartition("@")[2]
    ports = [_port_of(host) for host in hosts.split(",")]
    ports += [port for value in given for port in value.split(",")]
    for port in ports:
        if port and whole_number(port, 1, _LAST_PORT) is None:
            raise CommandError(
                EXIT_INVALID,
                f"--store: the PostgreSQL URL's port {port!r} is no port: a whole number "
                f"from 1 to {_LAST_PORT}",
            )


def _refuse_bad_whole_numbers(query: list[tuple[str, str]]) -> None:
    # libpq's other whole-number parameters, checked as ports are: libpq
    # refuses "x" only as it connects (exit 1, a server that cannot be
    # reached), and psycopg reads connect_timeout by Python's int(), which
    # takes "+5", "1_0" and other scripts' digits.
    for key, value in query:
        if key in _WHOLE_NUMBER_PARAMETERS and whole_number(value, 0, _LARGEST_INT) is None:
            raise CommandError(
                EXIT_INVALID,
                f"--store: the PostgreSQL URL's {key} {value!r} is no whole number: digits 0-9, "
                f"at most {_LARGEST_INT}",
            )


def _port_of(host: str) -> str:
    # "h:5432" and "[::1]:5432" give "5432"; "h" and "[::1]" give "".
    after = host.rpartition("]")[2] if host.startswith("[") else host
    return after.rpartition(":")[2] if ":" in after else ""


def _refuse_unknown_parameters(url: str, keys: list[str]) -> None:
    # libpq refuses a parameter it does not know only when it connects,
    # which reads as a server that cannot be reached (exit 1): the URL is
    # checked first, without connecting, so that the slip is named.
    try:
        from psycopg import ProgrammingError, conninfo, pq  # noqa: PLC0415 - an extra
    except ImportError:
        return  # opening the store says that the extra is missing
    try:
        conninfo.conninfo_to_dict(url)
    except ProgrammingError as error:
        known = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
        unknown = [key for key in keys if key not in known | _URI_ALIASES]
        if not unknown:
            # libpq may quote the token it refuses: the password, say.
            said = _without_passwords(one_line(str(error)), url)
            raise CommandError(
                EXIT_INVALID, f"--store: the PostgreSQL URL cannot be used: {said}"
            ) from None
        names = ", ".join(repr(key) for key in unknown)
        raise CommandError(
            EXIT_INVALID,
            f"--store: the PostgreSQL URL has {_parameters(len(unknown))} PostgreSQL does "
            f"not know: {names}",
        ) from None


def shown_store(spec: str) -> str:
    """
    The store *spec* as an error may quote it: its passwords as ``***``.

    Errors go to logs (a cron job's): a URL's password (``user:secret@``, or
    a ``password=`` parameter) never does.
    """
    shown = spec
    for start, end in reversed(_password_spans(spec)):
        shown = f"{shown[:start]}***{shown[end:]}"
    return shown


def _without_passwords(text: str, spec: str) -> str:
    # Each password of *spec*, as written in it, taken out of *text* (an
    # empty password hides nothing).
    passwords = {spec[start:end] for start, end in _password_spans(spec)} - {""}
    for password in sorted(passwords, key=len, reverse=True):
        text = text.replace(password, "***")
    return text


def _password_spans(spec: str) -> list[tuple[int, int]]:
    # Where *spec* holds a password, in order, none overlapping: each
    # password= parameter's value, and the password of the URL's
    # user:password@ (the authority: up to the first /, ? or #).
    spans = [found.span(2) for found in _PASSWORD_PARAMETER.finditer(spec)]
    _, separator, rest = spec.partition("://")
    if separator:
        begin = len(spec) - len(rest)
        end = min((found for found in map(rest.find, "/?#") if found >= 0), default=len(rest))
        userinfo, at, _ = rest[:end].rpartition("@")
        user, colon, _ = userinfo.partition(":")
        if at and colon:
            spans.append((begin + len(user) + 1, begin + len(userinfo)))
    kept: list[tuple[int, int]] = []
    for span in sorted(spans):
        if kept and span[0] < kept[-1][1]:
            kept[-1] = (kept[-1][0], max(kept[-1][1], span[1]))
        else:
            kept.append(span)
    return kept


def _parameters(count: int) -> str:
    return "a parameter" if count == 1 else "parameters"
