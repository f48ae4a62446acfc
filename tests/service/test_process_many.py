"""
Service.process_many: many events, each in a unit of work of its own, as one by one.

On PostgreSQL, a unit's COMMIT goes with the next unit's first reads
(`PostgresStore.pipelined`); the outcomes, the stored state and the logs are
those of processing the events one at a time, failures included.
"""

import contextlib
import logging

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convroute.engine import Tick
from convroute.errors import StoreError
from convroute.model import Phone
from convroute.service import Processed, Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, message
from service.test_accounts import (
    ACCOUNT,
    USERS,
    events_of,
    memory_store,
    postgres_maker,
    scripts,
    sqlite_store,
)


MEERA = Phone("919800000002")


class _Clock:
    def __init__(self):
        self.now = AT

    def __call__(self):
        return self.now


def _outcome(handled):
    return (
        handled.event,
        handled.duplicate,
        [(item.id, item.type, item.body) for item in handled.actions],
        handled.notes,
    )


def _state(service):
    with service.store.unit_of_work() as uow:
        records = sorted(
            (record.lead, record.funnel, record.stage, record.at)
            for record in uow.funnel_records.scan()
        )
        counts = {status: n for status, n in uow.outbox.counts().items() if n}
        held = {user: len(uow.conversations.held_by(user, AT)) for user in USERS}
        turns = dict(uow.turns.all())
    return records, counts, held, turns


def _batches(events, cuts):
    # The events between ticks, cut where *cuts* says; each tick alone.
    batch = []
    for index, event in enumerate(events):
        if isinstance(event, Tick):
            if batch:
                yield batch
            yield event
            batch = []
            continue
        batch.append(event)
        if index in cuts:
            yield batch
            batch = []
    if batch:
        yield batch


def run(make_store, events, cuts, *, many):
    """Each batch by process_many when *many*, else event by event, the clock at the batch's end."""
    outcomes = []
    with make_store() as store:
        clock = _Clock()
        service = Service(ACCOUNT, store, RecordingTransport(), clock=clock)
        for batch in _batches(events, cuts):
            if isinstance(batch, Tick):
                clock.now = max(clock.now, batch.at)
                report = service.tick(batch.at)
                outcomes.append([(item.id, item.body) for item in report.actions])
                continue
            clock.now = max(clock.now, *(event.at for event in batch))
            if many:
                done = service.process_many(batch)
                assert () == done.failed
                outcomes.extend(_outcome(handled) for handled in done.handled)
            else:
                outcomes.extend(_outcome(service.process(event)) for event in batch)
        return outcomes, _state(service)


cuts = st.sets(st.integers(0, 60), max_size=8)


class TestAsOneByOne:
    @settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
    @given(script=scripts, cut=cuts)
    def test_on_a_memory_store(self, script, cut):
        """Batches through process_many come to what the events one by one come to."""
        events = events_of(script)
        assert run(memory_store, events, cut, many=False) == run(
            memory_store, events, cut, many=True
        )

    @settings(deadline=None, max_examples=10, suppress_health_check=[HealthCheck.too_slow])
    @given(script=scripts, cut=cuts)
    def test_on_sqlite(self, script, cut):
        """The same on an SQLite file, against the memory store one by one."""
        events = events_of(script)
        assert run(memory_store, events, cut, many=False) == run(
            sqlite_store, events, cut, many=True
        )

    @pytest.mark.postgres
    @settings(
        deadline=None,
        max_examples=15,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(script=scripts, cut=cuts)
    def test_on_postgres_with_commits_carried(self, postgres_url, new_postgres_schema, script, cut):
        """On PostgreSQL, each unit's COMMIT carried by the next one's reads, the same."""
        events = events_of(script)
        postgres = postgres_maker(postgres_url, new_postgres_schema)
        assert run(memory_store, events, cut, many=False) == run(postgres, events, cut, many=True)


class TestArguments:
    def test_a_tick_is_refused_and_nothing_processed(self, service):
        """A Tick among the events is a TypeError before any event is processed."""
        with pytest.raises(TypeError, match=r"Service\.tick"):
            service.process_many([message("m1"), Tick(AT)])
        assert not service.process(message("m1")).duplicate

    @pytest.mark.parametrize("events", ["m1", {"m1": 1}, 5, None])
    def test_events_must_be_an_iterable_of_events(self, service, events):
        """Text, a mapping or no iterable at all is a TypeError naming the argument."""
        with pytest.raises(TypeError, match="events"):
            service.process_many(events)

    @pytest.mark.parametrize("other", ["m2", 5, None, {"id": "m2"}])
    def test_anything_that_is_no_event_is_refused_and_nothing_processed(self, service, other):
        """Among events, something else is a TypeError naming it, before any event is processed."""
        with pytest.raises(TypeError, match="each of events must be an event"):
            service.process_many([message("m1"), other])
        assert not service.process(message("m1")).duplicate

    @pytest.mark.parametrize("other", ["m2", 5, None])
    def test_process_refuses_what_is_no_event(self, service, other):
        """process, handle and process_many say the same of a value that is no event."""
        with pytest.raises(TypeError, match="event must be an event"):
            service.process(other)
        with pytest.raises(TypeError, match="event must be an event"):
            service.handle(other)

    def test_no_events_come_to_nothing(self, service):
        """An empty list processes nothing."""
        assert Processed(handled=()) == service.process_many([])

    def test_a_generator_is_taken(self, service):
        """Any iterable of events will do."""
        done = service.process_many(message(f"m{n}", n) for n in range(3))
        assert ["m0", "m1", "m2"] == [handled.event for handled in done.handled]


class TestFailures:
    def test_an_event_dated_after_the_clock_is_reported_and_the_rest_go_on(self, service):
        """The event too far ahead is in failed; the ones before and after it are processed."""
        events = [message("m1"), message("m2", 60), message("m3", 1, lead=MEERA)]

        done = service.process_many(events)

        assert ["m1", "m3"] == [handled.event for handled in done.handled]
        [(event, error)] = done.failed
        assert "m2" == event
        assert "FutureEventError" in error

    def test_an_id_twice_in_one_batch_is_a_duplicate_the_second_time(self, service):
        """The second unit claims the id after the first unit's COMMIT, and finds it taken."""
        done = service.process_many([message("m1"), message("m1"), message("m2", 1)])
        assert [False, True, False] == [handled.duplicate for handled in done.handled]

    def test_each_event_is_logged_once_in_order(self, service, caplog):
        """One INFO record per event, in the events' order, whatever the store sends when."""
        caplog.set_level(logging.INFO, logger="convroute")
        service.process_many(
            [message(f"m{n}", n, lead=Phone(f"9198000000{n:02}")) for n in range(4)]
        )
        logged = [
            record.convroute["event"]
            for record in caplog.records
            if record.levelno == logging.INFO and "event" in getattr(record, "convroute", {})
        ]
        assert ["m0", "m1", "m2", "m3"] == logged


def _refuse_lead(store, lead):
    """A trigger that fails any write of *lead*'s row: a COMMIT's writes failing on the server."""
    import psycopg

    schema = store.schema
    with psycopg.connect(store._conninfo, autocommit=True) as connection:
        connection.execute(
            f"CREATE FUNCTION {schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        connection.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON {schema}.leads "
            f"FOR EACH ROW WHEN (NEW.phone = '{lead}') EXECUTE FUNCTION {schema}.refuse()"
        )


@pytest.fixture
def postgres_store(postgres_url, new_postgres_schema):
    from convroute.adapters.postgres import PostgresStore

    with PostgresStore(postgres_url, schema=new_postgres_schema()) as store:
        yield store


LEADS = [Phone(f"9198000000{n:02}") for n in range(5)]


@pytest.mark.postgres
class TestFailuresWithCommitsCarried:
    """A unit whose writes fail when the next unit's reads carry them, on PostgreSQL."""

    @pytest.mark.parametrize("refused", [0, 2, 4])
    def test_the_failing_event_is_reported_and_the_others_kept(self, postgres_store, refused):
        """First, middle or last: that event fails alone, as it does one at a time."""
        _refuse_lead(postgres_store, LEADS[refused])
        service = Service(CONFIG, postgres_store, RecordingTransport(), clock=lambda: AT)
        events = [message(f"m{n}", n, lead=lead) for n, lead in enumerate(LEADS)]

        done = service.process_many(events)

        expected = [f"m{n}" for n in range(5) if n != refused]
        assert expected == [handled.event for handled in done.handled]
        assert [False] * 4 == [handled.duplicate for handled in done.handled]
        [(event, error)] = done.failed
        assert (f"m{refused}", True) == (event, "refused" in error or "StoreError" in error)
        with postgres_store.unit_of_work() as uow:
            kept = [uow.leads.get(lead) is not None for lead in LEADS]
            assert [n != refused for n in range(5)] == kept
            assert [n != refused for n in range(5)] == [
                not uow.processed.claim(f"m{n}", AT) for n in range(5)
            ]

    def test_after_a_failing_event_the_rest_are_pipelined_again(self, postgres_store):
        """The refused event alone, the next alone, then a new run for the rest."""

        class _Runs:
            def __init__(self):
                self.runs = []

            def unit_of_work(self, account="default"):
                return postgres_store.unit_of_work(account)

            def pipelined(self, account="default"):
                run = postgres_store.pipelined(account)
                self.runs.append(run)
                return run

        counted = _Runs()
        service = Service(CONFIG, counted, RecordingTransport(), clock=lambda: AT)
        events = [message("m0", 60), *(message(f"m{n}", n, lead=LEADS[n]) for n in range(1, 5))]

        done = service.process_many(events)

        assert ["m1", "m2", "m3", "m4"] == [handled.event for handled in done.handled]
        assert ["m0"] == [event for event, _ in done.failed]
        assert [0, 3] == [run.committed for run in counted.runs]

    def test_a_store_that_fails_every_unit_reports_every_event(self, postgres_store):
        """A schema gone: each event is reported failed, none is lost silently."""
        service = Service(CONFIG, postgres_store, RecordingTransport(), clock=lambda: AT)
        postgres_store.drop()

        done = service.process_many([message("m1"), message("m2", 1, lead=MEERA)])

        assert () == done.handled
        assert ["m1", "m2"] == [event for event, _ in done.failed]


class TestStoresWithoutRuns:
    def test_a_host_store_without_pipelined_runs_each_event_in_its_own_unit(self):
        """A store that has no `pipelined` gets a unit of work an event, committed in turn."""
        store = MemoryStore()

        class _Plain:
            def __init__(self):
                self.units = 0

            @contextlib.contextmanager
            def unit_of_work(self, account="default"):
                self.units += 1
                with store.unit_of_work(account) as uow:
                    yield uow

        plain = _Plain()
        service = Service(CONFIG, plain, RecordingTransport(), clock=lambda: AT)
        done = service.process_many([message("m1"), message("m2", 1)])
        assert (2, 2) == (plain.units, len(done.handled))

    def test_a_store_error_is_reported_not_raised(self):
        """As handle_webhook does: each failed event in failed, the others handled."""

        class _Failing:
            @contextlib.contextmanager
            def unit_of_work(self, account="default"):
                raise StoreError(f"no store today for {account}")
                yield

        service = Service(CONFIG, _Failing(), RecordingTransport(), clock=lambda: AT)
        done = service.process_many([message("m1"), message("m2", 1)])
        error = "StoreError: no store today for default"
        assert [("m1", error), ("m2", error)] == list(done.failed)
