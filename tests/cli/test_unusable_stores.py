"""
A store the commands cannot use as they find it: exit 2 and one line, on SQLite and PostgreSQL.
"""

import functools
import hashlib
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import pytest

from convroute.adapters import SQLiteStore
from convroute.adapters._sqlite_schema import MIGRATIONS, SCHEMA_VERSION, migrate
from convroute.cli import main
from convroute.model import Lead, Phone


EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"
CONFIG = str(EXAMPLES / "account.toml")
EVENTS = str(EXAMPLES / "events.jsonl")
LEAD = "919800000001"
NEWER = SCHEMA_VERSION + 1
POSTGRES_OLDER = 7
# The user a root test run drops to, so that file modes hold: root ignores them.
NOBODY = 65534

READERS = {
    "report": ["report", CONFIG],
    "outbox stats": ["outbox", "stats"],
    "outbox list": ["outbox", "list"],
}
WRITERS = {
    "outbox requeue": ["outbox", "requeue", "a1"],
    "prune": ["prune", "--older-than", "30d"],
    "forget": ["forget", LEAD],
    "simulate": ["simulate", CONFIG, EVENTS],
}
COMMANDS = {**READERS, **WRITERS}


def run(capsys, *args):
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def written(path):
    """A store file with one lead, closed: no write-ahead log beside it."""
    with SQLiteStore(path) as store, store.unit_of_work() as uow:
        uow.leads.save(Lead(phone=Phone(LEAD), name="Ravi"))
    return path


@pytest.fixture
def newer(tmp_path):
    path = written(tmp_path / "convroute.db")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA user_version = {NEWER}")
    connection.close()
    return path


class TestNewerSchema:
    @pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
    def test_sqlite(self, capsys, newer, command):
        """Every command refuses a SQLite file a newer convroute wrote: exit 2, one line."""
        before = digest(newer)

        status, out, err = run(capsys, *command, "--store", f"sqlite:{newer}")

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert f"schema version {NEWER}, newer than this convroute knows" in err
        assert before == digest(newer)

    @pytest.mark.postgres
    @pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
    def test_postgres(self, capsys, postgres_url, postgres_schema, command):
        """Every command refuses a PostgreSQL schema a newer convroute wrote: exit 2, one line."""
        import psycopg

        from convroute.adapters.postgres import PostgresStore

        PostgresStore(postgres_url, schema=postgres_schema).close()
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(
                f"UPDATE {postgres_schema}.schema_version SET version = %s",  # noqa: S608 - a test schema
                (NEWER,),
            )
        store = f"{postgres_url}?schema={postgres_schema}"

        status, out, err = run(capsys, *command, "--store", store)

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert f"has version {NEWER}, newer than this convroute knows" in err


class TestOlderSchema:
    @pytest.mark.parametrize("command", READERS.values(), ids=READERS.keys())
    def test_a_reader_says_an_upgrade_needs_write_access(self, capsys, tmp_path, command):
        """A reader never upgrades a file an older convroute wrote: exit 2, one line saying why."""
        path = tmp_path / "convroute.db"
        connection = sqlite3.connect(path, isolation_level=None)
        migrate(connection, MIGRATIONS[:-1])
        connection.close()
        before = digest(path)

        status, out, err = run(capsys, *command, "--store", f"sqlite:{path}")

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert f"schema version {SCHEMA_VERSION - 1}, older than" in err
        assert "write access" in err
        assert before == digest(path)

    def test_a_writer_upgrades_it_and_readers_then_read_it(self, capsys, tmp_path):
        """Once a command that writes has opened the file, it is current and readers read it."""
        path = tmp_path / "convroute.db"
        connection = sqlite3.connect(path, isolation_level=None)
        migrate(connection, MIGRATIONS[:-1])
        connection.close()
        spec = f"sqlite:{path}"

        pruned = run(capsys, "prune", "--older-than", "30d", "--store", spec)
        counted = run(capsys, "outbox", "stats", "--store", spec)

        assert (0, '{"processed": 0, "sent": 0, "closed": 0}\n') == pruned[:2]
        assert (0, '{"pending": 0, "sent": 0, "dead": 0}\n') == counted[:2]

    @pytest.mark.postgres
    @pytest.mark.parametrize("command", READERS.values(), ids=READERS.keys())
    def test_a_reader_never_upgrades_a_postgres_schema(
        self, capsys, postgres_url, postgres_schema, command
    ):
        """A reader refuses a schema an older convroute wrote, as a file: exit 2, left as it was."""
        status, out, err = run(
            capsys, *command, "--store", older_schema(postgres_url, postgres_schema)
        )

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert f"has version {POSTGRES_OLDER}, older than this convroute's" in err
        assert POSTGRES_OLDER == postgres_version(postgres_url, postgres_schema)

    @pytest.mark.postgres
    def test_a_writer_upgrades_a_postgres_schema_and_readers_then_read_it(
        self, capsys, postgres_url, postgres_schema
    ):
        """Once a command that writes has opened the schema, it is current and readers read it."""
        spec = older_schema(postgres_url, postgres_schema)

        pruned = run(capsys, "prune", "--older-than", "30d", "--store", spec)
        counted = run(capsys, "outbox", "stats", "--store", spec)

        assert (0, '{"processed": 0, "sent": 0, "closed": 0}\n') == pruned[:2]
        assert (0, '{"pending": 0, "sent": 0, "dead": 0}\n') == counted[:2]


def older_schema(url, schema):
    """The store spec of a PostgreSQL schema one version older than this convroute's."""
    import psycopg

    from convroute.adapters._postgres_schema import MIGRATIONS as POSTGRES_MIGRATIONS
    from convroute.adapters._postgres_schema import migrate as postgres_migrate

    with psycopg.connect(url, autocommit=True) as connection:
        postgres_migrate(connection, schema, POSTGRES_MIGRATIONS[:POSTGRES_OLDER])
    return f"{url}?schema={schema}"


def postgres_version(url, schema):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(f"SELECT version FROM {schema}.schema_version").fetchone()  # noqa: S608 - a test schema
    return row[0]


class TestMissingStore:
    @pytest.mark.parametrize("command", READERS.values(), ids=READERS.keys())
    def test_sqlite(self, capsys, tmp_path, command):
        """A reader given a file that is not there: exit 2, one line, and no file made."""
        path = tmp_path / "none.db"

        status, out, err = run(capsys, *command, "--store", f"sqlite:{path}")

        assert (2, "", 1, False) == (status, out, len(err.splitlines()), path.exists())
        assert "no such file" in err

    @pytest.mark.postgres
    @pytest.mark.parametrize("command", READERS.values(), ids=READERS.keys())
    def test_postgres(self, capsys, postgres_url, postgres_schema, command):
        """A reader given a schema with no store: exit 2, one line."""
        status, out, err = run(
            capsys, *command, "--store", f"{postgres_url}?schema={postgres_schema}"
        )

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert f"no convroute store in the PostgreSQL schema '{postgres_schema}'" in err


class TestNotAStore:
    @pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
    def test_sqlite(self, capsys, tmp_path, command):
        """A file that is no SQLite database is a store no command can use: exit 2, one line."""
        path = tmp_path / "notes.db"
        path.write_bytes(b"not a database, just notes\n" * 100)

        status, out, err = run(capsys, *command, "--store", f"sqlite:{path}")

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert "file is not a database" in err
        assert b"not a database, just notes\n" * 100 == path.read_bytes()


class TestDamagedStore:
    @pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
    def test_sqlite(self, capsys, tmp_path, command):
        """A store file cut short is damaged, and running again cannot cure it: exit 2, one line."""
        path = tmp_path / "convroute.db"
        with SQLiteStore(path) as store, store.unit_of_work() as uow:
            for n in range(400):
                uow.leads.save(Lead(phone=Phone(f"91980000{n:04d}"), name="Ravi " * 40))
        os.truncate(path, path.stat().st_size // 2)
        before = digest(path)

        status, out, err = run(capsys, *command, "--store", f"sqlite:{path}")

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert "the file is damaged (database disk image is malformed)" in err
        assert before == digest(path)


# Read-only files, for real.  Root may write any file whatever its mode, so
# a root test run runs the command as another user; any other user's run
# runs it as itself, and the modes hold.


def run_elsewhere(folder, *args):
    """Run the command line in a process of its own, as a user file modes hold for."""
    command = [sys.executable, "-m", "convroute", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, which file modes do not hold for, and no setpriv")
        ids = [f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        command = [setpriv, *ids, *command]
        if not _runs_as_another_user(setpriv, *ids):
            pytest.skip(
                "running as root, and this interpreter, convroute or the examples cannot be used"
                " by another user (a folder on their path only root may enter, as mktemp -d makes)"
            )
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("COV_", "COVERAGE"))
    }
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=folder,
        env={**environment, "HOME": str(folder)},
        check=False,
        timeout=120,
    )
    return completed.returncode, completed.stdout, completed.stderr


@functools.cache
def _runs_as_another_user(setpriv, *ids):
    # Whether the interpreter, convroute and the example files can be used as that user at all.
    reads = (
        "import convroute.cli, pathlib, sys; [pathlib.Path(p).read_bytes() for p in sys.argv[1:]]"
    )
    probe = subprocess.run(
        [setpriv, *ids, sys.executable, "-c", reads, CONFIG, EVENTS],
        capture_output=True,
        cwd="/",
        check=False,
        timeout=120,
    )
    return probe.returncode == 0


@pytest.fixture
def folder():
    """A folder every user may read, removed afterwards whatever its mode became."""
    made = pathlib.Path(tempfile.mkdtemp(prefix="convroute-ro-"))
    made.chmod(0o755)
    yield made
    made.chmod(0o755)
    shutil.rmtree(made)


def outbox_store(path):
    """A store file whose outbox has one pending item, closed."""
    written(path)
    with SQLiteStore(path) as store:
        store_outbox(store)
    return path


def store_outbox(store):
    import datetime as dt

    from convroute.state import OutboxItem

    at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with store.unit_of_work() as uow:
        uow.outbox.add([OutboxItem("a1", "wamid.1", "assign", {"user": "u-asha"}, at)])


READ = {
    "outbox stats": (["outbox", "stats"], '{"pending": 1, "sent": 0, "dead": 0}\n'),
    "outbox list": (["outbox", "list"], '"id": "a1"'),
    "report": (["report", CONFIG], "Funnel 'Sales':"),
}


class TestReadOnlyFiles:
    @pytest.mark.parametrize(("command", "says"), READ.values(), ids=READ.keys())
    def test_a_read_only_file_is_read(self, folder, command, says):
        """A file of mode 0444 with no log beside it is read, and left as it was."""
        folder.chmod(0o777)  # the reader may make the shared-memory files beside it
        path = outbox_store(folder / "convroute.db")
        path.chmod(0o444)
        before = digest(path)

        status, out, err = run_elsewhere(folder, *command, "--store", f"sqlite:{path}")

        assert (0, "", True) == (status, err, says in out)
        assert before == digest(path)

    @pytest.mark.parametrize(("command", "says"), READ.values(), ids=READ.keys())
    def test_a_file_in_a_read_only_folder_is_read(self, folder, command, says):
        """A store in a folder the reader may not write, no log beside it, is read all the same."""
        path = outbox_store(folder / "convroute.db")
        path.chmod(0o444)
        folder.chmod(0o555)
        before = digest(path)

        status, out, err = run_elsewhere(folder, *command, "--store", f"sqlite:{path}")

        assert (0, "", True) == (status, err, says in out)
        assert (before, [path]) == (digest(path), list(folder.iterdir()))

    @pytest.mark.parametrize(("command", "says"), READ.values(), ids=READ.keys())
    def test_a_file_a_writer_has_open_is_read_as_it_stands(self, folder, command, says):
        """A store a writer has open, read-only to the reader, is read with its last commit."""
        path = outbox_store(folder / "convroute.db")
        with SQLiteStore(path) as writer:
            # Committed to the log, not yet copied into the file.
            with writer.unit_of_work() as uow:
                uow.outbox.mark_sent("a1")
            path.chmod(0o444)
            folder.chmod(0o555)
            wanted = says.replace('"pending": 1, "sent": 0', '"pending": 0, "sent": 1')

            status, out, err = run_elsewhere(folder, *command, "--store", f"sqlite:{path}")
            log = (folder / "convroute.db-wal").exists()

        assert (0, "", True, True) == (status, err, wanted in out, log)

    @pytest.mark.parametrize("command", WRITERS.values(), ids=WRITERS.keys())
    def test_a_writer_exits_2_on_a_read_only_file(self, folder, command):
        """A command that writes, given a file it may not write, says so: exit 2, one line."""
        folder.chmod(0o777)
        path = outbox_store(folder / "convroute.db")
        path.chmod(0o444)
        before = digest(path)

        status, out, err = run_elsewhere(folder, *command, "--store", f"sqlite:{path}")

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert "read-only" in err
        assert before == digest(path)

    @pytest.mark.parametrize("command", WRITERS.values(), ids=WRITERS.keys())
    def test_a_writer_exits_2_in_a_read_only_folder(self, folder, command):
        """A command that writes, given a file in a folder it may not write, says so: exit 2."""
        path = outbox_store(folder / "convroute.db")
        folder.chmod(0o555)

        status, out, err = run_elsewhere(folder, *command, "--store", f"sqlite:{path}")

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert "read-only" in err


@pytest.mark.postgres
class TestReadOnlyRole:
    @pytest.fixture
    def read_only_store(self, postgres_url, postgres_schema, read_only_url):
        """A PostgreSQL store with one lead and one pending item, as a role that may only read."""
        from convroute.adapters.postgres import PostgresStore

        with PostgresStore(postgres_url, schema=postgres_schema) as store:
            with store.unit_of_work() as uow:
                uow.leads.save(Lead(phone=Phone(LEAD), name="Ravi"))
            store_outbox(store)
        return f"{read_only_url(postgres_schema)}?schema={postgres_schema}"

    @pytest.mark.parametrize(("command", "says"), READ.values(), ids=READ.keys())
    def test_a_reader_reads(self, capsys, read_only_store, command, says):
        """A role that may only read the tables reads the store: exit 0, nothing on stderr."""
        status, out, err = run(capsys, *command, "--store", read_only_store)

        assert (0, "", True) == (status, err, says in out)

    @pytest.mark.parametrize("command", WRITERS.values(), ids=WRITERS.keys())
    def test_a_writer_exits_2(self, capsys, read_only_store, command):
        """A command that writes, as a role that may not, says so: exit 2, one line."""
        status, out, err = run(capsys, *command, "--store", read_only_store)

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert "permission denied" in err
