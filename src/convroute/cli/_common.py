"""
What every ``convroute`` command shares.

Exit statuses, error lines, and reading the configuration.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

from typing import TypeAlias

from convroute._file_problems import file_problems
from convroute.config import Config, load_config
from convroute.errors import ConvrouteError


EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2
"""A configuration or input that cannot be used, or a usage error (argparse's own)."""
EXIT_UNREPORTED = 3
"""
A change committed, but its report could not be written (``forget``'s, to a
full disk or a reader gone): done, and not to be run again for it.
"""
EXIT_INTERNAL = 70
"""A bug in convroute (EX_SOFTWARE)."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl-C (128 + SIGINT, as shells say)."""
EXIT_BROKEN_PIPE = 141
"""The reader of standard output went away (128 + SIGPIPE, as shells say)."""

# argparse names no public type for what add_subparsers returns.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # noqa: SLF001
"""
The subparsers of the ``convroute`` parser, to which each command adds itself.
"""


class CommandError(Exception):
    """
    Why a command stops: the lines to print and the exit status.
    """

    def __init__(self, status: int, *lines: str) -> None:
        self.status = status
        self.lines = lines
        super().__init__("\n".join(lines))


def fail(message: str) -> None:
    """
    Print one error line on standard error, as every command does.
    """
    print(f"convroute: {message}", file=sys.stderr)  # noqa: T201 - the command's output


def drop_output() -> None:
    """
    Send what is left in standard output's buffer to nowhere.

    Called once writing it failed: it can never be written, and Python's
    own flush at exit would otherwise complain of it (exit status 120).
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def error_line(error: ConvrouteError | OSError) -> str:
    """
    The line that tells *error*: an `OSError` names its file when it has one.
    """
    if isinstance(error, ConvrouteError):
        return str(error)
    reason = error.strerror or str(error)
    return reason if error.filename is None else f"cannot read {error.filename}: {reason}"


def whole_number(text: str, least: int, most: int) -> int | None:
    """
    *text* read as a whole number from *least* to *most*, or ``None``.

    The one reading of a number the command line is given.  Plain ASCII
    digits only: Python's ``int()`` also reads ``+5``, `` 5``, ``1_000``
    and any script's decimal digits (Arabic-Indic ones), none of which a
    careful user means; and it fails on more than 4 300 digits, so the
    digits are counted first.

    Args:
        text: What was given.
        least: The smallest number taken.
        most: The largest number taken.

    Returns:
        The number, or ``None`` when *text* is no such number.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(most)):
        return None
    number = int(significant)
    return number if least <= number <= most else None


def read_config(path: pathlib.Path) -> Config:
    """
    Load a command's configuration file.

    Raises:
        CommandError: With `EXIT_INVALID` and one line per problem, when
            the file cannot be read or is not a valid configuration.
    """
    try:
        return load_config(path)
    except (ConvrouteError, OSError) as error:
        raise CommandError(EXIT_INVALID, *file_problems(path, error)) from None
