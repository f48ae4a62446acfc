import datetime as dt

import pytest

from convroute.engine import IncomingMessage
from convroute.model import Phone
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


# Four users in one chat group, which one rule routes to round robin.
DESK_TEAM = """
[[users]]
id = "u1"
name = "One"
[[users]]
id = "u2"
name = "Two"
[[users]]
id = "u3"
name = "Three"
[[users]]
id = "u4"
name = "Four"

[[chat_groups]]
name = "Desk"
members = ["u1", "u2", "u3", "u4"]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "chat_group", group = "Desk" }]
"""


KINDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def make_store(kind, tmp_path, request):
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        from convroute.adapters import SQLiteStore

        return SQLiteStore(tmp_path / "convroute.db")
    from convroute.adapters.postgres import PostgresStore

    # Asked for only here: the other kinds run without a server.
    url = request.getfixturevalue("postgres_url")
    return PostgresStore(url, schema=request.getfixturevalue("new_postgres_schema")())


@pytest.fixture(params=KINDS)
def store(request, tmp_path):
    made = make_store(request.param, tmp_path, request)
    yield made
    close = getattr(made, "close", None)
    if close is not None:
        close()


@pytest.fixture
def transport():
    return RecordingTransport()


@pytest.fixture
def service(store, transport):
    return Service(CONFIG, store, transport, clock=lambda: AT)


def message(ident, minutes=0, lead=LEAD, number=NUMBER, **kwargs):
    return IncomingMessage(
        id=ident, at=AT + dt.timedelta(minutes=minutes), lead=lead, number=number, **kwargs
    )
