"""
``convroute check``: check a configuration file and print its problems.
"""

from __future__ import annotations

import argparse
import pathlib

from convroute.cli._common import EXIT_INVALID, EXIT_OK, CommandError, Commands
from convroute.config import load_config
from convroute.errors import ConfigError, ConvrouteError


__all__ = ["add_check_command"]


def add_check_command(commands: Commands) -> None:
    """
    Add the ``check`` command to the command line's subparsers.
    """
    check = commands.add_parser(
        "check",
        help="check a configuration file",
        description="Check a configuration file (TOML, JSON or YAML) and print every "
        "problem, one a line, with its path. Exit status 0 when it is valid, 2 when not.",
    )
    check.add_argument("config", type=pathlib.Path, metavar="FILE", help="the configuration file")
    check.set_defaults(run=_check)


def _check(arguments: argparse.Namespace) -> int:
    path: pathlib.Path = arguments.config
    try:
        config = load_config(path)
    except ConfigError as error:
        # The problems are what the command was asked for: its output.
        for problem in error.errors:
            print(_printable(f"{path}: {problem}"))  # noqa: T201 - the command's output
        return EXIT_INVALID
    except OSError as error:
        raise CommandError(EXIT_INVALID, f"cannot read {path}: {error.strerror or error}") from None
    except ConvrouteError as error:
        raise CommandError(EXIT_INVALID, str(error)) from None
    print(_printable(f"{path}: valid: {config.summary()}"))  # noqa: T201 - the command's output
    return EXIT_OK


def _printable(line: str) -> str:
    # A file name the system could not decode, or a key of the file, may
    # hold lone surrogates: written escaped, as standard error writes them.
    return line.encode("utf-8", "backslashreplace").decode("utf-8")
