"""
What the PostgreSQL store's errors say: what failed, never a value of the row.
"""

# ruff: noqa: S608 - the schema names formatted into the statements are the tests' own.

import datetime as dt
import itertools
import logging
import traceback

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.engine import IncomingMessage
from convroute.errors import StoreConflictError, StoreError, StoreUnusableError
from convroute.model import Lead, Phone
from convroute.service import Service
from convroute.testing import RecordingTransport
from example_account import routing_example


psycopg = pytest.importorskip("psycopg")

from convroute.adapters._postgres_send import statement_kind  # noqa: E402
from convroute.adapters.postgres import PostgresStore  # noqa: E402


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
TEXT = "my secret order 4471"


@pytest.fixture
def connection(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as opened:
        yield opened


@pytest.fixture
def store(connection, postgres_schema):
    return PostgresStore(connection, schema=postgres_schema)


def failure_of(unit_work, store):
    """The StoreError the unit of *store* running *unit_work* raises, wherever it is raised."""
    with pytest.raises(StoreError) as raised, store.unit_of_work() as uow:
        unit_work(uow, store.schema)
    return raised.value


def printed(error):
    """Everything a traceback of *error* prints, its causes and contexts included."""
    return "".join(traceback.format_exception(error))


def duplicate_lead(uow, schema):
    """Insert by hand, through the unit, a lead the unit saved already."""
    uow.leads.save(Lead(phone=LEAD, name="Ravi"))
    uow.run(
        f"INSERT INTO {schema}.leads (account, phone, data) VALUES (%s, %s, %s)",
        ("default", LEAD, "{}"),
    )


def lead_without_data(uow, schema):
    """Insert by hand a lead whose data is NULL, which its NOT NULL refuses."""
    uow.run(
        f"INSERT INTO {schema}.leads (account, phone, data) VALUES (%s, %s, NULL)",
        ("default", LEAD),
    )


def row_its_check_refuses(uow, _schema):
    """Insert a phone and a text into a table of the unit's own whose CHECK refuses them."""
    uow.run("CREATE TEMP TABLE refused (phone text, body text CHECK (length(body) < 5))")
    uow.write("INSERT INTO refused VALUES (%s, %s)", (LEAD, TEXT))
    uow.rows("SELECT count(*) FROM refused")


def phone_as_a_number(uow, _schema):
    """Cast a phone with a letter in it to an integer: a data exception quoting the value."""
    uow.rows("SELECT %s::bigint", (f"{LEAD}x",))


@pytest.mark.postgres
class TestNoValueOfTheRow:
    """A store's error, and any traceback of it, holds neither the phone nor the text."""

    @pytest.mark.parametrize(
        ("unit_work", "sqlstate"),
        [
            (duplicate_lead, "23505"),
            (lead_without_data, "23502"),
            (row_its_check_refuses, "23514"),
            (phone_as_a_number, "22P02"),
        ],
    )
    def test_a_statement_the_server_refuses(self, store, unit_work, sqlstate):
        """The message and the traceback have no phone or text; the SQLSTATE is kept."""
        error = failure_of(unit_work, store)
        told = printed(error)
        assert (False, False, sqlstate, True) == (
            LEAD in told,
            TEXT in told,
            error.sqlstate,
            f"SQLSTATE {sqlstate}" in str(error),
        )

    def test_a_unique_violation_says_what_failed(self, store):
        """The store, what it was doing, the primary message, statement, table and constraint."""
        error = failure_of(duplicate_lead, store)
        assert (
            f"PostgreSQL store (schema {store.schema!r}): a write failed: duplicate key value "
            'violates unique constraint "leads_pkey" '
            "(SQLSTATE 23505, INSERT statement, table leads, constraint leads_pkey)"
        ) == str(error)

    def test_a_check_violation_met_by_a_later_read_names_the_insert(self, store):
        """A queued write that fails with the read after it is told as the INSERT it is."""
        error = failure_of(row_its_check_refuses, store)
        assert (
            f"PostgreSQL store (schema {store.schema!r}): a read failed: new row for relation "
            '"refused" violates check constraint "refused_body_check" '
            "(SQLSTATE 23514, INSERT statement, table refused, constraint refused_body_check)"
        ) == str(error)

    def test_a_data_exception_leaves_out_the_value_it_quotes(self, store):
        """PostgreSQL quotes the value it could not read; the store's error does not."""
        error = failure_of(phone_as_a_number, store)
        assert (
            f"PostgreSQL store (schema {store.schema!r}): a read failed: invalid input syntax "
            "for type bigint (SQLSTATE 22P02, SELECT statement)"
        ) == str(error)

    def test_the_unit_s_later_refusal_quotes_only_the_told_failure(self, store):
        """The error of a statement after the failure holds no phone either."""

        def go_on(uow, schema):
            with pytest.raises(StoreError):
                duplicate_lead(uow, schema)
            uow.leads.get(LEAD)

        error = failure_of(go_on, store)
        assert (True, False) == (
            "a statement of this unit of work failed" in str(error),
            LEAD in printed(error),
        )

    def test_a_lost_connection(self, postgres_url, postgres_schema):
        """A connection the server ends while a write holding the phone waits: no phone."""
        store = PostgresStore(postgres_url, schema=postgres_schema)
        try:
            with store.unit_of_work() as uow:
                pid = uow.row("SELECT pg_backend_pid()")[0]

            def lose_it(uow, _schema):
                uow.leads.save(Lead(phone=LEAD, name=TEXT))
                with psycopg.connect(postgres_url, autocommit=True) as other:
                    other.execute("SELECT pg_terminate_backend(%s)", (pid,))
                uow.rows("SELECT 1")

            told = printed(failure_of(lose_it, store))
            assert (False, False) == (LEAD in told, TEXT in told)
        finally:
            store.close()

    def test_the_whole_error_is_logged_at_debug(self, store, caplog):
        """For whoever needs the row's values, the server's DETAIL is logged at DEBUG only."""
        with caplog.at_level(logging.DEBUG, logger="convroute"):
            failure_of(duplicate_lead, store)
        levels = {r.levelno for r in caplog.records if LEAD in r.getMessage()}
        assert {logging.DEBUG} == levels


@pytest.mark.postgres
class TestCallersStillSeeWhatTheyNeed:
    """Conflicts are still told apart, and a lost prepared statement is still one."""

    def test_a_dropped_prepared_statement_is_a_conflict_with_its_sqlstate(self, store, connection):
        """After DISCARD ALL the unit is a StoreConflictError carrying SQLSTATE 26000."""
        with store.unit_of_work() as uow:
            uow.leads.get(LEAD)
        connection.execute("DISCARD ALL")
        with pytest.raises(StoreConflictError) as lost, store.unit_of_work() as uow:
            uow.leads.get(LEAD)
        assert ("26000", None) == (lost.value.sqlstate, lost.value.__cause__)

    def test_a_deadlock_is_a_conflict(self, store):
        """A deadlock the server breaks is a StoreConflictError, with no psycopg cause."""

        def deadlocked(uow, _schema):
            uow.rows("DO $$ BEGIN RAISE EXCEPTION 'broken' USING ERRCODE = '40P01'; END $$")

        error = failure_of(deadlocked, store)
        assert (StoreConflictError, "40P01", None, True) == (
            type(error),
            error.sqlstate,
            error.__cause__,
            error.__suppress_context__,
        )

    def test_a_privilege_the_role_lacks_makes_the_store_unusable(self, store):
        """Insufficient privilege (42501) is a StoreUnusableError: trying again changes nothing."""

        def refused(uow, _schema):
            uow.rows("DO $$ BEGIN RAISE EXCEPTION 'no' USING ERRCODE = '42501'; END $$")

        error = failure_of(refused, store)
        assert (StoreUnusableError, "42501") == (type(error), error.sqlstate)


@pytest.mark.postgres
class TestTheServiceLog:
    """The ERROR record of a store failure during handle() holds no phone and no text."""

    def test_a_failure_while_handling(self, store, connection, caplog):
        """A CHECK refusing the lead's row: the records above DEBUG name neither phone nor text."""
        connection.execute(
            f"ALTER TABLE {store.schema}.leads ADD CONSTRAINT no_lead CHECK (phone <> '{LEAD}')"
        )
        service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
        message = IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text=TEXT)
        with caplog.at_level(logging.DEBUG, logger="convroute"), pytest.raises(StoreError):
            service.handle(message)
        formatter = logging.Formatter()
        above = [formatter.format(r) for r in caplog.records if r.levelno > logging.DEBUG]
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        told = "".join(above)
        assert (1, True, False, False) == (
            len(errors),
            "SQLSTATE 23514" in told,
            LEAD in told,
            TEXT in told,
        )


class TestStatementKind:
    """A statement's kind is the letters it begins with, never more."""

    @pytest.mark.parametrize(
        ("sql", "kind"),
        [
            ("INSERT INTO t VALUES (1)", "INSERT"),
            ("  with x AS (SELECT 1) SELECT * FROM x", "WITH"),
            ("SELECT'919800000001'", "SELECT"),
            ("(SELECT 1)", "unnamed"),
            ("", "unnamed"),
        ],
    )
    def test_the_first_word(self, sql, kind):
        """The first word in capitals; a statement that begins otherwise is unnamed."""
        assert kind == statement_kind(sql)

    @settings(deadline=None)
    @given(st.text())
    def test_never_more_than_the_leading_letters(self, sql):
        """Whatever the statement, its kind is its leading ASCII letters, or unnamed."""
        letters = "".join(itertools.takewhile(lambda c: c.isascii() and c.isalpha(), sql.lstrip()))
        assert (letters.upper() or "unnamed") == statement_kind(sql)
