"""
SQLiteStore.accounts(): a reader's store lists them too, and a broken file is a StoreError.
"""

import datetime as dt
import sqlite3

import pytest

from convroute.adapters import SQLiteStore
from convroute.adapters._sql_accounts import HOLDING_TABLES
from convroute.errors import StoreError


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def path(tmp_path):
    """A SQLite file holding the account "acme" (a tick)."""
    path = tmp_path / "convroute.db"
    with SQLiteStore(path) as store, store.unit_of_work("acme") as uow:
        uow.ticks.advance(T0)
    return path


class TestSQLiteAccounts:
    def test_a_readers_store_lists_the_accounts(self, path):
        """A store opened read-only (as the reports open it) lists the accounts held."""
        with SQLiteStore(path, read_only=True) as store:
            assert frozenset({"acme"}) == store.accounts()

    def test_a_file_that_cannot_be_read_is_a_store_error(self, path):
        """A table gone from the file makes accounts() raise StoreError naming the file."""
        with sqlite3.connect(path) as connection:
            connection.execute("DROP TABLE numbers")
        connection.close()
        with (
            SQLiteStore(path) as store,
            pytest.raises(StoreError, match="cannot list the accounts"),
        ):
            store.accounts()

    def test_every_table_with_an_account_is_looked_through(self, path):
        """Every table of the file with an account column is one accounts() looks through."""
        with sqlite3.connect(path) as connection:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            ]
            with_account = {
                table
                for table in tables
                if any(
                    column[1] == "account"
                    for column in connection.execute(f"PRAGMA table_info({table})")
                )
            }
        connection.close()

        assert with_account == set(HOLDING_TABLES)
