"""
PostgresStore.pipelined: units of work in a run, each COMMIT sent with the next unit's reads.
"""

# ruff: noqa: PT012 - a run's units and its end are what raise, so they are in the block

import datetime as dt
import threading

import pytest

from convroute.errors import StoreError
from convroute.model import Lead, Phone


psycopg = pytest.importorskip("psycopg")

from convroute.adapters.postgres import PostgresStore  # noqa: E402 - after the extra is known


pytestmark = pytest.mark.postgres

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEADS = [Phone(f"9198000000{n:02}") for n in range(4)]


@pytest.fixture
def store(postgres_url, postgres_schema):
    with PostgresStore(postgres_url, schema=postgres_schema) as opened:
        yield opened


def save_lead(uow, lead, name="Ravi"):
    """A unit's work: read the lead, then write it."""
    uow.leads.get(lead)
    uow.leads.save(Lead(phone=lead, name=name))


def stored(store):
    with store.unit_of_work() as uow:
        return [uow.leads.get(lead) is not None for lead in LEADS]


class TestRuns:
    def test_a_unit_reads_what_the_one_before_it_wrote(self, store):
        """The COMMIT goes first: the next unit's read sees the write."""
        with store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[0], name="Ravi")
            with run.unit_of_work() as uow:
                assert "Ravi" == uow.leads.get(LEADS[0]).name
                uow.leads.save(Lead(phone=LEADS[0], name="Ravi Kumar"))
        with store.unit_of_work() as uow:
            assert "Ravi Kumar" == uow.leads.get(LEADS[0]).name

    def test_a_unit_is_known_committed_once_the_next_one_has_read(self, store):
        """committed counts the units whose COMMIT the server has answered."""
        counted = []
        with store.pipelined() as run:
            for lead in LEADS[:3]:
                with run.unit_of_work() as uow:
                    counted.append(run.committed)
                    save_lead(uow, lead)
                    counted.append(run.committed)
            counted.append(run.committed)
        counted.append(run.committed)
        assert [0, 0, 0, 1, 1, 2, 2, 3] == counted


class TestEnds:
    def test_a_block_that_raises_before_reading_leaves_the_units_before_committed(self, store):
        """What the earlier units left goes at the run's end; the raising unit's write does not."""
        with pytest.raises(RuntimeError), store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[0])
            with run.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEADS[1], name="Meera"))
                raise RuntimeError("the host's own")
        assert 1 == run.committed
        assert [True, False, False, False] == stored(store)

    def test_a_block_that_raises_after_reading_rolls_back_its_own_only(self, store):
        """The earlier unit's COMMIT went with the read; the raising unit rolls back."""
        with pytest.raises(RuntimeError), store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[0])
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[1])
                uow.leads.get(LEADS[2])
                raise RuntimeError("the host's own")
        assert 1 == run.committed
        assert [True, False, False, False] == stored(store)

    def test_a_unit_after_one_that_raised_is_refused(self, store):
        """A unit that did not commit ends the run."""
        with store.pipelined() as run:
            with pytest.raises(RuntimeError), run.unit_of_work() as uow:
                save_lead(uow, LEADS[0])
                raise RuntimeError("the host's own")
            with pytest.raises(StoreError, match="open a new one"), run.unit_of_work():
                pass
        assert (0, [False] * 4) == (run.committed, stored(store))

    def test_a_write_that_fails_with_the_next_unit_fails_that_unit(self, store):
        """The earlier unit's write fails on the server: the next unit says so, neither is kept."""
        with store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[0])
            with run.unit_of_work() as uow:
                uow.users.presence()
                uow.users.set_presence("bad\x00id", True)
            with (
                pytest.raises(StoreError, match="the unit of work before it failed to commit"),
                run.unit_of_work() as uow,
            ):
                save_lead(uow, LEADS[2])
        assert (1, [True, False, False, False]) == (run.committed, stored(store))

    def test_a_unit_s_own_failure_leaves_the_one_before_committed(self, store):
        """The carried COMMIT went through; the unit's own statement failed after it."""
        with store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[0])
            with pytest.raises(StoreError, match="a read failed"), run.unit_of_work() as uow:
                uow.users.set_presence("bad\x00id", True)
                uow.users.presence()
        assert (1, [True, False, False, False]) == (run.committed, stored(store))

    def test_a_last_write_that_fails_fails_the_run_s_end(self, store):
        """The last unit's writes go when the run ends: their failure is the run's."""
        with pytest.raises(StoreError, match="cannot commit"), store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[0])
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[1])
                uow.users.set_presence("bad\x00id", True)
        assert (1, [True, False, False, False]) == (run.committed, stored(store))

    def test_the_connection_is_usable_after_a_failed_run(self, store):
        """A failure leaves no transaction open: the store's next unit runs."""
        with pytest.raises(StoreError), store.pipelined() as run, run.unit_of_work() as uow:
            uow.users.set_presence("bad\x00id", True)
        with store.unit_of_work() as uow:
            save_lead(uow, LEADS[3])
        assert [False, False, False, True] == stored(store)


def refuse_presence_of(store, url, user):
    """A trigger that fails the write of *user*'s presence on the server."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            f"CREATE FUNCTION {store.schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        connection.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON {store.schema}.presence "
            f"""FOR EACH ROW WHEN (NEW."user" = '{user}') """
            f"EXECUTE FUNCTION {store.schema}.refuse()"
        )


def present(store):
    with store.unit_of_work() as uow:
        return sorted(user for user, on in uow.users.presence().items() if on)


class TestUnitsThatOnlyWrite:
    """Units that read nothing send nothing: their COMMITs go together, and are counted apart."""

    USERS = ("u0", "u1", "u2", "u3", "u4")

    def test_a_failing_one_at_the_end_leaves_the_ones_before_it_counted(self, store, postgres_url):
        """The server ran the COMMITs before the failing write: those units are committed."""
        refuse_presence_of(store, postgres_url, "u3")
        with pytest.raises(StoreError, match="cannot commit"), store.pipelined() as run:
            for user in self.USERS:
                with run.unit_of_work() as uow:
                    uow.users.set_presence(user, True)
        assert (3, ["u0", "u1", "u2"]) == (run.committed, present(store))

    def test_a_failing_one_carried_by_a_unit_that_reads(self, store, postgres_url):
        """Carried by the next unit's read: the units before it counted, it and the reader not."""
        refuse_presence_of(store, postgres_url, "u3")
        with store.pipelined() as run:
            for user in self.USERS[:4]:
                with run.unit_of_work() as uow:
                    uow.users.set_presence(user, True)
            with (
                pytest.raises(StoreError, match="the unit of work before it failed to commit"),
                run.unit_of_work() as uow,
            ):
                save_lead(uow, LEADS[0])
        assert (3, ["u0", "u1", "u2"]) == (run.committed, present(store))
        assert [False] * 4 == stored(store)


class TestMisuse:
    def test_a_unit_left_open_is_rolled_back_at_the_run_s_end(self, store):
        """A unit never ended (its thread interrupted) leaves no transaction open."""
        with store.pipelined() as run:
            unit = run.unit_of_work()
            uow = unit.__enter__()
            uow.leads.get(LEADS[0])
            uow.leads.save(Lead(phone=LEADS[0], name="Ravi"))
        with store.unit_of_work() as uow:
            assert uow.leads.get(LEADS[0]) is None

    def test_a_run_is_used_once(self, store):
        run = store.pipelined()
        with run:
            pass
        with pytest.raises(StoreError, match="used once"), run:
            pass

    def test_a_unit_outside_its_run_is_refused(self, store):
        """A unit of the run opened after the run ended is refused."""
        with store.pipelined() as run:
            pass
        with pytest.raises(StoreError, match="not open"), run.unit_of_work():
            pass

    def test_two_units_of_a_run_at_once_are_refused(self, store):
        with (
            store.pipelined() as run,
            run.unit_of_work(),
            pytest.raises(StoreError, match="has a unit of work open"),
            run.unit_of_work(),
        ):
            pass

    def test_a_store_unit_inside_a_run_is_refused(self, store):
        """The run holds this thread's connection, as a unit does."""
        with store.pipelined(), pytest.raises(StoreError), store.unit_of_work():
            pass

    def test_a_connection_inside_a_transaction_is_refused(self, postgres_url, postgres_schema):
        with psycopg.connect(postgres_url) as connection:
            store = PostgresStore(connection, schema=postgres_schema)
            connection.execute("SELECT 1")
            with pytest.raises(StoreError, match="inside a transaction"), store.pipelined():
                pass
            connection.rollback()

    def test_a_bad_account_is_refused(self, store):
        with pytest.raises(ValueError, match="account"):
            store.pipelined("")


class TestLocks:
    def test_a_unit_s_lock_is_held_until_its_commit_is_sent(self, store, postgres_url):
        """Another worker waits for the lead until the next unit's reads carry the COMMIT."""

        def waiting_for_a_lock(pid):
            with psycopg.connect(postgres_url, autocommit=True) as watcher:
                return watcher.execute(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", (pid,)
                ).fetchone()[0]

        with store.pipelined() as run:
            with run.unit_of_work() as uow:
                save_lead(uow, LEADS[0], name="Ravi")
            seen = []
            ready = threading.Event()

            def other():
                with psycopg.connect(postgres_url, autocommit=True) as connection:
                    second = PostgresStore(connection, schema=store.schema)
                    seen.append(connection.info.backend_pid)
                    ready.set()
                    with second.unit_of_work() as uow:
                        seen.append(uow.leads.get(LEADS[0]))

            waiting = threading.Thread(target=other)
            waiting.start()
            ready.wait()
            # Until the other unit waits for the lead's lock, or (were the
            # lock let go) has read it.
            while waiting.is_alive() and not waiting_for_a_lock(seen[0]):
                pass
            was_waiting = waiting.is_alive()
            with run.unit_of_work() as uow:
                uow.leads.get(LEADS[1])
            waiting.join()
        assert was_waiting
        assert "Ravi" == seen[1].name
