"""
PostgresStore.accounts() on each kind of source: a connection string, a host's connection, a pool.
"""

import datetime as dt

import pytest

from convroute.errors import StoreError


psycopg = pytest.importorskip("psycopg")

from convroute.adapters.postgres import PostgresStore  # noqa: E402 - after the extra is known


pytestmark = pytest.mark.postgres

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def schema(postgres_url, postgres_schema):
    """A schema holding the accounts "acme" and "zenith", each a tick."""
    with PostgresStore(postgres_url, schema=postgres_schema) as store:
        for account in ("acme", "zenith"):
            with store.unit_of_work(account) as uow:
                uow.ticks.advance(T0)
    return postgres_schema


class TestAccountsOnPostgres:
    def test_a_given_connection_is_left_outside_any_transaction(self, postgres_url, schema):
        """On a host's connection (not in autocommit), accounts() ends the transaction it began."""
        with psycopg.connect(postgres_url) as connection:
            store = PostgresStore(connection, schema=schema, create=False)
            held = store.accounts()
            status = connection.info.transaction_status
        assert (frozenset({"acme", "zenith"}), psycopg.pq.TransactionStatus.IDLE) == (
            held,
            status,
        )

    def test_a_pool_gets_its_connection_back(self, postgres_url, schema):
        """On a pool of one connection, accounts() gives it back: a second call gets it again."""
        pool_module = pytest.importorskip("psycopg_pool")
        pool = pool_module.ConnectionPool(postgres_url, min_size=1, max_size=1, timeout=10)
        with pool:
            store = PostgresStore(pool, schema=schema, create=False)
            answers = [store.accounts(), store.accounts()]
        assert [frozenset({"acme", "zenith"})] * 2 == answers

    def test_a_failure_of_the_server_is_a_store_error(self, postgres_url, schema):
        """With its schema dropped under it, accounts() raises StoreError saying what failed."""
        store = PostgresStore(postgres_url, schema=schema, create=False)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
        with pytest.raises(StoreError, match="cannot list its accounts"):
            store.accounts()
        store.close()
