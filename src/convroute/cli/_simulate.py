"""
``convroute simulate``: events as JSON lines in, the service's actions out.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

from convroute.cli._common import EXIT_OK, Commands, read_config
from convroute.cli._progress import counted
from convroute.cli._store import STORES, add_account_option, open_store
from convroute.simulate import simulate


__all__ = ["add_simulate_command"]


def add_simulate_command(commands: Commands) -> None:
    """
    Add the ``simulate`` command to the command line's subparsers.
    """
    command = commands.add_parser(
        "simulate",
        help="run events through the service and print the actions",
        description="Read events, one JSON object a line, run them through the service and "
        "print the actions as JSON lines. A malformed line prints an error action and the run "
        "goes on; a repeated event id prints nothing. Exit status 0 when the run completed, "
        "1 when the store fails, 2 for an unusable configuration or --store.",
    )
    command.add_argument("config", type=pathlib.Path, metavar="CONFIG", help="the configuration")
    command.add_argument("events", type=pathlib.Path, metavar="EVENTS", help="the events (JSONL)")
    command.add_argument(
        "--store",
        default="memory",
        metavar="STORE",
        help=f"{STORES} (default: memory)",
    )
    command.add_argument(
        "--notes",
        action="store_true",
        help="also print a note line for each event that changed nothing, and for what an "
        "event skipped, saying why",
    )
    add_account_option(command)
    command.set_defaults(run=_simulate)


def _simulate(arguments: argparse.Namespace) -> int:
    config = read_config(arguments.config)
    events: pathlib.Path = arguments.events
    with (
        open_store(arguments.store) as store,
        events.open(encoding="utf-8", errors="surrogateescape") as lines,
    ):
        read = counted(lines, "lines", sys.stderr)
        for action in simulate(
            config, store, read, notes=arguments.notes, account=arguments.account
        ):
            print(json.dumps(action, ensure_ascii=False))  # noqa: T201 - the command's output
    return EXIT_OK
