"""
The ``convroute`` command line.

Each command lives in a private module of its own, which adds its parser
and raises what stops it; `main` turns every failure into one readable line
on standard error and an exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import os
import pathlib
import sys

from collections.abc import Iterator, Sequence

from convroute.cli._check import add_check_command
from convroute.cli._common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    CommandError,
    drop_output,
    error_line,
    fail,
)
from convroute.cli._demo import add_demo_command
from convroute.cli._forget import add_forget_command
from convroute.cli._link import add_link_command
from convroute.cli._outbox import add_outbox_command
from convroute.cli._prune import add_prune_command
from convroute.cli._report import add_report_command
from convroute.cli._simulate import add_simulate_command
from convroute.cli._test import add_test_command
from convroute.errors import ConvrouteError, StoreUnusableError


__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``convroute`` command line.

    A command returns its exit status or raises: a `CommandError` gives its
    lines and status, a `StoreUnusableError` (a store that cannot be used as
    it is found) its line and status 2, any other `ConvrouteError` or an
    `OSError` one line and status 1, a usage error argparse's message and
    status 2.  Its output is written out before `main` returns: a reader
    gone gives status 141, an output that cannot be written (a full disk)
    one line and status 1.

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` when
            ``None``.

    A standard stream the process was started without (``2>&-``) goes
    nowhere while the command runs, as ``/dev/null`` would.

    Returns:
        The exit status.
    """
    with _closed_streams_to_nowhere():
        return _run(argv)


@contextlib.contextmanager
def _closed_streams_to_nowhere() -> Iterator[None]:
    # Python gives a stream the process was started without as None: print
    # would then write an error line or a note to the other stream, into the
    # output, and what writes to the stream itself (the demo, the progress
    # of a report) would fail as an internal error.
    closed = [name for name in ("stdout", "stderr") if getattr(sys, name) is None]
    with contextlib.ExitStack() as stack:
        for name in closed:
            nowhere = stack.enter_context(pathlib.Path(os.devnull).open("w", encoding="utf-8"))
            setattr(sys, name, nowhere)
            stack.callback(setattr, sys, name, None)
        yield


def _run(argv: Sequence[str] | None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        status = _run_command(arguments)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`convroute demo | head`): say nothing more.
        drop_output()
        return EXIT_BROKEN_PIPE
    except CommandError as error:
        for line in error.lines:
            fail(line)
        return error.status
    except (ConvrouteError, OSError) as error:
        fail(error_line(error))
        # A store that cannot be used as it is found is input that cannot
        # be used, as a missing configuration file is.
        return EXIT_INVALID if isinstance(error, StoreUnusableError) else EXIT_FAILURE
    except Exception as error:  # noqa: BLE001 - the promise is: never a traceback
        fail(f"internal error, please report it: {type(error).__name__}: {error}")
        return EXIT_INTERNAL
    return status


def _run_command(arguments: argparse.Namespace) -> int:
    # The command, its output written out.
    try:
        status: int = arguments.run(arguments)
    except UnicodeEncodeError as error:
        if not _of_the_output(error):
            raise
        # A locale or PYTHONIOENCODING of a legacy encoding: no bug, and
        # nothing the command could write otherwise without changing it.
        raise CommandError(
            EXIT_FAILURE,
            f"cannot write the output: its encoding, {error.encoding}, has no "
            f"{error.object[error.start : error.end]!r}; set PYTHONIOENCODING=utf-8 or a "
            "UTF-8 locale",
        ) from None
    _write_output()
    return status


def _of_the_output(error: UnicodeEncodeError) -> bool:
    # Whether the encoding that failed is standard output's own.
    output = getattr(sys.stdout, "encoding", None)
    if not isinstance(output, str):  # an io.StringIO's is None
        return False
    try:
        return codecs.lookup(error.encoding).name == codecs.lookup(output).name
    except LookupError:
        return False


def _write_output() -> None:
    # What a command printed to a file or a pipe may still be in stdout's
    # buffer: written here, a failure is told as a command's failures are,
    # not by Python as it exits (its own message, and exit status 120).
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        drop_output()
        raise CommandError(
            EXIT_FAILURE, f"cannot write the output: {error.strerror or error}"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convroute",
        description="Routing, menus and conversion tracking for WhatsApp CRMs.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    add_check_command(commands)
    add_simulate_command(commands)
    add_test_command(commands)
    add_link_command(commands)
    add_demo_command(commands)
    add_report_command(commands)
    add_outbox_command(commands)
    add_prune_command(commands)
    add_forget_command(commands)
    return parser
