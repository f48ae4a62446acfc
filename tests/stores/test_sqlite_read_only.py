"""
SQLiteStore(path, read_only=True): a reader's store that never writes to the file.
"""

import hashlib
import sqlite3

import pytest

from convroute.adapters import SQLiteStore
from convroute.adapters._codec import RecentValues
from convroute.adapters._sqlite_schema import MIGRATIONS, SCHEMA_VERSION, migrate
from convroute.adapters._sqlite_unit import SQLiteUnit
from convroute.errors import StoreError, StoreUnusableError
from convroute.model import Lead, Phone


LEAD = Phone("919800000001")


def raw(path):
    """A plain connection of our own to the store's file, in autocommit mode."""
    return sqlite3.connect(path, isolation_level=None)


def pragma(path, name):
    connection = raw(path)
    try:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        connection.close()


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "convroute.db"


@pytest.fixture
def written(path):
    """A store file with one lead, closed: no write-ahead log beside it."""
    with SQLiteStore(path) as store, store.unit_of_work() as uow:
        uow.leads.save(Lead(phone=LEAD, name="Ravi"))
    return path


class TestOpening:
    def test_a_file_in_rollback_journal_mode_stays_so(self, written):
        """A read-only open reads the file without switching it to write-ahead logging."""
        connection = raw(written)
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.close()
        before = digest(written)

        with SQLiteStore(written, read_only=True) as reader, reader.unit_of_work() as uow:
            name = uow.leads.get(LEAD).name

        assert ("Ravi", "delete", before) == (
            name,
            pragma(written, "journal_mode"),
            digest(written),
        )

    def test_an_older_schema_is_refused_and_left_as_it_was(self, path):
        """An older schema is not upgraded: the error says that an upgrade needs write access."""
        connection = raw(path)
        migrate(connection, MIGRATIONS[:-1])
        connection.close()
        before = digest(path)

        with pytest.raises(StoreUnusableError) as raised:
            SQLiteStore(path, read_only=True)

        message = str(raised.value)
        assert (True, True, True) == (
            f"schema version {SCHEMA_VERSION - 1}, older than" in message,
            "write access" in message,
            before == digest(path),
        )
        assert SCHEMA_VERSION - 1 == pragma(path, "user_version")

    @pytest.mark.parametrize("version", [-1, SCHEMA_VERSION + 1])
    def test_a_version_this_convroute_does_not_know_is_unusable(self, written, version):
        """A negative or newer version is refused with StoreUnusableError, as a writer's is."""
        connection = raw(written)
        connection.execute(f"PRAGMA user_version = {version}")
        connection.close()

        with pytest.raises(StoreUnusableError, match=f"schema version {version}"):
            SQLiteStore(written, read_only=True)

    def test_a_missing_file_is_unusable_and_never_made(self, path):
        """A reader never creates the file it is given: no such file is a StoreUnusableError."""
        with pytest.raises(StoreUnusableError, match="no such file"):
            SQLiteStore(path, read_only=True)

        assert not path.exists()

    def test_an_empty_database_is_no_store(self, path):
        """A file that is a database with nothing in it holds no convroute store."""
        connection = raw(path)
        connection.execute("CREATE TABLE gone (id INTEGER)")
        connection.execute("DROP TABLE gone")
        connection.close()

        with pytest.raises(StoreUnusableError, match="no convroute store"):
            SQLiteStore(path, read_only=True)

    def test_a_file_that_is_not_a_database_is_unusable(self, path):
        """Bytes that are no SQLite database are a store that cannot be used, left as they were."""
        path.write_bytes(b"not a database, just notes\n" * 100)

        with pytest.raises(StoreUnusableError, match="file is not a database"):
            SQLiteStore(path, read_only=True)

        assert b"not a database, just notes\n" * 100 == path.read_bytes()


class TestRefusedWrites:
    def test_a_write_is_refused_in_the_store_s_words(self, written):
        """A write through a read-only store is refused with a clear StoreError, not SQLite's."""
        with SQLiteStore(written, read_only=True) as reader:
            with pytest.raises(StoreError) as raised, reader.unit_of_work() as uow:
                uow.leads.save(Lead(phone=LEAD, name="Someone else"))
            with reader.unit_of_work() as uow:
                name = uow.leads.get(LEAD).name

        message = str(raised.value)
        assert (False, True, True, "Ravi") == (
            "attempt to write a readonly database" in message,
            "read_only=True" in message,
            "never writes" in message,
            name,
        )


class TestWriters:
    @pytest.mark.parametrize("version", [-1, SCHEMA_VERSION + 1])
    def test_a_version_this_convroute_does_not_know_is_unusable(self, written, version):
        """A writer refuses a version it does not know with StoreUnusableError too."""
        connection = raw(written)
        connection.execute(f"PRAGMA user_version = {version}")
        connection.close()

        with pytest.raises(StoreUnusableError, match=f"schema version {version}"):
            SQLiteStore(written)

    def test_another_program_s_database_is_unusable(self, path):
        """A file of version 0 that holds tables is another program's: StoreUnusableError."""
        connection = raw(path)
        connection.execute("CREATE TABLE customers (id INTEGER)")
        connection.close()

        with pytest.raises(StoreUnusableError, match="not a convroute store"):
            SQLiteStore(path)

    def test_a_file_that_is_not_a_database_is_unusable(self, path):
        """A writer given bytes that are no SQLite database: StoreUnusableError, file untouched."""
        path.write_bytes(b"not a database, just notes\n" * 100)

        with pytest.raises(StoreUnusableError, match="file is not a database"):
            SQLiteStore(path)

        assert b"not a database, just notes\n" * 100 == path.read_bytes()

    def test_a_folder_that_is_not_there_is_unusable(self, tmp_path):
        """A file in a folder that does not exist cannot be made: StoreUnusableError."""
        with pytest.raises(StoreUnusableError, match="cannot open"):
            SQLiteStore(tmp_path / "none" / "convroute.db")

    def test_a_file_read_only_under_a_writer_s_unit_is_unusable(self, written):
        """A writer's write that SQLite refuses as read-only is a StoreUnusableError saying so."""
        forced = sqlite3.connect(f"{written.as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            unit = SQLiteUnit(forced, str(written), "default", values=RecentValues())
            with pytest.raises(StoreUnusableError, match="read-only for this user"), unit as uow:
                uow.leads.save(Lead(phone=LEAD, name="Someone else"))
        finally:
            forced.close()
