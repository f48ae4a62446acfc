import pytest

from convroute.adapters import SQLiteStore
from convroute.testing import MemoryStore


@pytest.fixture(params=["memory", "sqlite"])
def store_kind(request):
    return request.param


@pytest.fixture
def new_store(store_kind, tmp_path):
    """A maker of fresh, empty stores of the kind under test, closed at teardown."""
    made = []

    def make():
        if store_kind == "memory":
            store = MemoryStore()
        else:
            store = SQLiteStore(tmp_path / f"store-{len(made)}.db")
        made.append(store)
        return store

    yield make
    for store in made:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@pytest.fixture
def store(new_store):
    """One store of each kind: in memory, and SQLite in a temporary directory."""
    return new_store()
