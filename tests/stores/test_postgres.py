"""
What only PostgresStore does: its sources, its schema, its locks, its errors.
"""

# ruff: noqa: S608 - the schema names formatted into the queries are the tests' own.

import contextlib
import datetime as dt
import hashlib
import json
import threading

import pytest

from convroute.adapters import _codec
from convroute.adapters._instants import to_micros
from convroute.errors import StoreConflictError, StoreError, StoreUnusableError
from convroute.model import Lead, Phone
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem, OutboxStatus


psycopg = pytest.importorskip("psycopg")
psycopg_pool = pytest.importorskip("psycopg_pool")

from convroute.adapters._postgres_schema import (  # noqa: E402 - after the extra is known
    MIGRATIONS,
    SCHEMA_VERSION,
    lock_key,
    migrate,
    quoted,
)
from convroute.adapters.postgres import PostgresStore  # noqa: E402


pytestmark = pytest.mark.postgres

LEAD = Phone("919800000001")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def url(postgres_url):
    return postgres_url


@pytest.fixture
def store(url, postgres_schema):
    with PostgresStore(url, schema=postgres_schema) as opened:
        yield opened


def scalar(url, query, parameters=()):
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(query, parameters).fetchone()[0]


class TestSources:
    def test_a_given_connection_stays_the_hosts(self, url, postgres_schema):
        """Units run on a given connection; closing the store leaves it open."""
        with psycopg.connect(url) as connection:
            store = PostgresStore(connection, schema=postgres_schema)
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="Ravi"))
            store.close()
            assert not connection.closed
            with store.unit_of_work() as uow:
                assert "Ravi" == uow.leads.get(LEAD).name

    @pytest.mark.parametrize("row_factory", ["dict_row", "namedtuple_row"])
    def test_a_given_connection_s_row_factory_is_its_own(self, url, postgres_schema, row_factory):
        """A host's connection giving rows as dicts or named tuples builds and serves a store."""
        factory = getattr(psycopg.rows, row_factory)
        with psycopg.connect(url, autocommit=True, row_factory=factory) as connection:
            with PostgresStore(connection, schema=postgres_schema) as store:
                with store.unit_of_work() as uow:
                    uow.leads.save(Lead(phone=LEAD, name="Ravi"))
                with store.unit_of_work() as uow:
                    assert "Ravi" == uow.leads.get(LEAD).name
            assert factory is connection.row_factory

    def test_threads_sharing_a_given_connection_take_turns(self, url, postgres_schema):
        """Units of several threads on one given connection run one at a time."""
        with psycopg.connect(url, autocommit=True) as connection:
            store = PostgresStore(connection, schema=postgres_schema)
            with store.unit_of_work() as uow:
                uow.turns.save(TurnRecord("counter", ("0",)))

            def add():
                for _ in range(20):
                    with store.unit_of_work() as uow:
                        (count,) = uow.turns.get("counter").assigned
                        uow.turns.save(TurnRecord("counter", (str(int(count) + 1),)))

            threads = [threading.Thread(target=add) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with store.unit_of_work() as uow:
                assert ("80",) == uow.turns.get("counter").assigned

    def test_a_connection_inside_a_transaction_is_refused(self, url, postgres_schema):
        """A unit of work is a transaction of its own: the host's open one is not taken over."""
        with psycopg.connect(url) as connection:
            store = PostgresStore(connection, schema=postgres_schema)
            connection.execute("SELECT 1")  # psycopg has begun a transaction
            with pytest.raises(StoreError, match="inside a transaction already"):
                store.unit_of_work().__enter__()
            connection.rollback()
            with store.unit_of_work() as uow:
                assert uow.leads.get(LEAD) is None

    def test_a_pool_lends_a_connection_per_unit(self, url, postgres_schema):
        """With a pool, each unit borrows a connection and gives it back."""
        with psycopg_pool.ConnectionPool(url, min_size=1, max_size=2, open=True) as pool:
            store = PostgresStore(pool, schema=postgres_schema)
            for name in ("Ravi", "Ravi Kumar"):
                with store.unit_of_work() as uow:
                    uow.leads.save(Lead(phone=LEAD, name=name))
            with store.unit_of_work() as uow:
                assert "Ravi Kumar" == uow.leads.get(LEAD).name
            assert 0 == pool.get_stats().get("requests_waiting", 0)

    def test_a_unit_inside_another_is_refused_with_a_pool(self, url, postgres_schema):
        """A nested unit would wait forever for its caller's lock: it is refused at once."""
        with psycopg_pool.ConnectionPool(url, min_size=1, max_size=2, open=True) as pool:
            store = PostgresStore(pool, schema=postgres_schema)
            with store.unit_of_work() as uow:
                uow.leads.get(LEAD)
                with pytest.raises(StoreError, match="already open in this thread"):
                    store.unit_of_work().__enter__()
            with store.unit_of_work() as uow:
                assert uow.leads.get(LEAD) is None

    def test_threads_that_ended_leave_no_connection_open(self, url, postgres_schema):
        """200 short-lived threads, under a 40-connection limit: each one's connection closes."""
        role = f"{postgres_schema}_user"
        with psycopg.connect(url, autocommit=True) as admin:
            database = admin.info.dbname
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'x' CONNECTION LIMIT 40")
            admin.execute(f'GRANT CREATE ON DATABASE "{database}" TO {role}')
        limited = psycopg.conninfo.make_conninfo(url, user=role, password="x")  # noqa: S106 - a test role
        used, failures = [], []

        def one_request(index):
            try:
                with store.unit_of_work() as uow:
                    uow.users.set_presence(f"u-{index}", True)
                    used.append(uow.check_open())
            except StoreError as failure:
                failures.append(failure)

        try:
            store = PostgresStore(limited, schema=postgres_schema)
            for wave in range(20):
                threads = [
                    threading.Thread(target=one_request, args=(wave * 10 + n,)) for n in range(10)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            with store.unit_of_work() as uow:
                presence = dict(uow.users.presence())
            store.close()
        finally:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP OWNED BY {role}")
                admin.execute(f"DROP ROLE {role}")

        assert ([], 200, [True] * 200) == (failures, len(presence), [c.closed for c in used])

    def test_an_unreachable_server_is_a_store_error(self):
        """A server that is not there is one readable StoreError line."""
        with pytest.raises(StoreError, match="cannot connect") as caught:
            PostgresStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        assert "\n" not in str(caught.value)

    @pytest.mark.parametrize("name", ["Convroute", "1st", "a-b", "", "x" * 64, 'a"b'])
    def test_a_schema_name_must_be_plain(self, url, name):
        """Schema names are plain lower-case identifiers: nothing is ever quoted in by chance."""
        with pytest.raises(ValueError, match="not a schema name"):
            PostgresStore(url, schema=name)


class TestSchema:
    def test_a_new_schema_gets_the_latest_version(self, store, url):
        """Opening builds the tables and records the version."""
        name = quoted(store.schema)
        assert SCHEMA_VERSION == scalar(url, f"SELECT version FROM {name}.schema_version")
        tables = scalar(
            url,
            "SELECT array_agg(tablename::text ORDER BY tablename) FROM pg_tables "
            "WHERE schemaname = %s",
            (store.schema,),
        )
        assert [
            "away",
            "conversations",
            "funnel_records",
            "leads",
            "numbers",
            "opportunities",
            "outbox",
            "people_changes",
            "presence",
            "processed_events",
            "schema_version",
            "ticks",
            "turns",
            "users",
        ] == tables

    def test_reopening_keeps_the_data(self, store, url):
        """A second store on the schema runs no step again and sees what the first wrote."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
        with PostgresStore(url, schema=store.schema) as again, again.unit_of_work() as uow:
            assert "Ravi" == uow.leads.get(LEAD).name

    def test_a_newer_schema_is_refused(self, store, url):
        """A schema written by a later convroute is not touched."""
        name = quoted(store.schema)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"UPDATE {name}.schema_version SET version = 99")
        with pytest.raises(StoreError, match="version 99, newer than"):
            PostgresStore(url, schema=store.schema)

    def test_an_older_schema_is_refused_unless_upgrading(self, url, postgres_schema):
        """With upgrade=False, an older convroute's schema is refused and left at its version."""
        with psycopg.connect(url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:-1])
        with pytest.raises(StoreUnusableError, match="older than this convroute's"):
            PostgresStore(url, schema=postgres_schema, create=False, upgrade=False)
        with psycopg.connect(url, autocommit=True) as connection:
            version = connection.execute(
                f"SELECT version FROM {quoted(postgres_schema)}.schema_version"
            ).fetchone()
        assert (SCHEMA_VERSION - 1,) == version

    def test_a_role_that_may_only_read_opens_a_current_schema(self, store, read_only_url):
        """Opening a store of this version writes nothing: a role with SELECT alone reads it."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
        reader = read_only_url(store.schema)
        with (
            PostgresStore(reader, schema=store.schema, create=False) as opened,
            opened.unit_of_work() as uow,
        ):
            assert "Ravi" == uow.leads.get(LEAD).name

    def test_claimed_event_ids_become_digests_in_the_upgrade_to_version_2(
        self, url, postgres_schema
    ):
        """Ids claimed at version 1 stay claimed at 2, where only their SHA-256 is kept."""
        old = ["wamid.HBgMOTE5ODAwMDAwMDAx", "caf\N{LATIN SMALL LETTER E WITH ACUTE}"]
        name = quoted(postgres_schema)
        with psycopg.connect(url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:1])
            for event in old:
                connection.execute(
                    f"INSERT INTO {name}.processed_events (id, at) VALUES (%s, 0)", (event,)
                )

        with PostgresStore(url, schema=postgres_schema) as store, store.unit_of_work() as uow:
            claims = [uow.processed.claim(event, T0) for event in [*old, "wamid.new"]]

        with psycopg.connect(url, autocommit=True) as connection:
            rows = connection.execute(f"SELECT id FROM {name}.processed_events").fetchall()
        digests = {hashlib.sha256(event.encode()).digest() for event in [*old, "wamid.new"]}
        assert ([False, False, True], digests) == (claims, {bytes(key) for (key,) in rows})

    def test_outbox_items_written_at_version_3_are_kept_and_due_at_4(self, url, postgres_schema):
        """Items of version 3 read back at 4, pending ones due from their creation."""
        name = quoted(postgres_schema)
        old = [
            OutboxItem("late", "e", "send", {}, T0 + dt.timedelta(minutes=1)),
            OutboxItem("failed", "e", "send", {}, T0, attempts=2, last_error="HTTP 500"),
            OutboxItem("done", "e", "send", {}, T0, status=OutboxStatus.SENT),
        ]
        with psycopg.connect(url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:3])
            for one in old:
                data = json.loads(_codec.dumps(one))
                del data["next_attempt_at"]
                connection.execute(
                    f"INSERT INTO {name}.outbox "
                    "(id, status, attempts, created_at, claimed_until, data) "
                    "VALUES (%s, %s, %s, %s, NULL, %s)",
                    (
                        one.id,
                        one.status.value,
                        one.attempts,
                        to_micros(one.created_at),
                        json.dumps(data),
                    ),
                )

        later = T0 + dt.timedelta(hours=1)
        with PostgresStore(url, schema=postgres_schema) as store:
            with store.unit_of_work() as uow:
                kept = list(uow.outbox.items())
                counts = dict(uow.outbox.counts())
                taken = [one.id for one in uow.outbox.claim(10, later, later)]
            version = scalar(url, f"SELECT version FROM {name}.schema_version")

        assert [old[1], old[2], old[0]] == kept
        assert {OutboxStatus.PENDING: 2, OutboxStatus.SENT: 1} == counts
        assert (["failed", "late"], SCHEMA_VERSION) == (taken, version)

    def test_outbox_items_written_at_version_6_are_found_by_lead_at_7(self, url, postgres_schema):
        """Items of version 6 get the lead their body names, or that of their event's record."""
        name = quoted(postgres_schema)
        other = Phone("919800000002")
        bodies = [
            ("entered", "wamid.1", {"type": "enter_funnel", "lead": LEAD}),
            ("board", "wamid.1", {"type": "move_opportunity", "opportunity": "o1"}),
            ("theirs", "wamid.2", {"type": "send", "to": other}),
            ("meta", "wamid.1", {"type": "meta_event", "payload": {"text": "\u0000"}}),
            ("menu", "wamid.1", {"type": "send", "to": LEAD}),
            ("their-meta", "wamid.2", {"type": "meta_event", "payload": {}}),
        ]
        with psycopg.connect(url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:6])
            for ident, event, body in bodies:
                one = OutboxItem(ident, event, body["type"], {**body, "event": event}, T0)
                data = json.loads(_codec.dumps(one))
                del data["lead"]
                connection.execute(
                    f"INSERT INTO {name}.outbox "
                    "(id, status, attempts, created_at, claimed_until, next_attempt_at, data) "
                    "VALUES (%s, 'pending', 0, %s, NULL, %s, %s)",
                    (ident, to_micros(T0), to_micros(T0), json.dumps(data)),
                )

        with PostgresStore(url, schema=postgres_schema) as store, store.unit_of_work() as uow:
            mine = [one.id for one in uow.outbox.remove_for_lead(LEAD).values]
            theirs = [one.id for one in uow.outbox.remove_for_lead(other).values]

        assert (["entered", "board", "meta", "menu"], ["theirs", "their-meta"]) == (mine, theirs)

    @pytest.mark.parametrize("version", [-1, 99])
    def test_a_version_this_convroute_does_not_know_is_refused(self, store, url, version):
        """A schema whose version is negative or newer is refused, and left as it is."""
        name = quoted(store.schema)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"UPDATE {name}.schema_version SET version = %s", (version,))
        with pytest.raises(StoreError, match=f"version {version}"):
            PostgresStore(url, schema=store.schema)
        assert version == scalar(url, f"SELECT version FROM {name}.schema_version")

    def test_a_failing_step_leaves_the_schema_as_it_was(self, url, postgres_schema):
        """Steps run in one transaction: a failing one leaves no table behind."""
        broken = (*MIGRATIONS, ("CREATE TABLE {s}.extra (id text)", "SELECT no_such_function()"))
        with psycopg.connect(url, autocommit=True) as connection:
            with pytest.raises(psycopg.Error):
                migrate(connection, postgres_schema, broken)
            assert scalar(url, "SELECT to_regnamespace(%s)", (postgres_schema,)) is None

    def test_create_false_refuses_a_missing_store(self, url, postgres_schema):
        """A reader asking for an existing store gets an error, and no schema is made."""
        with pytest.raises(StoreError, match="no convroute store"):
            PostgresStore(url, schema=postgres_schema, create=False)
        assert scalar(url, "SELECT to_regnamespace(%s)", (postgres_schema,)) is None

    def test_workers_opening_a_new_schema_at_once(self, url, postgres_schema):
        """Eight stores opening one new schema at once build it once, and all work."""
        start = threading.Barrier(8)
        failures, stores = [], []

        def open_one():
            try:
                start.wait()
                opened = PostgresStore(url, schema=postgres_schema)
                opened.close()  # this thread's connection; another opens when used
                stores.append(opened)
            except BaseException as failure:  # noqa: BLE001 - reported below
                failures.append(failure)

        threads = [threading.Thread(target=open_one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            assert [] == failures
            for one in stores:
                with one.unit_of_work() as uow:
                    uow.users.set_presence("u-asha", True)
        finally:
            for one in stores:
                one.close()
        name = quoted(postgres_schema)
        assert 1 == scalar(url, f"SELECT count(*) FROM {name}.schema_version")

    def test_drop_removes_the_schema(self, url, postgres_schema):
        """`drop` removes every table and the schema itself."""
        store = PostgresStore(url, schema=postgres_schema)
        store.drop()
        store.close()
        assert scalar(url, "SELECT to_regnamespace(%s)", (postgres_schema,)) is None

    def test_lock_keys_differ_by_schema_kind_and_key(self):
        """Lock keys are 64-bit and tell schemas, kinds and keys apart."""
        keys = {
            lock_key("a", "lead", "1"),
            lock_key("b", "lead", "1"),
            lock_key("a", "pool", "1"),
            lock_key("a", "lead", "2"),
        }
        assert 4 == len(keys)
        assert all(-(2**63) <= key < 2**63 for key in keys)


class TestLocks:
    def test_a_lead_read_waits_for_the_unit_holding_it(self, store):
        """A second unit reading a lead waits until the first, which read it, commits."""
        order = []
        first_has_it = threading.Event()

        def second():
            first_has_it.wait()
            with store.unit_of_work() as uow:
                order.append(("second reads", uow.leads.get(LEAD).name))

        thread = threading.Thread(target=second)
        thread.start()
        with store.unit_of_work() as uow:
            uow.leads.get(LEAD)
            first_has_it.set()
            # The second unit cannot read until this one ends; what it reads is this write.
            uow.leads.save(Lead(phone=LEAD, name="written first"))
            order.append(("first commits", None))
        thread.join()
        assert [("first commits", None), ("second reads", "written first")] == order

    def test_a_deadlock_is_a_store_conflict(self, store):
        """Two units taking two pools in opposite orders: one is ended as a StoreConflictError."""
        both_hold_one = threading.Barrier(2)
        outcomes = []

        def take(first, then):
            try:
                with store.unit_of_work() as uow:
                    uow.turns.get(first)
                    both_hold_one.wait()
                    uow.turns.get(then)
                outcomes.append("committed")
            except StoreConflictError as conflict:
                outcomes.append(conflict)
            finally:
                store.close()

        threads = [
            threading.Thread(target=take, args=("admin", "chat_group:AI")),
            threading.Thread(target=take, args=("chat_group:AI", "admin")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert ["committed"] == [one for one in outcomes if one == "committed"]
        (conflict,) = [one for one in outcomes if one != "committed"]
        assert "deadlock" in str(conflict)

    def test_a_failed_statement_ends_the_unit(self, store):
        """After a statement fails, the unit refuses more work and commits nothing."""

        def go_on_after_a_failure():
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="Ravi"))
                with pytest.raises(StoreError, match="a write failed"):
                    uow.run("INSERT INTO no_such_table VALUES (1)")
                uow.leads.get(LEAD)

        with pytest.raises(StoreError, match="a statement of this unit of work failed"):
            go_on_after_a_failure()
        with store.unit_of_work() as uow:
            assert uow.leads.get(LEAD) is None

    def test_a_failure_swallowed_by_the_caller_still_commits_nothing(self, store):
        """A unit whose statement failed raises at its end even if the block went on."""

        def swallow_a_failure():
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="Ravi"))
                with contextlib.suppress(StoreError):
                    uow.run("INSERT INTO no_such_table VALUES (1)")

        with pytest.raises(StoreError, match="a write failed"):
            swallow_a_failure()
        with store.unit_of_work() as uow:
            assert uow.leads.get(LEAD) is None


def lead_read(uow):
    lead = uow.leads.get(LEAD)
    return None if lead is None else lead.name


def lead_write(uow):
    uow.leads.save(Lead(phone=LEAD, name="written first"))


def prefetched_lead_read(uow):
    # As the service reads it: the hint, the event's claim (with which the
    # lock and the read go), then the read, answered from what came back.
    uow.prefetch_lead(LEAD)
    uow.processed.claim(f"wamid.{threading.get_ident()}.{id(uow)}", T0)
    return lead_read(uow)


def turn_read(uow):
    return uow.turns.get("chat_group:AI")


def turn_write(uow):
    uow.turns.save(TurnRecord("chat_group:AI", ("u-asha",)))


def counts_read(uow):
    return dict(uow.conversations.open_counts(["u-asha", "u-ravi"], T0))


def prefetched_counts_read(uow):
    # As routing reads them: the hint, a pool's turn (each unit's own pool,
    # so that only the users' locks are waited for), then the counts.
    uow.prefetch_open_counts(["u-asha", "u-ravi"], T0)
    uow.turns.get(f"chat_group:{id(uow)}")
    return counts_read(uow)


def counts_write(uow):
    uow.conversations.save(
        Conversation(
            lead=LEAD,
            number=Phone("918040001234"),
            status="assigned",
            assignee="u-ravi",
            last_message_at=T0,
        )
    )


class TestReadsUnderALock:
    """A read that waits for a lock sees what the lock's previous holder committed."""

    @pytest.mark.parametrize(
        ("lock", "case"),
        [
            (("lead", LEAD), (lead_read, lead_write, "written first")),
            (("lead", LEAD), (prefetched_lead_read, lead_write, "written first")),
            (
                ("pool", "chat_group:AI"),
                (turn_read, turn_write, TurnRecord("chat_group:AI", ("u-asha",))),
            ),
            # The users' locks are taken in order: the second waits at the first.
            (("user", "u-asha"), (counts_read, counts_write, {"u-ravi": 1})),
            (("user", "u-asha"), (prefetched_counts_read, counts_write, {"u-ravi": 1})),
        ],
        ids=[
            "lead's state",
            "lead's state read ahead",
            "pool's turn",
            "users' counts",
            "users' counts read ahead",
        ],
    )
    def test_the_second_unit_reads_what_the_first_committed_while_it_waited(
        self, store, url, lock, case
    ):
        """The second unit waits on the lock while the first writes and commits, then reads that."""
        read, write, expected = case
        number = lock_key(store.schema, "default", *lock)
        seen = []

        def second():
            with store.unit_of_work() as uow:
                seen.append(read(uow))
            store.close()

        with store.unit_of_work() as uow:
            before = read(uow)
            thread = threading.Thread(target=second)
            thread.start()
            waited = _waits_for(url, number, thread)
            write(uow)
        thread.join()
        assert (True, [expected]) == (waited, seen)
        assert expected != before


class TestLockOrder:
    """A unit that routes takes the users' locks before any pool's: no circle over the two."""

    def test_told_the_counts_come_next_a_unit_locks_the_users_before_the_pool(self, store, url):
        """It waits for a user's lock holding no pool's lock, which another unit may then take."""
        user = lock_key(store.schema, "default", "user", "u-asha")
        pool = lock_key(store.schema, "default", "pool", "chat_group:AI")

        def second():
            with store.unit_of_work() as uow:
                uow.prefetch_open_counts(["u-ravi", "u-asha"], T0)
                uow.turns.get("chat_group:AI")
            store.close()

        with store.unit_of_work() as uow:
            counts_read(uow)
            thread = threading.Thread(target=second)
            thread.start()
            waited = _waits_for(url, user, thread)
            with psycopg.connect(url, autocommit=True) as other:
                (free,) = other.execute("SELECT pg_try_advisory_lock(%s)", (pool,)).fetchone()
                if free:
                    other.execute("SELECT pg_advisory_unlock(%s)", (pool,))
        thread.join()
        assert (True, True) == (waited, free)


def _waits_for(url, number, thread, asks=100_000):
    # Whether a unit waits for the advisory lock *number*, asked until it
    # does, *thread* ends, or *asks* run out: a 64-bit key is held as its
    # two halves.
    high, low = (number >> 32) & 0xFFFFFFFF, number & 0xFFFFFFFF
    with psycopg.connect(url, autocommit=True) as watcher:
        for _ in range(asks):
            if not thread.is_alive():
                return False
            row = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
                (high, low),
            ).fetchone()
            if row[0]:
                return True
    return False


class TestQueuedWrites:
    """Writes wait for the unit's next read or its commit, and go with it in one round trip."""

    def test_a_read_sees_the_writes_before_it(self, store):
        """A read after writes in the same unit sees them."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
            uow.users.set_presence("u-asha", True)
            assert ("Ravi", {"u-asha": True}) == (uow.leads.get(LEAD).name, uow.users.presence())

    def test_a_failing_write_fails_the_commit_and_keeps_nothing(self, store):
        """A write that fails when it is sent, at the commit, leaves nothing of the unit."""

        def write_a_bad_id():
            with store.unit_of_work() as uow:
                uow.users.set_presence("u-asha", True)
                uow.users.set_presence("bad\x00id", True)

        with pytest.raises(StoreError, match="cannot commit"):
            write_a_bad_id()
        with store.unit_of_work() as uow:
            assert {} == dict(uow.users.presence())

    def test_a_failing_write_fails_the_next_read(self, store):
        """A write that fails when the next read sends it fails that read, and the unit."""

        def read_after_a_bad_write():
            with store.unit_of_work() as uow:
                uow.users.set_presence("bad\x00id", True)
                with pytest.raises(StoreError, match="a read failed"):
                    uow.users.presence()

        with pytest.raises(StoreError, match="a read failed"):
            read_after_a_bad_write()

    def test_a_unit_that_asked_nothing_sends_nothing(self, store):
        """An empty unit costs no round trip: its BEGIN is never sent."""
        with store.unit_of_work() as uow:
            pass
        assert [] == uow._queued


def _plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


def _generic_plan(connection, pattern, arguments):
    # The plan the server makes for the store's prepared statement LIKE
    # *pattern*, from the statistics it has now, for no
    # value in particular: the plan a connection keeps once it stops
    # planning each call.
    name = connection.execute(
        "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
        (pattern,),
    ).fetchone()[0]
    connection.execute("SET plan_cache_mode = force_generic_plan")
    try:
        literals = ", ".join(f"'{argument}'" for argument in arguments)
        (explained,) = connection.execute(
            f'EXPLAIN (FORMAT JSON) EXECUTE "{name}"({literals})'
        ).fetchone()
    finally:
        connection.execute("RESET plan_cache_mode")
    return list(_plan_nodes(explained[0]["Plan"]))


class TestPlansOnAFreshStore:
    """A fresh store's reads take the index that fits them, before the tables have statistics."""

    @pytest.fixture
    def connection(self, url, postgres_schema):
        with psycopg.connect(url, autocommit=True) as connection:
            store = PostgresStore(connection, schema=postgres_schema)
            with store.unit_of_work() as uow:
                counts_write(uow)
            with store.unit_of_work() as uow:
                uow.leads.get(LEAD)
                uow.conversations.open_counts(["u-asha", "u-ravi"], T0)
            yield connection

    def test_a_lead_s_conversations_are_read_by_its_key(self, connection):
        """The lead's state reads its conversations by the key, not all the account's."""
        arguments = (*("default", LEAD) * 3, "default", "default", LEAD)
        nodes = _generic_plan(connection, "SELECT (SELECT data FROM%", arguments)
        scans = {
            node["Index Name"] for node in nodes if node.get("Relation Name") == "conversations"
        }
        filtered = [node for node in nodes if "Filter" in node]
        assert ({"conversations_pkey"}, []) == (scans, filtered)

    def test_the_counts_are_planned_once(self, connection, postgres_schema):
        """After its first five runs on a connection, the counts run the plan made once."""
        store = PostgresStore(connection, schema=postgres_schema)
        for users in (["u-asha"], ["u-asha", "u-ravi"], ["u-ravi"]) * 4:
            with store.unit_of_work() as uow:
                uow.conversations.open_counts(users, T0)
        plans = connection.execute(
            "SELECT sum(generic_plans)::int, sum(custom_plans)::int FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ("%COUNT(*)%assignee%",),
        ).fetchone()
        # The fixture's store ran it once, under a name of its own.
        assert (7, 6) == plans

    def test_open_conversations_are_counted_by_user_in_the_index(self, connection):
        """The counts find each user's conversations in the index, passing over none."""
        nodes = _generic_plan(
            connection, "%COUNT(*)%assignee%", ("default", "assigned", "{u-asha}", 0)
        )
        (scan,) = [node for node in nodes if node.get("Relation Name") == "conversations"]
        assert ("conversations_open", True, False) == (
            scan["Index Name"],
            "assignee" in scan["Index Cond"],
            "Filter" in scan,
        )
