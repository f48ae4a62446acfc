"""
Many accounts in one store: a service sees, changes, counts and prunes only its own account.
"""

import contextlib
import datetime as dt
import pathlib
import tempfile

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convroute.adapters import SQLiteStore
from convroute.config import load_config
from convroute.engine import (
    CloseConversation,
    IncomingMessage,
    OutgoingMessage,
    SetPresence,
    Tick,
)
from convroute.errors import AccountError, ConvrouteError
from convroute.funnel import funnel_progress, funnel_report, render_funnel
from convroute.menus import OptionKind, option_id
from convroute.model import Phone
from convroute.service import Service
from convroute.state import OutboxStatus
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, LEAD, NUMBER, message


ACCOUNT = load_config(pathlib.Path(__file__).parents[2] / "examples" / "account.toml")
LEADS = [Phone(f"91980000000{i}") for i in range(3)]
USERS = ["u-asha", "u-ben", "u-chen", "u-meera"]
TAPS = [
    option_id(OptionKind.PRODUCT, "AI"),
    option_id(OptionKind.PRODUCT, "Data Science"),
    option_id(OptionKind.OTHER_QUERIES, ""),
    option_id(OptionKind.NEW_OPPORTUNITY, ""),
]
NAMES = ("acme", "zenith")

minutes = st.sampled_from([0, 1, 2, 5, 10, 16, 30]) | st.just(24 * 60)
step = st.one_of(
    st.tuples(st.just("message"), st.sampled_from(LEADS), st.none() | st.sampled_from(TAPS)),
    st.tuples(st.just("enquiry"), st.sampled_from(LEADS), st.sampled_from(TAPS)),
    st.tuples(st.just("presence"), st.sampled_from(USERS), st.booleans()),
    st.tuples(st.just("answer"), st.sampled_from(LEADS), st.none() | st.sampled_from(USERS)),
    st.tuples(st.just("close"), st.sampled_from(LEADS), st.none()),
    st.tuples(st.just("tick"), st.none(), st.none()),
    st.tuples(st.just("again"), st.none(), st.none()),
)
scripts = st.lists(st.tuples(minutes, step), min_size=1, max_size=25)


def events_of(script):
    """The events of a script, each with its time: ids the same in every account's script."""
    events = []
    at = AT
    for index, (wait, (kind, subject, detail)) in enumerate(script):
        at += dt.timedelta(minutes=wait)
        match kind:
            case "message":
                text = None if detail else "Hi"
                events.append(
                    IncomingMessage(
                        id=f"wamid.{index}",
                        at=at,
                        lead=subject,
                        number=NUMBER,
                        text=text,
                        reply_id=detail,
                    )
                )
            case "enquiry":
                first = IncomingMessage(
                    id=f"wamid.{index}a", at=at, lead=subject, number=NUMBER, text="Hi"
                )
                at += dt.timedelta(minutes=1)
                events.append(first)
                events.append(
                    IncomingMessage(
                        id=f"wamid.{index}b", at=at, lead=subject, number=NUMBER, reply_id=detail
                    )
                )
            case "presence":
                events.append(SetPresence(id=f"p{index}", user=subject, available=detail, at=at))
            case "answer":
                events.append(
                    OutgoingMessage(
                        id=f"o{index}", at=at, lead=subject, number=NUMBER, text="Hello", by=detail
                    )
                )
            case "close":
                events.append(CloseConversation(id=f"c{index}", at=at, lead=subject, number=NUMBER))
            case "tick":
                events.append(Tick(at))
            case _:
                # Meta's redelivery of an event already handled, when there is one.
                if events:
                    events.append(events[0])
    return events


class _Clock:
    """The service's clock: at each event's own time, so that a run is reproducible."""

    def __init__(self):
        self.now = AT

    def __call__(self):
        return self.now


class _Account:
    """One account's service on a store, and what each of its events came to."""

    def __init__(self, store, name):
        self.clock = _Clock()
        self.service = Service(ACCOUNT, store, RecordingTransport(), clock=self.clock, account=name)
        self.outcomes = []

    def run(self, event):
        at = event.at
        self.clock.now = max(self.clock.now, at)
        if isinstance(event, Tick):
            report = self.service.tick(at)
            self.outcomes.append(("tick", _actions(report.actions), report.notes))
        else:
            handled = self.service.handle(event)
            self.outcomes.append((handled.duplicate, _actions(handled.actions), handled.notes))

    def told(self):
        """Its outcomes, reports, outbox and who holds what, as its service's store tells them."""
        with self.service.store.unit_of_work(self.service.account) as uow:
            records = list(uow.funnel_records.scan())
            counts = {status: n for status, n in uow.outbox.counts().items() if n}
            held = {user: len(uow.conversations.held_by(user, AT)) for user in USERS}
            turns = dict(uow.turns.all())
        reports = [
            render_funnel(funnel_report(funnel_progress(funnel, records)))
            for funnel in ACCOUNT.funnels
        ]
        return self.outcomes, reports, counts, held, turns


def _actions(items):
    return [(item.id, item.type, item.body) for item in items]


def alone(make_store, name, events):
    with make_store() as store:
        account = _Account(store, name)
        for event in events:
            account.run(event)
        return account.told()


def together(make_store, scripts_by_name, order):
    """Run the accounts' events on one store, interleaved as *order* picks."""
    with make_store() as store:
        accounts = {name: _Account(store, name) for name in scripts_by_name}
        queues = {name: list(events) for name, events in scripts_by_name.items()}
        for pick in order:
            name = NAMES[pick]
            if not queues[name]:
                name = NAMES[1 - pick]
            if queues[name]:
                accounts[name].run(queues[name].pop(0))
        for name, queue in queues.items():
            for event in queue:
                accounts[name].run(event)
        return {name: account.told() for name, account in accounts.items()}


@contextlib.contextmanager
def memory_store():
    yield MemoryStore()


@contextlib.contextmanager
def sqlite_store():
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(pathlib.Path(folder) / "s.db") as s:
        yield s


def postgres_maker(url, new_schema):
    from convroute.adapters.postgres import PostgresStore

    @contextlib.contextmanager
    def make():
        with PostgresStore(url, schema=new_schema()) as store:
            yield store

    return make


def check_isolation(make_store, first, second, order):
    events = {"acme": events_of(first), "zenith": events_of(second)}
    shared = together(make_store, events, order)
    assert {name: alone(make_store, name, events[name]) for name in NAMES} == shared


orders = st.lists(st.integers(0, 1), max_size=60)


class TestIsolation:
    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(first=scripts, second=scripts, order=orders)
    def test_accounts_on_one_memory_store_act_as_if_alone(self, first, second, order):
        """Two accounts' interleaved scripts on one memory store each act as on an empty store."""
        check_isolation(memory_store, first, second, order)

    @settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
    @given(first=scripts, second=scripts, order=orders)
    def test_accounts_on_one_sqlite_file_act_as_if_alone(self, first, second, order):
        """Two accounts' interleaved scripts in one SQLite file each act as on an empty store."""
        check_isolation(sqlite_store, first, second, order)

    @pytest.mark.postgres
    @settings(
        deadline=None,
        max_examples=10,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(first=scripts, second=scripts, order=orders)
    def test_accounts_on_one_postgres_schema_act_as_if_alone(
        self, postgres_url, new_postgres_schema, first, second, order
    ):
        """Two accounts' interleaved scripts in one PostgreSQL schema each act as if alone."""
        check_isolation(postgres_maker(postgres_url, new_postgres_schema), first, second, order)

    def test_the_same_script_in_two_accounts_does_everything_twice(self, store):
        """The same events in two accounts are each processed, routed and counted in each."""
        outcomes = {}
        for name in NAMES:
            service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT, account=name)
            handled = [service.handle(message(ident)) for ident in ("wamid.1", "wamid.1")]
            outcomes[name] = [(one.duplicate, len(one.actions) > 0) for one in handled]
        assert {name: [(False, True), (True, False)] for name in NAMES} == outcomes


class TestPruneAndOutboxPerAccount:
    def test_a_prune_leaves_other_accounts_alone(self, store):
        """A service's prune deletes its account's old processed ids and sent items only."""
        clock = _Clock()
        services = {
            name: Service(CONFIG, store, RecordingTransport(), clock=clock, account=name)
            for name in NAMES
        }
        for service in services.values():
            service.handle(message("wamid.1"))
        clock.now = AT + dt.timedelta(days=30)
        report = services["acme"].prune(AT + dt.timedelta(days=1))
        again = {
            name: service.handle(message("wamid.1")).duplicate for name, service in services.items()
        }
        assert ((True, True), {"acme": False, "zenith": True}) == (
            (report.processed > 0, report.sent > 0),
            again,
        )

    def test_dispatch_and_requeue_see_their_account_only(self, store):
        """A failing account's dead items are not another's to dispatch, count or requeue."""
        failing = RecordingTransport(fail=lambda _: True)
        acme = Service(CONFIG, store, failing, clock=lambda: AT, account="acme", max_attempts=1)
        zenith = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT, account="zenith")
        dead = [item.id for item in acme.handle(message("wamid.1")).actions]
        dispatched = zenith.dispatch_pending()
        requeued = zenith.requeue(dead)
        with store.unit_of_work("acme") as uow:
            acme_counts = {status: n for status, n in uow.outbox.counts().items() if n}
        with store.unit_of_work("zenith") as uow:
            zenith_counts = {status: n for status, n in uow.outbox.counts().items() if n}
        assert ((), (), tuple(dead), {OutboxStatus.DEAD: len(dead)}, {}) == (
            dispatched.sent,
            requeued.requeued,
            requeued.unknown,
            acme_counts,
            zenith_counts,
        )


class TestAccountNames:
    def test_the_default_account_is_default(self, store):
        """A service that names no account keeps its state in the account "default"."""
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        service.handle(message("wamid.1"))
        with store.unit_of_work("default") as uow:
            lead = uow.leads.get(LEAD)
        assert ("default", LEAD) == (service.account, lead.phone)

    @pytest.mark.parametrize("name", ["", "  ", "x" * 65, "a\nb", "\udc80", None])
    def test_a_bad_name_is_refused_when_the_service_is_made(self, name):
        """A blank, overlong or unprintable account name is an AccountError, also a ValueError."""
        with pytest.raises(AccountError) as caught:
            Service(CONFIG, MemoryStore(), RecordingTransport(), account=name)
        assert (True, True) == (
            isinstance(caught.value, ValueError),
            isinstance(caught.value, ConvrouteError),
        )

    def test_a_name_is_kept_stripped(self):
        """The whitespace around a name is no part of it; the repr names the account."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), account="  acme ")
        assert ("acme", True) == (service.account, "account='acme'" in repr(service))
