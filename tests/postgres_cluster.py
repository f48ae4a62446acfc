"""
A throw-away PostgreSQL server for the tests and the benchmarks.

``ThrowAwayCluster`` makes a temporary directory, ``initdb``s a cluster in it (trust
authentication, superuser ``convroute``, UTF8, locale C), starts it with ``pg_ctl -w`` on
127.0.0.1 at a free port and on a unix socket in that directory, and on exit stops it
(``pg_ctl -m immediate stop``) and removes the directory.  Durability is switched off
(``fsync=off``, ``synchronous_commit=off``, ``full_page_writes=off``): nothing in it is worth
keeping.

PostgreSQL refuses to run as root, so when run as root the server runs as the ``postgres`` user
(the Debian packages create it).  A watchdog process stops the server and removes the directory
if the process that started it dies without doing so (a killed pytest run).

Nothing here needs psycopg.  By hand::

    python tests/postgres_cluster.py     # prints the URL, serves until Ctrl-C
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

from pathlib import Path
from typing import TYPE_CHECKING, Self


if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType


#: The server URL of an existing server to test against instead of a throw-away cluster.
URL_ENV = "CONVROUTE_TEST_POSTGRES"
#: When set (CI sets it), a server that cannot be had fails the tests instead of skipping them.
REQUIRE_ENV = "CONVROUTE_REQUIRE_POSTGRES"

#: Where the Debian packages put each major version's binaries: ``<root>/<version>/bin``.
DEBIAN_ROOTS: Sequence[Path] = (Path("/usr/lib/postgresql"),)
#: The user the server runs as when we are root.
SERVER_USER = "postgres"
#: The cluster's superuser, and the user in ``url``.
SUPERUSER = "convroute"

_BINARIES = ("initdb", "pg_ctl", "postgres")
_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes; the socket file is ".s.PGSQL.<port>"
_LOG_TAIL_LINES = 30
_names = itertools.count()


class ClusterUnavailable(RuntimeError):  # noqa: N818 - reads as what it says
    """
    No throw-away cluster can be had here; the message says why.
    """


def fresh_schema_name() -> str:
    """
    A PostgreSQL schema name unique to this run: ``t_<counter>_<random hex>``.
    """
    return f"t_{next(_names)}_{secrets.token_hex(4)}"


def drop_schemas(url: str, names: Sequence[str]) -> None:
    """
    Drop these schemas, and all in them, if they exist (needs psycopg).

    A connection still in a transaction that used one holds a lock the drop waits for: after
    ten seconds it gives up with ``psycopg.errors.LockNotAvailable``.
    """
    # Imported here: the cluster itself needs no psycopg.
    from psycopg import connect, sql

    with connect(url, autocommit=True) as connection:
        connection.execute("SET lock_timeout = '10s'")
        for name in names:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
            )


def find_binaries(path: str | None = None, roots: Sequence[Path] | None = None) -> Path:
    """
    The directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    ``initdb`` on ``path`` (default: ``$PATH``) first, then the highest version under the
    Debian roots.

    Raises:
        ClusterUnavailable: when no directory holds all three.
    """
    candidates: list[Path] = []
    on_path = shutil.which("initdb", path=path if path is not None else os.environ.get("PATH"))
    if on_path is not None:
        candidates += [Path(on_path).resolve().parent, Path(on_path).parent]
    for root in DEBIAN_ROOTS if roots is None else roots:
        versions = root.glob("*/bin") if root.is_dir() else []
        candidates += sorted(versions, key=_version_key, reverse=True)
    for directory in candidates:
        if all(os.access(directory / name, os.X_OK) for name in _BINARIES):
            return directory
    searched = "".join(
        f" nor in {root / '*' / 'bin'}" for root in (DEBIAN_ROOTS if roots is None else roots)
    )
    raise ClusterUnavailable(
        f"PostgreSQL's {', '.join(_BINARIES)} not found on PATH{searched}"
        " (Debian: apt-get install postgresql)"
    )


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowAwayCluster:
    """
    A PostgreSQL server in a temporary directory, for as long as the ``with`` block runs.

    ``url`` is the superuser's URL of the ``postgres`` database over TCP; ``socket_url`` the same
    over the unix socket (``None`` when the directory's path is too long for one).
    """

    def __init__(self, *, bin_dir: Path | None = None, user: str | None = None) -> None:
        self._bin_dir = bin_dir
        self._user = user
        self.directory: Path | None = None
        self.port: int | None = None
        self._run_as: pwd.struct_passwd | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL of the ``postgres`` database over TCP, as the superuser."""
        if self.port is None:
            raise RuntimeError("the cluster is not running")
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    @property
    def socket_url(self) -> str | None:
        """The same over the unix socket, or ``None`` when the server listens on TCP only."""
        if self.port is None or self.directory is None:
            raise RuntimeError("the cluster is not running")
        if not self._socket_fits():
            return None
        return f"postgresql://{SUPERUSER}@/postgres?host={self.directory}&port={self.port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """
        Make, start and wait for the cluster.

        Raises:
            ClusterUnavailable: with the reason (and the server log's tail) when it cannot.
        """
        if self.directory is not None:
            raise RuntimeError("the cluster is already running")
        bin_dir = self._bin_dir = self._bin_dir or find_binaries()
        self._run_as = self._server_user()
        self.directory = Path(tempfile.mkdtemp(prefix="convroute-pg-"))
        try:
            if self._run_as is not None:
                os.chown(self.directory, self._run_as.pw_uid, self._run_as.pw_gid)
            self._start_watchdog(bin_dir)
            self._run(
                bin_dir / "initdb",
                *("-D", self.directory / "data", "-U", SUPERUSER, "--auth=trust"),
                *("--encoding=UTF8", "--locale=C", "--no-sync"),
                doing="initdb",
            )
            # The port is free when probed; another process may take it before the server
            # binds it, so a failed start gets a second and third chance on fresh ports.
            for attempt in range(3):
                self.port = _free_port()
                try:
                    self._pg_ctl(bin_dir, "-w", "-t", "60", "-o", self._options(), "start")
                except ClusterUnavailable:
                    if attempt == 2 or "could not bind" not in self._log_tail():
                        raise
                else:
                    break
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server (immediately: no checkpoint) and remove its directory."""
        directory, self.directory, self.port = self.directory, None, None
        if directory is not None and self._bin_dir is not None:
            _teardown(self._bin_dir, directory, self._run_as)
        if self._watchdog is not None:
            watchdog, self._watchdog = self._watchdog, None
            assert watchdog.stdin is not None
            watchdog.stdin.close()  # it finds nothing left to do and exits
            watchdog.wait()

    def _server_user(self) -> pwd.struct_passwd | None:
        name = self._user or (SERVER_USER if os.geteuid() == 0 else None)
        if name is None:
            return None
        try:
            return pwd.getpwnam(name)
        except KeyError:
            raise ClusterUnavailable(
                f"PostgreSQL will not run as root and there is no user {name!r} to run it as"
                f" (useradd --system {name})"
            ) from None

    def _socket_fits(self) -> bool:
        assert self.directory is not None
        return len(f"{self.directory}/.s.PGSQL.{self.port}") <= _SOCKET_PATH_MAX

    def _options(self) -> str:
        assert self.directory is not None
        sockets = str(self.directory) if self._socket_fits() else ""
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": sockets,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
        }
        # pg_ctl hands these to a shell.
        return " ".join(f"-c {shlex.quote(f'{key}={value}')}" for key, value in settings.items())

    def _pg_ctl(self, bin_dir: Path, *arguments: str) -> None:
        assert self.directory is not None
        self._run(
            bin_dir / "pg_ctl",
            *("-D", self.directory / "data", "-l", self.directory / "server.log"),
            *arguments,
            doing=f"pg_ctl {arguments[-1]}",
        )

    def _run(self, *command: str | Path, doing: str) -> None:
        assert self.directory is not None
        try:
            done = _run_as(command, self._run_as, cwd=self.directory)
        except OSError as error:
            user = "" if self._run_as is None else f" as user {self._run_as.pw_name!r}"
            raise ClusterUnavailable(f"{doing} cannot be run{user}: {error}") from error
        if done.returncode != 0:
            raise ClusterUnavailable(
                f"{doing} failed (exit status {done.returncode}): {done.stdout.strip()}"
                f"{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        assert self.directory is not None
        try:
            lines = (self.directory / "server.log").read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(lines[-_LOG_TAIL_LINES:])

    def _start_watchdog(self, bin_dir: Path) -> None:
        # A process of its own (own session: a Ctrl-C meant for us does not reach it) that
        # waits for its stdin to close, which happens when we exit however we exit, then
        # tears down whatever is left.  stop() leaves nothing.
        assert self.directory is not None
        user = "" if self._run_as is None else self._run_as.pw_name
        self._watchdog = subprocess.Popen(
            [sys.executable, __file__, "--watchdog", str(bin_dir), str(self.directory), user],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def _run_as(
    command: Sequence[str | Path], user: pwd.struct_passwd | None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    as_user = {}
    if user is not None:
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        **as_user,  # type: ignore[arg-type]
    )


def _teardown(bin_dir: Path, directory: Path, user: pwd.struct_passwd | None) -> None:
    data = directory / "data"
    if (data / "postmaster.pid").exists():
        stop = [bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]
        if _run_as(stop, user, cwd=directory).returncode != 0:
            _kill_postmaster(data)
    shutil.rmtree(directory, ignore_errors=True)


def _kill_postmaster(data: Path) -> None:
    # pg_ctl could not stop it: SIGQUIT is what its immediate mode sends.
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)


def _watch(bin_dir: str, directory: str, user: str) -> None:
    sys.stdin.buffer.read()  # until EOF: our starter closed the pipe, or died
    if Path(directory).exists():
        _teardown(Path(bin_dir), Path(directory), pwd.getpwnam(user) if user else None)


def main(argv: Sequence[str] | None = None) -> int:
    """Start a throw-away cluster, print its URL and serve until interrupted."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--watchdog"]:
        _watch(*arguments[1:4])
        return 0

    def interrupt(number: int, frame: object) -> None:
        del number, frame
        raise KeyboardInterrupt

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, interrupt)
    try:
        with ThrowAwayCluster() as cluster:
            sys.stdout.write(
                f"PostgreSQL is serving at {cluster.url}\n"
                f"  {URL_ENV}={cluster.url} python -m pytest -m postgres\n"
                "Ctrl-C stops it and removes its directory.\n"
            )
            sys.stdout.flush()
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    except ClusterUnavailable as error:
        sys.stderr.write(f"no throw-away PostgreSQL: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
