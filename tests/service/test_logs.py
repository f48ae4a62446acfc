"""
What the service logs: events, failed deliveries, store failures; personal data at DEBUG only.
"""

import datetime as dt
import json
import logging
import sqlite3

import pytest

import convroute

from convroute.config import loads_config
from convroute.errors import StoreError
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, DESK_TEAM, LEAD, NUMBER, message


TEXT = "I came from Instagram, my card is 4111"


def webhook(*wamids):
    messages = [
        {
            "from": LEAD,
            "id": wamid,
            "timestamp": str(int(AT.timestamp())),
            "type": "text",
            "text": {"body": TEXT},
        }
        for wamid in wamids
    ]
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Ravi Kumar"}, "wa_id": LEAD}],
        "messages": messages,
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


class _BrokenStore:
    """A store whose units of work fail, while armed."""

    def __init__(self):
        self.inner = MemoryStore()
        self.armed = False

    def unit_of_work(self, account="default"):
        if self.armed:
            raise StoreError("disk full")
        return self.inner.unit_of_work(account)


def fields(record):
    return getattr(record, "convroute", None)


def records(caplog, level):
    return [
        one for one in caplog.records if one.levelno == level and one.name.startswith("convroute")
    ]


@pytest.fixture
def caplog(caplog):
    caplog.set_level(logging.DEBUG, logger="convroute")
    return caplog


class TestSetup:
    def test_the_library_adds_only_a_null_handler(self):
        """The convroute logger has a NullHandler and no other; its level is left to the host."""
        logger = logging.getLogger("convroute")

        assert [logging.NullHandler] == [type(one) for one in logger.handlers]
        assert (logging.NOTSET, convroute.Service) == (logger.level, Service)


class TestEvents:
    def test_one_info_record_an_event(self, caplog):
        """A handled event gets one INFO record: its id, kind and what it came to, as fields too."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        handled = service.handle(message("wamid.1", text=TEXT))

        [record] = records(caplog, logging.INFO)
        expected = {
            "account": "default",
            "event": "wamid.1",
            "kind": "IncomingMessage",
            "duplicate": False,
            "actions": [item.id for item in handled.actions],
            "action_types": [item.type for item in handled.actions],
            "notes": len(handled.notes),
        }
        assert ("convroute.service", expected) == (record.name, fields(record))
        assert record.getMessage().startswith("event wamid.1 (IncomingMessage): 2 actions")

    def test_counts_of_one_read_in_the_singular(self, caplog):
        """One action, note or failed delivery is said in the singular, not "1 actions"."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, MemoryStore(), transport, clock=lambda: AT)
        handled = service.handle(message("wamid.1", text="Hi"))

        [record] = records(caplog, logging.INFO)
        words = [
            f"{len(handled.actions)} action{'s' * (len(handled.actions) != 1)}",
            f"{len(handled.notes)} note{'s' * (len(handled.notes) != 1)}",
        ]
        assert 1 == len(handled.actions)
        assert f"event wamid.1 (IncomingMessage): {', '.join(words)}" == record.getMessage()

    def test_a_duplicate_says_so(self, caplog):
        """An event id seen before is logged as a duplicate."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        service.handle(message("wamid.1", text=TEXT))
        caplog.clear()
        service.handle(message("wamid.1", text=TEXT))

        [record] = records(caplog, logging.INFO)
        expected = {
            "account": "default",
            "event": "wamid.1",
            "kind": "IncomingMessage",
            "duplicate": True,
        }
        assert ("event wamid.1 (IncomingMessage): duplicate", expected) == (
            record.getMessage(),
            fields(record),
        )

    def test_a_tick_that_does_nothing_gets_one_debug_record(self, caplog):
        """A tick without actions, notes or failed deliveries is logged once, at DEBUG."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        service.tick(AT)

        [record] = [one for one in caplog.records if one.name.startswith("convroute")]
        expected = {
            "account": "default",
            "tick": AT.isoformat(),
            "actions": 0,
            "notes": 0,
            "failed_deliveries": 0,
        }
        assert (logging.DEBUG, expected) == (record.levelno, fields(record))

    def test_a_tick_at_or_before_the_latest_gets_one_debug_record(self, caplog):
        """A tick another worker's got ahead of did nothing: its record and note are DEBUG."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        service.tick(AT)
        caplog.clear()

        report = service.tick(AT - dt.timedelta(seconds=1))

        [record] = [one for one in caplog.records if one.name.startswith("convroute")]
        assert (1, logging.DEBUG, 1) == (len(report.notes), record.levelno, fields(record)["notes"])

    def test_a_tick_that_does_something_gets_one_info_record(self, caplog):
        """A tick that writes an action is logged once, at INFO, with its time and counts."""
        config = loads_config(
            DESK_TEAM
            + """
reply_within = "15m"

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
        )
        later = AT + dt.timedelta(minutes=15)
        now = [AT]
        service = Service(config, MemoryStore(), RecordingTransport(), clock=lambda: now[0])
        service.handle(message("wamid.1", text=TEXT))
        now[0] = later
        caplog.clear()
        report = service.tick(later)

        [record] = records(caplog, logging.INFO)
        expected = {
            "account": "default",
            "tick": later.isoformat(),
            "actions": len(report.actions),
            "notes": len(report.notes),
            "failed_deliveries": 0,
        }
        assert (True, expected) == (len(report.actions) > 0, fields(record))

    def test_a_prune_gets_one_info_record(self, caplog):
        """A prune is logged once, with its cut-off and what each kind lost, as fields too."""
        now = {"at": AT}
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: now["at"])
        service.handle(message("wamid.1", text=TEXT))
        now["at"] = AT + dt.timedelta(days=40)
        before = AT + dt.timedelta(days=1)
        caplog.clear()
        report = service.prune(before)

        [record] = records(caplog, logging.INFO)
        expected = {
            "account": "default",
            "before": before.isoformat(),
            "processed": report.processed,
            "sent": report.sent,
            "closed": report.closed,
        }
        words = (
            f"pruned what is older than {before.isoformat()}: {report.processed} processed ids, "
            "2 sent items, 0 closed conversations"
        )
        assert (words, expected) == (record.getMessage(), fields(record))

    def test_requeue_prune_and_erasure_counts_of_one_read_in_the_singular(self, caplog):
        """A requeue, a prune and an erasure of one of a kind say so in the singular."""
        now = {"at": AT}
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, MemoryStore(), transport, clock=lambda: now["at"], max_attempts=1)
        [dead] = service.handle(message("wamid.1", text="Hi")).actions
        service.handle(message("wamid.2", lead=convroute.Phone("919800000002"), text="Hi"))
        now["at"] = AT + dt.timedelta(days=8)
        caplog.clear()

        service.requeue([dead.id])
        service.prune(AT + dt.timedelta(seconds=1), batch=1)
        service.forget(LEAD)

        pruned = "4 processed ids, 1 sent item, 0 closed conversations"
        forgot = (
            "1 conversation, 0 opportunities, 1 outbox item, "
            "0 funnel records kept under a token, 0 rows removed unread"
        )
        assert [
            "requeued 1 dead item",
            f"pruned what is older than {(AT + dt.timedelta(seconds=1)).isoformat()}: {pruned}",
            f"forgot a lead: {forgot}",
        ] == [record.getMessage() for record in records(caplog, logging.INFO)]


class TestFailedDeliveries:
    def test_a_warning_with_the_exception_for_each(self, caplog):
        """Each refused delivery is a WARNING carrying the exception and the item's fields."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(fail=2), clock=lambda: AT)
        handled = service.handle(message("wamid.1", text=TEXT))

        warnings = records(caplog, logging.WARNING)
        retry = (AT + dt.timedelta(seconds=5)).isoformat()
        expected = [
            {
                "account": "default",
                "item": item.id,
                "event": "wamid.1",
                "type": item.type,
                "attempts": 1,
                "retry_at": retry,
                "dead": False,
            }
            for item in handled.actions
        ]
        assert expected == [fields(one) for one in warnings]
        assert all(one.exc_info and one.exc_info[1] is not None for one in warnings)

    def test_the_message_gives_the_retry_time_as_the_fields_do(self, caplog):
        """The warning gives the next try's time in ISO 8601, as its fields and other records do."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(fail=1), clock=lambda: AT)
        [item, *_] = service.handle(message("wamid.1", text=TEXT)).actions

        [warning] = records(caplog, logging.WARNING)
        retry = (AT + dt.timedelta(seconds=5)).isoformat()
        words = f"delivery of {item.id} ({item.type}, event wamid.1) failed, attempt 1: retried at"
        assert f"{words} {retry}" == warning.getMessage()

    def test_the_webhook_result_names_them(self):
        """WebhookHandled.failed_deliveries, and each message's Handled, name refused actions."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(fail=1), clock=lambda: AT)
        result = service.handle_webhook(webhook("wamid.1"), verify=False)

        [handled] = result.handled
        [(ident, _)] = result.failed_deliveries
        assert (ident, result.failed_deliveries) == (
            handled.actions[0].id,
            handled.failed_deliveries,
        )


class TestStoreFailures:
    def test_a_webhook_message_whose_store_failed_is_one_error(self, caplog):
        """A message failed by the store is one ERROR record with the exception, not two."""
        store = _BrokenStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        store.armed = True
        result = service.handle_webhook(webhook("wamid.1"), verify=False)

        [record] = records(caplog, logging.ERROR)
        assert ("wamid.1", "disk full") == (result.failed[0][0], str(record.exc_info[1]))
        assert {"account": "default", "event": "wamid.1", "kind": "IncomingMessage"} == fields(
            record
        )

    def test_handle_logs_once_then_raises(self, caplog):
        """handle() logs a store failure as one ERROR record, and raises it."""
        store = _BrokenStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        store.armed = True
        with pytest.raises(StoreError):
            service.handle(message("wamid.1", text=TEXT))

        assert 1 == len(records(caplog, logging.ERROR))

    def test_dispatch_logs_once_then_raises(self, caplog):
        """dispatch_pending() and requeue() log a store failure as one ERROR record each."""
        store = _BrokenStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        store.armed = True
        with pytest.raises(StoreError):
            service.dispatch_pending()
        with pytest.raises(StoreError):
            service.requeue(["act-1"])

        errors = [fields(one) for one in records(caplog, logging.ERROR)]
        assert [{"account": "default"}] * 2 == errors

    def test_prune_and_forget_log_once_then_raise(self, caplog):
        """prune() and forget() log a store failure as one ERROR record each, with the exception."""
        store = _BrokenStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        store.armed = True
        with pytest.raises(StoreError):
            service.prune(AT - dt.timedelta(days=30))
        with pytest.raises(StoreError):
            service.forget(LEAD)

        errors = records(caplog, logging.ERROR)
        expected = [({"account": "default"}, "disk full")] * 2
        assert expected == [(fields(one), str(one.exc_info[1])) for one in errors]


class TestPersonalData:
    def test_phones_and_texts_only_at_debug(self, caplog):
        """No record above DEBUG holds a phone or a message's text, in its message or fields."""
        store = _BrokenStore()
        now = [AT]
        service = Service(CONFIG, store, RecordingTransport(fail=3), clock=lambda: now[0])
        service.handle(message("wamid.1", text=TEXT))
        service.handle_webhook(webhook("wamid.2"), verify=False)
        service.handle(message("wamid.1", text=TEXT))
        now[0] = AT + dt.timedelta(days=1)
        service.tick(AT + dt.timedelta(days=1))
        store.armed = True
        service.handle_webhook(webhook("wamid.3"), verify=False)

        above = [one for one in caplog.records if one.levelno > logging.DEBUG]
        seen = " ".join(f"{one.getMessage()} {fields(one)}" for one in above)
        debug = " ".join(one.getMessage() for one in caplog.records if one.levelno == logging.DEBUG)
        secrets = [LEAD, NUMBER, LEAD[2:], "Instagram", "4111"]
        assert [] == [secret for secret in secrets if secret in seen]
        assert (True, True) == (LEAD in debug, "Instagram" in debug)
        assert len(above) >= 6

    def test_an_unreadable_stored_row_names_no_phone(self, caplog, tmp_path):
        """An unreadable stored lead is an ERROR whose message and traceback show no phone."""
        from convroute.adapters import SQLiteStore

        store = SQLiteStore(tmp_path / "convroute.db")
        with store.unit_of_work():
            pass
        connection = sqlite3.connect(store.path, isolation_level=None)
        try:
            connection.execute(
                "INSERT INTO leads (account, phone, data) VALUES ('default', ?, ?)",
                (LEAD, json.dumps({"phone": int(LEAD), "name": [LEAD]})),
            )
        finally:
            connection.close()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        try:
            result = service.handle_webhook(webhook("wamid.1"), verify=False)
        finally:
            store.close()

        [error] = records(caplog, logging.ERROR)
        shown = f"{error.getMessage()} {error.exc_text or ''} {result.failed}"
        assert (True, []) == (
            "expected text, not a number @ $.phone" in shown,
            [digits for digits in (LEAD[2:], LEAD[-6:]) if digits in shown],
        )

    def test_a_failed_tick_action_names_no_phone(self, caplog):
        """A tick's action is keyed by its conversation's phones: its WARNING says only "tick"."""
        config = loads_config(
            DESK_TEAM
            + """
reply_within = "15m"

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
        )
        now = {"at": AT}
        transport = RecordingTransport(fail=lambda item: item.type == "reassign")
        service = Service(config, MemoryStore(), transport, clock=lambda: now["at"])
        service.handle(message("wamid.1", text=TEXT))
        now["at"] = AT + dt.timedelta(minutes=15)
        caplog.clear()
        report = service.tick()

        [warning] = records(caplog, logging.WARNING)
        above = [one for one in caplog.records if one.levelno > logging.DEBUG]
        seen = " ".join(f"{one.getMessage()} {fields(one)}" for one in above)
        assert (1, "tick") == (len(report.failed_deliveries), fields(warning)["event"])
        assert [] == [secret for secret in (LEAD, NUMBER) if secret in seen]


class TestAccounts:
    def test_every_record_names_the_account(self, caplog):
        """An event, a tick, a failed delivery and an erasure each name the service's account."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, MemoryStore(), transport, clock=lambda: AT, account="acme")
        service.handle(message("wamid.1", text=TEXT))
        service.tick(AT)
        service.forget(LEAD)

        named = {
            fields(one).get("account") for one in caplog.records if one.levelno >= logging.INFO
        }
        kinds = {one.levelno for one in caplog.records if one.levelno >= logging.INFO}
        assert not any("token" in (fields(one) or {}) for one in caplog.records)
        assert ({"acme"}, {logging.INFO, logging.WARNING}) == (named, kinds)


def delivery(*messages):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "1065"},
        "messages": list(messages),
        "statuses": [{"id": "wamid.0", "status": "read", "timestamp": "1", "recipient_id": LEAD}],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def text_message(wamid, sender=LEAD, text=TEXT, stamp=None):
    stamp = str(int(AT.timestamp())) if stamp is None else stamp
    return {"from": sender, "id": wamid, "timestamp": stamp, "type": "text", "text": {"body": text}}


class TestPassedOver:
    def test_a_lost_message_is_one_warning_a_delivery(self, caplog):
        """Messages passed over for their shape are one WARNING a delivery: paths and reasons."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        body = delivery(
            text_message("wamid.bad", sender=f"{LEAD}-x"),
            text_message("wamid.1"),
            text_message("wamid.long", text="a" * 5000),
            text_message("wamid.when", stamp="soon"),
        )
        service.handle_webhook(body, verify=False)

        [record] = records(caplog, logging.WARNING)
        messages = "entry[0].changes[0].value.messages"
        expected = {
            "account": "default",
            "passed_over": {
                f"{messages}[0]": "malformed",
                f"{messages}[2]": "oversize",
                f"{messages}[3]": "malformed",
            },
        }
        assert expected == fields(record)
        assert (
            "webhook delivery: 3 messages passed over: 2 malformed, 1 oversize"
            == record.getMessage()
        )

    def test_what_is_passed_over_by_design_stays_at_debug(self, caplog):
        """Statuses and kinds convroute does not act on are no news above DEBUG."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        reaction = {
            "from": LEAD,
            "id": "wamid.r",
            "timestamp": str(int(AT.timestamp())),
            "type": "reaction",
            "reaction": {"message_id": "wamid.0", "emoji": "x"},
        }
        service.handle_webhook(delivery(reaction), verify=False)

        debug = [one.getMessage() for one in records(caplog, logging.DEBUG)]
        above = [one for one in caplog.records if one.levelno > logging.DEBUG]
        assert ([], 2) == (above, sum("passed over" in one for one in debug))

    def test_the_details_that_quote_phones_and_texts_stay_at_debug(self, caplog):
        """The warning names no phone nor text; each item's detail is at DEBUG."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        body = delivery(text_message("wamid.bad", sender=f"{LEAD}-x"))
        service.handle_webhook(body, verify=False)

        above = [one for one in caplog.records if one.levelno > logging.DEBUG]
        seen = " ".join(f"{one.getMessage()} {fields(one)}" for one in above)
        debug = " ".join(one.getMessage() for one in records(caplog, logging.DEBUG))
        assert ([], True) == ([s for s in (LEAD, LEAD[2:], "4111") if s in seen], LEAD in debug)
