"""
What only PostgresStore does for retention: its indexes, and batches that pass over rows other
units hold rather than wait for them.
"""

import concurrent.futures
import datetime as dt
import re

import pytest

from convroute.adapters._instants import to_micros
from convroute.model import Phone
from convroute.state import Conversation


psycopg = pytest.importorskip("psycopg")

from convroute.adapters._postgres_schema import quoted  # noqa: E402
from convroute.adapters.postgres import PostgresStore  # noqa: E402


pytestmark = pytest.mark.postgres

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
NUMBER = Phone("918040001234")
# A safety net only: a prune that takes this long waited for a lock, and fails the test.
PATIENCE = 60.0


def lead(n):
    return Phone(f"9198000{n:05}")


def closed(n, at=T0):
    return Conversation(lead=lead(n), number=NUMBER, status="closed", last_message_at=at)


@pytest.fixture
def store(postgres_url, postgres_schema):
    with PostgresStore(postgres_url, schema=postgres_schema) as opened:
        yield opened


class TestQueryPlans:
    @pytest.mark.parametrize(
        ("name", "table", "index"),
        [
            ("processed_prune", "processed_events", "processed_events_at"),
            ("outbox_prune_sent", "outbox", "outbox_sent"),
            ("conversations_prune_closed", "conversations", "conversations_closed"),
        ],
    )
    def test_a_prune_s_batches_use_their_index(self, store, postgres_url, name, table, index):
        """A prune's batch finds its rows through the index on their time, and locks them."""
        with store.unit_of_work() as uow:
            for n in range(3000):
                uow.processed.claim(f"wamid.{n}", T0 + n * MINUTE)
                status = ("assigned", "closed", "menu")[n % 3]
                uow.conversations.save(
                    Conversation(
                        lead=lead(n),
                        number=NUMBER,
                        status=status,
                        assignee="u-asha" if status == "assigned" else None,
                        last_message_at=T0 + n * MINUTE,
                    )
                )
        statement = getattr(store.unit_of_work().sql, name)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f"ANALYZE {quoted(store.schema)}.{table}")
            # At this size reading the whole table is cheaper; a store of millions of rows
            # is not: with sequential scans priced out, no step of the plan needs one.
            connection.execute("SET enable_seqscan = off")
            plan = [
                line
                for (line,) in connection.execute(
                    f"EXPLAIN {statement}", ("default", to_micros(T0 + 10 * MINUTE), 100)
                ).fetchall()
            ]

        text = "\n".join(plan)
        # Few rows are old here: PostgreSQL may read them by bitmap and sort them; it still
        # reads them through the index.
        assert re.search(
            rf"(Index Scan using|Index Only Scan using|Bitmap Index Scan on) {index} ", text
        ), text
        assert "Seq Scan" not in text, text
        assert "LockRows" in text, text


class TestBesideLiveTraffic:
    def test_a_batch_passes_over_a_conversation_another_unit_holds(self, store):
        """A closed conversation another unit writes is left to a later prune, not waited for."""
        with store.unit_of_work() as uow:
            uow.conversations.save(closed(1))
            uow.conversations.save(closed(2))

        def prune():
            with store.unit_of_work() as uow:
                return uow.conversations.prune_closed(T0 + MINUTE, 10)

        with store.unit_of_work() as uow, concurrent.futures.ThreadPoolExecutor(1) as pool:
            uow.conversations.save(closed(1))
            # A read sends the writes the unit queued: the row is held from here.
            uow.conversations.get(lead(1), NUMBER)
            pruned = pool.submit(prune).result(timeout=PATIENCE)
        with store.unit_of_work() as uow:
            left = [n for n in (1, 2) if uow.conversations.get(lead(n), NUMBER) is not None]

        assert (1, [1]) == (pruned, left)
