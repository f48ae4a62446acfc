"""
The PostgreSQL store's schema, the steps that build it, and how they run.

The store's tables live in a PostgreSQL schema of their own (``convroute``
unless told otherwise), beside a one-row table holding the number of
migration steps applied.  Opening a store applies the steps it lacks, in
order, in one transaction that first takes an advisory lock on the schema's
name: workers starting at once build it once, the others wait and find it
done.  A step is never edited once released; a change is a new step at the
end.
"""

# ruff: noqa: S608 - the schema name formatted in is checked by `quoted`; values are bound.
from __future__ import annotations

import hashlib

from collections.abc import Sequence
from typing import Any

import psycopg
import regex

from psycopg.rows import tuple_row

from convroute._ids import utf8
from convroute.errors import StoreUnusableError


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "lock_key", "migrate", "quoted"]


def _json(row: str) -> str:
    # The stored value of *row* as json, for a step to read a field of.
    # PostgreSQL's JSON functions refuse a text holding an escaped NUL
    # (``\u0000``) anywhere: it is read as U+FFFD, six characters for six,
    # which keeps the JSON valid and the phones and event ids as they are.
    # Released steps use it: it is never changed.
    return f"replace({row}.data, '\\u0000', '\\ufffd')::json"


# The tables' statements name the schema as {s}, filled in per store.

# Every table, as step 8 gives each an account column.  Released steps use
# it: it is never changed.
_TABLES = (
    "leads",
    "opportunities",
    "conversations",
    "turns",
    "users",
    "presence",
    "funnel_records",
    "processed_events",
    "outbox",
    "away",
    "ticks",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the tables, as in the SQLite store: each keeps the whole value as
    # JSON text (`data`, through the codec) beside the columns it is looked
    # up or filtered by.  Text rather than jsonb: jsonb refuses the NUL
    # character, which JSON text holds escaped.  Instants the store
    # compares are microseconds since the epoch, as in SQLite.
    (
        "CREATE TABLE {s}.leads (phone text PRIMARY KEY, data text NOT NULL)",
        """
        CREATE TABLE {s}.opportunities (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            lead text NOT NULL,
            id text NOT NULL,
            data text NOT NULL,
            UNIQUE (lead, id)
        )
        """,
        """
        CREATE TABLE {s}.conversations (
            lead text NOT NULL,
            number text NOT NULL,
            status text NOT NULL,
            assignee text,
            last_message_at bigint NOT NULL,
            data text NOT NULL,
            PRIMARY KEY (lead, number)
        )
        """,
        "CREATE TABLE {s}.turns (pool text PRIMARY KEY, data text NOT NULL)",
        "CREATE TABLE {s}.users (id text PRIMARY KEY, data text NOT NULL)",
        'CREATE TABLE {s}.presence ("user" text PRIMARY KEY, available boolean NOT NULL)',
        """
        CREATE TABLE {s}.funnel_records (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            lead text NOT NULL,
            data text NOT NULL
        )
        """,
        "CREATE TABLE {s}.processed_events (id text PRIMARY KEY, at bigint NOT NULL)",
        """
        CREATE TABLE {s}.outbox (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            status text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            created_at bigint NOT NULL,
            claimed_until bigint,
            data text NOT NULL
        )
        """,
        "CREATE INDEX conversations_open ON {s}.conversations (status, assignee, last_message_at)",
        "CREATE INDEX funnel_records_lead ON {s}.funnel_records (lead, seq)",
        "CREATE INDEX outbox_pending ON {s}.outbox (status, attempts, created_at, seq)",
    ),
    # 2: a processed event is kept as the SHA-256 of its id's UTF-8 (32
    # bytes, as `convroute._ids.event_key` computes it), so that ids of any
    # length are stored alike (the b-tree refuses keys over about 2.7 KB)
    # and none holds a sender's phone.
    (
        (
            "ALTER TABLE {s}.processed_events ALTER COLUMN id TYPE bytea "
            "USING sha256(convert_to(id, 'UTF8'))"
        ),
    ),
    # 3: time-driven routing, as in the SQLite store: a conversation's due
    # time and its wait's start get columns (NULL for the rows already
    # there), each with a partial index of the rows a tick reads; the users
    # recorded as away; the latest tick (one row).
    (
        "ALTER TABLE {s}.conversations ADD COLUMN due_at bigint, ADD COLUMN waiting_since bigint",
        (
            "CREATE INDEX conversations_due ON {s}.conversations (due_at, lead, number) "
            "WHERE due_at IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting ON {s}.conversations "
            "(status, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        'CREATE TABLE {s}.away ("user" text PRIMARY KEY, since bigint NOT NULL)',
        "CREATE TABLE {s}.ticks (id integer PRIMARY KEY CHECK (id = 1), at bigint NOT NULL)",
    ),
    # 4: back-off and dead letters, as in the SQLite store: an item's due
    # instant (its created_at until a delivery fails) gets a column, and
    # the claim reads the due pending items through an index on it.
    (
        "ALTER TABLE {s}.outbox ADD COLUMN next_attempt_at bigint",
        "UPDATE {s}.outbox SET next_attempt_at = created_at",
        "ALTER TABLE {s}.outbox ALTER COLUMN next_attempt_at SET NOT NULL",
        "DROP INDEX {s}.outbox_pending",
        "CREATE INDEX outbox_due ON {s}.outbox (status, next_attempt_at, seq)",
    ),
    # 5: retention, as in the SQLite store: an index on the time of each
    # kind of row a prune deletes, partial where only some rows may go.
    (
        "CREATE INDEX processed_events_at ON {s}.processed_events (at)",
        "CREATE INDEX outbox_sent ON {s}.outbox (status, created_at, seq) WHERE status = 'sent'",
        (
            "CREATE INDEX conversations_closed ON {s}.conversations "
            "(status, last_message_at, lead, number) WHERE status = 'closed'"
        ),
    ),
    # 6: the waiting pass a rule at a time, as in the SQLite store: a
    # conversation's rule gets a column (filled for the rows waiting), the
    # waits an index by rule in wait order, and the ticks' row the counts
    # of full passes owed and done.
    (
        "ALTER TABLE {s}.conversations ADD COLUMN rule text",
        (
            "UPDATE {s}.conversations SET rule = data::jsonb ->> 'rule' "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting_rule ON {s}.conversations "
            "(status, rule, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        (
            "ALTER TABLE {s}.ticks ADD COLUMN passes_owed bigint NOT NULL DEFAULT 0, "
            "ADD COLUMN passes_done bigint NOT NULL DEFAULT 0"
        ),
    ),
    # 7: erasure, as in the SQLite store: an outbox item's lead gets a
    # column, with an index; the items already there get the lead their
    # body names, else that of the nearest earlier item of the same event.
    (
        "ALTER TABLE {s}.outbox ADD COLUMN lead text",
        (
            f"UPDATE {{s}}.outbox AS item SET lead = CASE {_json('item')} ->> 'type' "
            f"WHEN 'send' THEN {_json('item')} -> 'body' ->> 'to' "
            f"ELSE {_json('item')} -> 'body' ->> 'lead' END"
        ),
        (
            "UPDATE {s}.outbox AS item SET lead = (SELECT earlier.lead FROM {s}.outbox AS earlier "
            "WHERE earlier.seq < item.seq AND earlier.lead IS NOT NULL "
            f"AND ({_json('earlier')} -> 'event')::text = ({_json('item')} -> 'event')::text "
            "ORDER BY earlier.seq DESC LIMIT 1) "
            f"WHERE item.lead IS NULL AND {_json('item')} ->> 'type' "
            "IN ('move_opportunity', 'meta_event')"
        ),
        "CREATE INDEX outbox_lead ON {s}.outbox (lead)",
    ),
    # 8: many accounts in one schema, as in the SQLite store: every table
    # gets an account column, first in each key and index rows are found
    # by; what the schema held is the account "default"'s (a default that
    # is dropped once the rows have it: no statement may leave it out).
    # The ticks' row is one per account, keyed by it.
    (
        *(
            statement
            for table in _TABLES
            for statement in (
                f"ALTER TABLE {{s}}.{table} ADD COLUMN account text NOT NULL DEFAULT 'default'",
                f"ALTER TABLE {{s}}.{table} ALTER COLUMN account DROP DEFAULT",
            )
        ),
        "ALTER TABLE {s}.leads DROP CONSTRAINT leads_pkey, ADD PRIMARY KEY (account, phone)",
        (
            "ALTER TABLE {s}.opportunities DROP CONSTRAINT opportunities_lead_id_key, "
            "ADD UNIQUE (account, lead, id)"
        ),
        (
            "ALTER TABLE {s}.conversations DROP CONSTRAINT conversations_pkey, "
            "ADD PRIMARY KEY (account, lead, number)"
        ),
        "ALTER TABLE {s}.turns DROP CONSTRAINT turns_pkey, ADD PRIMARY KEY (account, pool)",
        "ALTER TABLE {s}.users DROP CONSTRAINT users_pkey, ADD PRIMARY KEY (account, id)",
        (
            "ALTER TABLE {s}.presence DROP CONSTRAINT presence_pkey, "
            'ADD PRIMARY KEY (account, "user")'
        ),
        (
            "ALTER TABLE {s}.funnel_records DROP CONSTRAINT funnel_records_id_key, "
            "ADD UNIQUE (account, id)"
        ),
        (
            "ALTER TABLE {s}.processed_events DROP CONSTRAINT processed_events_pkey, "
            "ADD PRIMARY KEY (account, id)"
        ),
        "ALTER TABLE {s}.outbox DROP CONSTRAINT outbox_id_key, ADD UNIQUE (account, id)",
        'ALTER TABLE {s}.away DROP CONSTRAINT away_pkey, ADD PRIMARY KEY (account, "user")',
        # Dropping the id drops its key and its check with it.
        "ALTER TABLE {s}.ticks DROP COLUMN id, ADD PRIMARY KEY (account)",
        *(
            f"DROP INDEX {{s}}.{index}"
            for index in (
                "conversations_open",
                "conversations_due",
                "conversations_waiting",
                "conversations_waiting_rule",
                "conversations_closed",
                "funnel_records_lead",
                "processed_events_at",
                "outbox_due",
                "outbox_sent",
                "outbox_lead",
            )
        ),
        (
            "CREATE INDEX conversations_open ON {s}.conversations "
            "(account, status, assignee, last_message_at)"
        ),
        (
            "CREATE INDEX conversations_due ON {s}.conversations (account, due_at, lead, number) "
            "WHERE due_at IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting ON {s}.conversations "
            "(account, status, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_waiting_rule ON {s}.conversations "
            "(account, status, rule, waiting_since, lead, number) "
            "WHERE status = 'unrouted' AND waiting_since IS NOT NULL"
        ),
        (
            "CREATE INDEX conversations_closed ON {s}.conversations "
            "(account, status, last_message_at, lead, number) WHERE status = 'closed'"
        ),
        "CREATE INDEX funnel_records_lead ON {s}.funnel_records (account, lead, seq)",
        "CREATE INDEX funnel_records_account ON {s}.funnel_records (account, seq)",
        "CREATE INDEX processed_events_at ON {s}.processed_events (account, at)",
        "CREATE INDEX outbox_due ON {s}.outbox (account, status, next_attempt_at, seq)",
        (
            "CREATE INDEX outbox_sent ON {s}.outbox (account, status, created_at, seq) "
            "WHERE status = 'sent'"
        ),
        "CREATE INDEX outbox_lead ON {s}.outbox (account, lead)",
    ),
    # 9: the Cloud API id of each business number, as webhooks gave it.
    (
        (
            "CREATE TABLE {s}.numbers (account text NOT NULL, number text NOT NULL, "
            "phone_number_id text NOT NULL, PRIMARY KEY (account, number))"
        ),
    ),
    # 10: the mark of each account's users' last change: the id of the last
    # transaction that wrote one of its users, presences or absences (no two
    # transactions of a cluster share one), kept by triggers whoever writes
    # (this convroute, an older one still running, a host by hand; a TRUNCATE
    # marks every account the table held).  The triggers' function runs as
    # the schema's owner, so that a role that may write the three tables
    # needs no right on the marks; the roles that may read the leads or the
    # users may read the marks, which a lead's state is read with.  The
    # accounts that hold any already are marked as changed by the upgrade.
    (
        "CREATE TABLE {s}.people_changes (account text PRIMARY KEY, xact bigint NOT NULL)",
        """
        CREATE FUNCTION {s}.people_changed() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                EXECUTE format(
                    'INSERT INTO {s}.people_changes (account, xact) '
                    'SELECT DISTINCT account, txid_current() FROM %I.%I '
                    'ON CONFLICT (account) DO UPDATE SET xact = excluded.xact',
                    TG_TABLE_SCHEMA, TG_TABLE_NAME
                );
                RETURN NULL;
            END IF;
            -- An update marks its account once (twice only if it moved the row to another).
            IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.account <> NEW.account) THEN
                INSERT INTO {s}.people_changes (account, xact) VALUES (OLD.account, txid_current())
                ON CONFLICT (account) DO UPDATE SET xact = excluded.xact;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO {s}.people_changes (account, xact) VALUES (NEW.account, txid_current())
                ON CONFLICT (account) DO UPDATE SET xact = excluded.xact;
            END IF;
            RETURN NULL;
        END
        $$
        """,
        *(
            statement
            for table in ("users", "presence", "away")
            for statement in (
                (
                    "CREATE TRIGGER people_changed AFTER INSERT OR UPDATE OR DELETE "
                    f"ON {{s}}.{table} FOR EACH ROW EXECUTE FUNCTION {{s}}.people_changed()"
                ),
                # Before: the rows still tell which accounts they held.
                (
                    f"CREATE TRIGGER people_truncated BEFORE TRUNCATE ON {{s}}.{table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION {s}.people_changed()"
                ),
            )
        ),
        """
        DO $$
        DECLARE
            granted record;
        BEGIN
            FOR granted IN
                SELECT DISTINCT listed.grantee, listed.privilege_type
                FROM pg_class AS held, aclexplode(held.relacl) AS listed
                WHERE held.oid IN ('{s}.leads'::regclass, '{s}.users'::regclass)
                AND listed.grantee <> held.relowner AND listed.privilege_type = 'SELECT'
            LOOP
                EXECUTE format(
                    'GRANT SELECT ON {s}.people_changes TO %s',
                    CASE WHEN granted.grantee = 0 THEN 'PUBLIC'
                    ELSE granted.grantee::regrole::text END
                );
            END LOOP;
        END
        $$
        """,
        (
            "INSERT INTO {s}.people_changes (account, xact) SELECT account, txid_current() FROM "
            "(SELECT account FROM {s}.users UNION SELECT account FROM {s}.presence "
            "UNION SELECT account FROM {s}.away) AS holding"
        ),
    ),
)
"""
The migration steps, oldest first; step *n* takes a schema to version *n*.
"""

SCHEMA_VERSION = len(MIGRATIONS)
"""
The version a schema has once every step is applied.
"""

_NAME = regex.compile(r"[a-z_][a-z0-9_]{0,62}")


def quoted(schema: str) -> str:
    """
    The schema's name, quoted for SQL, once it is known to be a plain name.

    Raises:
        ValueError: When *schema* is not lower-case letters, digits and
            underscores, starting with no digit, at most 63 characters.
    """
    if not _NAME.fullmatch(schema):
        raise ValueError(
            f"not a schema name PostgreSQL keeps as it is: {schema!r} (use lower-case "
            "letters, digits and underscores, 63 at most, not starting with a digit)"
        )
    return f'"{schema}"'


def lock_key(*parts: str) -> int:
    """
    A transaction-level advisory lock's key for *parts*: a signed 64-bit number.

    Two different names may share a key (one in 2**64): they then wait for
    each other, which costs time but never correctness.
    """
    digest = hashlib.blake2b(utf8("\0".join(parts)), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def migrate(
    connection: psycopg.Connection[Any],
    schema: str,
    steps: Sequence[Sequence[str]] = MIGRATIONS,
    *,
    create: bool = True,
    upgrade: bool = True,
) -> None:
    """
    Bring *schema* to the steps' version, building it when it is missing.

    A schema at the steps' version is only read: opening it needs no right
    to change the schema (a role that may only read its tables opens it).

    Args:
        connection: A connection not inside a transaction.
        schema: The schema's plain name.
        steps: The steps to bring it to; all of them but in tests.
        create: Whether to build a store that is not there.
        upgrade: Whether to upgrade a store of an older version.

    Raises:
        psycopg.Error: When a step fails; the schema keeps its version.
        StoreUnusableError: When the schema's version is one the steps do
            not know (newer than they are, or negative), or there is no
            store and *create* is false, or it is older and *upgrade* is
            false.
    """
    name = quoted(schema)
    target = len(steps)
    # Rows as tuples, whatever rows the host's connection gives by default.
    with connection.cursor(row_factory=tuple_row) as cursor, connection.transaction():
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key("schema", schema),))
        # Read under the lock: another worker may have built it since.
        table = cursor.execute("SELECT to_regclass(%s)", (f"{name}.schema_version",))
        found = table.fetchone()
        if found is None or found[0] is None:
            if not create:
                raise StoreUnusableError(f"no convroute store in the PostgreSQL schema {schema!r}")
            version = _built(cursor, name)
        else:
            row = cursor.execute(f"SELECT version FROM {name}.schema_version").fetchone()
            version = 0 if row is None else int(row[0])
        _check_version(schema, version, target, upgrade=upgrade)
        if version == target:
            return
        for step in steps[version:]:
            for statement in step:
                cursor.execute(statement.replace("{s}", name))
        cursor.execute(
            f"INSERT INTO {name}.schema_version (version) VALUES (%s) "
            "ON CONFLICT (single) DO UPDATE SET version = excluded.version",
            (target,),
        )


def _built(cursor: psycopg.Cursor[tuple[Any, ...]], name: str) -> int:
    # The schema, when it is missing, and its version table: a store of
    # version 0, which the steps then build.
    exists = cursor.execute("SELECT to_regnamespace(%s)", (name,)).fetchone()
    if exists is None or exists[0] is None:
        cursor.execute(f"CREATE SCHEMA {name}")
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {name}.schema_version ("
        "single boolean PRIMARY KEY DEFAULT true CHECK (single), version integer NOT NULL)"
    )
    return 0


def _check_version(schema: str, version: int, target: int, *, upgrade: bool) -> None:
    if version > target:
        raise StoreUnusableError(
            f"the PostgreSQL schema {schema!r} has version {version}, newer than this "
            f"convroute knows ({target}): upgrade convroute to open it"
        )
    if version < 0:
        # convroute never writes one: the table was changed by hand.
        raise StoreUnusableError(
            f"the PostgreSQL schema {schema!r} has version {version}, which no "
            f"convroute writes: versions run from 0 to {target}; it is left as it is"
        )
    if version < target and not upgrade:
        raise StoreUnusableError(
            f"the PostgreSQL schema {schema!r} has version {version}, older than this "
            f"convroute's ({target}), and a store opened only to read never upgrades it: "
            "opening it to write upgrades it in place (the service does when it starts), "
            "as a role that may change the schema; it is left as it is"
        )
