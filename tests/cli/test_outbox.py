"""
`convroute outbox stats|list|requeue --store S`: the outbox of a store, from the command line.
"""

import contextlib
import datetime as dt
import json
import sqlite3

import pytest

from convroute.adapters import SQLiteStore
from convroute.cli import main
from convroute.cli._store import postgres_spec
from convroute.state import OutboxItem


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def item(ident, minutes=0):
    body = {"type": "assign", "event": "wamid.1", "user": "u-asha"}
    return OutboxItem(ident, "wamid.1", "assign", body, T0 + dt.timedelta(minutes=minutes))


def fill(store):
    """Three items: a1 sent, a2 dead, a3 pending after a failure."""
    with store.unit_of_work() as uow:
        uow.outbox.add([item("a1"), item("a2", 1), item("a3", 2)])
        uow.outbox.mark_sent("a1")
        uow.outbox.mark_dead("a2", "HTTP 400: not a WhatsApp number")
        uow.outbox.release("a3", "HTTP 503", T0 + dt.timedelta(minutes=3))


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "convroute.db"
    with SQLiteStore(path) as store:
        fill(store)
    return f"sqlite:{path}"


def run(capsys, *args):
    status = main(list(args))
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines()], captured.err


class TestStats:
    def test_one_json_line_of_counts(self, capsys, spec):
        """stats prints how many items are pending, sent and dead, as one JSON line."""
        assert (0, [{"pending": 1, "sent": 1, "dead": 1}], "") == run(
            capsys, "outbox", "stats", "--store", spec
        )


class TestList:
    def test_dead_items_one_line_each(self, capsys, spec):
        """list --status dead prints each dead item as a JSON line, with its error."""
        expected = {
            "id": "a2",
            "event": "wamid.1",
            "type": "assign",
            "status": "dead",
            "attempts": 1,
            "last_error": "HTTP 400: not a WhatsApp number",
            "created_at": "2026-11-02T09:01:00+00:00",
            "next_attempt_at": None,
            "claimed_until": None,
            "body": {"type": "assign", "event": "wamid.1", "user": "u-asha"},
        }
        assert (0, [expected], "") == run(
            capsys, "outbox", "list", "--status", "dead", "--store", spec
        )

    def test_every_item_without_a_status(self, capsys, spec):
        """Without --status every item is listed, oldest first."""
        status, lines, _ = run(capsys, "outbox", "list", "--store", spec)

        assert (0, ["a1", "a2", "a3"]) == (status, [line["id"] for line in lines])
        assert "2026-11-02T09:03:00+00:00" == lines[2]["next_attempt_at"]


class TestRequeue:
    def test_dead_items_become_pending(self, capsys, spec):
        """requeue makes a dead item pending, and says what it did."""
        status, lines, _ = run(capsys, "outbox", "requeue", "a2", "--store", spec)
        _, counts, _ = run(capsys, "outbox", "stats", "--store", spec)

        assert (0, [{"requeued": ["a2"], "not_dead": {}, "unknown": []}]) == (status, lines)
        assert [{"pending": 2, "sent": 1, "dead": 0}] == counts

    def test_unknown_ids_exit_2_and_the_others_are_requeued(self, capsys, spec):
        """An unknown id is reported with status 2; items not dead are named with their status."""
        status, lines, _ = run(capsys, "outbox", "requeue", "a1", "a2", "a3", "zz", "--store", spec)

        expected = {
            "requeued": ["a2"],
            "not_dead": {"a1": "sent", "a3": "pending"},
            "unknown": ["zz"],
        }
        assert (2, [expected]) == (status, lines)

    def test_a_row_of_a_status_convroute_does_not_know_exits_1_as_stats_does(self, capsys, spec):
        """A status column edited by hand: requeue names the row and exits 1, as stats does."""
        path = spec.removeprefix("sqlite:")
        with contextlib.closing(sqlite3.connect(path)) as connection, connection:
            connection.execute("UPDATE outbox SET status = 'weird' WHERE id = 'a3'")

        requeued = run(capsys, "outbox", "requeue", "a2", "a3", "--store", spec)
        counted = run(capsys, "outbox", "stats", "--store", spec)

        said = "convroute: outbox row seq 3, id a3: its status is none of pending, sent, dead; "
        assert ((1, []), True) == (requeued[:2], requeued[2].startswith(said))
        assert requeued == counted
        with contextlib.closing(sqlite3.connect(path)) as connection:
            rows = connection.execute("SELECT id, status FROM outbox ORDER BY id").fetchall()
        assert [("a1", "sent"), ("a2", "dead"), ("a3", "weird")] == rows

    def test_an_id_that_is_not_text_is_a_usage_error(self, capsys, spec):
        """An id of bytes that are not UTF-8 is a usage error (status 2), not a store failure."""
        with pytest.raises(SystemExit) as exit_:
            main(["outbox", "requeue", "a2", "\udcff", "--store", spec])
        error = capsys.readouterr().err.splitlines()[-1]
        _, counts, _ = run(capsys, "outbox", "stats", "--store", spec)

        expected = "convroute outbox requeue: error: argument ID: not an outbox item id: '\\udcff'"
        assert (2, expected) == (exit_.value.code, error[: len(expected)])
        assert [{"pending": 1, "sent": 1, "dead": 1}] == counts


class TestErrors:
    @pytest.mark.parametrize(
        ("store", "says"),
        [
            ("memory", "a memory store starts empty"),
            ("nosuch:here", "unknown store"),
            ("sqlite:{tmp}/missing.db", "no such file"),
        ],
    )
    @pytest.mark.parametrize("action", [["stats"], ["list"], ["requeue", "a1"]])
    def test_a_store_that_is_not_there_exits_2(self, capsys, tmp_path, store, says, action):
        """A store spec naming no existing store is one error line and status 2, no traceback."""
        status, lines, err = run(capsys, "outbox", *action, "--store", store.format(tmp=tmp_path))

        assert (2, [], 1) == (status, lines, len(err.splitlines()))
        assert says in err

    def test_a_file_that_is_not_a_store_exits_2(self, capsys, tmp_path):
        """A file that is no database is a store that cannot be used: one error line, status 2."""
        path = tmp_path / "notes.db"
        path.write_text("not a database, just notes\n" * 100)

        status, lines, err = run(capsys, "outbox", "stats", "--store", f"sqlite:{path}")

        assert (2, [], 1) == (status, lines, len(err.splitlines()))

    @pytest.mark.parametrize(
        "store",
        [
            "postgresql://crm:S3cretPass@[::1/crm",
            "postgresql://crm:S3cret%ZZ@127.0.0.1:5432/crm",
            "postgresqll://crm:S3cretPass@db.internal/crm",
            "host=db.internal password=S3cretPass user=crm",
        ],
    )
    def test_a_password_never_reaches_the_error_line(self, capsys, store):
        """A --store the command cannot use is quoted with its password as ***: exit 2."""
        status, _, err = run(capsys, "outbox", "stats", "--store", store)

        assert (2, False, True) == (status, "S3cret" in err, "***" in err)

    @pytest.mark.parametrize(
        ("store", "port"),
        [
            ("postgresql://crm@db:54321x/crm", "54321x"),
            ("postgresql://crm@db:99999/crm", "99999"),
            ("postgresql://crm@db1:5432,[::1]:0/crm", "0"),
            ("postgresql://crm@db/crm?port=5432,abc", "abc"),
            ("postgresql://crm@db:\u0665\u0664\u0663\u0662/crm", "\u0665\u0664\u0663\u0662"),
            ("postgresql://crm@db/crm?port=5_432", "5_432"),
            (f"postgresql://crm@db:{'5' * 5000}/crm", "5" * 5000),
        ],
    )
    def test_a_port_that_is_no_port_exits_2_before_connecting(self, capsys, store, port):
        """A URL's port that is no number from 1 to 65535 is a usage error, named: exit 2."""
        status, _, err = run(capsys, "outbox", "stats", "--store", store)

        said = f"convroute: --store: the PostgreSQL URL's port {port!r} is no port: a whole number"
        assert (2, True) == (status, err.startswith(said))

    @pytest.mark.parametrize(
        ("parameter", "value"),
        [
            ("connect_timeout", "abc"),
            ("connect_timeout", "%2B5"),
            ("connect_timeout", ""),
            ("keepalives", "\u0661"),
            ("keepalives_idle", "x"),
            ("keepalives_interval", "-1"),
            ("keepalives_count", "99999999999"),
            ("tcp_user_timeout", "1_000"),
        ],
    )
    def test_a_whole_number_parameter_that_is_none_exits_2(self, capsys, parameter, value):
        """libpq's whole-number parameters take digits 0-9 only: a usage error before connecting."""
        store = f"postgresql://crm@127.0.0.1:1/crm?{parameter}={value}"

        status, _, err = run(capsys, "outbox", "stats", "--store", store)

        said = f"convroute: --store: the PostgreSQL URL's {parameter} "
        assert (2, True, True) == (status, err.startswith(said), "is no whole number" in err)

    def test_ports_of_several_hosts_are_taken(self):
        """Each host's own port, an IPv6 host's too, and a port= list are all ports."""
        spec = "postgresql://crm@db1:5432,[::1]:5433,db3/crm?port=5432,5433,"

        assert postgres_spec(spec)[1] is None

    @pytest.mark.parametrize("schema", ["crm", "convroute", ""])
    def test_the_demo_refuses_a_schema_before_connecting(self, capsys, schema):
        """The demo runs in a schema of its own: a URL naming one is a usage error, exit 2."""
        store = f"postgresql://crm@127.0.0.1:1/crm?connect_timeout=2&schema={schema}"

        status = main(["demo", "--store", store])

        said = f"convroute: demo --store takes no ?schema= (it names {schema!r}): the demo runs"
        assert (2, True) == (status, capsys.readouterr().err.startswith(said))

    def test_the_demo_quotes_no_password_either(self, capsys):
        """`demo --store` given no PostgreSQL URL quotes it with its password as ***."""
        status = main(["demo", "--store", "sqlite://crm:S3cretPass@db.internal/crm"])
        err = capsys.readouterr().err

        assert (2, "convroute: not a PostgreSQL URL: 'sqlite://crm:***@db.internal/crm'\n") == (
            status,
            err,
        )

    @pytest.mark.parametrize(
        "args",
        [
            ["outbox"],
            ["outbox", "list", "--status", "lost", "--store", "sqlite:x"],
            ["outbox", "requeue"],
        ],
    )
    def test_usage_errors_exit_2(self, capsys, args):
        """A missing action, an unknown status or no ids is a usage error: status 2."""
        with pytest.raises(SystemExit) as exit_:
            main(args)

        assert 2 == exit_.value.code
        assert "Traceback" not in capsys.readouterr().err


@pytest.mark.postgres
class TestPostgres:
    def test_stats_list_and_requeue(self, capsys, postgres_url, new_postgres_schema):
        """The same on a PostgreSQL store."""
        from convroute.adapters.postgres import PostgresStore

        schema = new_postgres_schema()
        with PostgresStore(postgres_url, schema=schema) as store:
            fill(store)
        spec = f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}"

        requeued = run(capsys, "outbox", "requeue", "a2", "--store", spec)
        counts = run(capsys, "outbox", "stats", "--store", spec)
        pending = run(capsys, "outbox", "list", "--status", "pending", "--store", spec)

        assert (0, [{"requeued": ["a2"], "not_dead": {}, "unknown": []}], "") == requeued
        assert (0, [{"pending": 2, "sent": 1, "dead": 0}], "") == counts
        assert ["a2", "a3"] == [line["id"] for line in pending[1]]
