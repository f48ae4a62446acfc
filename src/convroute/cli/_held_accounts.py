"""
The note of a command whose store holds nothing for the ``--account`` it names.

A mistyped account reads as an idle one: zero counts, empty reports, nothing
pruned.  The commands that read or maintain a store say so on standard
error, naming the accounts the store does hold, and leave their output on
standard output as it was.
"""

from __future__ import annotations

import json
import sys

from collections.abc import Callable
from collections.abc import Set as AbstractSet


__all__ = ["MOST_NAMED", "note_unheld_account", "unheld_account_note"]

MOST_NAMED = 20
"""
How many of the accounts held a note names; the others are counted.
"""


def note_unheld_account(store: object, account: str) -> None:
    """
    Print the note on standard error when *store* holds nothing for *account*.

    The store is asked through an ``accounts()`` method, which the shipped
    stores have and the `convroute.ports.Store` protocol does not ask for:
    a store without one gets no note.

    Raises:
        StoreError: When the store fails to list its accounts.
    """
    accounts: Callable[[], AbstractSet[str]] | None = getattr(store, "accounts", None)
    if not callable(accounts):
        return
    note = unheld_account_note(account, frozenset(accounts()))
    if note is not None:
        print(f"convroute: {note}", file=sys.stderr)  # noqa: T201 - the command's output


def unheld_account_note(account: str, held: AbstractSet[str]) -> str | None:
    """
    The note for *account* when it is not among the accounts *held*, else ``None``.

    One line: the names quoted as JSON strings (a quote in one cannot hide
    where it ends), in sorted order, at most `MOST_NAMED` of them.  Only
    account names: never a phone, nor anything else a command was given.
    """
    if account in held:
        return None
    names = sorted(held)
    if not names:
        return f"the store holds no account {_quoted(account)} (it holds none)"
    listed = ", ".join(_quoted(name) for name in names[:MOST_NAMED])
    more = len(names) - MOST_NAMED
    rest = f" … and {more} more" if more > 0 else ""
    return f"the store holds no account {_quoted(account)} (it holds: {listed}{rest})"


def _quoted(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)
