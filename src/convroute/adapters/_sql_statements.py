"""
Every SQL statement the SQL stores run, written once for both dialects.

SQLite and PostgreSQL share the statements' text; they differ in how a
table is named (PostgreSQL's live in a schema of their own), in the mark
of a bound parameter, and in the row locks PostgreSQL takes where SQLite
holds the whole file's write lock anyway.

Every table has an ``account`` column, part of each key and index rows are
found by, and every statement binds the account (the repositories pass
their unit's) and finds, changes or counts that account's rows only.
"""

# ruff: noqa: S608 - every name formatted in is a table name the store chose; values are bound.
from __future__ import annotations

from collections.abc import Callable

import attrs


@attrs.frozen
class Statements:
    """
    The statements of one store, in its dialect.

    Attributes:
        lead_state: A lead's row, and its opportunities', conversations' and
            funnel records' rows as arrays, and the mark of the account's
            users' last change, in one statement; ``""`` where the database
            has no arrays.
        people: Every user's, presence's and absence's row, as arrays, and
            the mark of their last change, in one statement; ``""`` where
            the database has no arrays.
        users_listed: Whether `open_counts` takes its users as one list.
        locks: Whether units run at once, each taking the locks of what it
            reads (PostgreSQL), rather than one at a time (SQLite).
    """

    lead_get: str
    lead_save: str
    lead_remove: str
    opportunities_for_lead: str
    opportunity_save: str
    opportunity_find: str
    opportunity_get: str
    opportunity_remove: str
    opportunities_of_lead: str
    opportunities_remove: str
    conversations_for_lead: str
    conversation_get: str
    conversation_save: str
    open_counts: str
    conversations_due: str
    conversations_waiting: str
    conversations_waiting_after: str
    conversations_waiting_rule: str
    conversations_waiting_rule_after: str
    conversations_held: str
    conversations_assignees: str
    conversations_prune_closed: str
    conversations_remove: str
    conversations_of_lead: str
    turns_all: str
    turn_get: str
    turn_save: str
    users_all: str
    presence_all: str
    user_save: str
    presence_save: str
    away_all: str
    away_save: str
    away_clear: str
    tick_last: str
    tick_advance: str
    tick_owe_pass: str
    tick_passes: str
    tick_pass_done: str
    records_for_lead: str
    record_get: str
    record_add: str
    record_remove: str
    records_of_lead: str
    records_remove: str
    records_page: str
    processed_claim: str
    processed_prune: str
    processed_remove: str
    outbox_add: str
    outbox_claim: str
    outbox_claim_id: str
    outbox_hold: str
    outbox_get: str
    outbox_replace: str
    outbox_items: str
    outbox_items_of: str
    outbox_counts: str
    outbox_first_of_status: str
    outbox_prune_sent: str
    outbox_of_lead: str
    outbox_remove: str
    lead_state: str
    people: str
    numbers_all: str
    number_save: str
    users_listed: bool
    locks: bool


def statements(
    table: Callable[[str], str],
    mark: str,
    *,
    row_lock: str = "",
    skip_locked: str = "",
    greatest: str = "max",
    arrays: bool = False,
) -> Statements:
    """
    The statements with the dialect's table names, marks and locks.

    Args:
        table: The name to write for each table.
        mark: A bound parameter: ``?`` or ``%s``.
        row_lock: What follows a read whose rows the unit will change.
        skip_locked: What follows the outbox claim's read, so that
            dispatchers pass over the items another holds.
        greatest: The function giving the greater of two values: SQLite's
            ``max``, PostgreSQL's ``GREATEST``.
        arrays: Whether the database gathers rows into arrays
            (PostgreSQL's ``array_agg``): then a lead's state, and the
            users', are each read in one statement, and `open_counts`
            takes its users as one array (else ``IN ({marks})``, filled
            with one mark per user).
    """
    m = mark
    leads, opportunities, conversations = (
        table("leads"),
        table("opportunities"),
        table("conversations"),
    )
    turns, users, presence = table("turns"), table("users"), table("presence")
    records, processed, outbox = table("funnel_records"), table("processed_events"), table("outbox")
    away, ticks, numbers = table("away"), table("ticks"), table("numbers")
    people_changes = table("people_changes")
    # Claimed rows: held until the unit ends, passed over by other units.
    claim = f"{row_lock}{skip_locked}"
    return Statements(
        lead_get=f"SELECT data FROM {leads} WHERE account = {m} AND phone = {m}",
        lead_save=(
            f"INSERT INTO {leads} (account, phone, data) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (account, phone) DO UPDATE SET data = excluded.data"
        ),
        opportunities_for_lead=(
            f"SELECT data FROM {opportunities} WHERE account = {m} AND lead = {m} ORDER BY seq"
        ),
        lead_remove=f"DELETE FROM {leads} WHERE account = {m} AND phone = {m}",
        # An upsert keeps the row, and so its seq: a re-save keeps its place.
        opportunity_save=(
            f"INSERT INTO {opportunities} (account, lead, id, data) VALUES ({m}, {m}, {m}, {m}) "
            "ON CONFLICT (account, lead, id) DO UPDATE SET data = excluded.data"
        ),
        # By id alone: the host removes an opportunity by its CRM id.
        opportunity_find=(
            f"SELECT lead FROM {opportunities} WHERE account = {m} AND id = {m} "
            "ORDER BY seq LIMIT 1"
        ),
        opportunity_get=(
            f"SELECT data FROM {opportunities} WHERE account = {m} AND lead = {m} AND id = {m}"
        ),
        opportunity_remove=(
            f"DELETE FROM {opportunities} WHERE account = {m} AND lead = {m} AND id = {m}"
        ),
        # An erasure's: each row's key beside its data, so that a row that
        # cannot be read is still named, and deleted with the others.
        opportunities_of_lead=(
            f"SELECT id, data FROM {opportunities} WHERE account = {m} AND lead = {m} ORDER BY seq"
        ),
        opportunities_remove=f"DELETE FROM {opportunities} WHERE account = {m} AND lead = {m}",
        conversation_get=(
            f"SELECT data FROM {conversations} WHERE account = {m} AND lead = {m} AND number = {m}"
        ),
        conversations_for_lead=(
            f"SELECT data FROM {conversations} WHERE account = {m} AND lead = {m} ORDER BY number"
        ),
        conversation_save=(
            f"INSERT INTO {conversations} "
            "(account, lead, number, status, assignee, last_message_at, due_at, waiting_since, "
            "rule, data) "
            f"VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m}, {m}, {m}, {m}) "
            "ON CONFLICT (account, lead, number) DO UPDATE SET "
            "status = excluded.status, assignee = excluded.assignee, "
            "last_message_at = excluded.last_message_at, due_at = excluded.due_at, "
            "waiting_since = excluded.waiting_since, rule = excluded.rule, data = excluded.data"
        ),
        # PostgreSQL's counts go user by user, each an equality in
        # conversations_open: with the users as a list (`= ANY`), a plan made
        # before the table has statistics read every open conversation of the
        # account since the date and passed over the other users' (a fresh
        # store's connections keep such a plan until autovacuum analyses it).
        # The users are listed by a function whose row estimate is the same
        # whatever the list (json_array_elements_text: 100), not `unnest`,
        # whose estimate is the list's length: a plan made for the values
        # of each run then costs no less than the plan made once, which
        # PostgreSQL keeps after the fifth run, and the statement is no
        # longer planned at each run (120 µs a run, a tenth of the server's
        # work an event in `bench roundtrips`).
        open_counts=(
            f"SELECT assignee, COUNT(*) FROM {conversations} WHERE account = {m} AND status = {m} "
            f"AND assignee IN ({{marks}}) AND last_message_at >= {m} GROUP BY assignee"
            if not arrays
            else "SELECT listed.assignee, counted.open FROM "
            f"(SELECT {m}::text AS account, {m}::text AS status, "
            f"json_array_elements_text(array_to_json({m}::text[])) AS assignee, "
            f"{m}::bigint AS since) AS listed "
            f"CROSS JOIN LATERAL (SELECT COUNT(*) AS open FROM {conversations} AS open_ones "
            "WHERE open_ones.account = listed.account AND open_ones.status = listed.status "
            "AND open_ones.assignee = listed.assignee "
            "AND open_ones.last_message_at >= listed.since) AS counted "
            "WHERE counted.open > 0"
        ),
        # The partial indexes' conditions are written out (not bound), so
        # that SQLite sees the query within them.
        conversations_due=(
            f"SELECT last_message_at, data FROM {conversations} WHERE account = {m} "
            f"AND due_at IS NOT NULL AND due_at <= {m} "
            f"ORDER BY due_at, lead, number LIMIT {m}{claim}"
        ),
        conversations_waiting=(
            f"SELECT last_message_at, data FROM {conversations} WHERE account = {m} "
            "AND status = 'unrouted' AND waiting_since IS NOT NULL "
            f"AND last_message_at >= {m} ORDER BY waiting_since, lead, number LIMIT {m}{claim}"
        ),
        # Continued strictly after a wait's key; one rule's queue through
        # the index by rule.
        conversations_waiting_after=(
            f"SELECT last_message_at, data FROM {conversations} WHERE account = {m} "
            "AND status = 'unrouted' AND waiting_since IS NOT NULL "
            f"AND last_message_at >= {m} AND (waiting_since, lead, number) > ({m}, {m}, {m}) "
            f"ORDER BY waiting_since, lead, number LIMIT {m}{claim}"
        ),
        conversations_waiting_rule=(
            f"SELECT last_message_at, data FROM {conversations} WHERE account = {m} "
            f"AND status = 'unrouted' AND waiting_since IS NOT NULL AND rule = {m} "
            f"AND last_message_at >= {m} ORDER BY waiting_since, lead, number LIMIT {m}{claim}"
        ),
        conversations_waiting_rule_after=(
            f"SELECT last_message_at, data FROM {conversations} WHERE account = {m} "
            f"AND status = 'unrouted' AND waiting_since IS NOT NULL AND rule = {m} "
            f"AND last_message_at >= {m} AND (waiting_since, lead, number) > ({m}, {m}, {m}) "
            f"ORDER BY waiting_since, lead, number LIMIT {m}{claim}"
        ),
        # Put in order by the repository, not here: with an ORDER BY the
        # key (account, lead, number) gives, SQLite, which has no
        # statistics, would read every conversation of the account in key
        # order rather than the user's few through conversations_open.
        conversations_held=(
            f"SELECT lead, last_message_at, data FROM {conversations} "
            f"WHERE account = {m} AND status = {m} "
            f"AND assignee = {m} AND last_message_at >= {m}"
        ),
        conversations_assignees=(
            f"SELECT DISTINCT assignee FROM {conversations} "
            f"WHERE account = {m} AND status = {m} AND last_message_at >= {m} "
            "ORDER BY assignee"
        ),
        # A prune's batch: the oldest rows it may delete, through their
        # partial index (its condition written out), rows another unit
        # holds passed over rather than waited for.
        conversations_prune_closed=(
            f"DELETE FROM {conversations} WHERE (account, lead, number) IN ("
            f"SELECT account, lead, number FROM {conversations} "
            f"WHERE account = {m} AND status = 'closed' AND last_message_at < {m} "
            f"ORDER BY last_message_at, lead, number LIMIT {m}{claim})"
        ),
        conversations_remove=f"DELETE FROM {conversations} WHERE account = {m} AND lead = {m}",
        conversations_of_lead=(
            f"SELECT number, data FROM {conversations} WHERE account = {m} AND lead = {m} "
            "ORDER BY number"
        ),
        turns_all=f"SELECT pool, data FROM {turns} WHERE account = {m}",
        turn_get=f"SELECT data FROM {turns} WHERE account = {m} AND pool = {m}",
        turn_save=(
            f"INSERT INTO {turns} (account, pool, data) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (account, pool) DO UPDATE SET data = excluded.data"
        ),
        numbers_all=f"SELECT number, phone_number_id FROM {numbers} WHERE account = {m}",
        number_save=(
            f"INSERT INTO {numbers} (account, number, phone_number_id) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (account, number) DO UPDATE SET phone_number_id = excluded.phone_number_id"
        ),
        users_all=f"SELECT id, data FROM {users} WHERE account = {m}",
        presence_all=f'SELECT "user", available FROM {presence} WHERE account = {m}',
        user_save=(
            f"INSERT INTO {users} (account, id, data) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (account, id) DO UPDATE SET data = excluded.data"
        ),
        presence_save=(
            f'INSERT INTO {presence} (account, "user", available) VALUES ({m}, {m}, {m}) '
            'ON CONFLICT (account, "user") DO UPDATE SET available = excluded.available'
        ),
        away_all=f'SELECT "user", since FROM {away} WHERE account = {m}',
        away_save=(
            f'INSERT INTO {away} (account, "user", since) VALUES ({m}, {m}, {m}) '
            'ON CONFLICT (account, "user") DO UPDATE SET since = excluded.since'
        ),
        away_clear=f'DELETE FROM {away} WHERE account = {m} AND "user" = {m}',
        tick_last=f"SELECT at FROM {ticks} WHERE account = {m}",
        # One statement: a worker's tick never reads, then writes, the time.
        tick_advance=(
            f"INSERT INTO {ticks} AS stored (account, at) VALUES ({m}, {m}) "
            f"ON CONFLICT (account) DO UPDATE SET at = {greatest}(stored.at, excluded.at)"
        ),
        # Before the first tick there is no row, and nothing to owe: the
        # first tick makes the full pass.
        tick_owe_pass=f"UPDATE {ticks} SET passes_owed = passes_owed + 1 WHERE account = {m}",
        tick_passes=f"SELECT passes_owed, passes_done FROM {ticks} WHERE account = {m}",
        tick_pass_done=(
            f"UPDATE {ticks} SET passes_done = {greatest}(passes_done, {m}) WHERE account = {m}"
        ),
        records_for_lead=(
            f"SELECT data FROM {records} WHERE account = {m} AND lead = {m} ORDER BY seq"
        ),
        record_get=f"SELECT data FROM {records} WHERE account = {m} AND id = {m}",
        record_add=(
            f"INSERT INTO {records} (account, id, lead, data) VALUES ({m}, {m}, {m}, {m}) "
            "ON CONFLICT (account, id) DO NOTHING"
        ),
        record_remove=f"DELETE FROM {records} WHERE account = {m} AND id = {m}",
        records_of_lead=(
            f"SELECT id, data FROM {records} WHERE account = {m} AND lead = {m} ORDER BY seq"
        ),
        records_remove=f"DELETE FROM {records} WHERE account = {m} AND lead = {m}",
        records_page=(
            f"SELECT seq, data FROM {records} WHERE account = {m} AND seq > {m} "
            f"ORDER BY seq LIMIT {m}"
        ),
        processed_claim=(
            f"INSERT INTO {processed} (account, id, at) VALUES ({m}, {m}, {m}) "
            "ON CONFLICT (account, id) DO NOTHING"
        ),
        processed_prune=(
            f"DELETE FROM {processed} WHERE (account, id) IN ("
            f"SELECT account, id FROM {processed} WHERE account = {m} AND at < {m} "
            f"ORDER BY at LIMIT {m}{claim})"
        ),
        processed_remove=f"DELETE FROM {processed} WHERE account = {m} AND id = {m}",
        # next_attempt_at is the instant the item is due: its created_at
        # until a delivery fails.  The index on (status, next_attempt_at,
        # seq) hands the claim the due items in order, and never the
        # failing ones waiting for their next attempt.
        outbox_add=(
            f"INSERT INTO {outbox} "
            "(account, id, status, attempts, created_at, claimed_until, next_attempt_at, lead, "
            f"data) VALUES ({m}, {m}, {m}, {m}, {m}, {m}, {m}, {m}, {m}) "
            "ON CONFLICT (account, id) DO NOTHING"
        ),
        outbox_claim=(
            f"SELECT seq, id, data FROM {outbox} WHERE account = {m} AND status = {m} "
            f"AND next_attempt_at <= {m} "
            f"AND (claimed_until IS NULL OR claimed_until <= {m}) "
            f"ORDER BY status, next_attempt_at, seq LIMIT {m}{row_lock}{skip_locked}"
        ),
        outbox_claim_id=(
            f"SELECT next_attempt_at, seq, id, data FROM {outbox} WHERE account = {m} AND id = {m} "
            f"AND status = {m} "
            f"AND next_attempt_at <= {m} AND (claimed_until IS NULL OR claimed_until <= {m})"
            f"{row_lock}{skip_locked}"
        ),
        outbox_hold=(
            f"UPDATE {outbox} SET claimed_until = {m}, data = {m} WHERE account = {m} AND seq = {m}"
        ),
        # The status column too: claims, counts and lists go by it, not by the data's.
        outbox_get=(
            f"SELECT data, status, seq FROM {outbox} WHERE account = {m} AND id = {m}{row_lock}"
        ),
        outbox_replace=(
            f"UPDATE {outbox} SET status = {m}, attempts = {m}, claimed_until = {m}, "
            f"next_attempt_at = {m}, data = {m} WHERE account = {m} AND id = {m}"
        ),
        # The key of each row beside its data, in the reads of many rows:
        # a row that cannot be read is named by it.
        outbox_items=(
            f"SELECT seq, id, data FROM {outbox} WHERE account = {m} ORDER BY created_at, seq"
        ),
        outbox_items_of=(
            f"SELECT seq, id, data FROM {outbox} WHERE account = {m} AND status = {m} "
            "ORDER BY created_at, seq"
        ),
        outbox_counts=(
            f"SELECT status, COUNT(*) FROM {outbox} WHERE account = {m} GROUP BY status"
        ),
        # Only when counts() met a status convroute does not know: the row to name.
        outbox_first_of_status=(
            f"SELECT seq, id FROM {outbox} WHERE account = {m} AND status = {m} "
            "ORDER BY seq LIMIT 1"
        ),
        outbox_prune_sent=(
            f"DELETE FROM {outbox} WHERE seq IN ("
            f"SELECT seq FROM {outbox} WHERE account = {m} AND status = 'sent' "
            f"AND created_at < {m} "
            f"ORDER BY created_at, seq LIMIT {m}{claim})"
        ),
        # A lead's items, through the index on their lead: an erasure.
        outbox_of_lead=(
            f"SELECT id, data FROM {outbox} WHERE account = {m} AND lead = {m} "
            "ORDER BY created_at, seq"
        ),
        outbox_remove=f"DELETE FROM {outbox} WHERE account = {m} AND lead = {m}",
        # Each array in its rows' order of the one-table reads above; the
        # conversations' numbers and data in the same order, pair by pair.
        # The lead's conversations in the key's order: the key then reads
        # them with no sort, which makes it the cheapest plan whatever the
        # statistics (a plan made on a fresh store's tables otherwise took
        # conversations_open by the account alone and read every conversation
        # of the account).
        lead_state=(
            (
                f"SELECT (SELECT data FROM {leads} WHERE account = {m} AND phone = {m}), "
                f"(SELECT array_agg(data ORDER BY seq) FROM {opportunities} "
                f"WHERE account = {m} AND lead = {m}), "
                "lead_conversations.numbers, lead_conversations.data, "
                f"(SELECT array_agg(data ORDER BY seq) FROM {records} "
                f"WHERE account = {m} AND lead = {m}), "
                f"(SELECT xact FROM {people_changes} WHERE account = {m}) "
                "FROM (SELECT array_agg(number ORDER BY number) AS numbers, "
                "array_agg(data ORDER BY number) AS data FROM "
                f"(SELECT number, data FROM {conversations} WHERE account = {m} AND lead = {m} "
                "ORDER BY number) AS listed) AS lead_conversations"
            )
            if arrays
            else ""
        ),
        people=(
            (
                "SELECT all_users.ids, all_users.data, all_presence.users, "
                "all_presence.available, all_away.users, all_away.since, "
                f"(SELECT xact FROM {people_changes} WHERE account = {m}), "
                "txid_current_if_assigned() FROM "
                "(SELECT array_agg(id ORDER BY id) AS ids, array_agg(data ORDER BY id) AS data "
                f"FROM {users} WHERE account = {m}) AS all_users, "
                '(SELECT array_agg("user" ORDER BY "user") AS users, '
                f'array_agg(available ORDER BY "user") AS available FROM {presence} '
                f"WHERE account = {m}) "
                "AS all_presence, "
                '(SELECT array_agg("user" ORDER BY "user") AS users, '
                f'array_agg(since ORDER BY "user") AS since FROM {away} '
                f"WHERE account = {m}) AS all_away"
            )
            if arrays
            else ""
        ),
        users_listed=arrays,
        locks=bool(row_lock),
    )
