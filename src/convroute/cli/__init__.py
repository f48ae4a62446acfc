"""
The ``convroute`` command line.

Each command lives in a private module of its own, which adds its parser
and raises what stops it; `main` turns every failure into one readable line
on standard error and an exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from collections.abc import Sequence

from convroute.cli._check import add_check_command
from convroute.cli._common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    CommandError,
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
    status 2.

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` when
            ``None``.

    Returns:
        The exit status.
    """
    arguments = _parser().parse_args(argv)
    try:
        status: int = arguments.run(arguments)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`convroute demo | head`): say nothing more,
        # and keep Python from complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
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
