"""
How a PostgreSQL unit's queued writes are joined into as few statements as they can be.
"""

import pytest


pytest.importorskip("psycopg")

from convroute.adapters._postgres_writes import Batcher, upsert


LEAD_SAVE = (
    "INSERT INTO s.leads (account, phone, data) VALUES (%s, %s, %s) "
    "ON CONFLICT (account, phone) DO UPDATE SET data = excluded.data"
)
OUTBOX_ADD = (
    "INSERT INTO s.outbox (account, id, attempts) VALUES (%s, %s, %s) "
    "ON CONFLICT (account, id) DO NOTHING"
)
LEAD_REMOVE = "DELETE FROM s.leads WHERE account = %s AND phone = %s"
TYPES = {
    ("s.leads", "account"): "text",
    ("s.leads", "phone"): "text",
    ("s.leads", "data"): "text",
    ("s.outbox", "account"): "text",
    ("s.outbox", "id"): "text",
    ("s.outbox", "attempts"): "integer",
    ("s.processed_events", "account"): "text",
    ("s.processed_events", "at"): "bigint",
    ("s.processed_events", "id"): "bytea",
}
PROCESSED_CLAIM = (
    'INSERT INTO s.processed_events (account, "at", id) VALUES (%s, %s, %s) '
    "ON CONFLICT (account, id) DO NOTHING"
)
OUTBOX_ROWS = (
    "INSERT INTO s.outbox (account, id, attempts) SELECT account, id, attempts "
    "FROM ROWS FROM (json_to_recordset(%s::json) AS (account text, id text, attempts integer)) "
    "WITH ORDINALITY AS given (account, id, attempts, place) ORDER BY place "
    "ON CONFLICT (account, id) DO NOTHING"
)
LEADS_ROWS = (
    "INSERT INTO s.leads (account, phone, data) SELECT account, phone, data "
    "FROM ROWS FROM (json_to_recordset(%s::json) AS (account text, phone text, data text)) "
    "WITH ORDINALITY AS given (account, phone, data, place) ORDER BY place "
    "ON CONFLICT (account, phone) DO UPDATE SET data = excluded.data"
)


def batcher():
    return Batcher([upsert(LEAD_SAVE, TYPES), upsert(OUTBOX_ADD, TYPES)])


class TestUpsert:
    """Only an insert of one row kept or replaced by its key, of known columns, is taken apart."""

    def test_an_upsert(self):
        """Its table, columns, key, conflict clause and each column's array type."""
        found = upsert(LEAD_SAVE, TYPES)
        assert (
            "s.leads",
            ("account", "phone", "data"),
            (0, 1),
            "ON CONFLICT (account, phone) DO UPDATE SET data = excluded.data",
            ("text", "text", "text"),
        ) == (found.table, found.columns, found.key, found.conflict, found.types)

    def test_its_rows_as_json(self):
        """Each row an object by column name, quoted columns unquoted, bytes in bytea's hex form."""
        found = upsert(PROCESSED_CLAIM, TYPES)
        rows = [("a", 5, b"\x00\xff"), ('a\u00e9"', None, None)]
        expected = (
            '[{"account":"a","at":5,"id":"\\\\x00ff"},{"account":"a\u00e9\\"","at":null,"id":null}]'
        )
        assert expected == found.rows_json(rows)

    @pytest.mark.parametrize(
        "statement",
        [
            LEAD_REMOVE,
            "INSERT INTO s.leads (account, phone, data) VALUES (%s, %s, %s)",
            (
                "INSERT INTO s.ticks AS stored (account, at) VALUES (%s, %s) "
                "ON CONFLICT (account) DO UPDATE SET at = GREATEST(stored.at, excluded.at)"
            ),
            "INSERT INTO s.other (account, phone) VALUES (%s, %s) ON CONFLICT (account) DO NOTHING",
        ],
    )
    def test_anything_else_is_not(self, statement):
        """A delete, an insert without a conflict clause, one with an alias, unknown columns."""
        assert upsert(statement, TYPES) is None


class TestBatcher:
    """Runs of upserts of distinct rows become one statement; everything else stays in place."""

    def test_one_row_is_left_as_queued(self):
        """A run of one row is sent as it was queued: the statement prepared already."""
        queued = [(False, "BEGIN", None), (False, LEAD_SAVE, ("a", "9198", "{}"))]
        assert queued == batcher().batched(queued)

    def test_a_run_of_tables_is_one_statement(self):
        """Each table's rows as one array a column, the tables in one fixed order."""
        queued = [
            (True, OUTBOX_ADD, [("a", "o-1", 0), ("a", "o-2", 1)]),
            (False, LEAD_SAVE, ("a", "9198", "{}")),
        ]
        expected = [
            (
                False,
                f"WITH w0 AS ({LEADS_ROWS}) {OUTBOX_ROWS}",
                [
                    '[{"account":"a","phone":"9198","data":"{}"}]',
                    '[{"account":"a","id":"o-1","attempts":0},{"account":"a","id":"o-2","attempts":1}]',
                ],
            )
        ]
        assert expected == batcher().batched(queued)

    def test_a_row_written_again_starts_a_new_run(self):
        """The same key twice: the second write is sent after the first, in a statement after it."""
        queued = [
            (False, LEAD_SAVE, ("a", "9198", "{1}")),
            (True, OUTBOX_ADD, [("a", "o-1", 0)]),
            (False, LEAD_SAVE, ("a", "9198", "{2}")),
        ]
        expected = [
            (
                False,
                f"WITH w0 AS ({LEADS_ROWS}) {OUTBOX_ROWS}",
                [
                    '[{"account":"a","phone":"9198","data":"{1}"}]',
                    '[{"account":"a","id":"o-1","attempts":0}]',
                ],
            ),
            (False, LEAD_SAVE, ("a", "9198", "{2}")),
        ]
        assert expected == batcher().batched(queued)

    def test_the_same_key_in_another_account_is_another_row(self):
        """The key includes the account: two accounts' rows of one phone join."""
        queued = [(False, LEAD_SAVE, ("a", "9198", "{}")), (False, LEAD_SAVE, ("b", "9198", "{}"))]
        rows = [
            '[{"account":"a","phone":"9198","data":"{}"},{"account":"b","phone":"9198","data":"{}"}]'
        ]
        expected = [(False, LEADS_ROWS, rows)]
        assert expected == batcher().batched(queued)

    def test_other_statements_stay_in_place_between_runs(self):
        """A delete between upserts ends the run before it; the upserts after it start another."""
        queued = [
            (False, LEAD_SAVE, ("a", "9198", "{}")),
            (False, LEAD_REMOVE, ("a", "9198")),
            (True, OUTBOX_ADD, [("a", "o-1", 0)]),
        ]
        expected = [*queued[:2], (False, OUTBOX_ADD, ("a", "o-1", 0))]
        assert expected == batcher().batched(queued)

    def test_the_statement_of_a_combination_is_made_once(self):
        """The same tables in two units give the very same text, which psycopg prepares once."""
        made = batcher()
        queued = [(False, LEAD_SAVE, ("a", "9198", "{}")), (True, OUTBOX_ADD, [("a", "o-1", 0)])]
        first, second = made.batched(queued), made.batched(list(reversed(queued)))
        assert first[0][1] is second[0][1]
