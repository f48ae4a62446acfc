"""
The service's ticks on PostgreSQL with several worker processes ticking one database at once.

Each child process builds its own `PostgresStore` from the URL.  Nothing here depends on
timing: the processes are released together by a barrier, and the timeouts are only a safety
net that fails a test rather than hanging it.
"""

import datetime as dt
import multiprocessing
import traceback

from collections import Counter

import attrs
import pytest

from convroute.adapters.postgres import PostgresStore
from convroute.config import loads_config
from convroute.model import Phone
from convroute.service import Service
from convroute.state import Conversation
from convroute.testing import RecordingTransport
from service.conftest import AT, NUMBER


pytestmark = pytest.mark.postgres

# Spawned, not forked: a child must not share the parent's connections.
SPAWN = multiprocessing.get_context("spawn")
# A safety net only: a child that takes this long has hung, and fails the test.
PATIENCE = 300.0

USERS = ("u1", "u2", "u3", "u4")
CAPACITY = 110
DUE = 400
WAITING = 5
WORKERS = 4

# Four users with a capacity in one round-robin group; unanswered for 15 minutes, reassigned.
CONFIG = loads_config(
    "".join(
        f'[[users]]\nid = "{user}"\nname = "{user}"\nmax_open_conversations = {CAPACITY}\n'
        for user in USERS
    )
    + """
[[chat_groups]]
name = "Desk"
members = ["u1", "u2", "u3", "u4"]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "chat_group", group = "Desk" }]
reply_within = "15m"
max_reassignments = 5

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
)


def lead(index):
    return Phone(f"9196{index:08d}")


def unanswered(index):
    """The *index*-th conversation: assigned 20 minutes ago, unanswered, due 5 minutes ago."""
    seen = AT - dt.timedelta(minutes=20)
    assigned = Conversation.assigned(
        lead(index), NUMBER, seen, USERS[index % 4], opportunity=None, rule="Desk"
    )
    return attrs.evolve(assigned, assigned_at=seen, due_at=AT - dt.timedelta(minutes=5))


def waiting(index):
    """A conversation waiting since 10 minutes ago, due at its expiry."""
    seen = AT - dt.timedelta(minutes=10)
    unrouted = Conversation.unrouted(lead(index), NUMBER, seen, opportunity=None, rule="Desk")
    return attrs.evolve(unrouted, waiting_since=seen, due_at=seen + dt.timedelta(days=1))


class TestFourWorkersTicking:
    def test_each_due_conversation_is_acted_on_once(self, postgres_url, postgres_schema):
        """Four workers ticking at once reassign each due conversation and route each wait once."""
        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            with store.unit_of_work() as uow:
                for index in range(DUE):
                    uow.conversations.save(unanswered(index))
                for index in range(DUE, DUE + WAITING):
                    uow.conversations.save(waiting(index))
            reports = run_workers(postgres_url, postgres_schema)
            with store.unit_of_work() as uow:
                stored = uow.conversations.open_counts(USERS, AT - dt.timedelta(days=1))
                conversations = [
                    uow.conversations.get(lead(index), NUMBER) for index in range(DUE + WAITING)
                ]

        items = [item for report in reports for item in report]
        ids = Counter(identifier for identifier, _, _ in items)
        acted = Counter((kind, body["lead"]) for _, kind, body in items if kind != "send")
        assert [] == [identifier for identifier, count in ids.items() if count > 1]
        expected = {("reassign", str(lead(index))) for index in range(DUE)} | {
            ("assign", str(lead(index))) for index in range(DUE, DUE + WAITING)
        }
        assert (expected, {1}) == (set(acted), set(acted.values()))
        # Each reassignment went to someone else, and the store holds what the actions say.
        counts = Counter(USERS[index % 4] for index in range(DUE))
        for _, kind, body in items:
            if kind == "reassign":
                assert body["from_user"] != body["user"]
                counts[body["from_user"]] -= 1
                counts[body["user"]] += 1
            elif kind == "assign":
                counts[body["user"]] += 1
        assert dict(counts) == dict(stored)
        assert max(stored.values()) <= CAPACITY
        assert all(c.assignee is not None and c.waiting_since is None for c in conversations)
        assert [1] * DUE == [c.reassignments for c in conversations[:DUE]]


def run_workers(url, schema):
    """Tick with `WORKERS` processes released together; each returns its report's actions."""
    start = SPAWN.Barrier(WORKERS)
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_ticker, args=(url, schema, start, results)) for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    try:
        got = []
        for _ in processes:
            status, value = results.get(timeout=PATIENCE)
            assert "ok" == status, value
            got.append(value)
        for process in processes:
            process.join(PATIENCE)
            assert 0 == process.exitcode
        return got
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(PATIENCE)


# What the child processes run: module-level functions, so that "spawn" can find them.


def _ticker(url, schema, start, results):
    try:
        with PostgresStore(url, schema=schema) as store:
            service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
            start.wait(PATIENCE)
            report = service.tick(AT)
            results.put(("ok", [(item.id, item.type, item.body) for item in report.actions]))
    except BaseException:  # noqa: BLE001 - the parent shows the child's traceback
        results.put(("error", traceback.format_exc()))
