"""
The store contract for the business numbers' Cloud API ids: remembered per account.
"""

# ruff: noqa: S608 - the schema names formatted into the statements are the tests' own.

import sqlite3

import pytest

from convroute.adapters import SQLiteStore, _codec
from convroute.adapters._sqlite_schema import MIGRATIONS as SQLITE_MIGRATIONS
from convroute.adapters._sqlite_schema import migrate as sqlite_migrate
from convroute.model import Lead, Phone


NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040005678")
LEAD = Lead(phone=Phone("919800000001"), name="Ravi")


class BoomError(Exception):
    pass


class TestNumbers:
    def test_a_new_store_knows_no_id(self, store):
        """A store nothing was saved in holds no phone_number_id."""
        with store.unit_of_work() as uow:
            found = dict(uow.numbers.all())

        assert {} == found

    def test_saved_ids_are_read_back_by_number(self, store):
        """Each number's saved id is read back, in a later unit of work."""
        with store.unit_of_work() as uow:
            uow.numbers.save(NUMBER, "106540352242922")
            uow.numbers.save(OTHER_NUMBER, "106540352242923")

        with store.unit_of_work() as uow:
            found = dict(uow.numbers.all())

        assert {NUMBER: "106540352242922", OTHER_NUMBER: "106540352242923"} == found

    def test_saving_again_replaces_the_id(self, store):
        """A number has one id: saving another replaces it."""
        with store.unit_of_work() as uow:
            uow.numbers.save(NUMBER, "1065")
        with store.unit_of_work() as uow:
            uow.numbers.save(NUMBER, "2077")

        with store.unit_of_work() as uow:
            found = dict(uow.numbers.all())

        assert {NUMBER: "2077"} == found

    def test_a_failed_unit_saves_nothing(self, store):
        """An id saved in a unit of work that fails is rolled back with it."""

        def fail():
            with store.unit_of_work() as uow:
                uow.numbers.save(NUMBER, "1065")
                raise BoomError

        with pytest.raises(BoomError):
            fail()

        with store.unit_of_work() as uow:
            found = dict(uow.numbers.all())

        assert {} == found

    def test_each_account_keeps_its_own_ids(self, store):
        """One account's ids are never read by another's unit of work."""
        with store.unit_of_work("acme") as uow:
            uow.numbers.save(NUMBER, "1065")
        with store.unit_of_work("globex") as uow:
            uow.numbers.save(NUMBER, "2077")

        found = {}
        for account in ("acme", "globex", "default"):
            with store.unit_of_work(account) as uow:
                found[account] = dict(uow.numbers.all())

        assert {"acme": {NUMBER: "1065"}, "globex": {NUMBER: "2077"}, "default": {}} == found


class TestSQLiteUpgradeToNumbers:
    def test_a_version_11_file_keeps_its_rows_and_gains_numbers(self, tmp_path):
        """A version 11 file is upgraded to 12 in place: its rows kept, numbers remembered after."""
        path = tmp_path / "convroute.db"
        connection = sqlite3.connect(path, isolation_level=None)
        sqlite_migrate(connection, SQLITE_MIGRATIONS[:11])
        connection.execute(
            "INSERT INTO leads (account, phone, data) VALUES (?, ?, ?)",
            ("default", LEAD.phone, _codec.dumps(LEAD)),
        )
        connection.close()

        with SQLiteStore(path) as store:
            with store.unit_of_work() as uow:
                uow.numbers.save(NUMBER, "1065")
            with store.unit_of_work() as uow:
                found = (uow.leads.get(LEAD.phone), dict(uow.numbers.all()))
            connection = sqlite3.connect(path)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            connection.close()

        assert ((LEAD, {NUMBER: "1065"}), 12) == (found, version)


@pytest.mark.postgres
class TestPostgresUpgradeToNumbers:
    def test_a_version_8_schema_keeps_its_rows_and_gains_numbers(
        self, postgres_url, postgres_schema
    ):
        """A version 8 schema is upgraded in place: its rows kept, numbers remembered after."""
        psycopg = pytest.importorskip("psycopg")
        from convroute.adapters._postgres_schema import (
            MIGRATIONS,
            SCHEMA_VERSION,
            migrate,
            quoted,
        )
        from convroute.adapters.postgres import PostgresStore

        name = quoted(postgres_schema)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:8])
            connection.execute(
                f"INSERT INTO {name}.leads (account, phone, data) VALUES (%s, %s, %s)",
                ("default", LEAD.phone, _codec.dumps(LEAD)),
            )

        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            with store.unit_of_work() as uow:
                uow.numbers.save(NUMBER, "1065")
            with store.unit_of_work() as uow:
                found = (uow.leads.get(LEAD.phone), dict(uow.numbers.all()))
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            version = connection.execute(f"SELECT version FROM {name}.schema_version").fetchone()

        assert ((LEAD, {NUMBER: "1065"}), (SCHEMA_VERSION,)) == (found, version)
