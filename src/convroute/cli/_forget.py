"""
The ``convroute forget`` command: a lead forgotten, as a request to be forgotten asks.

It runs the same erasure as `convroute.service.Service.forget`, and prints
what it removed as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys

import attrs

from convroute._erasure import forget
from convroute.cli._common import (
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREPORTED,
    CommandError,
    Commands,
    drop_output,
)
from convroute.cli._held_accounts import note_unheld_account
from convroute.cli._store import add_existing_store_options, open_store
from convroute.errors import PhoneNumberError, StoreError, StoreUnusableError
from convroute.model import Phone, full_phone
from convroute.service import ForgetReport


__all__ = ["add_forget_command"]


def add_forget_command(commands: Commands) -> None:
    """
    Add the ``forget`` command to the command line's subparsers.
    """
    command = commands.add_parser(
        "forget",
        help="forget a lead: its data deleted, its conversions still counted",
        description="Forget the lead of PHONE, as a request to be forgotten (GDPR, LGPD, DPDP) "
        "asks: delete the lead, its conversations and pending menus, its opportunities and "
        "every outbox item about it (pending, sent and dead), and keep its funnel records "
        "under a random token in the place of its phone, so that reports count the same. "
        "A row of the lead that cannot be read is deleted too, and counted as unread. "
        "All in one transaction. Prints one JSON line: "
        '{"leads": n, "conversations": n, "menus": n, "opportunities": n, "outbox": n, '
        '"funnel_records": n, "unread": n, "token": "forgotten-…" or null}. A phone the store '
        "does not know prints zero counts. Exit status 0 when it ran, 2 for a phone that is not "
        "one or a store that cannot be used as it is found (not there, not a store, of "
        "another schema version, or a file this user may not write), 1 when the store fails "
        "as it runs (nothing is removed then: run it again), 3 when the lead was forgotten but "
        "the JSON line could not be written (a full disk, a reader gone: said on standard "
        "error; do not run it again for the counts, it would find nothing).",
    )
    command.add_argument(
        "phone",
        metavar="PHONE",
        help="the lead's phone: its digits with country code, 8 to 15 (5511912345678; 7 where "
        "a country's numbers are that short), or as typed with + and country code "
        "(+55 11 91234-5678)",
    )
    add_existing_store_options(command)
    command.set_defaults(run=_forget)


def _forget(arguments: argparse.Namespace) -> int:
    phone = _phone(arguments.phone)
    try:
        with open_store(arguments.store, existing=True, writes=True) as store:
            # Asked before the erasure: the note is about what the store held.
            note_unheld_account(store, arguments.account)
            report = ForgetReport(**attrs.asdict(forget(store, phone, account=arguments.account)))
    except StoreError as error:
        # A store that cannot be used is input that cannot be used; one
        # that failed as it ran rolled the erasure back, to be run again.
        status = EXIT_INVALID if isinstance(error, StoreUnusableError) else EXIT_FAILURE
        raise CommandError(status, f"--store: {error}; nothing was removed") from None
    _print_report(report)
    return EXIT_OK


def _print_report(report: ForgetReport) -> None:
    # Written out here rather than as the command returns: the erasure is
    # committed, so an output that cannot be written is no "nothing was
    # removed" (exit 1, run it again), and a run again reports nothing.
    try:
        print(json.dumps(attrs.asdict(report)))  # noqa: T201 - the command's output
        sys.stdout.flush()
    except OSError as error:
        drop_output()
        reason = (
            "the reader of the output went away"
            if isinstance(error, BrokenPipeError)
            else error.strerror or str(error)
        )
        raise CommandError(
            EXIT_UNREPORTED,
            f"the lead is forgotten (the erasure is committed), but what was removed could not "
            f"be written: {reason}; running it again would find nothing to remove",
        ) from None


def _phone(text: str) -> Phone:
    try:
        return full_phone(text)
    except PhoneNumberError as error:
        raise CommandError(EXIT_INVALID, f"PHONE: {error}") from None
