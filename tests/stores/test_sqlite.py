"""
What only SQLiteStore does: its file, its settings, its schema, its errors.
"""

import datetime as dt
import hashlib
import json
import sqlite3
import threading

import attrs
import pytest

from convroute.adapters import SQLiteStore, _codec, _sqlite_unit
from convroute.adapters._instants import to_micros
from convroute.adapters._sqlite_schema import (
    CHECKPOINT_PAGES,
    LOG_SIZE_LIMIT,
    MIGRATIONS,
    SCHEMA_VERSION,
    migrate,
)
from convroute.adapters._sqlite_unit import _STATEMENTS
from convroute.errors import StoreError
from convroute.model import Lead, Phone
from convroute.routing import TurnRecord
from convroute.service import Service
from convroute.state import Conversation, OutboxItem, OutboxStatus
from convroute.testing import RecordingTransport
from service.conftest import AT, CONFIG, message


LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
INDEXES = {
    "conversations_open",
    "conversations_due",
    "conversations_waiting",
    "conversations_closed",
    "conversations_waiting_rule",
    "funnel_records_lead",
    "funnel_records_account",
    "outbox_due",
    "outbox_lead",
    "outbox_sent",
    "processed_events_at",
}


def keys(conversations):
    return [(c.lead, c.number) for c in conversations]


def raw(path):
    """A plain connection of our own to the store's file, in autocommit mode."""
    return sqlite3.connect(path, isolation_level=None)


def pragma(connection, name):
    return connection.execute(f"PRAGMA {name}").fetchone()[0]


def objects(connection, kind):
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,))
    return {name for (name,) in rows if not name.startswith("sqlite_")}


@pytest.fixture
def path(tmp_path):
    return tmp_path / "convroute.db"


@pytest.fixture
def store(path):
    with SQLiteStore(path, timeout=5) as opened:
        yield opened


class TestSettings:
    @pytest.mark.usefixtures("store")
    def test_the_file_uses_write_ahead_logging(self, path):
        """The file is in WAL mode, for every connection that opens it."""
        connection = raw(path)
        try:
            assert "wal" == pragma(connection, "journal_mode")
        finally:
            connection.close()

    def test_each_connection_is_set_up(self, store):
        """A writer's connection syncs at NORMAL, checkpoints seldom, leaves waits to its units."""
        connection = store._connection()

        assert (1, CHECKPOINT_PAGES, LOG_SIZE_LIMIT, 0, 1) == (
            pragma(connection, "synchronous"),
            pragma(connection, "wal_autocheckpoint"),
            pragma(connection, "journal_size_limit"),
            pragma(connection, "busy_timeout"),
            pragma(connection, "secure_delete"),
        )

    def test_the_log_s_bound_holds_a_whole_checkpoint_s_worth(self, store):
        """The log is cut back only past a full cycle: its header, then a frame header per page."""
        page_size = pragma(store._connection(), "page_size")

        assert 32 + CHECKPOINT_PAGES * (24 + page_size) <= LOG_SIZE_LIMIT

    @pytest.mark.usefixtures("store")
    def test_a_reader_s_connection_waits_for_locks_as_told(self, path):
        """A read-only store's connection keeps SQLite's own wait, for the timeout given."""
        with SQLiteStore(path, timeout=5, read_only=True) as reader:
            assert 5000 == pragma(reader._connection(), "busy_timeout")


class TestWaitingForTheLock:
    def test_a_writer_tries_again_every_poll_until_the_lock_is_free(self, store, path, monkeypatch):
        """A unit that finds the lock held sleeps POLL and tries again: no longer waits."""
        holder = raw(path)
        holder.execute("BEGIN IMMEDIATE")
        slept = []

        def sleep(seconds):
            slept.append(seconds)
            if len(slept) == 3:
                holder.execute("ROLLBACK")

        monkeypatch.setattr(_sqlite_unit.time, "sleep", sleep)
        try:
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD))
        finally:
            holder.close()

        assert [_sqlite_unit.POLL] * 3 == slept

    def test_a_writer_gives_up_at_its_timeout(self, path, monkeypatch):
        """Once the timeout has passed, the unit fails with StoreError, the lock still held."""
        store = SQLiteStore(path, timeout=3)
        holder = raw(path)
        holder.execute("BEGIN IMMEDIATE")
        # The clock moves a second a look: three tries, the third at 3 s.
        clock = iter(range(100))
        tries = []
        monkeypatch.setattr(_sqlite_unit.time, "monotonic", lambda: next(clock))
        monkeypatch.setattr(_sqlite_unit.time, "sleep", tries.append)
        try:
            with pytest.raises(StoreError, match="locked"), store.unit_of_work():
                pass
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            store.close()

        assert [_sqlite_unit.POLL] * 2 == tries

    def test_each_thread_has_its_own_connection(self, store):
        """Another thread gets a connection of its own, and closes it."""
        seen = []

        def other_thread():
            seen.append(store._connection())
            store.close()

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()

        assert seen[0] is not store._connection()

    def test_close_closes_and_the_store_reopens(self, path):
        """Leaving the with block closes the connection; using the store again reopens one."""
        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD))

        assert None is store._local.connection
        with store.unit_of_work() as uow:
            assert Lead(phone=LEAD) == uow.leads.get(LEAD)
        store.close()

    def test_two_stores_on_one_file_share_the_state(self, store, path):
        """What one store commits, another store object on the same file reads."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))

        with SQLiteStore(path) as other, other.unit_of_work() as uow:
            assert Lead(phone=LEAD, name="Ravi") == uow.leads.get(LEAD)

    def test_repr_names_the_file(self, store, path):
        """The repr says which file, and how long it waits."""
        assert f"SQLiteStore({str(path)!r}, timeout=5)" == repr(store)


class TestOpening:
    @pytest.mark.parametrize("name", [":memory:", ""])
    def test_a_private_database_is_refused(self, name):
        """In-memory and temporary databases would differ per thread: refused with a hint."""
        with pytest.raises(StoreError, match="MemoryStore"):
            SQLiteStore(name)

    def test_a_directory_is_not_a_store(self, tmp_path):
        """Opening a directory fails with StoreError, the SQLite error as its cause."""
        with pytest.raises(StoreError, match="cannot open") as raised:
            SQLiteStore(tmp_path)

        assert isinstance(raised.value.__cause__, sqlite3.Error)

    def test_a_missing_folder_is_not_created(self, tmp_path):
        """A path in a folder that does not exist fails with StoreError."""
        with pytest.raises(StoreError, match="cannot open"):
            SQLiteStore(tmp_path / "missing" / "convroute.db")

    def test_a_file_that_is_not_a_database(self, path):
        """Opening a file of something else fails with StoreError naming the file."""
        path.write_text("name,phone\nRavi,919800000001\n" * 100, encoding="utf-8")

        with pytest.raises(StoreError, match="not a database") as raised:
            SQLiteStore(path)

        assert str(path) in str(raised.value)


class TestSchema:
    @pytest.mark.usefixtures("store")
    def test_a_new_file_gets_the_latest_schema(self, path):
        """A new file has every table and index, at the latest version."""
        connection = raw(path)
        try:
            tables, indexes = objects(connection, "table"), objects(connection, "index")
            version = pragma(connection, "user_version")
        finally:
            connection.close()

        assert SCHEMA_VERSION == version
        expected_tables = {
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
            "numbers",
        }
        assert expected_tables == tables
        assert INDEXES == indexes

    def test_reopening_runs_no_step_again(self, store, path):
        """Opening a file at the latest version changes nothing (a step run twice would fail)."""
        with store.unit_of_work() as uow:
            uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",)))

        with SQLiteStore(path) as again, again.unit_of_work() as uow:
            turns = dict(uow.turns.all())

        assert {"admin": TurnRecord(pool="admin", assigned=("u-asha",))} == turns

    def test_an_older_file_is_upgraded_with_its_data(self, path):
        """A file at version 1 gets the later steps, and keeps what it held."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:1])
        connection.execute(
            "INSERT INTO leads (phone, data) VALUES (?, ?)",
            (LEAD, '{"phone": "919800000001", "name": "Ravi", "owner": null}'),
        )
        before = (pragma(connection, "user_version"), objects(connection, "index"))
        connection.close()

        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            lead = uow.leads.get(LEAD)
            connection = store._connection()
            after = (pragma(connection, "user_version"), objects(connection, "index"))

        assert (1, set()) == before
        assert (SCHEMA_VERSION, INDEXES) == after
        assert Lead(phone=LEAD, name="Ravi") == lead

    def test_outbox_attempts_survive_the_upgrade_to_version_3(self, path):
        """Items written at version 2 keep their attempts, and are due from their creation."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:2])
        for seq, (ident, attempts) in enumerate([("old-failed", 2), ("new", 0)]):
            data = json.dumps(
                {
                    "id": ident,
                    "event": "e",
                    "type": "send",
                    "body": {},
                    "created_at": f"2026-11-02T09:0{seq}:00+00:00",
                    "status": "pending",
                    "attempts": attempts,
                    "last_error": None,
                    "claimed_until": None,
                }
            )
            connection.execute(
                "INSERT INTO outbox (id, status, created_at, claimed_until, data) "
                "VALUES (?, 'pending', ?, NULL, ?)",
                (ident, seq, data),
            )
        connection.close()

        now = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            taken = [(one.id, one.attempts) for one in uow.outbox.claim(10, now, now)]

        assert [("old-failed", 2), ("new", 0)] == taken

    def test_key_tables_keep_their_rows_through_the_upgrade_to_version_4(self, path):
        """Leads, conversations and claimed event ids written at version 3 read back at 4."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:3])
        conversation = Conversation(
            lead=LEAD, number=NUMBER, status="assigned", last_message_at=T0, assignee="u-ben"
        )
        connection.executemany(
            "INSERT INTO leads (phone, data) VALUES (?, ?)",
            [(LEAD, _codec.dumps(Lead(phone=LEAD, name="Ravi")))],
        )
        connection.execute(
            "INSERT INTO conversations (lead, number, status, assignee, last_message_at, data) "
            "VALUES (?, ?, 'assigned', 'u-ben', ?, ?)",
            (LEAD, NUMBER, to_micros(T0), _codec.dumps(conversation)),
        )
        connection.execute("INSERT INTO processed_events (id, at) VALUES ('wamid.1', 0)")
        connection.close()

        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            found = (
                uow.leads.get(LEAD),
                uow.conversations.get(LEAD, NUMBER).status,
                uow.processed.claim("wamid.1", T0),
                dict(uow.conversations.open_counts(["u-ben"], T0)),
            )
            connection = store._connection()
            rowless = {
                name
                for (name, sql) in connection.execute("SELECT name, sql FROM sqlite_master")
                if sql and sql.endswith("WITHOUT ROWID")
            }

        assert (Lead(phone=LEAD, name="Ravi"), "assigned", False, {"u-ben": 1}) == found
        assert {"leads", "conversations", "processed_events", "away", "numbers"} == rowless

    def test_claimed_event_ids_become_digests_in_the_upgrade_to_version_5(self, path):
        """Ids claimed at version 4 stay claimed at 5, where only their SHA-256 is kept."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:4])
        connection.executemany(
            "INSERT INTO processed_events (id, at) VALUES (?, 0)",
            [("wamid.HBgMOTE5ODAwMDAwMDAx",), ("caf\N{LATIN SMALL LETTER E WITH ACUTE}",)],
        )
        connection.close()

        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            claims = [
                uow.processed.claim(event, T0)
                for event in (
                    "wamid.HBgMOTE5ODAwMDAwMDAx",
                    "caf\N{LATIN SMALL LETTER E WITH ACUTE}",
                    "wamid.new",
                )
            ]
            connection = store._connection()
            kept = {key for (key,) in connection.execute("SELECT id FROM processed_events")}

        digests = {
            hashlib.sha256(event.encode()).digest()
            for event in (
                "wamid.HBgMOTE5ODAwMDAwMDAx",
                "caf\N{LATIN SMALL LETTER E WITH ACUTE}",
                "wamid.new",
            )
        }
        assert ([False, False, True], digests) == (claims, kept)

    def test_outbox_items_written_at_version_6_are_kept_and_due_at_7(self, path):
        """Items of version 6 read back at 7, pending ones due from their creation, by index."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:6])
        old = [
            OutboxItem("late", "e", "send", {}, T0 + dt.timedelta(minutes=1)),
            OutboxItem("failed", "e", "send", {}, T0, attempts=2, last_error="HTTP 500"),
            OutboxItem("done", "e", "send", {}, T0, status=OutboxStatus.SENT),
        ]
        for one in old:
            data = json.loads(_codec.dumps(one))
            del data["next_attempt_at"]
            connection.execute(
                "INSERT INTO outbox (id, status, attempts, created_at, claimed_until, data) "
                "VALUES (?, ?, ?, ?, NULL, ?)",
                (
                    one.id,
                    one.status.value,
                    one.attempts,
                    to_micros(one.created_at),
                    json.dumps(data),
                ),
            )
        connection.close()

        later = T0 + dt.timedelta(hours=1)
        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            kept = list(uow.outbox.items())
            counts = dict(uow.outbox.counts())
            plan = " ".join(
                row[-1]
                for row in store._connection().execute(
                    "EXPLAIN QUERY PLAN " + _STATEMENTS.outbox_claim,
                    ("default", "pending", 0, 0, 10),
                )
            )
            taken = [one.id for one in uow.outbox.claim(10, later, later)]

        assert [old[1], old[2], old[0]] == kept
        assert {OutboxStatus.PENDING: 2, OutboxStatus.SENT: 1} == counts
        assert ["failed", "late"] == taken
        assert "USING INDEX outbox_due" in plan
        assert "TEMP B-TREE" not in plan

    def test_outbox_items_written_at_version_9_are_found_by_lead_at_10(self, path):
        """Items of version 9 get the lead their body names, or that of their event's record."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:9])
        other = Phone("919800000002")
        bodies = [
            ("entered", "wamid.1", {"type": "enter_funnel", "lead": LEAD}),
            ("board", "wamid.1", {"type": "move_opportunity", "opportunity": "o1"}),
            ("meta", "wamid.1", {"type": "meta_event", "payload": {"data": []}}),
            ("theirs", "wamid.2", {"type": "send", "to": other}),
            ("menu", "wamid.1", {"type": "send", "to": LEAD}),
            ("their-meta", "wamid.2", {"type": "meta_event", "payload": {}}),
        ]
        for ident, event, body in bodies:
            one = OutboxItem(ident, event, body["type"], {**body, "event": event}, T0)
            data = json.loads(_codec.dumps(one))
            del data["lead"]
            connection.execute(
                "INSERT INTO outbox "
                "(id, status, attempts, created_at, claimed_until, next_attempt_at, data) "
                "VALUES (?, 'pending', 0, ?, NULL, ?, ?)",
                (ident, to_micros(T0), to_micros(T0), json.dumps(data)),
            )
        connection.close()

        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            plan = " ".join(
                row[-1]
                for row in store._connection().execute(
                    "EXPLAIN QUERY PLAN " + _STATEMENTS.outbox_remove, ("default", LEAD)
                )
            )
            mine = [one.id for one in uow.outbox.remove_for_lead(LEAD).values]
            theirs = [one.id for one in uow.outbox.remove_for_lead(other).values]

        assert (["entered", "board", "meta", "menu"], ["theirs", "their-meta"]) == (mine, theirs)
        assert "USING INDEX outbox_lead (account=? AND lead=?)" in plan

    def test_conversations_written_at_version_5_are_timed_at_6(self, path):
        """Conversations of version 5 read back, with no due time or wait, and can be timed."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:5])
        waiting = Conversation(lead=LEAD, number=NUMBER, status="unrouted", last_message_at=T0)
        data = _codec.dumps(waiting)
        old_data = json.dumps(
            {
                key: value
                for key, value in json.loads(data).items()
                if key not in {"waiting_since", "due_at", "held_before", "reassignments"}
            }
        )
        connection.execute(
            "INSERT INTO conversations (lead, number, status, assignee, last_message_at, data) "
            "VALUES (?, ?, 'unrouted', NULL, ?, ?)",
            (LEAD, NUMBER, to_micros(T0), old_data),
        )
        connection.close()

        with SQLiteStore(path) as store:
            with store.unit_of_work() as uow:
                found = uow.conversations.get(LEAD, NUMBER)
                before = (uow.conversations.due(T0, 10), uow.conversations.waiting(T0, 10))
                columns = (
                    store._connection()
                    .execute("SELECT due_at, waiting_since FROM conversations")
                    .fetchall()
                )
                uow.conversations.save(attrs.evolve(found, waiting_since=T0, due_at=T0))
            with store.unit_of_work() as uow:
                after = (
                    keys(uow.conversations.due(T0, 10)),
                    keys(uow.conversations.waiting(T0, 10)),
                )

        assert (waiting, ((), ()), [(None, None)]) == (found, before, columns)
        assert ([(LEAD, NUMBER)], [(LEAD, NUMBER)]) == after

    def test_waits_written_at_version_8_are_found_by_rule_at_9(self, path):
        """Waits of version 8 get their rule from the stored record; the tick's row owes nothing."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:8])
        waits = [
            Conversation(
                lead=Phone(f"91980000000{n}"),
                number=NUMBER,
                status="unrouted",
                last_message_at=T0,
                rule=rule,
                waiting_since=T0 + dt.timedelta(minutes=n),
            )
            for n, rule in enumerate(("Desk", "Night", "Desk"))
        ]
        for one in waits:
            connection.execute(
                "INSERT INTO conversations "
                "(lead, number, status, assignee, last_message_at, waiting_since, data) "
                "VALUES (?, ?, 'unrouted', NULL, ?, ?, ?)",
                (one.lead, NUMBER, to_micros(T0), to_micros(one.waiting_since), _codec.dumps(one)),
            )
        connection.execute("INSERT INTO ticks (id, at) VALUES (1, ?)", (to_micros(T0),))
        connection.commit()
        connection.close()

        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            desk = uow.conversations.waiting(T0, 10, rule="Desk")
            owed = uow.ticks.waiting_passes_owed()
            uow.ticks.owe_waiting_pass()
            then = uow.ticks.waiting_passes_owed()

        assert ([waits[0], waits[2]], None, 1) == (list(desk), owed, then)

    @pytest.mark.parametrize("version", [-1, -7, SCHEMA_VERSION + 1, 2**31 - 1])
    def test_a_version_this_convroute_does_not_know_is_refused(self, path, version):
        """A file whose version is negative or newer is refused with StoreError, and left alone."""
        connection = raw(path)
        connection.execute(f"PRAGMA user_version = {version}")
        connection.close()

        with pytest.raises(StoreError, match=f"schema version {version}"):
            SQLiteStore(path)
        connection = raw(path)
        try:
            assert (version, set()) == (
                pragma(connection, "user_version"),
                objects(connection, "table"),
            )
        finally:
            connection.close()

    def test_another_program_s_database_is_refused(self, path):
        """A file of version 0 that holds tables is another program's: refused, left alone."""
        connection = raw(path)
        connection.execute("CREATE TABLE customers (id INTEGER)")
        connection.close()

        with pytest.raises(StoreError, match="not a convroute store"):
            SQLiteStore(path)
        connection = raw(path)
        try:
            assert (0, {"customers"}) == (
                pragma(connection, "user_version"),
                objects(connection, "table"),
            )
        finally:
            connection.close()

    def test_a_failing_step_leaves_the_file_as_it_was(self, path):
        """The steps run in one transaction: one failing applies none."""
        connection = raw(path)
        try:
            with pytest.raises(sqlite3.OperationalError):
                migrate(connection, [*MIGRATIONS, ("CREATE TABLE broken (",)])
            assert (0, set()) == (pragma(connection, "user_version"), objects(connection, "table"))
        finally:
            connection.close()

    def test_a_newer_file_is_refused(self, path):
        """A file written by a later convroute is not touched: StoreError says so."""
        connection = raw(path)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        connection.close()

        with pytest.raises(StoreError, match="newer"):
            SQLiteStore(path)

    @pytest.mark.parametrize("attempt", range(5))
    def test_stores_opening_a_new_file_at_once(self, tmp_path, attempt):
        """Several stores opening the same new file together build its schema once."""
        path = tmp_path / f"race-{attempt}.db"
        start = threading.Barrier(4)
        failures = []

        def open_and_write(index):
            try:
                start.wait()
                with SQLiteStore(path) as store, store.unit_of_work() as uow:
                    uow.users.set_presence(f"u-{index}", True)
            except Exception as failure:  # noqa: BLE001 - reported to the test below
                failures.append(failure)

        threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert [] == failures
        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            assert {f"u-{n}": True for n in range(4)} == dict(uow.users.presence())


class TestQueryPlans:
    @pytest.mark.parametrize(
        ("name", "parameters", "index"),
        [
            ("conversations_due", (0, 100), "conversations_due"),
            ("conversations_waiting", (0, 100), "conversations_waiting"),
            ("conversations_waiting_after", (0, 0, "", "", 100), "conversations_waiting"),
            ("conversations_waiting_rule", ("Desk", 0, 100), "conversations_waiting_rule"),
            (
                "conversations_waiting_rule_after",
                ("Desk", 0, 0, "", "", 100),
                "conversations_waiting_rule",
            ),
            ("conversations_held", ("assigned", "u-asha", 0), "conversations_open"),
        ],
    )
    def test_a_tick_s_queries_use_their_index(self, store, name, parameters, index):
        """Due, waiting and held conversations are found through an index, never a table scan."""
        with store.unit_of_work() as uow:
            for n in range(2000):
                status = ("assigned", "unrouted", "menu", "closed")[n % 4]
                uow.conversations.save(
                    Conversation(
                        lead=Phone(f"9198000{n:05}"),
                        number=NUMBER,
                        status=status,
                        last_message_at=T0 + dt.timedelta(minutes=n % 50),
                        assignee="u-asha" if status == "assigned" else None,
                        waiting_since=T0 if status == "unrouted" and n % 3 else None,
                        rule=("Desk", "Night", "AI")[n % 3],
                        due_at=T0 + dt.timedelta(minutes=n) if status == "assigned" else None,
                    )
                )
        statement = getattr(store.unit_of_work().sql, name)
        connection = store._connection()

        plan = [
            row[3]
            for row in connection.execute(
                f"EXPLAIN QUERY PLAN {statement}", ("default", *parameters)
            )
        ]

        assert any(
            f"USING INDEX {index} " in step or f"USING COVERING INDEX {index} " in step
            for step in plan
        ), plan
        assert not any(
            step.startswith("SCAN conversations") and "INDEX" not in step for step in plan
        )
        assert not any("TEMP B-TREE" in step for step in plan) or name == "conversations_held"

    @pytest.mark.parametrize(
        ("name", "table", "index"),
        [
            ("processed_prune", "processed_events", "processed_events_at"),
            ("outbox_prune_sent", "outbox", "outbox_sent"),
            ("conversations_prune_closed", "conversations", "conversations_closed"),
        ],
    )
    def test_a_prune_s_batches_use_their_index(self, store, name, table, index):
        """A prune's batch finds its rows through the index on their time, never a table scan."""
        statement = getattr(store.unit_of_work().sql, name)
        connection = store._connection()

        plan = [
            row[3]
            for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", ("default", 0, 100))
        ]

        assert any(
            f"USING INDEX {index} " in step or f"USING COVERING INDEX {index} " in step
            for step in plan
        ), plan
        assert not any(step.startswith(f"SCAN {table}") for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


def menu_sent_before_stricter_titles(path):
    # A lead sent the example's first menu, stored as an earlier convroute
    # could: its second title differs from the first only by a zero-width
    # space, which titles are now compared without.
    service = Service(CONFIG, SQLiteStore(path), RecordingTransport(), clock=lambda: AT)
    service.process(message("wamid.1", text="Hi"))
    connection = raw(path)
    (data,) = connection.execute("SELECT data FROM conversations").fetchone()
    conversation = json.loads(data)
    conversation["menu"]["options"][1]["title"] = "AI\u200b"
    connection.execute("UPDATE conversations SET data = ?", (json.dumps(conversation),))
    connection.close()
    return service


def sent_titles(handled):
    (send,) = [item.body for item in handled.actions if item.type == "send"]
    return [
        button["reply"]["title"] for button in send["message"]["interactive"]["action"]["buttons"]
    ]


class TestMenusStoredBefore:
    def test_a_typed_reply_picks_the_first_matching_title(self, path):
        """A typed reply to such a menu is read: the first option it names is chosen."""
        service = menu_sent_before_stricter_titles(path)

        handled = service.process(message("wamid.2", 1, text="AI"))

        assert ["create_opportunity", "assign"] == [item.type for item in handled.actions]
        assert "AI desk" == handled.actions[-1].body["rule"]

    def test_an_invalid_reply_sends_a_menu_again(self, path):
        """An invalid reply to such a menu is answered as any: a menu with the hint."""
        service = menu_sent_before_stricter_titles(path)

        handled = service.process(message("wamid.2", 1, text="what?"))

        assert ["AI", "Data Science", "Something else"] == sent_titles(handled)


class TestErrors:
    def test_a_held_write_lock_times_out_as_a_store_error(self, path):
        """A unit that cannot get the write lock within the timeout raises StoreError."""
        with SQLiteStore(path, timeout=0) as store:
            holder = raw(path)
            holder.execute("BEGIN IMMEDIATE")
            try:
                with pytest.raises(StoreError, match="locked"), store.unit_of_work():
                    pass
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD))

    def test_a_failing_statement_rolls_the_unit_back(self, store, path):
        """SQLite's error becomes a StoreError, with the cause kept, and the unit is undone."""
        connection = raw(path)
        connection.execute(
            "CREATE TRIGGER frozen BEFORE INSERT ON turns BEGIN SELECT RAISE(ABORT, 'frozen'); END"
        )
        connection.close()

        def save_lead_and_turn():
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD))
                uow.turns.save(TurnRecord(pool="admin"))

        with pytest.raises(StoreError, match="frozen") as raised:
            save_lead_and_turn()

        assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)
        with store.unit_of_work() as uow:
            assert None is uow.leads.get(LEAD)

    def test_nothing_runs_once_sqlite_ended_the_transaction(self, store, path):
        """After SQLite itself rolled back, later writes fail rather than autocommit."""
        connection = raw(path)
        connection.execute(
            "CREATE TRIGGER gone BEFORE INSERT ON turns BEGIN SELECT RAISE(ROLLBACK, 'gone'); END"
        )
        connection.close()

        def carry_on_after_the_error():
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD))
                with pytest.raises(StoreError, match="gone"):
                    uow.turns.save(TurnRecord(pool="admin"))
                with pytest.raises(StoreError, match="rolled back"):
                    uow.leads.save(Lead(phone=Phone("919800000002")))

        # The block ending cleanly does not commit: there is nothing left to.
        with pytest.raises(StoreError, match="rolled back"):
            carry_on_after_the_error()

        with store.unit_of_work() as uow:
            assert [None, None] == [uow.leads.get(LEAD), uow.leads.get(Phone("919800000002"))]

    def test_a_stored_value_that_cannot_be_read(self, store, path):
        """A row whose JSON is not a valid value gives StoreError naming the type."""
        connection = raw(path)
        connection.execute(
            "INSERT INTO leads (account, phone, data) VALUES ('default', ?, ?)",
            (LEAD, '{"phone": 5}'),
        )
        connection.close()

        with pytest.raises(StoreError, match="stored Lead"), store.unit_of_work() as uow:
            uow.leads.get(LEAD)


class TestReadOnly:
    def test_a_reader_refuses_writes(self, store, path):
        """A read-only store reads what writers stored, and refuses to write."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
        with SQLiteStore(path, read_only=True) as reader:
            with reader.unit_of_work() as uow:
                assert "Ravi" == uow.leads.get(LEAD).name
            with pytest.raises(StoreError, match="never writes"), reader.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="Someone else"))
            assert "read_only=True" in repr(reader)
        with store.unit_of_work() as uow:
            assert "Ravi" == uow.leads.get(LEAD).name

    def test_a_long_read_blocks_no_writer(self, store, path):
        """While a reader's unit is open, a writer commits; the reader keeps its snapshot."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="before"))
        writer = SQLiteStore(path, timeout=0.5)
        with SQLiteStore(path, read_only=True) as reader, reader.unit_of_work() as reading:
            assert "before" == reading.leads.get(LEAD).name
            with writer.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="after"))
            assert "before" == reading.leads.get(LEAD).name
        writer.close()
        with store.unit_of_work() as uow:
            assert "after" == uow.leads.get(LEAD).name
