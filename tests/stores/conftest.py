import pytest

from convroute.adapters import SQLiteStore
from convroute.testing import MemoryStore


KINDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=KINDS)
def store_kind(request):
    return request.param


@pytest.fixture
def new_store(store_kind, tmp_path, request):
    """A maker of fresh, empty stores of the kind under test, closed at teardown."""
    made = []
    if store_kind == "postgres":
        # Asked for only here: the other kinds run without a server.
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("new_postgres_schema")

    def make():
        if store_kind == "memory":
            store = MemoryStore()
        elif store_kind == "sqlite":
            store = SQLiteStore(tmp_path / f"store-{len(made)}.db")
        else:
            from convroute.adapters.postgres import PostgresStore

            store = PostgresStore(url, schema=schema())
        made.append(store)
        return store

    yield make
    for store in made:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@pytest.fixture
def store(new_store):
    """One store of each kind: in memory, SQLite in a temporary directory, and PostgreSQL."""
    return new_store()
