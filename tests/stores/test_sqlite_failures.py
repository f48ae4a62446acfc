"""
What the SQLite store's errors say: what failed, never a value of the row.
"""

import traceback

import pytest

from convroute.adapters.sqlite import SQLiteStore
from convroute.errors import StoreError
from convroute.model import Lead, Phone


LEAD = Phone("919800000001")
TEXT = "my secret order 4471"


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "convroute.db", timeout=5) as opened:
        yield opened


def duplicate_lead(uow):
    """Insert by hand, through the unit, a lead the unit saved already."""
    uow.leads.save(Lead(phone=LEAD, name="Ravi"))
    uow.run("INSERT INTO leads (account, phone, data) VALUES (?, ?, ?)", ("default", LEAD, "{}"))


def lead_without_data(uow):
    """Insert by hand a lead whose data is NULL, which its NOT NULL refuses."""
    uow.run("INSERT INTO leads (account, phone, data) VALUES (?, ?, NULL)", ("default", LEAD))


def row_its_check_refuses(uow):
    """Insert a phone and a text into a table of the unit's own whose CHECK refuses them."""
    uow.run("CREATE TEMP TABLE refused (phone TEXT, body TEXT CHECK (length(body) < 5))")
    uow.run("INSERT INTO refused VALUES (?, ?)", (LEAD, TEXT))


def text_that_is_no_json(uow):
    """Read a phone and a text as JSON, which they are not."""
    uow.rows("SELECT json_extract(?, '$.a')", (f"{LEAD} {TEXT}",))


@pytest.mark.parametrize(
    "unit_work", [duplicate_lead, lead_without_data, row_its_check_refuses, text_that_is_no_json]
)
class TestNoValueOfTheRow:
    """SQLite's messages name columns and constraints, never values: so do the store's errors."""

    def test_neither_the_error_nor_its_traceback(self, store, unit_work):
        """Neither the message nor a traceback of it, sqlite3's error included, quotes them."""
        with pytest.raises(StoreError) as raised, store.unit_of_work() as uow:
            unit_work(uow)
        told = "".join(traceback.format_exception(raised.value))
        assert (True, False, False) == (
            str(raised.value).startswith(f"SQLite store {store.path!r}: "),
            LEAD in told,
            TEXT in told,
        )
