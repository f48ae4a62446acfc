"""
The SQLite store's schema, the steps that build it, and how a file is opened.

The schema's version is the file's ``PRAGMA user_version``: the number of
migration steps applied.  Opening a file applies the steps it lacks, in
order, in one ``BEGIN IMMEDIATE`` transaction that reads the version again
once it holds the write lock, so two processes opening the same new file
build it once.  A step is never edited once released; a change is a new
step at the end.
"""

from __future__ import annotations

import sqlite3
import time

from collections.abc import Sequence

from convroute._ids import event_key
from convroute.errors import StoreUnusableError


__all__ = [
    "CHECKPOINT_PAGES",
    "LOG_SIZE_LIMIT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "connect",
    "migrate",
    "refuse_unknown_version",
    "schema_version",
]


# The name under which `migrate` lends the schema steps `event_key`.
_EVENT_KEY_FUNCTION = "convroute_event_key"

_CONVERSATION_COLUMNS = """
    lead TEXT NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    last_message_at INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (lead, number)
"""


def _without_rowid(table: str, columns: str) -> tuple[str, ...]:
    # Rebuild *table* as a WITHOUT ROWID table of *columns* (in its order),
    # rows kept.  Released steps use it: it is never changed.
    return (
        f"CREATE TABLE {table}_new ({columns}) WITHOUT ROWID",
        f"INSERT INTO {table}_new SELECT * FROM {table}",  # noqa: S608 - our table names
        f"DROP TABLE {table}",
        f"ALTER TABLE {table}_new RENAME TO {table}",
    )


def _with_account(
    table: str, columns: str, copied: str, *, rowid: bool = True, first: bool = True
) -> tuple[str, ...]:
    # Rebuild *table* with an account column (first of *columns* unless
    # *first* is false: then *columns* names it), its rows the default
    # account's.  A table with a rowid (*rowid*: before and after alike)
    # is copied in rowid order, so that a table listed in that order keeps
    # it.  Released steps use it: it is never changed.
    account = "account TEXT NOT NULL, " if first else ""
    without = "" if rowid else " WITHOUT ROWID"
    return (
        f"CREATE TABLE {table}_new ({account}{columns}){without}",
        (
            f"INSERT INTO {table}_new (account, {copied}) "  # noqa: S608 - our table names
            f"SELECT 'default', {copied} FROM {table}" + (" ORDER BY rowid" if rowid else "")
        ),
        f"DROP TABLE {table}",
        f"ALTER TABLE {table}_new RENAME TO {table}",
    )


MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the tables.  Each keeps the whole value as JSON (`data`, through the
    # codec) beside the columns the store looks it up or filters by.
    (
        "CREATE TABLE leads (phone TEXT PRIMARY KEY, data TEXT NOT NULL)",
        # seq keeps each lead's opportunities in first-saved order; an upsert
        # keeps a row's seq.
        """
        CREATE TABLE opportunities (
            seq INTEGER PRIMARY KEY,
            lead TEXT NOT NULL,
            id TEXT NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (lead, id)
        )
        """,
        f"CREATE TABLE conversations ({_CONVERSATION_COLUMNS})",
        "CREATE TABLE turns (pool TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE users (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE presence (user TEXT PRIMARY KEY, available INTEGER NOT NULL)",
        """
        CREATE TABLE funnel_records (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            lead TEXT NOT NULL,
            data TEXT NOT NULL
        )
        """,
        "CREATE TABLE processed_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL)",
        # Datetimes the store compares are integers (microseconds since the
        # epoch): ISO text with offsets does not sort in time order.
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            claimed_until INTEGER,
            data TEXT NOT NULL
        )
        """,
    ),
    # 2: the indexes of the queries that filter rather than look up a key.
    (
        "CREATE INDEX conversations_open ON conversations (status, assignee, last_message_at)",
        "CREATE INDEX funnel_records_lead ON funnel_records (lead, seq)",
        "CREATE INDEX outbox_pending ON outbox (status, created_at, seq)",
    ),
    # 3: failed deliveries go behind the others, so that an item the host's
    # transport always refuses cannot hold back the items after it.
    (
        "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
        "UPDATE outbox SET attempts = json_extract(data, '$.attempts')",
        "DROP INDEX outbox_pending",
        "CREATE INDEX outbox_pending ON outbox (status, attempts, created_at, seq)",
    ),
    # 4: the tables written by nearly every event and only ever looked up by
    # their key keep their rows in that key's b-tree (WITHOUT ROWID), not in
    # a rowid b-tree beside a b-tree of keys: one page less to write each.
    # (Users keep their rowid: they are listed in the order they came.)
    (
        *_without_rowid("leads", "phone TEXT NOT NULL PRIMARY KEY, data TEXT NOT NULL"),
        *_without_rowid("conversations", _CONVERSATION_COLUMNS),
        "CREATE INDEX conversations_open ON conversations (status, assignee, last_message_at)",
        *_without_rowid("processed_events", "id TEXT NOT NULL PRIMARY KEY, at INTEGER NOT NULL"),
    ),
    # 5: a processed event is kept as the SHA-256 of its id (32 bytes,
    # `convroute._ids.event_key`, which `migrate` lends the steps under the
    # name `_EVENT_KEY_FUNCTION`), so that ids of any length are stored alike and
    # none holds a sender's phone.
    (
        (
            "CREATE TABLE processed_events_new "
            "(id BLOB NOT NULL PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID"
        ),
        (
            f"INSERT INTO processed_events_new SELECT {_EVENT_KEY_FUNCTION}(id), at "  # noqa: S608 - our names
            "FROM processed_events"
        ),
        "DROP TABLE processed_events",
        "ALTER TABLE processed_events_new RENAME TO processed_events",
    ),
    # 6: time-driven routing.  A conversation's due time and its wait's
    # start get columns (NULL for the rows already there, as for every
    # conversation with none), each with a partial index holding only the
    # rows a tick reads: due ones, and unrouted ones waiting.  The users
    # recorded as away, and the latest tick (one row).
    (
        "ALTER TABLE conversations ADD COLUMN due_at INTEGER",
        "ALTER TABLE conversations ADD COLUMN waiting_since INTEGER",
        (
            "CREATE INDEX conversations_due ON conversations (due_at, lead, number) "
            "WHERE due_at IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting ON conversations "
            "(status, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        "CREATE TABLE away (user TEXT PRIMARY KEY, since INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE ticks (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)",
    ),
    # 7: back-off and dead letters.  An item's due instant gets a column:
    # its created_at until a delivery fails, then when the next attempt is
    # due.  The claim reads the due pending items, in due order, through an
    # index, never the failing ones waiting; the items already there are
    # due from when they were written.
    (
        "ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER",
        "UPDATE outbox SET next_attempt_at = created_at",
        "DROP INDEX outbox_pending",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at, seq)",
    ),
    # 8: retention.  A prune deletes the oldest processed ids, sent items
    # and closed conversations a batch at a time, found through an index on
    # their time: without one, each batch would read past every row kept.
    # The outbox's and the conversations' indexes are partial, holding only
    # the rows a prune may delete; their status column (one value) is there
    # so that the planner, which has no statistics, prefers them to the
    # indexes that begin with the status and would need a sort.
    (
        "CREATE INDEX processed_events_at ON processed_events (at)",
        "CREATE INDEX outbox_sent ON outbox (status, created_at, seq) WHERE status = 'sent'",
        (
            "CREATE INDEX conversations_closed ON conversations "
            "(status, last_message_at, lead, number) WHERE status = 'closed'"
        ),
    ),
    # 9: the waiting pass a rule at a time.  A conversation's rule gets a
    # column (filled from the stored record for the rows waiting: the
    # others get it when next saved, before they can wait), and the waits
    # an index by rule, in wait order, so that a pass reads one rule's
    # queue and skips a rule nobody can take.  The ticks' row counts the
    # full passes owed by presence, user and close events, and those done.
    (
        "ALTER TABLE conversations ADD COLUMN rule TEXT",
        (
            "UPDATE conversations SET rule = json_extract(data, '$.rule') "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting_rule ON conversations "
            "(status, rule, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        "ALTER TABLE ticks ADD COLUMN passes_owed INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE ticks ADD COLUMN passes_done INTEGER NOT NULL DEFAULT 0",
    ),
    # 10: erasure.  An outbox item's lead gets a column, with an index, so
    # that forgetting a lead finds its items without reading the others.
    # The items already there get the lead their body names (a send's
    # ``to``, any other's ``lead``), else, for the board moves and Meta
    # events that follow a funnel record's action, the lead of the nearest
    # earlier item of the same event (the items of one event are written
    # together: it is found a row or two back).
    (
        "ALTER TABLE outbox ADD COLUMN lead TEXT",
        (
            "UPDATE outbox SET lead = CASE json_extract(data, '$.type') "
            "WHEN 'send' THEN json_extract(data, '$.body.to') "
            "ELSE json_extract(data, '$.body.lead') END"
        ),
        (
            "UPDATE outbox SET lead = (SELECT earlier.lead FROM outbox AS earlier "
            "WHERE earlier.seq < outbox.seq AND earlier.lead IS NOT NULL "
            "AND json_extract(earlier.data, '$.event') = json_extract(outbox.data, '$.event') "
            "ORDER BY earlier.seq DESC LIMIT 1) "
            "WHERE lead IS NULL "
            "AND json_extract(data, '$.type') IN ('move_opportunity', 'meta_event')"
        ),
        "CREATE INDEX outbox_lead ON outbox (lead)",
    ),
    # 11: many accounts in one file.  Every table gets an account column,
    # first in each key and index rows are found by, so that an account's
    # rows are found without reading another's; what the file held is the
    # account "default"'s.  SQLite cannot change a table's key in place:
    # each table is rebuilt, rows kept (seq and rowid orders too), and its
    # indexes made anew.  The ticks' row is one per account, keyed by it.
    (
        *_with_account(
            "leads",
            "phone TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (account, phone)",
            "phone, data",
            rowid=False,
        ),
        *_with_account(
            "opportunities",
            "seq INTEGER PRIMARY KEY, account TEXT NOT NULL, lead TEXT NOT NULL, "
            "id TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (account, lead, id)",
            "seq, lead, id, data",
            first=False,
        ),
        *_with_account(
            "conversations",
            "lead TEXT NOT NULL, number TEXT NOT NULL, status TEXT NOT NULL, assignee TEXT, "
            "last_message_at INTEGER NOT NULL, due_at INTEGER, waiting_since INTEGER, "
            "rule TEXT, data TEXT NOT NULL, PRIMARY KEY (account, lead, number)",
            "lead, number, status, assignee, last_message_at, due_at, waiting_since, rule, data",
            rowid=False,
        ),
        *_with_account(
            "turns",
            "pool TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (account, pool)",
            "pool, data",
        ),
        *_with_account(
            "users", "id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (account, id)", "id, data"
        ),
        *_with_account(
            "presence",
            "user TEXT NOT NULL, available INTEGER NOT NULL, PRIMARY KEY (account, user)",
            "user, available",
        ),
        *_with_account(
            "funnel_records",
            "seq INTEGER PRIMARY KEY, account TEXT NOT NULL, id TEXT NOT NULL, "
            "lead TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (account, id)",
            "seq, id, lead, data",
            first=False,
        ),
        *_with_account(
            "processed_events",
            "id BLOB NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (account, id)",
            "id, at",
            rowid=False,
        ),
        *_with_account(
            "outbox",
            "seq INTEGER PRIMARY KEY, account TEXT NOT NULL, id TEXT NOT NULL, "
            "status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
            "created_at INTEGER NOT NULL, claimed_until INTEGER, "
            "next_attempt_at INTEGER NOT NULL, data TEXT NOT NULL, lead TEXT, "
            "UNIQUE (account, id)",
            "seq, id, status, attempts, created_at, claimed_until, next_attempt_at, data, lead",
            first=False,
        ),
        *_with_account(
            "away",
            "user TEXT NOT NULL, since INTEGER NOT NULL, PRIMARY KEY (account, user)",
            "user, since",
            rowid=False,
        ),
        *_with_account(
            "ticks",
            "at INTEGER NOT NULL, passes_owed INTEGER NOT NULL DEFAULT 0, "
            "passes_done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (account)",
            "at, passes_owed, passes_done",
        ),
        (
            "CREATE INDEX conversations_open ON conversations "
            "(account, status, assignee, last_message_at)"
        ),
        (
            "CREATE INDEX conversations_due ON conversations (account, due_at, lead, number) "
            "WHERE due_at IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting ON conversations "
            "(account, status, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting_rule ON conversations "
            "(account, status, rule, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_closed ON conversations "
            "(account, status, last_message_at, lead, number) WHERE status = 'closed'"
        ),
        "CREATE INDEX funnel_records_lead ON funnel_records (account, lead, seq)",
        # A report reads an account's records in seq order, a page at a time.
        "CREATE INDEX funnel_records_account ON funnel_records (account, seq)",
        "CREATE INDEX processed_events_at ON processed_events (account, at)",
        "CREATE INDEX outbox_due ON outbox (account, status, next_attempt_at, seq)",
        (
            "CREATE INDEX outbox_sent ON outbox (account, status, created_at, seq) "
            "WHERE status = 'sent'"
        ),
        "CREATE INDEX outbox_lead ON outbox (account, lead)",
    ),
    # 12: the Cloud API id of each business number, as webhooks gave it.
    (
        (
            "CREATE TABLE numbers (account TEXT NOT NULL, number TEXT NOT NULL, "
            "phone_number_id TEXT NOT NULL, PRIMARY KEY (account, number)) WITHOUT ROWID"
        ),
    ),
)
"""
The migration steps, oldest first; step *n* takes a file to version *n*.
"""

SCHEMA_VERSION = len(MIGRATIONS)
"""
The version a file has once every step is applied.
"""


CHECKPOINT_PAGES = 16_000
"""
How many pages the write-ahead log grows by before a commit copies them
into the database file (a checkpoint, with its two fsyncs): 64 MB of 4 KB
pages, about a thousand events.  Each checkpoint waits for its fsyncs (up
to tens of milliseconds on a busy disk) and copies every page the log
holds, so fewer of them cost each event less (measured:
docs/performance.md).
"""

LOG_SIZE_LIMIT = 64 * 1024 * 1024
"""
The size, in bytes, the write-ahead log file is cut back to when a
checkpoint empties it (``journal_size_limit``).  A full cycle of
`CHECKPOINT_PAGES` pages fits, so in normal running the file is never cut
and grown again; a log that grew past it while a reader held an old
snapshot gives the space back.
"""


def connect(path: str, timeout: float) -> sqlite3.Connection:
    """
    Open a connection to *path* with the store's settings, schema up to date.

    Autocommit mode (the store issues ``BEGIN IMMEDIATE`` and ``COMMIT``
    itself), write-ahead logging, ``synchronous=NORMAL`` (durable at each
    checkpoint, never corrupt), ``secure_delete`` (deleted rows are zeroed),
    a checkpoint every `CHECKPOINT_PAGES`
    pages, the log cut back to `LOG_SIZE_LIMIT` bytes when a checkpoint
    empties it, and a busy timeout of *timeout* seconds.

    Args:
        path: The database file.
        timeout: How long to wait for another writer's lock, in seconds.

    Returns:
        The connection, for this thread only.

    Raises:
        sqlite3.Error: When the file cannot be opened or upgraded.
        StoreUnusableError: When the file's schema version is one this
            convroute does not know (newer, or negative), or it is another
            program's database.
    """
    connection = sqlite3.connect(
        path, timeout=timeout, isolation_level=None, check_same_thread=True
    )
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        _use_wal(connection, timeout)
        connection.execute("PRAGMA synchronous = NORMAL")
        # What a unit deletes or overwrites is zeroed in the file, not left
        # in free space: a forgotten lead's phone is gone from the pages.
        connection.execute("PRAGMA secure_delete = ON")
        connection.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
        connection.execute(f"PRAGMA journal_size_limit = {LOG_SIZE_LIMIT}")
        migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _use_wal(connection: sqlite3.Connection, timeout: float) -> None:
    # Persistent in the file: only the first connection changes it.  A file
    # system without shared memory keeps its rollback journal, slower but
    # just as safe.  Switching needs a lock SQLite will not wait for (no
    # busy handler: it could deadlock), so a new file opened by two
    # connections at once makes one of them retry here.
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(2 * delay, 0.05)
        else:
            return


def migrate(connection: sqlite3.Connection, steps: Sequence[Sequence[str]] = MIGRATIONS) -> None:
    """
    Apply the migration steps the file lacks, in one transaction.

    Args:
        connection: A connection in autocommit mode.
        steps: The steps to bring the file to; all of them but in tests.

    Raises:
        sqlite3.Error: When a step fails; the file keeps its version.
        StoreUnusableError: When the file's version is one the steps do not know:
            newer than they are, or negative; or when it is 0 and the file
            holds tables (another program's database).
    """
    target = len(steps)
    if schema_version(connection) == target:
        return
    connection.create_function(_EVENT_KEY_FUNCTION, 1, event_key, deterministic=True)
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have
        # upgraded the file since.
        _apply(connection, steps, schema_version(connection))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _apply(connection: sqlite3.Connection, steps: Sequence[Sequence[str]], version: int) -> None:
    target = len(steps)
    refuse_unknown_version(connection, version, target)
    for step in steps[version:]:
        for statement in step:
            connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {target}")


def refuse_unknown_version(connection: sqlite3.Connection, version: int, target: int) -> None:
    """
    Refuse a file whose schema *version* no convroute with *target* steps can build on.

    Raises:
        StoreUnusableError: When *version* is newer than *target*, or
            negative, or 0 in a file that holds tables (another program's
            database).
    """
    if version > target:
        raise StoreUnusableError(
            f"the database has schema version {version}, newer than this convroute "
            f"knows ({target}): upgrade convroute to open it"
        )
    if version < 0:
        # convroute never writes one: the file was changed by hand or by
        # another program, and its tables cannot be trusted to be ours.
        raise StoreUnusableError(
            f"the database has schema version {version} (its PRAGMA user_version), "
            f"which no convroute writes: versions run from 0 to {target}; it is left as it is"
        )
    if version == 0 and _has_tables(connection):
        # A new store's file is empty; one with tables and no version is
        # another program's database, which convroute must not build into.
        raise StoreUnusableError(
            "the database holds tables but no schema version (its PRAGMA user_version is 0): "
            "it is not a convroute store; it is left as it is"
        )


def _has_tables(connection: sqlite3.Connection) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\' LIMIT 1"
    ).fetchone()
    return row is not None


def schema_version(connection: sqlite3.Connection) -> int:
    """
    The schema version of the file *connection* is open on: its ``user_version``.
    """
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])
