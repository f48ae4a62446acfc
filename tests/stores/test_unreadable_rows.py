"""
A read of many rows meeting one it cannot read names the row by its table and a key, not a phone.
"""

import datetime as dt
import sqlite3

import pytest

from convroute.adapters import SQLiteStore
from convroute.errors import StoreError, UnreadableRowError
from convroute.funnel import Cause, Transition
from convroute.model import Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem, OutboxStatus


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
NUMBER = Phone("918040001234")
LEAD = Phone("919812345678")
OTHER = Phone("919800000002")
PHONES = (LEAD, OTHER, NUMBER, "9812345678", "9800000002", "8040001234")


class Damaged:
    """A store of one kind, and a way to change its rows behind its back with SQL."""

    def __init__(self, kind, tmp_path, request):
        if kind == "sqlite":
            path = tmp_path / "convroute.db"
            self.store = SQLiteStore(path)

            def execute(statement, parameters):
                with sqlite3.connect(path) as connection:
                    rows = connection.execute(statement.format(t=""), parameters).fetchall()
                connection.close()
                return rows

        else:
            import psycopg

            from convroute.adapters.postgres import PostgresStore

            url = request.getfixturevalue("postgres_url")
            schema = request.getfixturevalue("new_postgres_schema")()
            self.store = PostgresStore(url, schema=schema)

            def execute(statement, parameters):
                sql = statement.format(t=f'"{schema}".').replace("?", "%s")
                with psycopg.connect(url, autocommit=True) as connection:
                    cursor = connection.execute(sql, parameters)
                    return cursor.fetchall() if cursor.description else []

        self.execute = execute


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def damaged(request, tmp_path):
    made = Damaged(request.param, tmp_path, request)
    yield made
    made.store.close()


def item(ident, lead, minutes=0):
    body = {"type": "send", "event": "wamid.1", "to": lead, "text": f"Hello {lead}"}
    return OutboxItem(
        id=ident,
        event="wamid.1",
        type="send",
        body=body,
        created_at=T0 + minutes * MINUTE,
        lead=lead,
    )


def record(ident, lead, minutes=0):
    return Transition(
        id=ident,
        lead=lead,
        funnel="Sales",
        from_stage=None,
        to_stage="Enquiry",
        at=T0 + minutes * MINUTE,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBER,
    )


def assigned(lead, minutes=0):
    return Conversation.assigned(
        lead, NUMBER, T0 + minutes * MINUTE, "u-asha", opportunity=None, rule="Desk"
    )


def waiting(lead, minutes=0):
    return Conversation(
        lead=lead,
        number=NUMBER,
        status="unrouted",
        last_message_at=T0 + minutes * MINUTE,
        rule="Desk",
        waiting_since=T0,
        due_at=T0 + MINUTE,
    )


def refusal(read):
    with pytest.raises(UnreadableRowError) as caught:
        read()
    return caught.value


def no_phone_in(error):
    text = f"{error} {error.table} {error.key}"
    return [phone for phone in PHONES if phone in text]


class TestOutboxReads:
    @pytest.mark.parametrize(
        "read",
        [
            lambda uow: uow.outbox.items(),
            lambda uow: uow.outbox.items(OutboxStatus.PENDING),
            lambda uow: uow.outbox.claim(10, T0 + MINUTE, T0 + 5 * MINUTE),
        ],
        ids=["items", "items of a status", "claim"],
    )
    def test_a_bad_item_is_named_by_its_seq_and_id(self, damaged, read):
        """An item of the wrong shape: the outbox, its seq and id in the message, no phone."""
        with damaged.store.unit_of_work() as uow:
            uow.outbox.add([item("act-1", OTHER), item("act-2", LEAD, 1)])
        ((seq,),) = damaged.execute("SELECT seq FROM {t}outbox WHERE id = ?", ("act-2",))
        damaged.execute(
            'UPDATE {t}outbox SET data = replace(data, \'"type":"send"\', \'"type":7\') '
            "WHERE id = ?",
            ("act-2",),
        )

        with damaged.store.unit_of_work() as uow:
            error = refusal(lambda: read(uow))

        key = f"seq {seq}, id act-2"
        assert ("outbox", key, []) == (error.table, error.key, no_phone_in(error))
        assert str(error).startswith(f"outbox row {key}: a stored OutboxItem cannot be read: ")
        assert isinstance(error, StoreError)

    def test_text_that_is_not_json_is_named_too(self, damaged):
        """An item whose text is not JSON: its seq and id, no phone."""
        with damaged.store.unit_of_work() as uow:
            uow.outbox.add([item("act-1", LEAD)])
        damaged.execute("UPDATE {t}outbox SET data = '{{' || data WHERE id = ?", ("act-1",))

        with damaged.store.unit_of_work() as uow:
            error = refusal(uow.outbox.items)

        assert ("outbox", [], True) == (error.table, no_phone_in(error), "not JSON" in str(error))

    def test_a_status_convroute_does_not_know_is_named_not_quoted(self, damaged):
        """counts() over a status that is none of convroute's: a StoreError, not a ValueError."""
        with damaged.store.unit_of_work() as uow:
            uow.outbox.add([item("act-1", LEAD)])
        ((seq,),) = damaged.execute("SELECT seq FROM {t}outbox WHERE id = ?", ("act-1",))
        damaged.execute("UPDATE {t}outbox SET status = ? WHERE id = ?", (LEAD, "act-1"))

        with damaged.store.unit_of_work() as uow:
            error = refusal(uow.outbox.counts)

        expected = (
            f"outbox row seq {seq}, id act-1: its status is none of pending, sent, dead; "
            "rows with such a status: 1"
        )
        assert (expected, []) == (str(error), no_phone_in(error))

    @pytest.mark.parametrize("status", [OutboxStatus.PENDING, OutboxStatus.DEAD])
    def test_requeue_names_a_row_of_a_status_convroute_does_not_know(self, damaged, status):
        """requeue() of such a row refuses it as counts() does, not trusting its data's status."""
        with damaged.store.unit_of_work() as uow:
            uow.outbox.add([item("act-1", LEAD), item("act-2", OTHER, minutes=1)])
            uow.outbox.mark_dead("act-1", "RuntimeError: refused")
            uow.outbox.mark_dead("act-2", "RuntimeError: refused")
            if status == OutboxStatus.PENDING:
                uow.outbox.requeue(["act-1"])
        ((seq,),) = damaged.execute("SELECT seq FROM {t}outbox WHERE id = ?", ("act-1",))
        damaged.execute("UPDATE {t}outbox SET status = ? WHERE id = ?", ("weird", "act-1"))

        with damaged.store.unit_of_work() as uow:
            error = refusal(lambda: uow.outbox.requeue(["act-2", "act-1"]))

        expected = (
            f"outbox row seq {seq}, id act-1: its status is none of pending, sent, dead; "
            "rows with such a status: 1"
        )
        rows = damaged.execute("SELECT id, status FROM {t}outbox ORDER BY id", ())
        assert (expected, [("act-1", "weird"), ("act-2", "dead")]) == (
            str(error),
            [tuple(row) for row in rows],
        )

    def test_requeue_of_other_rows_is_not_stopped_by_one(self, damaged):
        """Another item is requeued, a row of a status convroute does not know left as it is."""
        with damaged.store.unit_of_work() as uow:
            uow.outbox.add([item("act-1", LEAD), item("act-2", OTHER, minutes=1)])
            uow.outbox.mark_dead("act-2", "RuntimeError: refused")
        damaged.execute("UPDATE {t}outbox SET status = ? WHERE id = ?", ("weird", "act-1"))

        with damaged.store.unit_of_work() as uow:
            found = uow.outbox.requeue(["act-2", "act-9"])

        assert {"act-2": OutboxStatus.DEAD} == found


class TestFunnelRecordScan:
    def test_a_bad_record_is_named_by_its_seq(self, damaged):
        """A record of the wrong shape met by scan(): funnel_records and its seq, no phone."""
        with damaged.store.unit_of_work() as uow:
            uow.funnel_records.add(record("tr-1", OTHER))
            uow.funnel_records.add(record("tr-2", LEAD))
        ((seq,),) = damaged.execute("SELECT seq FROM {t}funnel_records WHERE id = ?", ("tr-2",))
        damaged.execute(
            'UPDATE {t}funnel_records SET data = replace(data, \'"funnel":"Sales"\', '
            "'\"funnel\":[]') WHERE id = ?",
            ("tr-2",),
        )

        with damaged.store.unit_of_work() as uow:
            error = refusal(lambda: list(uow.funnel_records.scan()))

        expected = ("funnel_records", f"seq {seq}", [])
        assert expected == (error.table, error.key, no_phone_in(error))


class TestTickReads:
    @pytest.mark.parametrize(
        "read",
        [
            lambda uow: uow.conversations.due(T0 + 10 * MINUTE, 10),
            lambda uow: uow.conversations.waiting(T0, 10),
            lambda uow: uow.conversations.waiting(T0, 10, rule="Desk"),
        ],
        ids=["due", "waiting", "waiting of a rule"],
    )
    def test_a_bad_waiting_conversation_is_named_by_its_last_message(self, damaged, read):
        """The conversation's last_message_at as stored, which finds it; no phone."""
        with damaged.store.unit_of_work() as uow:
            uow.conversations.save(waiting(OTHER))
            uow.conversations.save(waiting(LEAD, 1))
        ((micros,),) = damaged.execute(
            "SELECT last_message_at FROM {t}conversations WHERE lead = ?", (LEAD,)
        )
        damaged.execute(
            'UPDATE {t}conversations SET data = replace(data, \'"rule":"Desk"\', \'"rule":1\') '
            "WHERE lead = ?",
            (LEAD,),
        )

        with damaged.store.unit_of_work() as uow:
            error = refusal(lambda: read(uow))

        expected = ("conversations", f"last_message_at {micros}", [])
        assert expected == (error.table, error.key, no_phone_in(error))

    def test_a_bad_held_conversation_is_named_by_its_last_message(self, damaged):
        """held_by meets a bad assigned conversation: its last_message_at, no phone."""
        with damaged.store.unit_of_work() as uow:
            uow.conversations.save(assigned(LEAD))
        ((micros,),) = damaged.execute(
            "SELECT last_message_at FROM {t}conversations WHERE lead = ?", (LEAD,)
        )
        damaged.execute("UPDATE {t}conversations SET data = 'null' WHERE lead = ?", (LEAD,))

        with damaged.store.unit_of_work() as uow:
            error = refusal(lambda: uow.conversations.held_by("u-asha", T0))

        expected = ("conversations", f"last_message_at {micros}", [])
        assert expected == (error.table, error.key, no_phone_in(error))

    def test_a_bad_turn_record_is_named_by_its_pool(self, damaged):
        """turns.all() meets a bad record: the table and its pool."""
        with damaged.store.unit_of_work() as uow:
            uow.turns.save(TurnRecord(pool="Desk", assigned=("u-asha",)))
        damaged.execute("UPDATE {t}turns SET data = '[]' WHERE pool = ?", ("Desk",))

        with damaged.store.unit_of_work() as uow:
            error = refusal(uow.turns.all)

        assert ("turns", "pool Desk") == (error.table, error.key)


class TestUserReads:
    def test_a_bad_user_is_named_by_its_id(self, damaged):
        """users.all() meets a bad user: the table and the user's id."""
        with damaged.store.unit_of_work() as uow:
            uow.users.save(User(id="u-asha", name="Asha"))
            uow.users.save(User(id="u-ravi", name="Ravi"))
        damaged.execute("UPDATE {t}users SET data = '[]' WHERE id = ?", ("u-ravi",))

        with damaged.store.unit_of_work() as uow:
            error = refusal(uow.users.all)

        assert ("users", "id u-ravi") == (error.table, error.key)
