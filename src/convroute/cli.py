"""
The ``convroute`` command line.

Every failure is one readable line on standard error and a non-zero exit
status, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

from collections.abc import Sequence

from convroute._cli_common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
    fail,
    read_config,
)
from convroute._cli_report import add_report_command
from convroute._cli_store import STORES, open_store
from convroute._demo import run_demo
from convroute._progress import counted
from convroute.config import Config, load_config
from convroute.errors import ConfigError, ConvrouteError
from convroute.funnel import trigger_links
from convroute.simulate import simulate


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``convroute`` command line.

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` when
            ``None``.

    Returns:
        The exit status.
    """
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        status: int = arguments.run(arguments)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`convroute demo | head`): say nothing more,
        # and keep Python from complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
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

    check = commands.add_parser(
        "check",
        help="check a configuration file",
        description="Check a configuration file (TOML, JSON or YAML) and print every "
        "problem, one a line, with its path. Exit status 0 when it is valid, 2 when not.",
    )
    check.add_argument("config", type=pathlib.Path, metavar="FILE", help="the configuration file")
    check.set_defaults(run=_check)

    simulate = commands.add_parser(
        "simulate",
        help="run events through the service and print the actions",
        description="Read events, one JSON object a line, run them through the service and "
        "print the actions as JSON lines. A malformed line prints an error action and the run "
        "goes on; a repeated event id prints nothing. Exit status 0 when the run completed, "
        "1 when the store fails, 2 for an unusable configuration or --store.",
    )
    simulate.add_argument("config", type=pathlib.Path, metavar="CONFIG", help="the configuration")
    simulate.add_argument("events", type=pathlib.Path, metavar="EVENTS", help="the events (JSONL)")
    simulate.add_argument(
        "--store",
        default="memory",
        metavar="STORE",
        help=f"{STORES} (default: memory)",
    )
    simulate.add_argument(
        "--notes",
        action="store_true",
        help="also print a note line for each event that changed nothing, and for what an "
        "event skipped, saying why",
    )
    simulate.set_defaults(run=_simulate)

    link = commands.add_parser(
        "link",
        help="print the click-to-chat link of every trigger",
        description="Print the wa.me click-to-chat link of every trigger phrase, one a line: "
        "funnel / source (number): link. A lead who opens it finds the phrase typed, ready "
        "to send.",
    )
    link.add_argument("config", type=pathlib.Path, metavar="CONFIG", help="the configuration")
    link.add_argument("--json", action="store_true", help="print JSON lines instead")
    link.set_defaults(run=_link)

    demo = commands.add_parser(
        "demo",
        help="run the worked example end to end and print its transcript",
        description="Run the seed's worked example through the service on a SQLite store in a "
        "temporary directory: an Instagram lead enters the funnel and gets the first menu, a new "
        "enquiry is routed round robin, a returning student reaches his sister's counsellor "
        "through the second menu, an owner who is away is skipped, and the business's "
        "scheduling message moves the lead on. Prints who wrote what, each menu as the lead "
        "sees it, each assignment with its reason, and the funnel report.",
    )
    demo.add_argument("--json", action="store_true", help="print the actions as JSON lines")
    demo.add_argument(
        "--store",
        metavar="URL",
        help="run on PostgreSQL instead, in a schema of its own dropped afterwards: "
        "postgresql://USER@HOST/DB",
    )
    demo.set_defaults(run=_demo)

    add_report_command(commands)
    return parser


def _check(arguments: argparse.Namespace) -> int:
    path: pathlib.Path = arguments.config
    try:
        config = load_config(path)
    except ConfigError as error:
        for problem in error.errors:
            print(_printable(f"{path}: {problem}"))  # noqa: T201 - the command's output
        return EXIT_INVALID
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
        return EXIT_INVALID
    except ConvrouteError as error:
        fail(str(error))
        return EXIT_INVALID
    print(_printable(f"{path}: valid: {config.summary()}"))  # noqa: T201 - the command's output
    return EXIT_OK


def _printable(line: str) -> str:
    # A file name the system could not decode, or a key of the file, may
    # hold lone surrogates: written escaped, as standard error writes them.
    return line.encode("utf-8", "backslashreplace").decode("utf-8")


def _simulate(arguments: argparse.Namespace) -> int:
    config = _load(arguments.config)
    if config is None:
        return EXIT_INVALID
    events: pathlib.Path = arguments.events
    try:
        with (
            open_store(arguments.store) as store,
            events.open(encoding="utf-8", errors="surrogateescape") as lines,
        ):
            read = counted(lines, "lines", sys.stderr)
            for action in simulate(config, store, read, notes=arguments.notes):
                print(json.dumps(action, ensure_ascii=False))  # noqa: T201 - the command's output
    except BrokenPipeError:
        raise  # the reader of standard output went away: main() ends quietly
    except CommandError as error:
        for line in error.lines:
            fail(line)
        return error.status
    except OSError as error:
        fail(f"cannot read {events}: {error.strerror or error}")
        return EXIT_FAILURE
    except ConvrouteError as error:
        fail(str(error))
        return EXIT_FAILURE
    return EXIT_OK


def _demo(arguments: argparse.Namespace) -> int:
    try:
        run_demo(sys.stdout, as_json=arguments.json, postgres=arguments.store)
    except CommandError as error:
        for line in error.lines:
            fail(line)
        return error.status
    except ConvrouteError as error:
        fail(str(error))
        return EXIT_FAILURE
    return EXIT_OK


def _link(arguments: argparse.Namespace) -> int:
    config = _load(arguments.config)
    if config is None:
        return EXIT_INVALID
    links = trigger_links(config.funnels)
    if not links:
        fail(f"{arguments.config}: no funnel has trigger phrases")
        return EXIT_FAILURE
    for link in links:
        trigger = link.trigger
        if arguments.json:
            line = json.dumps(
                {
                    "funnel": link.funnel,
                    "source": trigger.source,
                    "number": trigger.number,
                    "phrase": trigger.phrase,
                    "url": link.url,
                },
                ensure_ascii=False,
            )
        else:
            line = f"{link.funnel} / {trigger.source} ({trigger.number}): {link.url}"
        print(line)  # noqa: T201 - the command's output
    return EXIT_OK


def _load(path: pathlib.Path) -> Config | None:
    try:
        return read_config(path)
    except CommandError as error:
        for line in error.lines:
            fail(line)
    return None
