"""
Every SQL statement the SQL stores run, written once for both dialects.

SQLite and PostgreSQL share the statements' text; they differ in how a
table is named (PostgreSQL's live in a schema of their own), in the mark
of a bound parameter, and in the row locks PostgreSQL takes where SQLite
holds the whole file's write lock anyway.
"""

# ruff: noqa: S608 - every name formatted in is a table name the store chose; values are bound.
from __future__ import annotations

from collections.abc import Callable

import attrs


@attrs.frozen
class Statements:
    """
    The statements of one store, in its dialect.
    """

    lead_get: str
    lead_save: str
    opportunities_for_lead: str
    opportunity_save: str
    conversation_get: str
    conversation_save: str
    open_counts: str
    turns_all: str
    turn_get: str
    turn_save: str
    users_all: str
    presence_all: str
    user_save: str
    presence_save: str
    records_for_lead: str
    record_get: str
    record_add: str
    record_remove: str
    records_page: str
    processed_claim: str
    outbox_add: str
    outbox_claim: str
    outbox_hold: str
    outbox_get: str
    outbox_replace: str
    outbox_items: str
    users_listed: bool


def statements(
    table: Callable[[str], str],
    mark: str,
    *,
    row_lock: str = "",
    skip_locked: str = "",
    members: str = "IN ({marks})",
) -> Statements:
    """
    The statements with the dialect's table names, marks and locks.

    Args:
        table: The name to write for each table.
        mark: A bound parameter: ``?`` or ``%s``.
        row_lock: What follows a read whose rows the unit will change.
        skip_locked: What follows the outbox claim's read, so that
            dispatchers pass over the items another holds.
        members: How `open_counts` matches its list of users: ``IN
            ({marks})``, filled with one mark per user, or ``= ANY(%s)``,
            one parameter holding the list.
    """
    m = mark
    leads, opportunities, conversations = (
        table("leads"),
        table("opportunities"),
        table("conversations"),
    )
    turns, users, presence = table("turns"), table("users"), table("presence")
    records, processed, outbox = table("funnel_records"), table("processed_events"), table("outbox")
    return Statements(
        lead_get=f"SELECT data FROM {leads} WHERE phone = {m}",
        lead_save=(
            f"INSERT INTO {leads} (phone, data) VALUES ({m}, {m}) "
            "ON CONFLICT (phone) DO UPDATE SET data = excluded.data"
        ),
        opportunities_for_lead=f"SELECT data FROM {opportunities} WHERE lead = {m} ORDER BY seq",
        # An upsert keeps the row, and so its seq: a re-save keeps its place.
        opportunity_save=(
            f"INSERT INTO {opportunities} (lead, id, data) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (lead, id) DO UPDATE SET data = excluded.data"
        ),
        conversation_get=f"SELECT data FROM {conversations} WHERE lead = {m} AND number = {m}",
        conversation_save=(
            f"INSERT INTO {conversations} "
            "(lead, number, status, assignee, last_message_at, data) "
            f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}) ON CONFLICT (lead, number) DO UPDATE SET "
            "status = excluded.status, assignee = excluded.assignee, "
            "last_message_at = excluded.last_message_at, data = excluded.data"
        ),
        open_counts=(
            f"SELECT assignee, COUNT(*) FROM {conversations} WHERE status = {m} "
            f"AND assignee {members} AND last_message_at >= {m} GROUP BY assignee"
        ),
        turns_all=f"SELECT pool, data FROM {turns}",
        turn_get=f"SELECT data FROM {turns} WHERE pool = {m}",
        turn_save=(
            f"INSERT INTO {turns} (pool, data) VALUES ({m}, {m}) "
            "ON CONFLICT (pool) DO UPDATE SET data = excluded.data"
        ),
        users_all=f"SELECT id, data FROM {users}",
        presence_all=f'SELECT "user", available FROM {presence}',
        user_save=(
            f"INSERT INTO {users} (id, data) VALUES ({m}, {m}) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data"
        ),
        presence_save=(
            f'INSERT INTO {presence} ("user", available) VALUES ({m}, {m}) '
            'ON CONFLICT ("user") DO UPDATE SET available = excluded.available'
        ),
        records_for_lead=f"SELECT data FROM {records} WHERE lead = {m} ORDER BY seq",
        record_get=f"SELECT data FROM {records} WHERE id = {m}",
        record_add=(
            f"INSERT INTO {records} (id, lead, data) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (id) DO NOTHING"
        ),
        record_remove=f"DELETE FROM {records} WHERE id = {m}",
        records_page=(f"SELECT seq, data FROM {records} WHERE seq > {m} ORDER BY seq LIMIT {m}"),
        processed_claim=(
            f"INSERT INTO {processed} (id, at) VALUES ({m}, {m}) ON CONFLICT (id) DO NOTHING"
        ),
        outbox_add=(
            f"INSERT INTO {outbox} (id, status, attempts, created_at, claimed_until, data) "
            f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}) ON CONFLICT (id) DO NOTHING"
        ),
        outbox_claim=(
            f"SELECT seq, data FROM {outbox} WHERE status = {m} "
            f"AND (claimed_until IS NULL OR claimed_until <= {m}) "
            f"ORDER BY attempts, created_at, seq LIMIT {m}{row_lock}{skip_locked}"
        ),
        outbox_hold=f"UPDATE {outbox} SET claimed_until = {m}, data = {m} WHERE seq = {m}",
        outbox_get=f"SELECT data FROM {outbox} WHERE id = {m}{row_lock}",
        outbox_replace=(
            f"UPDATE {outbox} SET status = {m}, attempts = {m}, claimed_until = {m}, "
            f"data = {m} WHERE id = {m}"
        ),
        outbox_items=f"SELECT data FROM {outbox} ORDER BY created_at, seq",
        users_listed="{marks}" not in members,
    )
