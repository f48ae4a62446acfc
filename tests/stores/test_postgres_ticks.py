"""
What only PostgresStore does for time-driven routing: its schema step, its indexes, and claiming
due and waiting conversations among workers (rows with SKIP LOCKED, leads by trying their lock).

The worker processes are coordinated by a barrier and queues; nothing here depends on timing:
the timeouts are only a safety net that fails a test rather than hanging it.
"""

# ruff: noqa: S608 - the schema names formatted into the queries are the tests' own.

import datetime as dt
import multiprocessing
import re
import threading
import traceback

from collections import Counter

import pytest

from convroute.adapters import _codec
from convroute.adapters._instants import to_micros
from convroute.model import Phone
from convroute.state import Conversation


psycopg = pytest.importorskip("psycopg")

from convroute.adapters._postgres_schema import MIGRATIONS, migrate, quoted  # noqa: E402
from convroute.adapters.postgres import PostgresStore  # noqa: E402


pytestmark = pytest.mark.postgres

# Spawned, not forked: a child must not share the parent's connections.
SPAWN = multiprocessing.get_context("spawn")
# A safety net only: a child that takes this long has hung, and fails the test.
PATIENCE = 120.0

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
NUMBERS = (Phone("918040001234"), Phone("918040005678"))
LEAD = Phone("919800000001")


def lead(n):
    return Phone(f"9198000{n:05}")


def assigned(n, number=NUMBERS[0], assignee="u-asha", **more):
    return Conversation(
        lead=lead(n),
        number=number,
        status="assigned",
        assignee=assignee,
        last_message_at=T0,
        **more,
    )


@pytest.fixture
def store(postgres_url, postgres_schema):
    with PostgresStore(postgres_url, schema=postgres_schema) as opened:
        yield opened


class TestSchemaStep:
    def test_conversations_written_at_version_2_are_timed_at_3(self, postgres_url, postgres_schema):
        """Conversations of version 2 read back, with no due time or wait, and can be timed."""
        name = quoted(postgres_schema)
        old = Conversation(lead=LEAD, number=NUMBERS[0], status="unrouted", last_message_at=T0)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:2])
            connection.execute(
                f"INSERT INTO {name}.conversations "
                "(lead, number, status, assignee, last_message_at, data) "
                "VALUES (%s, %s, 'unrouted', NULL, %s, %s)",
                (LEAD, NUMBERS[0], to_micros(T0), _codec.dumps(old)),
            )

        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            with store.unit_of_work() as uow:
                found = uow.conversations.get(LEAD, NUMBERS[0])
                before = (uow.conversations.due(T0, 10), uow.conversations.waiting(T0, 10))
                uow.conversations.save(
                    Conversation(
                        lead=LEAD,
                        number=NUMBERS[0],
                        status="unrouted",
                        last_message_at=T0,
                        waiting_since=T0,
                        due_at=T0,
                    )
                )
            with store.unit_of_work() as uow:
                after = (len(uow.conversations.due(T0, 10)), len(uow.conversations.waiting(T0, 10)))
                uow.ticks.advance(T0)
                uow.users.set_away_since("u-asha", T0)

        with psycopg.connect(postgres_url, autocommit=True) as connection:
            tables = {
                table
                for (table,) in connection.execute(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = %s",
                    (postgres_schema,),
                )
            }
        assert (old, ((), ()), (1, 1)) == (found, before, after)
        assert {"away", "ticks"} <= tables


class TestRuleStep:
    def test_waits_written_at_version_5_are_found_by_rule_at_6(self, postgres_url, postgres_schema):
        """Waits of version 5 get their rule from the stored record; the tick's row owes nothing."""
        name = quoted(postgres_schema)
        waits = [
            Conversation(
                lead=lead(n),
                number=NUMBERS[0],
                status="unrouted",
                last_message_at=T0,
                rule=rule,
                waiting_since=T0 + n * MINUTE,
            )
            for n, rule in enumerate(("Desk", "Night", "Desk"))
        ]
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:5])
            for one in waits:
                connection.execute(
                    f"INSERT INTO {name}.conversations "
                    "(lead, number, status, assignee, last_message_at, waiting_since, data) "
                    "VALUES (%s, %s, 'unrouted', NULL, %s, %s, %s)",
                    (
                        one.lead,
                        one.number,
                        to_micros(T0),
                        to_micros(one.waiting_since),
                        _codec.dumps(one),
                    ),
                )
            connection.execute(
                f"INSERT INTO {name}.ticks (id, at) VALUES (1, %s)", (to_micros(T0),)
            )

        with (
            PostgresStore(postgres_url, schema=postgres_schema) as store,
            store.unit_of_work() as uow,
        ):
            desk = uow.conversations.waiting(T0, 10, rule="Desk")
            owed = uow.ticks.waiting_passes_owed()
            uow.ticks.owe_waiting_pass()
            then = uow.ticks.waiting_passes_owed()

        assert ([waits[0], waits[2]], None, 1) == (list(desk), owed, then)


class TestQueryPlans:
    @pytest.mark.parametrize(
        ("name", "parameters", "index"),
        [
            ("conversations_due", (to_micros(T0), 100), "conversations_due"),
            ("conversations_waiting", (to_micros(T0), 100), "conversations_waiting"),
            (
                "conversations_waiting_after",
                (to_micros(T0), to_micros(T0), "", "", 100),
                "conversations_waiting",
            ),
            (
                "conversations_waiting_rule",
                ("Desk", to_micros(T0), 100),
                "conversations_waiting_rule",
            ),
            (
                "conversations_waiting_rule_after",
                ("Desk", to_micros(T0), to_micros(T0), "", "", 100),
                "conversations_waiting_rule",
            ),
        ],
    )
    def test_a_tick_s_queries_use_their_index(self, store, postgres_url, name, parameters, index):
        """Due and waiting conversations are found through their partial index, and locked."""
        with store.unit_of_work() as uow:
            for n in range(5000):
                status = ("assigned", "unrouted", "menu", "closed")[n % 4]
                uow.conversations.save(
                    Conversation(
                        lead=lead(n),
                        number=NUMBERS[0],
                        status=status,
                        last_message_at=T0 + (n % 50) * MINUTE,
                        assignee="u-asha" if status == "assigned" else None,
                        waiting_since=T0 if status == "unrouted" and n % 7 == 0 else None,
                        rule=("Desk", "Night", "AI")[n % 3],
                        due_at=T0 + (n - 20) * MINUTE if status == "assigned" else None,
                    )
                )
        statement = getattr(store.unit_of_work().sql, name)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f"ANALYZE {quoted(store.schema)}.conversations")
            plan = [
                line
                for (line,) in connection.execute(
                    f"EXPLAIN {statement}", ("default", *parameters)
                ).fetchall()
            ]

        text = "\n".join(plan)
        # Few rows wait here: PostgreSQL may read them by bitmap and sort them (for the queue of
        # every rule, through either index of waits, both partial on the same rows); it still
        # reads them through an index, never the table.
        assert re.search(rf"(Index Scan using|Bitmap Index Scan on) {index}(_rule)? ", text), text
        assert "Seq Scan" not in text, text
        assert "LockRows" in text, text


class TestClaims:
    def test_a_claimed_conversation_is_passed_over_by_another_unit(self, store):
        """While a unit holds due and waiting conversations, another's due and waiting skip them."""
        waiting = Conversation(
            lead=lead(9), number=NUMBERS[0], status="unrouted", last_message_at=T0, waiting_since=T0
        )
        with store.unit_of_work() as uow:
            uow.conversations.save(assigned(1, due_at=T0 - MINUTE))
            uow.conversations.save(assigned(2, due_at=T0))
            uow.conversations.save(waiting)
        seen = []

        def other_unit():
            with store.unit_of_work() as uow:
                seen.append(
                    (
                        [c.lead for c in uow.conversations.due(T0, 10)],
                        [c.lead for c in uow.conversations.waiting(T0, 10)],
                    )
                )

        with store.unit_of_work() as uow:
            first = [c.lead for c in uow.conversations.due(T0, 1)]
            uow.conversations.waiting(T0, 10)
            run_in_thread(store, other_unit)

        assert ([lead(1)], [([lead(2)], [])]) == (first, seen)

    def test_a_conversation_whose_lead_is_held_is_left_out(self, store):
        """A due conversation of a lead another unit is deciding is left for a later tick."""
        with store.unit_of_work() as uow:
            uow.conversations.save(assigned(1, due_at=T0))
            uow.conversations.save(assigned(2, due_at=T0))
        seen = []

        def tick():
            with store.unit_of_work() as uow:
                seen.append([c.lead for c in uow.conversations.due(T0, 10)])

        with store.unit_of_work() as uow:
            uow.leads.get(lead(1))
            run_in_thread(store, tick)
        run_in_thread(store, tick)

        assert [[lead(2)], [lead(1), lead(2)]] == seen

    def test_held_by_holds_the_leads_it_returns(self, store):
        """The leads of the conversations held_by returned are the unit's until it ends."""
        with store.unit_of_work() as uow:
            uow.conversations.save(assigned(1, due_at=T0))
            uow.conversations.save(assigned(2, due_at=T0, assignee="u-ravi"))
        seen = []

        def tick():
            with store.unit_of_work() as uow:
                seen.append([c.lead for c in uow.conversations.due(T0, 10)])

        with store.unit_of_work() as uow:
            held = [c.lead for c in uow.conversations.held_by("u-asha", T0)]
            run_in_thread(store, tick)
        run_in_thread(store, tick)

        assert ([lead(1)], [[lead(2)], [lead(1), lead(2)]]) == (held, seen)

    def test_four_workers_claim_each_due_conversation_once(self, store, postgres_url):
        """Four processes claiming batches of 2 000 due conversations take each exactly once."""
        with store.unit_of_work() as uow:
            for n in range(1000):
                for number in NUMBERS:
                    uow.conversations.save(assigned(n, number, due_at=T0 - (n % 13) * MINUTE))
        workers = 4

        start = SPAWN.Barrier(workers)
        results = SPAWN.Queue()
        processes = [
            SPAWN.Process(target=_claimer, args=(postgres_url, store.schema, start, results))
            for _ in range(workers)
        ]
        for process in processes:
            process.start()
        try:
            taken = []
            for _ in processes:
                status, value = results.get(timeout=PATIENCE)
                assert "ok" == status, value
                taken.append(value)
            for process in processes:
                process.join(PATIENCE)
                assert 0 == process.exitcode
        finally:
            for process in processes:
                if process.is_alive():
                    process.kill()
                    process.join(PATIENCE)

        counts = Counter(key for mine in taken for key in mine)
        every = {(lead(n), number) for n in range(1000) for number in NUMBERS}
        assert (every, {1}) == (set(counts), set(counts.values()))
        with store.unit_of_work() as uow:
            assert () == tuple(uow.conversations.due(T0, 10))


def run_in_thread(store, work):
    """Run work() in a thread of its own (its own connection) and wait for it."""
    failures = []

    def target():
        try:
            work()
        except BaseException as failure:  # noqa: BLE001 - re-raised below
            failures.append(failure)
        finally:
            store.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(PATIENCE)
    assert not thread.is_alive(), "the other unit waited for the first"
    if failures:
        raise failures[0]


# What the child processes run: module-level functions, so that "spawn" can find them.


def _claimer(url, schema, start, results):
    try:
        results.put(("ok", _claim_until_none_due(url, schema, start)))
    except BaseException:  # noqa: BLE001 - the parent shows the child's traceback
        results.put(("error", traceback.format_exc()))


def _claim_until_none_due(url, schema, start):
    taken = []
    with (
        PostgresStore(url, schema=schema) as store,
        psycopg.connect(url, autocommit=True) as connection,
    ):
        start.wait(PATIENCE)
        while True:
            with store.unit_of_work() as uow:
                batch = uow.conversations.due(T0, 50)
                for conversation in batch:
                    uow.conversations.save(
                        Conversation(
                            lead=conversation.lead,
                            number=conversation.number,
                            status=conversation.status,
                            last_message_at=conversation.last_message_at,
                            assignee=conversation.assignee,
                        )
                    )
            taken.extend((c.lead, c.number) for c in batch)
            if not batch:
                # What others hold, they clear; a conversation another left (its lead was
                # held) is due again once their unit ends.
                left = connection.execute(
                    f"SELECT count(*) FROM {quoted(schema)}.conversations WHERE due_at IS NOT NULL"
                ).fetchone()[0]
                if left == 0:
                    return taken
