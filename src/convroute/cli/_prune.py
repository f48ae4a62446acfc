"""
The ``convroute prune`` command: what a store no longer needs, deleted.

It runs the same prune as `convroute.service.Service.prune`, timed by the
wall clock, and prints how many rows of each kind went as one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

from convroute._retention import LARGEST_BATCH, SHORTEST_WINDOW, prune
from convroute.cli._common import EXIT_INVALID, EXIT_OK, CommandError, Commands, whole_number
from convroute.cli._held_accounts import note_unheld_account
from convroute.cli._store import add_existing_store_options, open_store
from convroute.config import parse_duration
from convroute.errors import ConfigError


__all__ = ["add_prune_command"]

_DEFAULT_BATCH = 1000


def add_prune_command(commands: Commands) -> None:
    """
    Add the ``prune`` command to the command line's subparsers.
    """
    command = commands.add_parser(
        "prune",
        help="delete old processed event ids, sent outbox items and closed conversations",
        description="Delete from a store the processed event ids, the sent outbox items and the "
        "conversations the host closed that are older than --older-than, in batches, each its "
        "own transaction, so that it runs beside a live service. Pending outbox items, funnel "
        "records, leads, opportunities, users and open conversations are never deleted. Prints "
        'one JSON line: {"processed": n, "sent": n, "closed": n}. A window under 7 days is '
        "refused: Meta retries a failed webhook delivery for up to 7 days, and an event id "
        "forgotten sooner would make a late retry look new. Exit status 0 when the prune ran, "
        "1 when the store fails (the batches done stay done; run it again), 2 for unusable "
        "options or store.",
    )
    command.add_argument(
        "--older-than",
        required=True,
        metavar="AGE",
        help="delete what is older than this: a whole number and s, m, h or d, e.g. 30d "
        "(required; 7d at least)",
    )
    add_existing_store_options(command)
    command.add_argument(
        "--batch",
        type=_batch,
        default=_DEFAULT_BATCH,
        metavar="ROWS",
        help="the most rows of one kind a transaction deletes, 1 to "
        f"{LARGEST_BATCH} in digits 0-9 (default: {_DEFAULT_BATCH})",
    )
    command.set_defaults(run=_prune)


def _prune(arguments: argparse.Namespace) -> int:
    older_than = _window(arguments.older_than)
    now = dt.datetime.now(dt.UTC)
    # A difference: a window longer than the calendar behind the clock
    # overflows, and then there is nothing older to delete.
    before = now - older_than if older_than < now - dt.datetime.min.replace(tzinfo=dt.UTC) else None
    counts = (0, 0, 0)
    with open_store(arguments.store, existing=True, writes=True) as store:
        note_unheld_account(store, arguments.account)
        if before is not None:
            counts = prune(store, before, now=now, batch=arguments.batch, account=arguments.account)
    processed, sent, closed = counts
    print(json.dumps({"processed": processed, "sent": sent, "closed": closed}))  # noqa: T201 - the command's output
    return EXIT_OK


def _window(text: str) -> dt.timedelta:
    # The --older-than duration, 7 days at least.
    try:
        window = parse_duration(text)
    except ConfigError as error:
        raise CommandError(
            EXIT_INVALID, *(f"--older-than: {line}" for line in error.errors)
        ) from None
    if window < SHORTEST_WINDOW:
        raise CommandError(
            EXIT_INVALID,
            f"--older-than {text} is shorter than {SHORTEST_WINDOW.days} days: Meta retries a "
            f"failed webhook delivery for up to {SHORTEST_WINDOW.days} days, and an event id "
            "forgotten sooner would make a late retry look new",
        )
    return window


def _batch(text: str) -> int:
    rows = whole_number(text, 1, LARGEST_BATCH)
    if rows is None:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of rows from 1 to {LARGEST_BATCH} (digits 0-9 only), "
            f"not {text!r}"
        )
    return rows
