"""
PostgresStore's locks are per account: two accounts' units never wait for each other.

Nothing here depends on timing: the other account's unit runs while this one holds its locks,
and the wait for it is only a safety net that fails a test rather than hanging it.
"""

import datetime as dt
import threading

import pytest

from convroute.adapters._postgres_schema import lock_key
from convroute.model import Lead, Phone
from convroute.routing import TurnRecord
from convroute.state import Conversation


psycopg = pytest.importorskip("psycopg")

from convroute.adapters.postgres import PostgresStore  # noqa: E402 - after the extra is known


pytestmark = pytest.mark.postgres

LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
# A safety net only: a unit that takes this long is waiting for the other's locks.
PATIENCE = 60.0


@pytest.fixture
def store(postgres_url, postgres_schema):
    with PostgresStore(postgres_url, schema=postgres_schema) as opened:
        yield opened


def hold_then_run_other(store, hold, other):
    """Run *other* in a thread while this thread's acme unit holds what *hold* locked."""
    done = threading.Event()
    failures = []

    def run():
        try:
            with store.unit_of_work("zenith") as uow:
                other(uow)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            done.set()

    with store.unit_of_work("acme") as uow:
        hold(uow)
        thread = threading.Thread(target=run)
        thread.start()
        # The other account's unit ends while this one still holds its locks.
        finished = done.wait(PATIENCE)
    thread.join(PATIENCE)
    return finished, failures


class TestLocksPerAccount:
    def test_the_same_lead_in_another_account_is_not_waited_for(self, store):
        """A unit holding a lead of one account never holds up another account's same lead."""
        finished, failures = hold_then_run_other(
            store,
            lambda uow: uow.leads.get(LEAD),
            lambda uow: (uow.leads.get(LEAD), uow.leads.save(Lead(phone=LEAD, name="Z"))),
        )
        with store.unit_of_work("zenith") as uow:
            name = uow.leads.get(LEAD).name
        assert (True, [], "Z") == (finished, failures, name)

    def test_the_same_pool_in_another_account_is_not_waited_for(self, store):
        """A round-robin pick in one account never waits for another account's pick of the pool."""
        finished, failures = hold_then_run_other(
            store,
            lambda uow: uow.turns.get("admin"),
            lambda uow: (
                uow.turns.get("admin"),
                uow.turns.save(TurnRecord(pool="admin", assigned=("u-z",))),
            ),
        )
        assert (True, []) == (finished, failures)

    def test_the_same_user_in_another_account_is_not_waited_for(self, store):
        """Counting a user's open conversations in one account never waits for another's count."""
        finished, failures = hold_then_run_other(
            store,
            lambda uow: uow.conversations.open_counts(["u-asha"], T0),
            lambda uow: uow.conversations.open_counts(["u-asha"], T0),
        )
        assert (True, []) == (finished, failures)

    def test_a_tick_takes_a_due_conversation_whose_lead_another_account_holds(self, store):
        """A due conversation is passed over only when its own account's unit holds its lead."""
        due = Conversation(
            lead=LEAD,
            number=NUMBER,
            status="assigned",
            assignee="u-asha",
            last_message_at=T0,
            due_at=T0,
        )
        for account in ("acme", "zenith"):
            with store.unit_of_work(account) as uow:
                uow.conversations.save(due)
        taken = []
        finished, failures = hold_then_run_other(
            store,
            lambda uow: uow.leads.get(LEAD),
            lambda uow: taken.extend(uow.conversations.due(T0, 10)),
        )
        assert (True, [], [due]) == (finished, failures, taken)

    def test_lock_keys_differ_by_account(self):
        """The lock of a lead, a pool or a user is another key in each account."""
        keys = {
            lock_key("convroute", account, kind, "1")
            for account in ("default", "acme")
            for kind in ("lead", "pool", "user")
        }
        assert 6 == len(keys)
