"""
The accounts a SQL store holds: one statement, written once for both dialects.

An account is held when any table has a row of it.  Every table's key or
index starts with ``account``, so each table's distinct accounts are found
by skipping from one name to the next through that index (a loose index
scan: one seek per account), never by reading every row: the listing costs
as much with a million processed ids as with one.
"""

# ruff: noqa: S608 - every name formatted in is a table name the store chose; nothing is bound.
from __future__ import annotations

from collections.abc import Callable


__all__ = ["HOLDING_TABLES", "accounts_query"]

HOLDING_TABLES = (
    "leads",
    "opportunities",
    "conversations",
    "turns",
    "users",
    "presence",
    "away",
    "ticks",
    "funnel_records",
    "processed_events",
    "outbox",
    "numbers",
)
"""
Every table of the SQL stores that keeps an account's values.
"""


def accounts_query(table: Callable[[str], str]) -> str:
    """
    The statement giving each account any table holds a row of, once, one per row.

    Args:
        table: The name to write for each table (PostgreSQL's carry their
            schema).
    """
    scans = []
    names = []
    for index, name in enumerate(HOLDING_TABLES):
        stored, found = table(name), f"held_{index}"
        # The smallest name, then again and again the smallest greater than
        # the last, until there is none (NULL).
        scans.append(
            f"{found} (account) AS (SELECT min(account) FROM {stored} "
            f"UNION ALL SELECT (SELECT min(account) FROM {stored} "
            f"WHERE account > {found}.account) FROM {found} WHERE {found}.account IS NOT NULL)"
        )
        names.append(f"SELECT account FROM {found} WHERE account IS NOT NULL")
    return f"WITH RECURSIVE {', '.join(scans)} {' UNION '.join(names)}"
