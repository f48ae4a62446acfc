"""
The PostgreSQL test plumbing: the session's server, fresh schemas, and the throw-away cluster.
"""

import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import textwrap

from pathlib import Path

import pytest

import postgres_cluster

from postgres_cluster import (
    REQUIRE_ENV,
    URL_ENV,
    ClusterUnavailable,
    ThrowAwayCluster,
    drop_schemas,
    fresh_schema_name,
)


try:
    import psycopg
except ImportError:  # the postgres_url fixture skips (or fails) the tests that need it
    psycopg = None


linux_only = pytest.mark.skipif(
    not hasattr(os, "pidfd_open") or not Path("/proc/self/cmdline").exists(),
    reason="looks for processes in /proc and waits on a pidfd: Linux only",
)


def running_with(directory):
    """The processes (not zombies) whose command line names `directory`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(directory).encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue  # gone meanwhile
    return [pid for pid in found if pid != os.getpid()]


def wait_for_exit(pid):
    """Wait for a process that is not our child to exit (no polling: a pidfd)."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        ready, _, _ = select.select([descriptor], [], [], 120)
        assert ready, f"process {pid} still running"
    finally:
        os.close(descriptor)


@pytest.fixture
def own_cluster(postgres_url):
    """A throw-away cluster of this test's own, not the session's (which says we can have one)."""
    del postgres_url
    cluster = ThrowAwayCluster()
    try:
        cluster.start()
    except ClusterUnavailable as error:
        if os.environ.get(URL_ENV) and not os.environ.get(REQUIRE_ENV):
            pytest.skip(f"testing against {URL_ENV}, and no throw-away cluster: {error}")
        raise
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.mark.postgres
class TestTheSessionServer:
    def test_answers(self, postgres_url):
        with psycopg.connect(postgres_url) as connection:
            assert (1,) == connection.execute("SELECT 1").fetchone()

    def test_is_utf8(self, postgres_url):
        with psycopg.connect(postgres_url) as connection:
            assert ("UTF8",) == connection.execute("SHOW server_encoding").fetchone()
            assert ("💬",) == connection.execute("SELECT %s::text", ["💬"]).fetchone()

    def test_schemas_are_made_and_dropped(self, postgres_url, postgres_schema):
        schema = psycopg.sql.Identifier(postgres_schema)
        exists = "SELECT count(*) FROM pg_namespace WHERE nspname = %s"
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(psycopg.sql.SQL("CREATE SCHEMA {}").format(schema))
            connection.execute(psycopg.sql.SQL("CREATE TABLE {}.t (x int)").format(schema))
            connection.execute(psycopg.sql.SQL("INSERT INTO {}.t VALUES (7)").format(schema))
            assert (7,) == connection.execute(
                psycopg.sql.SQL("SELECT x FROM {}.t").format(schema)
            ).fetchone()
            assert (1,) == connection.execute(exists, [postgres_schema]).fetchone()
            connection.execute(psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(schema))
            assert (0,) == connection.execute(exists, [postgres_schema]).fetchone()

    def test_fresh_schemas_are_dropped_with_all_in_them(self, postgres_url, new_postgres_schema):
        # What the fixture does at teardown; a name never made is no error.
        names = [new_postgres_schema(), new_postgres_schema(), new_postgres_schema()]
        exists = "SELECT count(*) FROM pg_namespace WHERE nspname = ANY(%s)"
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            for name in names[:2]:
                schema = psycopg.sql.Identifier(name)
                connection.execute(psycopg.sql.SQL("CREATE SCHEMA {}").format(schema))
                connection.execute(psycopg.sql.SQL("CREATE TABLE {}.t (x int)").format(schema))
            assert (2,) == connection.execute(exists, [names]).fetchone()
            drop_schemas(postgres_url, names)
            assert (0,) == connection.execute(exists, [names]).fetchone()


class TestFreshSchemaNames:
    def test_are_unique_plain_identifiers(self):
        names = [fresh_schema_name() for _ in range(1000)]
        assert len(set(names)) == len(names)
        for name in names:
            assert re.fullmatch(r"t_[0-9]+_[0-9a-f]{8}", name)
            assert len(name) <= 63


class TestThrowAwayCluster:
    @pytest.mark.postgres
    def test_serves_over_tcp_and_the_socket(self, own_cluster):
        assert own_cluster.url.startswith("postgresql://convroute@127.0.0.1:")
        for url in [own_cluster.url, own_cluster.socket_url]:
            with psycopg.connect(url) as connection:
                assert ("convroute", True) == connection.execute(
                    "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
                ).fetchone()

    @linux_only
    @pytest.mark.postgres
    def test_stopping_leaves_nothing_behind(self, own_cluster):
        directory, url = own_cluster.directory, own_cluster.url
        assert running_with(directory)
        own_cluster.stop()
        assert not directory.exists()
        assert [] == running_with(directory)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=10)

    @linux_only
    @pytest.mark.postgres
    def test_a_killed_starter_leaves_nothing_behind(self, own_cluster):
        # Only to learn that one can be started here: this test starts its own in a child
        # process, which kills itself; the watchdog cleans up after it.
        del own_cluster
        child = textwrap.dedent(
            """
            import os, signal, sys
            sys.path.insert(0, sys.argv[1])
            from postgres_cluster import ThrowAwayCluster
            cluster = ThrowAwayCluster()
            cluster.start()
            print(cluster.directory, cluster._watchdog.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
            """
        )
        tests = str(Path(postgres_cluster.__file__).parent)
        done = subprocess.run(
            [sys.executable, "-c", child, tests], capture_output=True, text=True, check=False
        )
        assert -signal.SIGKILL == done.returncode, done.stderr
        directory, watchdog = done.stdout.split()
        wait_for_exit(int(watchdog))
        assert not Path(directory).exists()
        assert [] == running_with(directory)

    def test_missing_binaries_are_a_clear_reason(self, monkeypatch, tmp_path):
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.setattr(postgres_cluster, "DEBIAN_ROOTS", [tmp_path / "postgresql"])
        with pytest.raises(ClusterUnavailable, match=r"initdb, pg_ctl, postgres not found"):
            ThrowAwayCluster().start()

    def test_the_highest_debian_version_is_used(self, tmp_path):
        for version in ["9.6", "15", "13"]:
            bin_dir = tmp_path / version / "bin"
            bin_dir.mkdir(parents=True)
            for name in ["initdb", "pg_ctl", "postgres"]:
                (bin_dir / name).touch(mode=0o755)
        assert tmp_path / "15" / "bin" == postgres_cluster.find_binaries(
            path=str(tmp_path / "empty"), roots=[tmp_path]
        )

    def test_a_failed_start_says_why(self):
        # Not in tmp_path: as root the binaries run as the server user, who cannot reach it.
        with tempfile.TemporaryDirectory() as bin_dir:
            Path(bin_dir).chmod(0o755)
            for name in ["initdb", "pg_ctl", "postgres"]:
                fake = Path(bin_dir) / name
                fake.write_text("#!/bin/sh\necho 'no space left on device' >&2\nexit 3\n")
                fake.chmod(0o755)
            cluster = ThrowAwayCluster(bin_dir=Path(bin_dir))
            with pytest.raises(
                ClusterUnavailable, match=r"initdb failed \(exit status 3\)"
            ) as error:
                cluster.start()
        assert "no space left on device" in str(error.value)
        assert cluster.directory is None

    def test_binaries_that_cannot_be_run_are_a_clear_reason(self, tmp_path):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for name in ["initdb", "pg_ctl", "postgres"]:
            (bin_dir / name).write_text("not a program\n")
            (bin_dir / name).chmod(0o755)
        with pytest.raises(ClusterUnavailable, match=r"initdb cannot be run"):
            ThrowAwayCluster(bin_dir=bin_dir).start()
