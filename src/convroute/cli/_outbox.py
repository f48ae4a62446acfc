"""
The ``convroute outbox`` command: the outbox of a store, counted, listed, requeued.

``stats`` prints how many items each status has, ``list`` one JSON line per
item, and ``requeue`` makes dead items pending again, so that the next
dispatch delivers them.
"""

from __future__ import annotations

import argparse
import json

from collections.abc import Mapping, Sequence
from typing import Any

from convroute._frozen import unicode_text
from convroute.cli._common import EXIT_INVALID, EXIT_OK, Commands
from convroute.cli._held_accounts import note_unheld_account
from convroute.cli._store import add_existing_store_options, open_store
from convroute.errors import TextError
from convroute.state import OutboxItem, OutboxStatus


__all__ = ["add_outbox_command"]

_STATUSES = [status.value for status in OutboxStatus]


def add_outbox_command(commands: Commands) -> None:
    """
    Add the ``outbox`` command, and its ``stats``, ``list`` and ``requeue``, to the subparsers.
    """
    outbox = commands.add_parser(
        "outbox",
        help="count, list and requeue the actions in a store's outbox",
        description="Look into the outbox of a store a service wrote to: count its items by "
        "status, list them, or make dead items (those whose every delivery failed) pending "
        "again. Exit status 0 when done, 1 when the store cannot be read or written, 2 for "
        "unusable options or store, and for requeue when an id is no item's.",
    )
    actions = outbox.add_subparsers(title="actions", metavar="ACTION", required=True)
    stats = actions.add_parser(
        "stats",
        help="print how many items are pending, sent and dead",
        description='Print one JSON line: {"pending": n, "sent": n, "dead": n}.',
    )
    add_existing_store_options(stats)
    stats.set_defaults(run=_stats)
    listing = actions.add_parser(
        "list",
        help="print the items, one JSON line each",
        description="Print one JSON line per item, oldest first: its id, event, type, status, "
        "attempts, last error, times and body.",
    )
    listing.add_argument(
        "--status",
        choices=_STATUSES,
        help="only the items of this status (all of them when omitted)",
    )
    add_existing_store_options(listing)
    listing.set_defaults(run=_list)
    requeue = actions.add_parser(
        "requeue",
        help="make dead items pending again, due at once",
        description="Make the dead items named pending again, with no attempts, so that the "
        "next dispatch delivers them; items not dead are left as they are. Print one JSON "
        'line: {"requeued": [ids], "not_dead": {id: status}, "unknown": [ids]}. Exit status 2 '
        "when an id is no item's (the others are requeued all the same).",
    )
    requeue.add_argument("ids", nargs="+", type=_item_id, metavar="ID", help="the items' ids")
    add_existing_store_options(requeue)
    requeue.set_defaults(run=_requeue)


def _stats(arguments: argparse.Namespace) -> int:
    with open_store(arguments.store, existing=True) as store:
        note_unheld_account(store, arguments.account)
        with store.unit_of_work(arguments.account) as uow:
            counts = uow.outbox.counts()
    _print({status.value: counts.get(status, 0) for status in OutboxStatus})
    return EXIT_OK


def _list(arguments: argparse.Namespace) -> int:
    status = None if arguments.status is None else OutboxStatus(arguments.status)
    with open_store(arguments.store, existing=True) as store:
        note_unheld_account(store, arguments.account)
        with store.unit_of_work(arguments.account) as uow:
            items = uow.outbox.items(status)
    for item in items:
        _print(_item_json(item))
    return EXIT_OK


def _requeue(arguments: argparse.Namespace) -> int:
    wanted: Sequence[str] = list(dict.fromkeys(arguments.ids))
    with open_store(arguments.store, existing=True, writes=True) as store:
        note_unheld_account(store, arguments.account)
        with store.unit_of_work(arguments.account) as uow:
            found: Mapping[str, OutboxStatus] = uow.outbox.requeue(wanted)
    unknown = [ident for ident in wanted if ident not in found]
    _print(
        {
            "requeued": [ident for ident in wanted if found.get(ident) == OutboxStatus.DEAD],
            "not_dead": {
                ident: str(found[ident])
                for ident in wanted
                if ident in found and found[ident] != OutboxStatus.DEAD
            },
            "unknown": unknown,
        }
    )
    return EXIT_INVALID if unknown else EXIT_OK


def _item_id(text: str) -> str:
    # An argument of bytes that are not UTF-8 is no item's id, and no store
    # could even look it up: a usage error, not a failure of the store.
    try:
        return unicode_text(text)
    except TextError as error:
        raise argparse.ArgumentTypeError(f"not an outbox item id: {text!r} ({error})") from None


def _item_json(item: OutboxItem) -> dict[str, Any]:
    def instant(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": item.id,
        "event": item.event,
        "type": item.type,
        "status": str(item.status),
        "attempts": item.attempts,
        "last_error": item.last_error,
        "created_at": instant(item.created_at),
        "next_attempt_at": instant(item.next_attempt_at),
        "claimed_until": instant(item.claimed_until),
        "body": dict(item.body),
    }


def _print(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False))  # noqa: T201 - the command's output
