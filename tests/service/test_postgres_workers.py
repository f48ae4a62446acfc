"""
The service on PostgreSQL with several worker processes: repeated webhooks
raced by different workers, dispatchers draining one outbox through a
failing transport, and a worker killed in the middle of a unit of work.

Each child process builds its own `PostgresStore` from the URL.  Nothing
here depends on timing: the processes are coordinated with barriers, queues
and pipes, and the timeouts are only a safety net that fails a test rather
than hanging it.
"""

import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import os
import signal
import time
import traceback

from collections import Counter

import attrs
import psycopg
import pytest

from psycopg import sql

from convroute.adapters.postgres import PostgresStore
from convroute.config import loads_config
from convroute.engine import IncomingMessage
from convroute.model import Phone
from convroute.service import Service
from convroute.state import OutboxStatus
from convroute.testing import RecordingTransport
from service.conftest import AT, DESK_TEAM, NUMBER


pytestmark = pytest.mark.postgres

# Spawned, not forked: a child must not share the parent's connections.
SPAWN = multiprocessing.get_context("spawn")
# A safety net only: a child that takes this long has hung, and fails the test.
PATIENCE = 120.0

TRIGGER = "I came from Instagram"
USERS = ("u1", "u2", "u3", "u4")

# The ONE_GROUP desk of test_reliability (a new conversation goes round robin to a chat group of
# four), with an opportunity created per conversation and a funnel whose entry, on the trigger
# phrase, reports a Meta event.
CONFIG = loads_config(
    DESK_TEAM
    + """
[meta]
whatsapp_business_account_id = "102290129340398"

[[opportunity_types]]
name = "Enquiry"
stages = ["New", "Won"]

[[numbers]]
number = "918040001234"
creates_new_opportunity = true
default_opportunity_type = "Enquiry"
create_new_rule = "Desk"

[[funnels]]
name = "Sales"

[[funnels.stages]]
name = "Lead Entry"
meta_event = "LeadSubmitted"

[[funnels.stages.triggers]]
phrase = "I came from Instagram"
number = "918040001234"
source = "Instagram"
"""
)


def lead_phone(index):
    return Phone(f"9197{index:08d}")


def webhook(lead, wamid, body, click=None):
    """A Cloud API delivery of one text message from *lead*, with its ad click if any."""
    message = {
        "from": lead,
        "id": wamid,
        "timestamp": str(int(AT.timestamp())),
        "type": "text",
        "text": {"body": body},
    }
    if click is not None:
        message["referral"] = {"source_type": "ad", "ctwa_clid": click}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Ravi Kumar"}, "wa_id": lead}],
        "messages": [message],
    }
    document = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(document).encode()


def first_message(index):
    """Lead *index*'s first message: every fourth says the trigger phrase, from an ad."""
    if index % 4 == 0:
        return webhook(lead_phone(index), f"wamid.{index}", TRIGGER, click=f"clid-{index}")
    return webhook(lead_phone(index), f"wamid.{index}", "Hi")


def spread(leads, workers):
    """
    Each worker's deliveries: each lead's first message to one worker, and one in four again to
    another worker, at about the same place in its list, so that the two race.
    """
    deliveries = [[] for _ in range(workers)]
    for index in range(leads):
        worker = index % workers
        deliveries[worker].append((index, first_message(index)))
        if index % 8 in {0, 5}:
            deliveries[(worker + 1 + index % 3) % workers].append((index, first_message(index)))
    return [[body for _, body in sorted(mine, key=lambda d: d[0])] for mine in deliveries]


def one_each(items, kind):
    """The *kind* actions by lead; a lead with two fails the test."""
    bodies = [item.body for item in items if item.type == kind]
    by_lead = {body["lead"]: body for body in bodies}
    assert len(bodies) == len(by_lead), f"a lead has two {kind} actions"
    return by_lead


def run_processes(target, arguments):
    """
    Run *target* in a process per tuple of *arguments*, released together by a barrier.

    Each gets its arguments, the barrier and a queue for its result.

    Returns:
        Their results, in the order they came.
    """
    start = SPAWN.Barrier(len(arguments))
    results = SPAWN.Queue()
    processes = [SPAWN.Process(target=target, args=(*args, start, results)) for args in arguments]
    for process in processes:
        process.start()
    try:
        return collect(processes, results)
    finally:
        stop(processes)


def collect(processes, results):
    """One result per process, then wait for them all; a child's failure fails the test."""
    got = []
    for _ in processes:
        status, value = results.get(timeout=PATIENCE)
        assert "ok" == status, value
        got.append(value)
    for process in processes:
        process.join(PATIENCE)
        assert 0 == process.exitcode
    return got


def stop(processes):
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(PATIENCE)


# What the child processes run: module-level functions, so that "spawn" can find them.


def _report(results, work):
    try:
        results.put(("ok", work()))
    except BaseException:  # noqa: BLE001 - the parent shows the child's traceback
        results.put(("error", traceback.format_exc()))


def _webhook_worker(url, schema, bodies, start, results):
    def work():
        start.wait(PATIENCE)
        # The workers open the store at once: they build its schema once between them.
        with PostgresStore(url, schema=schema) as store:
            transport = RecordingTransport()
            service = Service(CONFIG, store, transport, clock=lambda: AT)
            handled = [
                (one.event, one.duplicate)
                for body in bodies
                for one in service.handle_webhook(body, verify=False).handled
            ]
            return handled, transport.sent_ids

    _report(results, work)


def _fails(item):
    """Whether this attempt at *item* fails: one in five, by hash of its id and attempt."""
    digest = hashlib.sha256(f"{item.id}/{item.attempts}".encode()).digest()
    return digest[0] % 5 == 0


def _dispatcher(url, schema, start, results):
    def work():
        with PostgresStore(url, schema=schema) as store:
            transport = RecordingTransport(fail=_fails)
            # Each reading of the clock is 10 s on, so that failed items come due; the
            # lease outlasts the test, so that no claim lapses between the processes' clocks.
            ticks = itertools.count()
            service = Service(
                CONFIG,
                store,
                transport,
                clock=lambda: AT + dt.timedelta(seconds=10 * next(ticks)),
                lease=dt.timedelta(days=365),
            )
            start.wait(PATIENCE)
            for _ in range(10_000):
                service.dispatch_pending(limit=10)
                with store.unit_of_work() as uow:
                    if OutboxStatus.PENDING not in uow.outbox.counts():
                        # Nothing left: what others held, they delivered.
                        return transport.sent_ids, len(transport.failed)
            raise AssertionError("the outbox never drained")

    _report(results, work)


class _Stuck:
    """A store whose unit stops for good when it writes the outbox, after every change."""

    def __init__(self, store, pipe):
        self.store = store
        self.pipe = pipe

    def unit_of_work(self, account="default"):
        return _StuckUnit(self.store.unit_of_work(account), self.pipe)


class _StuckUnit:
    def __init__(self, inner, pipe):
        self.inner = inner
        self.pipe = pipe

    def __enter__(self):
        return _StuckRepositories(self.inner.__enter__(), self.pipe)

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)


class _StuckRepositories:
    def __init__(self, unit, pipe):
        self.unit = unit
        self.pipe = pipe

    def __getattr__(self, name):
        return getattr(self.unit, name)

    @property
    def outbox(self):
        return _StuckOutbox(self.unit, self.pipe)


class _StuckOutbox:
    def __init__(self, unit, pipe):
        self.unit = unit
        self.pipe = pipe

    def __getattr__(self, name):
        return getattr(self.unit.outbox, name)

    def add(self, _items):
        (backend,) = self.unit.row("SELECT pg_backend_pid()")
        self.pipe.send(("stuck", backend))
        # Never answered: the parent kills this process here.  Should the parent die, the
        # pipe closes and this raises, rolling back.
        self.pipe.recv()
        raise AssertionError("the parent was to kill this worker")


def _stuck_worker(url, schema, body, pipe):
    try:
        with PostgresStore(url, schema=schema) as store:
            service = Service(CONFIG, _Stuck(store, pipe), RecordingTransport(), clock=lambda: AT)
            service.handle_webhook(body, verify=False)
    except BaseException:  # noqa: BLE001 - the parent shows the child's traceback
        pipe.send(("error", traceback.format_exc()))


def _one_webhook_worker(url, schema, body, start, results):
    def work():
        start.wait(PATIENCE)
        with PostgresStore(url, schema=schema) as store:
            service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
            (handled,) = service.handle_webhook(body, verify=False).handled
            return handled.duplicate, [(item.type, item.body) for item in handled.actions]

    _report(results, work)


class TestWorkerProcesses:
    def test_four_workers_race_repeated_webhooks(self, postgres_url, postgres_schema):
        """4 processes, 800 conversations, 200 webhooks twice to different workers: all once."""
        leads = 800
        bodies = spread(leads, workers=4)
        assert 1000 == sum(map(len, bodies))

        outcomes = run_processes(
            _webhook_worker, [(postgres_url, postgres_schema, mine) for mine in bodies]
        )

        handled = [pair for pairs, _ in outcomes for pair in pairs]
        firsts = Counter(event for event, duplicate in handled if not duplicate)
        assert 1000 == len(handled)
        assert {f"wamid.{index}": 1 for index in range(leads)} == dict(firsts)
        sent = [item for _, ids in outcomes for item in ids]
        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            # What the workers' last passes left pending, as a dispatcher would deliver it.
            final = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
            while report := final.dispatch_pending(limit=1000).sent:
                sent.extend(report)
            with store.unit_of_work() as uow:
                items = uow.outbox.items()
                assignees = {
                    lead_phone(index): uow.conversations.get(lead_phone(index), NUMBER).assignee
                    for index in range(leads)
                }
                entries = list(uow.funnel_records.scan())

        everyone = {lead_phone(index) for index in range(leads)}
        triggering = {lead_phone(index) for index in range(0, leads, 4)}
        assert {
            "assign": leads,
            "create_opportunity": leads,
            "enter_funnel": len(triggering),
            "meta_event": len(triggering),
        } == dict(Counter(item.type for item in items))
        assigns = one_each(items, "assign")
        assert everyone == set(assigns) == set(one_each(items, "create_opportunity"))
        assert assignees == {lead: body["user"] for lead, body in assigns.items()}
        shares = Counter(assignees.values())
        assert set(USERS) == set(shares)
        assert max(shares.values()) - min(shares.values()) <= 1
        entered = one_each(items, "enter_funnel")
        assert triggering == set(entered) == {entry.lead for entry in entries}
        assert len(triggering) == len(entries)
        # A Meta event names its lead by the ad click, and the funnel entry by its event id.
        meta_events = [
            data
            for item in items
            if item.type == "meta_event"
            for data in item.body["payload"]["data"]
        ]
        assert {f"clid-{index}" for index in range(0, leads, 4)} == {
            data["user_data"]["ctwa_clid"] for data in meta_events
        }
        assert {body["transition"] for body in entered.values()} == {
            data["event_id"] for data in meta_events
        }
        # Every action delivered once, by one worker's pass or the final one.
        assert sorted(item.id for item in items) == sorted(sent)
        assert {OutboxStatus.SENT} == {item.status for item in items}

    def test_three_dispatchers_drain_one_outbox_through_a_failing_transport(
        self, postgres_url, postgres_schema
    ):
        """3 dispatcher processes, one send in five failing: every action delivered once."""
        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
            for index in range(150):
                trigger = index % 3 == 0
                service.process(
                    IncomingMessage(
                        id=f"wamid.{index}",
                        at=AT,
                        lead=lead_phone(index),
                        number=NUMBER,
                        text=TRIGGER if trigger else "Hi",
                        ctwa_clid=f"clid-{index}" if trigger else None,
                    )
                )
            with store.unit_of_work() as uow:
                filled = uow.outbox.items()
        assert 400 == len(filled)

        outcomes = run_processes(_dispatcher, [(postgres_url, postgres_schema)] * 3)

        delivered = Counter(item for ids, _ in outcomes for item in ids)
        failures = sum(failed for _, failed in outcomes)
        with (
            PostgresStore(postgres_url, schema=postgres_schema) as store,
            store.unit_of_work() as uow,
        ):
            items = uow.outbox.items()
        assert {item.id: 1 for item in filled} == dict(delivered)
        assert {OutboxStatus.SENT} == {item.status for item in items}
        # Each item was attempted until its first attempt that did not fail, and each failure
        # was counted once, whichever dispatcher had it.
        expected_attempts = {}
        for item in items:
            attempts = 0
            while _fails(attempts_at(item, attempts)):
                attempts += 1
            expected_attempts[item.id] = attempts
        assert expected_attempts == {item.id: item.attempts for item in items}
        assert sum(expected_attempts.values()) == failures > 0

    def test_a_killed_worker_leaves_nothing_and_another_processes_the_event(
        self, postgres_url, postgres_schema
    ):
        """A worker killed inside its unit of work keeps nothing; the redelivery is processed."""
        lead = lead_phone(7)
        body = webhook(lead, "wamid.killed", TRIGGER, click="clid-7")
        # The store exists before the worker starts: its schema is no part of the unit.
        PostgresStore(postgres_url, schema=postgres_schema).close()

        parent_end, child_end = SPAWN.Pipe()
        stuck = SPAWN.Process(
            target=_stuck_worker, args=(postgres_url, postgres_schema, body, child_end)
        )
        stuck.start()
        child_end.close()
        try:
            assert parent_end.poll(PATIENCE), "the worker never reached the outbox"
            status, backend = parent_end.recv()
            assert "stuck" == status, backend
            os.kill(stuck.pid, signal.SIGKILL)
            stuck.join(PATIENCE)
        finally:
            stop([stuck])
        assert -signal.SIGKILL == stuck.exitcode
        wait_for_backend_to_end(postgres_url, backend)

        with (
            PostgresStore(postgres_url, schema=postgres_schema) as store,
            store.unit_of_work() as uow,
        ):
            left = (
                uow.leads.get(lead),
                uow.conversations.get(lead, NUMBER),
                tuple(uow.opportunities.for_lead(lead)),
                tuple(uow.funnel_records.for_lead(lead)),
                tuple(uow.outbox.items()),
                dict(uow.turns.all()),
            )
        assert ((None, None, (), (), (), {}), 0) == (
            left,
            processed_ids(postgres_url, postgres_schema),
        )

        ((duplicate, actions),) = run_processes(
            _one_webhook_worker, [(postgres_url, postgres_schema, body)]
        )

        assert not duplicate
        assert ["enter_funnel", "meta_event", "create_opportunity", "assign"] == [
            kind for kind, _ in actions
        ]
        # The killed unit's turn was never taken: the desk's first member gets the lead.
        assert "u1" == actions[-1][1]["user"]


def attempts_at(item, attempts):
    """*item* as a dispatcher sees it after *attempts* failures."""
    return attrs.evolve(item, attempts=attempts)


def processed_ids(url, schema):
    """How many event ids the store has recorded as processed."""
    count = sql.SQL("SELECT count(*) FROM {}.processed_events").format(sql.Identifier(schema))
    with psycopg.connect(url) as connection:
        (found,) = connection.execute(count).fetchone()
    return found


def wait_for_backend_to_end(url, backend):
    """
    Wait until the killed worker's server process is gone, and so its transaction and locks.

    PostgreSQL notices the closed socket at once, but ends the backend in its own time: poll a
    bounded number of times.
    """
    with psycopg.connect(url, autocommit=True) as connection:
        for _ in range(2_000):
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (backend,)
            ).fetchone()
            if row == (0,):
                return
            time.sleep(0.01)
    pytest.fail(f"the killed worker's backend {backend} never ended")
