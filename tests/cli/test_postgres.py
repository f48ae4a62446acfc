"""
The commands on PostgreSQL: `--store postgresql://…` for simulate, report and demo.
"""

import io
import json
import pathlib

import pytest

from convroute.cli import main
from convroute.cli._demo import run_demo


pytest.importorskip("psycopg")
pytestmark = pytest.mark.postgres

EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"
CONFIG = str(EXAMPLES / "account.toml")
EVENTS = str(EXAMPLES / "events.jsonl")


def run(capsys, *args):
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def schemas(url, prefix):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (prefix + "%",)
        )
        return [name for (name,) in rows]


class TestSimulate:
    def test_examples_give_the_reviewed_output_and_repeat_nothing(
        self, capsys, postgres_url, postgres_schema
    ):
        """The reviewed actions on PostgreSQL as elsewhere; a second run repeats nothing."""
        store = f"{postgres_url}?schema={postgres_schema}"
        expected = (EXAMPLES / "events.expected.jsonl").read_text("utf-8").splitlines()
        status, out, _ = run(capsys, "simulate", CONFIG, EVENTS, "--store", store)
        assert (0, expected) == (status, out.splitlines())

        status, out, _ = run(capsys, "simulate", CONFIG, EVENTS, "--store", store)
        again = [json.loads(line) for line in out.splitlines()]
        assert 0 == status
        assert ["error"] == [action["type"] for action in again]

    def test_a_bad_schema_name_is_one_line_and_exit_2(self, capsys, postgres_url):
        """A schema name PostgreSQL would fold or need quoted is refused before connecting."""
        status, out, err = run(
            capsys, "simulate", CONFIG, EVENTS, "--store", f"{postgres_url}?schema=Bad-Name"
        )
        assert (2, "") == (status, out)
        assert 1 == len(err.splitlines())
        assert "not a schema name" in err

    def test_an_unreachable_server_is_one_line_and_exit_1(self, capsys):
        """A server that is not there is one error line, never a traceback."""
        store = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
        status, _, err = run(capsys, "simulate", CONFIG, EVENTS, "--store", store)
        assert 1 == status
        assert 1 == len(err.splitlines())
        assert err.startswith("convroute: cannot connect to the PostgreSQL store")


class TestReport:
    def test_reports_what_simulate_stored(self, capsys, postgres_url, postgres_schema):
        """`report` reads the funnel records a run stored in the schema."""
        store = f"{postgres_url}?schema={postgres_schema}"
        assert 0 == run(capsys, "simulate", CONFIG, EVENTS, "--store", store)[0]
        status, out, err = run(capsys, "report", CONFIG, "--store", store)
        assert (0, "") == (status, err)
        assert out.startswith("Funnel 'Sales':")

    @pytest.mark.parametrize(
        "command", [["report", CONFIG], ["outbox", "stats"], ["outbox", "list"]]
    )
    def test_a_missing_store_is_not_created(self, capsys, postgres_url, postgres_schema, command):
        """A schema with no store exits 2, as a missing SQLite file does, and creates nothing."""
        store = f"{postgres_url}?schema={postgres_schema}"
        status, _, err = run(capsys, *command, "--store", store)
        assert (2, 1) == (status, len(err.splitlines()))
        assert f"no convroute store in the PostgreSQL schema '{postgres_schema}'" in err
        assert [] == schemas(postgres_url, postgres_schema)


class TestDemo:
    def test_the_demo_on_postgres_tells_the_same_story(self, postgres_url):
        """On PostgreSQL the demo gives the same actions as on SQLite, and drops its schema."""
        on_sqlite, on_postgres = io.StringIO(), io.StringIO()
        run_demo(on_sqlite, as_json=True)
        run_demo(on_postgres, as_json=True, postgres=postgres_url)
        assert on_sqlite.getvalue() == on_postgres.getvalue()
        assert [] == schemas(postgres_url, "convroute_demo_")

    def test_the_transcript_says_where_it_ran(self, capsys, postgres_url):
        """`convroute demo --store URL` prints the transcript, saying it ran on PostgreSQL."""
        status, out, _ = run(capsys, "demo", "--store", postgres_url)
        assert 0 == status
        assert "run through the service on PostgreSQL" in out
        assert "assigned to Ben Thomas" in out

    def test_a_schema_named_is_refused_and_never_created(
        self, capsys, postgres_url, postgres_schema
    ):
        """`demo --store URL?schema=NAME` exits 2: the demo neither writes to nor drops NAME."""
        store = f"{postgres_url}?schema={postgres_schema}"

        status, out, err = run(capsys, "demo", "--store", store)

        said = f"convroute: demo --store takes no ?schema= (it names {postgres_schema!r}): "
        assert (2, "", True, 1) == (status, out, err.startswith(said), len(err.splitlines()))
        assert [] == schemas(postgres_url, postgres_schema)

    def test_a_store_that_is_not_postgres_is_refused(self, capsys):
        """`demo --store` takes a PostgreSQL URL only: anything else is exit 2, one line."""
        status, _, err = run(capsys, "demo", "--store", "sqlite:demo.db")
        assert 2 == status
        assert "convroute: not a PostgreSQL URL: 'sqlite:demo.db'\n" == err


class TestLocksHeldTooLong:
    def test_a_lead_another_session_holds_fails_forget_with_exit_1(
        self, capsys, monkeypatch, postgres_url, postgres_schema
    ):
        """A lock held past the command's wait is exit 1, one line, and nothing removed."""
        import psycopg

        from convroute.adapters.postgres import PostgresStore
        from convroute.model import Lead, Phone

        lead = Phone("919800000001")
        with (
            PostgresStore(postgres_url, schema=postgres_schema) as store,
            store.unit_of_work() as uow,
        ):
            uow.leads.save(Lead(phone=lead, name="Ravi"))
        monkeypatch.setattr("convroute.cli._store.LOCK_TIMEOUT", "10ms")
        spec = f"{postgres_url}?schema={postgres_schema}"

        with psycopg.connect(postgres_url) as holder:
            holder.execute(f"SELECT * FROM {postgres_schema}.leads FOR UPDATE")  # noqa: S608 - a test schema
            status, out, err = run(capsys, "forget", lead, "--store", spec)
            holder.rollback()

        assert (1, "", 1) == (status, out, len(err.splitlines()))
        assert "lock timeout (SQLSTATE 55P03" in err
        with (
            PostgresStore(postgres_url, schema=postgres_schema) as store,
            store.unit_of_work() as uow,
        ):
            assert "Ravi" == uow.leads.get(lead).name


class TestURLParameters:
    def test_a_value_with_spaces_reaches_postgres_whole(
        self, capsys, postgres_url, postgres_schema
    ):
        """A URL parameter whose value holds spaces (options=-c …) reaches libpq as given."""
        from convroute.adapters.postgres import PostgresStore

        PostgresStore(postgres_url, schema=postgres_schema).close()
        options = "options=-c%20statement_timeout%3D5s"
        spec = f"{postgres_url}?{options}&schema={postgres_schema}"

        status, out, _ = run(capsys, "outbox", "stats", "--store", spec)

        assert (0, '{"pending": 0, "sent": 0, "dead": 0}\n') == (status, out)
