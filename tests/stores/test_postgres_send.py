"""
How PostgresStore sends: statements prepared under names of its own, connections left as found.
"""

import contextlib
import datetime as dt
import select
import tempfile

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.engine import IncomingMessage
from convroute.errors import StoreConflictError, StoreError
from convroute.model import Lead, Phone
from convroute.service import Service
from convroute.testing import RecordingTransport
from example_account import routing_example


psycopg = pytest.importorskip("psycopg")
psycopg_pool = pytest.importorskip("psycopg_pool")

from psycopg import pq  # noqa: E402 - after the extra is known

from convroute.adapters import _postgres_send  # noqa: E402
from convroute.adapters._postgres_send import numbered  # noqa: E402
from convroute.adapters.postgres import PostgresStore  # noqa: E402


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")


def prepared_names(connection):
    """The names of the statements prepared on *connection*, sorted."""
    with connection.cursor() as cursor:
        # A cursor's own statement is never prepared by psycopg the first time.
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name", prepare=False)
        return [name for (name,) in cursor.fetchall()]


def left_as_found(connection):
    """What psycopg finds on a connection after a unit: idle, out of pipeline mode, usable."""
    found = (connection.info.transaction_status, connection.pgconn.pipeline_status)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1", prepare=False)
        answer = cursor.fetchone()[0]
    if not connection.autocommit:
        connection.rollback()
    return (*found, answer)


AS_FOUND = (pq.TransactionStatus.IDLE, pq.PipelineStatus.OFF, 1)


def save_and_read(store, name="Ravi"):
    """One unit that writes a lead and reads it back; the name read."""
    with store.unit_of_work() as uow:
        uow.leads.save(Lead(phone=LEAD, name=name))
        return uow.leads.get(LEAD).name


@contextlib.contextmanager
def traced(connection):
    """The lines libpq traces on *connection* in the block, as a list filled when it ends."""
    lines = []
    with tempfile.TemporaryFile() as trace:
        connection.pgconn.trace(trace.fileno())
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield lines
        finally:
            connection.pgconn.untrace()
            trace.seek(0)
            lines.extend(trace.read().decode("utf-8", "replace").splitlines())


@pytest.fixture
def connection(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as opened:
        yield opened


@pytest.fixture
def store(connection, postgres_schema):
    return PostgresStore(connection, schema=postgres_schema)


@pytest.mark.postgres
class TestPreparedNames:
    """Each statement is prepared once a connection, under a name of the store's own."""

    def test_the_names_are_the_store_s(self, store, connection):
        """After one unit, every statement prepared on the connection is the store's."""
        save_and_read(store)
        names = prepared_names(connection)
        assert (True, []) == (
            len(names) >= 3,
            [name for name in names if not name.startswith("convroute_")],
        )

    def test_a_statement_is_prepared_once(self, store, connection):
        """Units that send the same statements prepare nothing more."""
        save_and_read(store)
        first = prepared_names(connection)
        for name in ("Ravi Kumar", "Ravi K"):
            save_and_read(store, name)
        assert first == prepared_names(connection)

    def test_two_stores_on_one_connection(self, connection, new_postgres_schema):
        """Two stores' units on one connection, in turn, never take each other's statements."""
        stores = [PostgresStore(connection, schema=new_postgres_schema()) for _ in range(2)]
        read = [
            save_and_read(one, name)
            for _ in range(2)
            for one, name in zip(stores, "AB", strict=True)
        ]
        assert ["A", "B", "A", "B"] == read

    def test_nothing_is_prepared_when_psycopg_would_not(self, postgres_url, postgres_schema):
        """On a connection whose prepare_threshold is None, each statement is sent unnamed."""
        with psycopg.connect(postgres_url, autocommit=True, prepare_threshold=None) as given:
            store = PostgresStore(given, schema=postgres_schema)
            read = [save_and_read(store, name) for name in ("Ravi", "Ravi Kumar")]
            assert (["Ravi", "Ravi Kumar"], []) == (read, prepared_names(given))

    def test_past_the_most_prepared_statements_are_sent_unnamed(
        self, store, connection, monkeypatch
    ):
        """A connection holding the most statements prepares no more: new ones go unnamed."""
        monkeypatch.setattr(_postgres_send, "_MOST_PREPARED", 4)
        with store.unit_of_work() as uow:
            found = [uow.row(f"SELECT {n} + %s", (1,))[0] for n in range(8)]
        assert ([*range(1, 9)], 4) == (found, len(prepared_names(connection)))


@pytest.mark.postgres
class TestLostNames:
    """Statements dropped behind the store's back cost a unit a conflict, then are prepared anew."""

    @pytest.mark.parametrize("command", ["DISCARD ALL", "DEALLOCATE ALL"])
    def test_the_next_unit_is_a_conflict_and_the_one_after_works(self, store, connection, command):
        """The unit after the drop is a StoreConflictError, and the next one works."""
        save_and_read(store)
        connection.execute(command)
        with pytest.raises(StoreConflictError, match="does not exist") as lost:
            save_and_read(store, "Lost")
        assert ("\n" not in str(lost.value), "Ravi", AS_FOUND) == (
            True,
            save_and_read(store, "Ravi"),
            left_as_found(connection),
        )

    def test_the_service_runs_the_event_again(self, store, connection):
        """An event whose unit met the drop is processed by the service's second try."""
        service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
        service.process(IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text="Hi"))
        connection.execute("DISCARD ALL")
        handled = service.process(
            IncomingMessage(id="wamid.2", at=T0, lead=LEAD, number=NUMBER, text="Hi")
        )
        assert (False, ["send"]) == (handled.duplicate, [item.type for item in handled.actions])

    def test_a_pool_that_discards_on_return(self, postgres_url, postgres_schema):
        """A pool whose reset runs DISCARD ALL: every unit of a service still goes through."""

        def reset(connection):
            connection.execute("DISCARD ALL")

        with psycopg_pool.ConnectionPool(
            postgres_url, min_size=1, max_size=1, reset=reset, open=True
        ) as pool:
            store = PostgresStore(pool, schema=postgres_schema)
            service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
            handled = [
                service.process(
                    IncomingMessage(id=f"wamid.{n}", at=T0, lead=LEAD, number=NUMBER, text="Hi")
                )
                for n in range(3)
            ]
        assert [False] * 3 == [one.duplicate for one in handled]


@pytest.mark.postgres
class TestConnectionsLeftAsFound:
    """Whatever happens in a unit, psycopg finds the connection idle, out of pipeline mode."""

    def test_after_a_commit(self, store, connection):
        """A unit that commits leaves the connection idle."""
        save_and_read(store)
        assert AS_FOUND == left_as_found(connection)

    def test_after_a_failed_statement(self, store, connection):
        """A statement the server refuses, with writes queued before it: idle, nothing kept."""

        def go_on_after_a_failure():
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="Ravi"))
                with pytest.raises(StoreError, match="no_such_table"):
                    uow.rows("SELECT * FROM no_such_table")
                uow.leads.get(LEAD)

        with pytest.raises(StoreError, match="a statement of this unit of work failed"):
            go_on_after_a_failure()
        with store.unit_of_work() as uow:
            kept = uow.leads.get(LEAD)
        assert (None, AS_FOUND) == (kept, left_as_found(connection))

    def test_a_failure_s_message_is_one_line(self, store):
        """A syntax error, whose libpq message runs over several lines, is told on one."""
        with pytest.raises(StoreError) as failed, store.unit_of_work() as uow:
            uow.rows("SELEC 1")
        assert ("syntax error" in str(failed.value), "\n" in str(failed.value)) == (True, False)

    @pytest.mark.parametrize("text", ["bad\x00id", "bad\ud800id"])
    def test_an_unsendable_str_is_refused_before_the_server_sees_it(self, store, connection, text):
        """A str with NUL or a lone surrogate: a StoreError, and nothing on the wire."""
        with store.unit_of_work() as uow:
            uow.leads.get(LEAD)

        def read_after_a_bad_write():
            with store.unit_of_work() as uow:
                uow.users.set_presence(text, True)
                uow.users.presence()

        with traced(connection) as lines, pytest.raises(StoreError, match="a read failed"):
            read_after_a_bad_write()
        sent = [line for line in lines if line.startswith("F\t")]
        assert ([], AS_FOUND) == (sent, left_as_found(connection))

    @pytest.mark.parametrize("autocommit", [True, False])
    def test_a_given_connection_of_either_mode(self, postgres_url, postgres_schema, autocommit):
        """Autocommit or not, a host's connection is idle after units that commit or fail."""
        with psycopg.connect(postgres_url, autocommit=autocommit) as given:
            store = PostgresStore(given, schema=postgres_schema)
            name = save_and_read(store)
            with pytest.raises(StoreError), store.unit_of_work() as uow:
                uow.rows("SELECT * FROM no_such_table")
            assert (name, AS_FOUND) == ("Ravi", left_as_found(given))

    @pytest.mark.parametrize("default", ["repeatable read", "serializable"])
    def test_units_run_at_read_committed(self, postgres_url, postgres_schema, default):
        """Whatever the session's default isolation, a unit is READ COMMITTED, as it relies on."""
        with psycopg.connect(postgres_url, autocommit=True) as given:
            given.execute(f"SET default_transaction_isolation = '{default}'")
            store = PostgresStore(given, schema=postgres_schema)
            with store.unit_of_work() as uow:
                isolation = uow.row("SHOW transaction_isolation")[0]
        assert "read committed" == isolation

    def test_a_pool_s_connection_after_a_failure(self, postgres_url, postgres_schema):
        """A pool gets its connection back idle after a failed unit, and lends it usable."""
        with psycopg_pool.ConnectionPool(postgres_url, min_size=1, max_size=1, open=True) as pool:
            store = PostgresStore(pool, schema=postgres_schema)
            with pytest.raises(StoreError):
                save_then_fail(store)
            with pool.connection() as lent:
                found = left_as_found(lent)
            assert (AS_FOUND, None) == (found, _lead(store))

    def test_a_lost_connection(self, postgres_url, postgres_schema):
        """The server ending the connection mid-unit is a StoreError; the store connects anew."""
        store = PostgresStore(postgres_url, schema=postgres_schema)
        try:
            with store.unit_of_work() as uow:
                pid = uow.row("SELECT pg_backend_pid()")[0]
            with pytest.raises(StoreError) as lost, store.unit_of_work() as uow:  # noqa: PT012 - the unit's end raises
                uow.leads.get(LEAD)
                with psycopg.connect(postgres_url, autocommit=True) as other:
                    other.execute("SELECT pg_terminate_backend(%s)", (pid,))
                uow.rows("SELECT 1")
            assert ("\n" not in str(lost.value), "Ravi") == (True, save_and_read(store))
        finally:
            store.close()


@pytest.mark.postgres
class TestInterrupted:
    """A Ctrl-C while the sender waits leaves the connection usable or closed, never half-used."""

    # rows sends at once; write, with the unit's COMMIT.
    @pytest.mark.parametrize("method", ["rows", "write"])
    def test_a_wait_on_a_lock_is_stopped(
        self, store, connection, postgres_url, monkeypatch, method
    ):
        """Interrupted while its statement waits for a lock held elsewhere, it is stopped: idle."""
        real_wait = _postgres_send._wait
        waits = []

        def interrupted_once(socket, *, write, timeout=None):
            waits.append(write)
            if not write and waits.count(False) == 1:
                wait_for_the_lock_wait(holder, connection.info.backend_pid)
                raise KeyboardInterrupt
            if not write and not select.select([socket], [], [], 10)[0]:
                raise AssertionError("the interrupted statement was left running on the server")
            return real_wait(socket, write=write, timeout=timeout)

        with psycopg.connect(postgres_url, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(4242)")
            monkeypatch.setattr(_postgres_send, "_wait", interrupted_once)
            with pytest.raises(KeyboardInterrupt), store.unit_of_work() as uow:
                getattr(uow, method)("SELECT pg_advisory_xact_lock(4242)")
            monkeypatch.undo()
            assert AS_FOUND == left_as_found(connection)

    def test_a_unit_carried_on_after_a_ctrl_c_keeps_nothing(self, store, monkeypatch):
        """A Ctrl-C caught inside the unit ends it: what ran is unknown, so nothing is kept."""
        real_send = _postgres_send.Sender.send

        def interrupted(sender, connection, statements):
            real_send(sender, connection, statements)
            raise KeyboardInterrupt

        with pytest.raises(StoreError, match="interrupted"), store.unit_of_work() as uow:  # noqa: PT012 - carried on inside the unit
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
            monkeypatch.setattr(_postgres_send.Sender, "send", interrupted)
            with contextlib.suppress(KeyboardInterrupt):
                uow.leads.get(LEAD)
            monkeypatch.undo()
            uow.leads.save(Lead(phone=LEAD, name="Meera"))
        with store.unit_of_work() as uow:
            found = uow.leads.get(LEAD)
        assert None is found

    def test_interrupted_again_the_connection_is_closed(
        self, postgres_url, postgres_schema, monkeypatch
    ):
        """A second Ctrl-C while the sender reads what was sent: closed; the store connects anew."""
        store = PostgresStore(postgres_url, schema=postgres_schema)

        try:
            monkeypatch.setattr(_postgres_send, "_wait", always_interrupted)
            with pytest.raises(KeyboardInterrupt):
                save_and_read(store)
            monkeypatch.undo()
            assert "Ravi" == save_and_read(store)
        finally:
            store.close()

    def test_a_server_that_answers_nothing_after_it_is_closed(
        self, postgres_url, postgres_schema, monkeypatch
    ):
        """After a Ctrl-C, the rest of the round trip is awaited a bounded time, then closed."""
        store = PostgresStore(postgres_url, schema=postgres_schema)
        timeouts = []

        def interrupted_then_silent(_socket, *, write, timeout=None):
            if not timeouts and timeout is None and not write:
                timeouts.append(None)
                raise KeyboardInterrupt
            if timeout is None:
                raise AssertionError("after the interrupt, a wait without a bound")
            timeouts.append(timeout)
            return False, False  # the server answers nothing

        try:
            monkeypatch.setattr(_postgres_send, "_wait", interrupted_then_silent)
            with pytest.raises(KeyboardInterrupt):
                save_and_read(store)
            monkeypatch.undo()
            bounds = [timeout for timeout in timeouts[1:] if timeout is not None]
            assert (True, "Ravi") == (
                0 < max(bounds) <= _postgres_send._DRAIN_TIMEOUT,
                save_and_read(store),
            )
        finally:
            store.close()

    def test_a_rollback_interrupted(self, postgres_url, postgres_schema, monkeypatch):
        """A Ctrl-C while a failed unit rolls back: the store's next unit works."""
        store = PostgresStore(postgres_url, schema=postgres_schema)

        try:
            with pytest.raises(KeyboardInterrupt), store.unit_of_work() as uow:  # noqa: PT012 - the unit's end raises
                uow.rows("SELECT 1")
                monkeypatch.setattr(_postgres_send, "_wait", always_interrupted)
                raise LookupError
            monkeypatch.undo()
            assert "Ravi" == save_and_read(store)
        finally:
            store.close()

    def test_a_given_connection_closed_is_said_to_be(self, postgres_url, postgres_schema):
        """A unit on a host's connection closed says so, not that it is in a transaction."""
        with psycopg.connect(postgres_url, autocommit=True) as given:
            store = PostgresStore(given, schema=postgres_schema)
            given.close()
            with pytest.raises(StoreError) as refused, store.unit_of_work():
                pass
        expected = f"PostgreSQL store (schema {postgres_schema!r}): the connection is closed"
        assert expected == str(refused.value)


def always_interrupted(_socket, *, write, timeout=None):  # noqa: ARG001 - _wait's signature
    """A wait that a Ctrl-C ends, every time."""
    raise KeyboardInterrupt


def wait_for_the_lock_wait(watcher, pid):
    """Return once the server shows backend *pid* waiting for a lock (watched on *watcher*)."""
    while not watcher.execute(
        "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (pid,)
    ).fetchone()[0]:
        pass


def save_then_fail(store):
    """A unit that saves a lead, then fails."""
    with store.unit_of_work() as uow:
        uow.leads.save(Lead(phone=LEAD, name="Ravi"))
        uow.rows("SELECT * FROM no_such_table")


def _lead(store):
    with store.unit_of_work() as uow:
        return uow.leads.get(LEAD)


@pytest.mark.postgres
class TestRows:
    """Rows come back with the types psycopg gives them: arrays, JSON, booleans, numbers, NULL."""

    def test_values_of_each_kind(self, store):
        """One row of each kind of value, as psycopg loads it."""
        with store.unit_of_work() as uow:
            row = uow.row(
                "SELECT %s::bigint, %s::text, %s::boolean, NULL::text, %s::bigint[], "
                "%s::text[], '{\"a\": [1]}'::jsonb, 42::integer, 'x'::bytea",
                (2**40, "naïve", True, [1, 2], ["a", "b"]),
            )
        assert (2**40, "naïve", True, None, [1, 2], ["a", "b"], {"a": [1]}, 42, b"x") == row

    def test_a_connection_of_another_encoding(self, postgres_url, postgres_schema):
        """On a LATIN1 connection, text goes and comes back in the connection's encoding."""
        with psycopg.connect(postgres_url, autocommit=True, client_encoding="latin1") as given:
            store = PostgresStore(given, schema=postgres_schema)
            with store.unit_of_work() as uow:
                found = uow.row("SELECT %s::text, length(%s::text)", ("naïve", "naïve"))
            assert (("naïve", 5), "Ravi Müller") == (found, save_and_read(store, "Ravi Müller"))

    def test_a_value_psycopg_cannot_load(self, store):
        """A date past year 9999 read back is a StoreError that ends the unit, not a DataError."""

        def read_an_infinite_date():
            with store.unit_of_work() as uow:
                with pytest.raises(StoreError, match=r"a read failed: .*date"):
                    uow.rows("SELECT 'infinity'::date")
                uow.leads.get(LEAD)

        with pytest.raises(StoreError, match="a statement of this unit of work failed"):
            read_an_infinite_date()

    def test_rows_changed(self, store):
        """run gives how many rows a write changed."""
        save_and_read(store)
        with store.unit_of_work() as uow:
            changed = uow.run(
                f"UPDATE {store.schema}.leads SET data = data WHERE phone = %s",  # noqa: S608 - the test's own schema
                (str(LEAD),),
            )
        assert 1 == changed


class TestNumbered:
    """%s placeholders become PostgreSQL's numbered ones."""

    def test_placeholders_and_percent_signs(self):
        """Each %s is numbered in turn; %% is a percent sign."""
        assert b"SELECT $1, $2 WHERE x LIKE 'a%'" == numbered("SELECT %s, %s WHERE x LIKE 'a%%'")

    @pytest.mark.parametrize("sql", ["SELECT %d", "SELECT 1 %", "SELECT %(name)s"])
    def test_any_other_percent_sign_is_refused(self, sql):
        """A % that is neither %s nor %% is a ValueError naming the statement."""
        with pytest.raises(ValueError, match="only %s placeholders"):
            numbered(sql)

    @settings(deadline=None)
    @given(
        st.lists(
            st.text(st.characters(exclude_characters="%", exclude_categories=["Cs"])), min_size=1
        )
    )
    def test_the_parts_between_placeholders_are_kept(self, parts):
        """Text without % around n placeholders comes back with $1 to $n in their places."""
        expected = "".join(
            part if place == 0 else f"${place}{part}" for place, part in enumerate(parts)
        )
        assert expected.encode() == numbered("%s".join(parts))
