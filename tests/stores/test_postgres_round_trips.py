"""
How many times a PostgresStore unit of work waits for the server, counted on the wire.

Each wait is one ``ReadyForQuery`` message from the server, which answers each simple query and
each ``Sync`` of the extended protocol: libpq's trace of the connection counts them.
"""

# ruff: noqa: S608 - the schema names formatted into the statements are the tests' own.

import contextlib
import datetime as dt
import tempfile

import pytest

from convroute.adapters import _codec
from convroute.engine import CloseConversation, IncomingMessage, UpdateOpportunity
from convroute.funnel import Cause, Transition
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity, Phone, User
from convroute.service import Service
from convroute.state import Conversation
from convroute.testing import RecordingTransport
from example_account import routing_example


psycopg = pytest.importorskip("psycopg")

from convroute.adapters._postgres_schema import quoted  # noqa: E402 - after the extra is known
from convroute.adapters.postgres import PostgresStore  # noqa: E402


pytestmark = pytest.mark.postgres

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040005678")


class WireCount:
    """The server's answers seen on one connection while counting."""

    def __init__(self, connection):
        self._connection = connection
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()

    @contextlib.contextmanager
    def counting(self):
        """Trace the connection for the ``with`` block."""
        pgconn = self._connection.pgconn
        pgconn.trace(self._file.fileno())
        pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield self
        finally:
            pgconn.untrace()

    def waits(self):
        """How many times the client waited for the server: its ReadyForQuery messages."""
        self._file.seek(0)
        lines = self._file.read().decode("utf-8", "replace").splitlines()
        return sum(1 for line in lines if "\tReadyForQuery\t" in line)

    def statements(self):
        """How many statements the client asked the server to run: its Execute messages."""
        self._file.seek(0)
        lines = self._file.read().decode("utf-8", "replace").splitlines()
        return sum(1 for line in lines if line.startswith("F\t") and "\tExecute\t" in line)

    def stop(self):
        """Forget what was traced."""
        self._file.close()


@pytest.fixture
def wired(postgres_url, postgres_schema):
    """A store on one connection whose round trips can be counted."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        store = PostgresStore(connection, schema=postgres_schema)
        count = WireCount(connection)
        try:
            yield store, count
        finally:
            count.stop()
            store.close()


def conversation(number=NUMBER, at=T0):
    return Conversation(
        lead=LEAD, number=number, status="assigned", assignee="u-asha", last_message_at=at
    )


def record(ident):
    return Transition(
        id=ident,
        lead=LEAD,
        funnel="Sales",
        from_stage=None,
        to_stage="Enquiry",
        at=T0,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBER,
    )


def fill(store):
    """A lead with two of everything, and two users with a presence and an absence."""
    with store.unit_of_work() as uow:
        uow.leads.save(Lead(phone=LEAD, name="Ravi"))
        for ident in ("opp-2", "opp-1"):
            uow.opportunities.save(LEAD, Opportunity(id=ident, type="Course"))
        for number in (OTHER_NUMBER, NUMBER):
            uow.conversations.save(conversation(number))
        for ident in ("t-2", "t-1"):
            uow.funnel_records.add(record(ident))
        for ident in ("u-ravi", "u-asha"):
            uow.users.save(User(id=ident, name=ident[2:].title()))
        uow.users.set_presence("u-asha", True)
        uow.users.set_away_since("u-ravi", T0)


def read_lead_state(uow):
    return (
        uow.leads.get(LEAD),
        uow.opportunities.for_lead(LEAD),
        uow.conversations.get(LEAD, NUMBER),
        uow.conversations.get(LEAD, Phone("918040009999")),
        uow.conversations.for_lead(LEAD),
        uow.funnel_records.for_lead(LEAD),
    )


def read_people(uow):
    return (dict(uow.users.all()), dict(uow.users.presence()), dict(uow.users.away_since()))


class TestLeadState:
    """A lead's whole state is read in one round trip, the first time the unit reads any of it."""

    def test_every_read_of_a_lead_s_state_after_the_first_costs_nothing(self, wired):
        """The lead, its opportunities, conversations and funnel records: one wait, all told."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            uow.processed.claim("wamid.1", T0)
            with count.counting():
                state = read_lead_state(uow)
        with store.unit_of_work() as uow:
            expected = read_lead_state(uow)
        assert (1, expected) == (count.waits(), state)

    def test_any_of_the_reads_first_reads_it_all(self, wired):
        """Starting from the funnel records, the conversations and the lead come with them."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            uow.processed.claim("wamid.1", T0)
            with count.counting():
                records = uow.funnel_records.for_lead(LEAD)
                found = (uow.conversations.for_lead(LEAD), uow.leads.get(LEAD))
        assert (1, ["t-2", "t-1"], [NUMBER, OTHER_NUMBER], "Ravi") == (
            count.waits(),
            [one.id for one in records],
            [one.number for one in found[0]],
            found[1].name,
        )

    def test_an_unknown_lead_is_read_in_one_round_trip(self, wired):
        """A lead never seen: nothing of it, in one wait."""
        store, count = wired
        with store.unit_of_work() as uow:
            uow.processed.claim("wamid.1", T0)
            with count.counting():
                state = read_lead_state(uow)
        assert (1, (None, (), None, None, (), ())) == (count.waits(), state)

    def test_a_write_to_the_lead_is_seen_by_the_next_read(self, wired):
        """A read after the unit's own write reads again, with the write sent before it."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            read_lead_state(uow)
            uow.opportunities.save(LEAD, Opportunity(id="opp-3", type="Course"))
            with count.counting():
                opportunities = uow.opportunities.for_lead(LEAD)
                uow.leads.get(LEAD)
        assert (1, ["opp-2", "opp-1", "opp-3"]) == (
            count.waits(),
            [one.id for one in opportunities],
        )


class TestPeople:
    """Users, their presence and their absences are read in one round trip."""

    def test_users_presence_and_absences_together(self, wired):
        """Three reads, one wait."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            uow.processed.claim("wamid.1", T0)
            with count.counting():
                people = read_people(uow)
        assert (1, ["u-asha", "u-ravi"], {"u-asha": True}, {"u-ravi": T0}) == (
            count.waits(),
            sorted(people[0]),
            people[1],
            people[2],
        )

    def test_nobody_stored(self, wired):
        """With no users, presence or absence: three empty mappings, in one wait."""
        store, count = wired
        with store.unit_of_work() as uow:
            uow.processed.claim("wamid.1", T0)
            with count.counting():
                people = read_people(uow)
        assert (1, ({}, {}, {})) == (count.waits(), people)

    def test_a_presence_set_in_the_unit_is_seen(self, wired):
        """A read after the unit's own write of a presence reads again and sees it."""
        store, _ = wired
        fill(store)
        with store.unit_of_work() as uow:
            read_people(uow)
            uow.users.set_presence("u-ravi", True)
            uow.users.set_away_since("u-ravi", None)
            people = read_people(uow)
        assert ({"u-asha": True, "u-ravi": True}, {}) == people[1:]


def read_with_its_lead(uow, ident="wamid.2"):
    """As the service reads for a message: the lead's state with the claim, then the users."""
    uow.prefetch_lead(LEAD)
    uow.processed.claim(ident, T0)
    read_lead_state(uow)
    return read_people(uow)


def around_a_change_by_hand(store, url, change):
    """The users read with a lead before and after *change*, a statement ({s}: the schema)."""
    with store.unit_of_work() as uow:
        before = read_with_its_lead(uow, "wamid.1")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(change.replace("{s}", quoted(store.schema)))
    with store.unit_of_work() as uow:
        after = read_with_its_lead(uow)
    return before, after


class TestPeopleSeen:
    """A unit reading its lead's state is given the users the store read last, when unchanged."""

    def test_unchanged_users_cost_no_round_trip(self, wired):
        """The lead's state says the users are as the store read them: one wait, all told."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            expected = read_with_its_lead(uow, "wamid.1")
        with store.unit_of_work() as uow, count.counting():
            people = read_with_its_lead(uow)
        assert (1, expected) == (count.waits(), people)

    def test_a_change_by_another_store_is_read(self, wired, postgres_url, postgres_schema):
        """Another worker's change of a presence makes the next unit read the users again."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            read_with_its_lead(uow, "wamid.1")
        with (
            PostgresStore(postgres_url, schema=postgres_schema) as other,
            other.unit_of_work() as uow,
        ):
            uow.users.set_presence("u-ravi", True)
        with store.unit_of_work() as uow, count.counting():
            people = read_with_its_lead(uow)
        assert (2, {"u-asha": True, "u-ravi": True}) == (count.waits(), people[1])

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ("UPDATE {s}.presence SET available = false", {"u-asha": False}),
            ("DELETE FROM {s}.presence", {}),
            ("TRUNCATE {s}.presence", {}),
            (
                "INSERT INTO {s}.presence VALUES ('u-ravi', true, 'default')",
                {"u-asha": True, "u-ravi": True},
            ),
        ],
        ids=["update", "delete", "truncate", "insert"],
    )
    def test_a_change_by_hand_is_read(self, wired, postgres_url, change, expected):
        """Triggers mark whatever changes the users' tables, a statement by hand included."""
        store, _ = wired
        fill(store)
        _, after = around_a_change_by_hand(store, postgres_url, change)
        assert expected == after[1]

    def test_a_read_after_the_unit_s_own_change_is_not_kept(self, wired):
        """Read between two changes of its own, the users are not what the unit commits."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            uow.users.set_presence("u-ravi", True)
            read_people(uow)
            uow.users.set_presence("u-asha", False)
        with store.unit_of_work() as uow, count.counting():
            people = read_with_its_lead(uow)
        assert (2, {"u-asha": False, "u-ravi": True}) == (count.waits(), people[1])

    def test_users_stored_before_the_upgrade_are_marked(self, postgres_url, postgres_schema):
        """An upgraded schema's users are marked as changed: a TRUNCATE after is seen."""
        from convroute.adapters._postgres_schema import MIGRATIONS, migrate

        name = quoted(postgres_schema)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:9])
            connection.execute(
                f"INSERT INTO {name}.users (account, id, data) VALUES ('default', 'u-asha', %s)",
                (_codec.dumps(User(id="u-asha", name="Asha")),),
            )
        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            before, after = around_a_change_by_hand(store, postgres_url, "TRUNCATE {s}.users")
        assert (["u-asha"], {}) == (list(before[0]), after[0])

    def test_a_truncate_marks_the_accounts_it_empties(self, wired, postgres_url):
        """Users held with no mark (the marks' row deleted by hand) are marked by a TRUNCATE."""
        store, _ = wired
        fill(store)
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f"DELETE FROM {quoted(store.schema)}.people_changes")
        before, after = around_a_change_by_hand(store, postgres_url, "TRUNCATE {s}.users")
        assert (["u-asha", "u-ravi"], {}) == (sorted(before[0]), after[0])

    def test_a_reader_granted_before_the_upgrade_reads_a_lead(
        self, postgres_url, postgres_schema, read_only_url
    ):
        """The upgrade lets the roles that may read the leads or users read the marks too."""
        from convroute.adapters._postgres_schema import MIGRATIONS, migrate

        with psycopg.connect(postgres_url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:9])
        reader = read_only_url(postgres_schema)
        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            fill(store)
        with (
            PostgresStore(reader, schema=postgres_schema, upgrade=False) as store,
            store.unit_of_work() as uow,
        ):
            state = read_lead_state(uow)
            people = read_people(uow)
        assert ("Ravi", ["u-asha", "u-ravi"]) == (state[0].name, sorted(people[0]))

    def test_a_writer_needs_no_right_on_the_marks(self, postgres_url, postgres_schema):
        """A role that may write the store's tables, granted before the upgrade, still writes."""
        from convroute.adapters._postgres_schema import MIGRATIONS, migrate

        name = quoted(postgres_schema)
        role = f"writer_{postgres_schema}"
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            migrate(connection, postgres_schema, MIGRATIONS[:9])
            try:
                connection.execute(f"CREATE ROLE {role}")
            except psycopg.errors.InsufficientPrivilege:
                pytest.skip("the test server's user may not create roles")
            connection.execute(f"GRANT USAGE ON SCHEMA {name} TO {role}")
            connection.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {name} TO {role}"
            )
            connection.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {name} TO {role}")
        with PostgresStore(postgres_url, schema=postgres_schema):
            pass
        try:
            with psycopg.connect(postgres_url, autocommit=True) as connection:
                connection.execute(f"SET ROLE {role}")
                store = PostgresStore(connection, schema=postgres_schema)
                service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
                service.process(
                    IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text="Hi")
                )
                with store.unit_of_work() as uow:
                    uow.users.set_presence("u-asha", False)
                with store.unit_of_work() as uow:
                    people = read_with_its_lead(uow)
        finally:
            with psycopg.connect(postgres_url, autocommit=True) as connection:
                connection.execute(f"DROP OWNED BY {role}")
                connection.execute(f"DROP ROLE {role}")
        assert {"u-asha": False} == people[1]

    def test_two_accounts_are_told_apart(self, wired):
        """One account's users are never given to a unit of another."""
        store, _ = wired
        fill(store)
        with store.unit_of_work() as uow:
            read_with_its_lead(uow, "wamid.1")
        with store.unit_of_work("acme") as uow:
            people = read_with_its_lead(uow)
        assert ({}, {}, {}) == people


class TestCountsAhead:
    """Told the counts come next, the unit sends them, under the users' locks, with its next."""

    def test_the_counts_come_with_the_turn(self, wired):
        """A pool's turn, then the counts of its users: one wait for both."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow:
            expected = dict(uow.conversations.open_counts(["u-asha", "u-ravi"], T0))
        with store.unit_of_work() as uow, count.counting():
            uow.prefetch_open_counts(["u-ravi", "u-asha"], T0)
            uow.turns.get("chat_group:AI")
            counts = dict(uow.conversations.open_counts(["u-asha", "u-ravi"], T0))
        assert (1, {"u-asha": 2}) == (count.waits(), counts)
        assert expected == counts

    def test_other_counts_are_read_as_asked(self, wired):
        """Counts of other users, or since another date, than the hint's are read when asked."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow, count.counting():
            uow.prefetch_open_counts(["u-ravi"], T0)
            uow.turns.get("chat_group:AI")
            counts = dict(uow.conversations.open_counts(["u-asha"], T0))
        assert (2, {"u-asha": 2}) == (count.waits(), counts)

    def test_a_message_routed_by_a_pool_s_turn_waits_three_times(self, wired):
        """Its claim with the lead's state, the pool's turn with the counts, the commit."""
        store, count = wired
        service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
        service.process(IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text="Hi"))
        # The users, read once by the store: unchanged, they cost no round trip after.
        with store.unit_of_work() as uow:
            read_with_its_lead(uow, "wamid.3")
        tap = IncomingMessage(
            id="wamid.2",
            at=T0,
            lead=LEAD,
            number=NUMBER,
            reply_id=option_id(OptionKind.PRODUCT, "AI"),
        )
        with count.counting():
            service.process(tap)
        with store.unit_of_work() as uow:
            assignee = uow.conversations.get(LEAD, NUMBER).assignee
        assert (3, "u-asha") == (count.waits(), assignee)


class TestReadAhead:
    """Told the lead's state is read next, the unit reads it with its next round trip."""

    def test_the_state_comes_with_the_claim(self, wired):
        """The claim's round trip brings the lead's state: reading it then waits for nothing."""
        store, count = wired
        fill(store)
        with store.unit_of_work() as uow, count.counting():
            uow.prefetch_lead(LEAD)
            claimed = uow.processed.claim("wamid.1", T0)
            state = read_lead_state(uow)
        assert (1, True, "Ravi") == (count.waits(), claimed, state[0].name)

    def test_a_write_before_the_round_trip_is_read(self, wired):
        """A write queued after the hint goes before the read, which sees it."""
        store, _ = wired
        fill(store)
        with store.unit_of_work() as uow:
            uow.prefetch_lead(LEAD)
            uow.leads.save(Lead(phone=LEAD, name="Renamed"))
            uow.processed.claim("wamid.1", T0)
            assert "Renamed" == uow.leads.get(LEAD).name

    def test_a_read_ahead_is_never_sent_with_the_commit(self, wired):
        """A hint no read followed is dropped at the commit: BEGIN, the write and COMMIT alone."""
        store, count = wired
        with count.counting(), store.unit_of_work() as uow:
            uow.prefetch_lead(LEAD)
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
        assert (1, 3) == (count.waits(), count.statements())

    def test_a_unit_that_ends_sends_no_read_ahead(self, wired):
        """A hint that no round trip followed costs none at the unit's end."""
        store, count = wired
        with store.unit_of_work() as uow, count.counting():
            uow.prefetch_lead(LEAD)
        assert 0 == count.waits()


class TestAnEvent:
    """An event that sends a menu waits for its claim with the lead's state, and the commit: two."""

    def test_a_first_message_costs_two_round_trips(self, wired):
        """The lead's state goes with the claim; the sends' ids are recorded with the commit."""
        store, count = wired
        transport = RecordingTransport()
        service = Service(routing_example(), store, transport, clock=lambda: T0)
        with count.counting():
            handled = service.process(
                IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text="Hi")
            )
        assert (2, ["send"]) == (count.waits(), [item.type for item in handled.actions])

    def test_a_first_message_s_statements(self, wired):
        """BEGIN, the claim, the lead's lock and state, four writes and COMMIT: nine statements."""
        store, count = wired
        service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
        with count.counting():
            service.process(
                IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text="Hi")
            )
        assert 9 == count.statements()

    @pytest.mark.parametrize(
        "event",
        [
            CloseConversation(id="close.1", at=T0, lead=LEAD, number=NUMBER),
            UpdateOpportunity(id="crm.1", lead=LEAD, opportunity=Opportunity(id="o-1", type="AI")),
            UpdateOpportunity(
                id="crm.1", lead=LEAD, opportunity=Opportunity(id="o-2", type="AI"), replaces="o-1"
            ),
        ],
        ids=["close", "opportunity", "opportunity replaced"],
    )
    def test_a_host_s_event_on_a_lead_reads_its_state_with_the_claim(self, wired, event):
        """A close or an opportunity's update reads the lead's state with its claim: two waits."""
        store, count = wired
        service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
        service.process(IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text="Hi"))
        with count.counting():
            handled = service.process(event)
        assert (2, False) == (count.waits(), handled.duplicate)

    def test_the_sends_are_not_taken_for_the_lead_s(self, wired):
        """An echo of a send, by its id, is a duplicate: its id was recorded with the event."""
        store, _ = wired
        service = Service(routing_example(), store, RecordingTransport(), clock=lambda: T0)
        handled = service.process(
            IncomingMessage(id="wamid.1", at=T0, lead=LEAD, number=NUMBER, text="Hi")
        )
        with store.unit_of_work() as uow:
            again = [uow.processed.claim(item.id, T0) for item in handled.actions]
        assert [False] == again


RUN_LEADS = [Phone(f"9198000000{n:02}") for n in range(4)]


def save_run_lead(uow, lead):
    """A unit's work: read the lead, then write it."""
    uow.leads.get(lead)
    uow.leads.save(Lead(phone=lead, name="Ravi"))


def run_leads_stored(store):
    with store.unit_of_work() as uow:
        return [uow.leads.get(lead) is not None for lead in RUN_LEADS]


class TestPipelinedRuns:
    """`PostgresStore.pipelined`: each unit's COMMIT goes with the next unit's first round trip."""

    def test_each_unit_waits_once_and_the_last_commit_once_more(self, wired):
        """Four units that read, then write: five round trips, not eight."""
        store, count = wired
        with count.counting(), store.pipelined() as run:
            for lead in RUN_LEADS:
                with run.unit_of_work() as uow:
                    save_run_lead(uow, lead)
        assert (5, 4) == (count.waits(), run.committed)

    def test_a_unit_that_asks_nothing_sends_nothing_and_counts(self, wired):
        """An empty unit between two: no round trip of its own, committed with the others."""
        store, count = wired
        with count.counting(), store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_run_lead(uow, RUN_LEADS[0])
            with run.unit_of_work():
                pass
            with run.unit_of_work() as uow:
                save_run_lead(uow, RUN_LEADS[1])
        assert (3, 3) == (count.waits(), run.committed)
        assert [True, True, False, False] == run_leads_stored(store)

    def test_a_run_with_no_unit_sends_nothing(self, wired):
        """Opening and closing a run costs no round trip."""
        store, count = wired
        with count.counting(), store.pipelined() as run:
            pass
        assert (0, 0) == (count.waits(), run.committed)

    def test_units_that_only_write_commit_in_one_round_trip(self, wired):
        """Five units that read nothing: one round trip, at the run's end."""
        store, count = wired
        with count.counting(), store.pipelined() as run:
            for user in ("u0", "u1", "u2", "u3", "u4"):
                with run.unit_of_work() as uow:
                    uow.users.set_presence(user, True)
        assert (1, 5) == (count.waits(), run.committed)
        with store.unit_of_work() as uow:
            assert {f"u{n}": True for n in range(5)} == dict(uow.users.presence())
