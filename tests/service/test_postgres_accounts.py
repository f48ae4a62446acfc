"""
Two accounts, two worker processes each, on one PostgreSQL schema: each account's outcome is the
one it has alone.

Each child process builds its own `PostgresStore` from the URL.  Nothing here depends on
timing: the processes are released together by barriers, and the timeouts are only a safety
net that fails a test rather than hanging it.
"""

import datetime as dt
import multiprocessing
import traceback

from collections import Counter

import pytest

from convroute.adapters.postgres import PostgresStore
from convroute.engine import IncomingMessage
from convroute.model import Phone
from convroute.service import Service
from convroute.testing import RecordingTransport
from service.conftest import AT, NUMBER
from service.test_postgres_ticks import CONFIG


pytestmark = pytest.mark.postgres

# Spawned, not forked: a child must not share the parent's connections.
SPAWN = multiprocessing.get_context("spawn")
# A safety net only: a child that takes this long has hung, and fails the test.
PATIENCE = 300.0

ACCOUNTS = ("acme", "zenith")
WORKERS_PER_ACCOUNT = 2
LEADS = 60
USERS = ("u1", "u2", "u3", "u4")


def messages():
    """The same messages for every account: new leads, 30 minutes before the tick."""
    seen = AT - dt.timedelta(minutes=30)
    return [
        IncomingMessage(
            id=f"wamid.{index}", at=seen, lead=Phone(f"9196{index:08d}"), number=NUMBER, text="Hi"
        )
        for index in range(LEADS)
    ]


def run(service):
    """Handle every message, then tick: what each step came to."""
    handled = [service.handle(event) for event in messages()]
    return handled, service.tick(AT)


def outcome(results, store, account):
    """What an account came to, whichever worker did each part: as a set, order aside."""
    processed = Counter()
    actions = Counter()
    for handled, report in results:
        for one in handled:
            processed[one.duplicate] += 1
            actions.update((item.id, item.type, item.body.get("lead")) for item in one.actions)
        actions.update((item.id, item.type, item.body.get("lead")) for item in report.actions)
    with store.unit_of_work(account) as uow:
        held = sum(uow.conversations.open_counts(USERS, AT - dt.timedelta(days=1)).values())
        conversations = [
            uow.conversations.get(Phone(f"9196{index:08d}"), NUMBER) for index in range(LEADS)
        ]
    reassigned = sorted(one.reassignments for one in conversations)
    return processed[False], dict(actions), held, reassigned


class TestTwoAccountsFourWorkers:
    def test_each_account_comes_to_what_it_does_alone(self, postgres_url, new_postgres_schema):
        """Two accounts with two workers each on one schema each act exactly as alone."""
        shared = new_postgres_schema()
        results = run_workers(postgres_url, shared)
        with PostgresStore(postgres_url, schema=shared) as store:
            together = {account: outcome(results[account], store, account) for account in ACCOUNTS}
        alone = {}
        for account in ACCOUNTS:
            with PostgresStore(postgres_url, schema=new_postgres_schema()) as store:
                service = Service(
                    CONFIG, store, RecordingTransport(), clock=lambda: AT, account=account
                )
                alone[account] = outcome([run(service)], store, account)

        assert alone == together
        # Every lead was assigned, then reassigned once by a tick, in each account.
        processed, actions, held, reassigned = together["acme"]
        kinds = Counter(kind for _, kind, _ in actions)
        assert (LEADS, LEADS, LEADS, [1] * LEADS) == (
            processed,
            kinds["assign"],
            kinds["reassign"],
            reassigned,
        )
        assert {1} == set(actions.values())
        assert LEADS == held


def run_workers(url, schema):
    """Two workers an account, released together; each returns what its steps came to."""
    count = len(ACCOUNTS) * WORKERS_PER_ACCOUNT
    start = SPAWN.Barrier(count)
    handled = SPAWN.Barrier(count)
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_worker, args=(url, schema, account, (start, handled), results))
        for account in ACCOUNTS
        for _ in range(WORKERS_PER_ACCOUNT)
    ]
    for process in processes:
        process.start()
    try:
        got = {account: [] for account in ACCOUNTS}
        for _ in processes:
            status, account, value = results.get(timeout=PATIENCE)
            assert "ok" == status, value
            got[account].append(value)
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


def _worker(url, schema, account, barriers, results):
    start, handled = barriers
    try:
        with PostgresStore(url, schema=schema) as store:
            service = Service(
                CONFIG, store, RecordingTransport(), clock=lambda: AT, account=account
            )
            start.wait(PATIENCE)
            done = [service.handle(event) for event in messages()]
            # Every worker has handled every message before any ticks: a tick then finds
            # each conversation, whichever worker wrote it.
            handled.wait(PATIENCE)
            results.put(("ok", account, (done, service.tick(AT))))
    except BaseException:  # noqa: BLE001 - the parent shows the child's traceback
        results.put(("error", account, traceback.format_exc()))
