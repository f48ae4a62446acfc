"""
The upgrade to accounts: a store written before it had accounts (SQLite 10, PostgreSQL 7) keeps
every row, all of them the account "default"'s.
"""

# ruff: noqa: S608 - the table names formatted into the statements are the tests' own.

import datetime as dt
import hashlib
import sqlite3

import pytest

from convroute.adapters import SQLiteStore, _codec
from convroute.adapters._instants import to_micros
from convroute.adapters._sqlite_schema import MIGRATIONS as SQLITE_MIGRATIONS
from convroute.adapters._sqlite_schema import migrate as sqlite_migrate
from convroute.funnel import Cause, Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem, OutboxStatus


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(hours=1)
LEAD = Phone("919800000001")
WAITING_LEAD = Phone("919800000002")
NUMBER = Phone("918040001234")

LEAD_VALUE = Lead(phone=LEAD, name="Ravi")
OPPORTUNITIES = (
    Opportunity(id="o2", type="Course", name="Saved first"),
    Opportunity(id="o1", type="Course", name="Saved second"),
)
ASSIGNED = Conversation(
    lead=LEAD, number=NUMBER, status="assigned", assignee="u-asha", last_message_at=T0, due_at=T0
)
WAITING = Conversation(
    lead=WAITING_LEAD,
    number=NUMBER,
    status="unrouted",
    last_message_at=T0,
    waiting_since=T0,
    rule="Desk",
)
TURN = TurnRecord(pool="admin", assigned=("u-asha",))
USERS = (User(id="u-ravi", name="Ravi"), User(id="u-asha", name="Asha"))
RECORD = Transition(
    id="t1",
    lead=LEAD,
    funnel="Sales",
    from_stage=None,
    to_stage="Enquiry",
    at=T0,
    cause=Cause.TRIGGER,
    source="Instagram",
    number=NUMBER,
)
PENDING = OutboxItem("p1", "wamid.old", "send", {"type": "send", "to": LEAD}, T0, lead=LEAD)
SENT = OutboxItem("s1", "wamid.old", "send", {"type": "send"}, T0, status=OutboxStatus.SENT)


def fill_old(execute, table, mark):
    """Write one row or more into every table of a store of the version before accounts."""

    def insert(name, columns, values):
        marks = ", ".join([mark] * len(values))
        execute(f"INSERT INTO {table(name)} ({columns}) VALUES ({marks})", values)

    insert("leads", "phone, data", (LEAD, _codec.dumps(LEAD_VALUE)))
    for one in OPPORTUNITIES:
        insert("opportunities", "lead, id, data", (LEAD, one.id, _codec.dumps(one)))
    for one in (ASSIGNED, WAITING):
        insert(
            "conversations",
            "lead, number, status, assignee, last_message_at, due_at, waiting_since, rule, data",
            (
                one.lead,
                one.number,
                one.status.value,
                one.assignee,
                to_micros(one.last_message_at),
                None if one.due_at is None else to_micros(one.due_at),
                None if one.waiting_since is None else to_micros(one.waiting_since),
                one.rule,
                _codec.dumps(one),
            ),
        )
    insert("turns", "pool, data", (TURN.pool, _codec.dumps(TURN)))
    for one in USERS:
        insert("users", "id, data", (one.id, _codec.dumps(one)))
    insert("presence", '"user", available', ("u-asha", True))
    insert("away", '"user", since', ("u-ravi", to_micros(T0)))
    insert("ticks", "id, at, passes_owed, passes_done", (1, to_micros(T0), 2, 1))
    insert("funnel_records", "id, lead, data", (RECORD.id, LEAD, _codec.dumps(RECORD)))
    insert("processed_events", "id, at", (hashlib.sha256(b"wamid.old").digest(), to_micros(T0)))
    for one in (PENDING, SENT):
        insert(
            "outbox",
            "id, status, attempts, created_at, claimed_until, next_attempt_at, lead, data",
            (
                one.id,
                one.status.value,
                0,
                to_micros(T0),
                None,
                to_micros(T0),
                one.lead,
                _codec.dumps(one),
            ),
        )


def told(uow):
    """What the repositories tell of the values `fill_old` wrote."""
    return {
        "lead": uow.leads.get(LEAD),
        "opportunities": tuple(uow.opportunities.for_lead(LEAD)),
        "conversations": (
            uow.conversations.get(LEAD, NUMBER),
            uow.conversations.get(WAITING_LEAD, NUMBER),
        ),
        "due": tuple(uow.conversations.due(LATER, 10)),
        "waiting": tuple(uow.conversations.waiting(T0, 10, rule="Desk")),
        "held": tuple(uow.conversations.held_by("u-asha", T0)),
        "turns": dict(uow.turns.all()),
        "users": dict(uow.users.all()),
        "presence": dict(uow.users.presence()),
        "away": dict(uow.users.away_since()),
        "tick": (uow.ticks.last(), uow.ticks.waiting_passes_owed()),
        "records": tuple(uow.funnel_records.scan()),
        "outbox": tuple(uow.outbox.items()),
    }


TABLES = (
    "leads",
    "opportunities",
    "conversations",
    "turns",
    "users",
    "presence",
    "away",
    "ticks",
    "funnel_records",
    "processed_events",
    "outbox",
)

EXPECTED = {
    "lead": LEAD_VALUE,
    "opportunities": OPPORTUNITIES,
    "conversations": (ASSIGNED, WAITING),
    "due": (ASSIGNED,),
    "waiting": (WAITING,),
    "held": (ASSIGNED,),
    "turns": {"admin": TURN},
    "users": {one.id: one for one in USERS},
    "presence": {"u-asha": True},
    "away": {"u-ravi": T0},
    "tick": (T0, 2),
    "records": (RECORD,),
    "outbox": (PENDING, SENT),
}

EMPTY = {
    "lead": None,
    "opportunities": (),
    "conversations": (None, None),
    "due": (),
    "waiting": (),
    "held": (),
    "turns": {},
    "users": {},
    "presence": {},
    "away": {},
    "tick": (None, None),
    "records": (),
    "outbox": (),
}


def after_upgrade(store):
    """The default account's values, another account's, and the old event id in each."""
    with store.unit_of_work() as uow:
        default = told(uow)
    with store.unit_of_work("acme") as uow:
        other = told(uow)
    claims = []
    for account in ("default", "acme"):
        with store.unit_of_work(account) as uow:
            claims.append(uow.processed.claim("wamid.old", LATER))
    return default, other, claims


class TestSQLiteUpgrade:
    def test_a_version_10_file_becomes_the_default_account(self, tmp_path):
        """Every row of a version 10 file is kept, the default account's; another is empty."""
        path = tmp_path / "convroute.db"
        connection = sqlite3.connect(path, isolation_level=None)
        sqlite_migrate(connection, SQLITE_MIGRATIONS[:10])
        fill_old(connection.execute, lambda name: name, "?")
        connection.close()

        with SQLiteStore(path) as store:
            connection = sqlite3.connect(path)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            accounts = {
                table: connection.execute(f"SELECT DISTINCT account FROM {table}").fetchall()
                for table in TABLES
            }
            leads = connection.execute("SELECT id, lead FROM outbox ORDER BY seq").fetchall()
            connection.close()
            default, other, claims = after_upgrade(store)

        assert (EXPECTED, EMPTY, [False, True]) == (default, other, claims)
        # The later steps run too (12: the numbers' Cloud API ids).
        assert (12, {table: [("default",)] for table in TABLES}) == (version, accounts)
        assert [("p1", LEAD), ("s1", None)] == leads


@pytest.mark.postgres
class TestPostgresUpgrade:
    def test_a_version_7_schema_becomes_the_default_account(self, postgres_url, postgres_schema):
        """Every row of a version 7 schema is kept, the default account's; another is empty."""
        psycopg = pytest.importorskip("psycopg")
        from convroute.adapters._postgres_schema import MIGRATIONS, migrate, quoted
        from convroute.adapters.postgres import PostgresStore

        name = quoted(postgres_schema)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:7])
            fill_old(connection.execute, lambda table: f"{name}.{table}", "%s")

        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            default, other, claims = after_upgrade(store)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            version = connection.execute(f"SELECT version FROM {name}.schema_version").fetchone()
            defaults = connection.execute(
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_schema = %s AND column_name = 'account' AND column_default IS NULL",
                (postgres_schema,),
            ).fetchone()

        assert (EXPECTED, EMPTY, [False, True]) == (default, other, claims)
        # Every table has an account column, and none a default that a statement could lean
        # on; the later steps run too (9: the numbers' Cloud API ids, a twelfth table; 10:
        # the marks of the users' last change, a thirteenth).
        assert ((10,), (13,)) == (version, defaults)
