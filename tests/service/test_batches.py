"""
A webhook's messages, each its own unit of work: one that fails leaves the
others handled, and ids of any length the parser takes can be stored.
"""

import contextlib
import hashlib
import json

import pytest

from convroute.errors import StoreError
from convroute.model import Phone
from convroute.service import Service
from service.conftest import AT, CONFIG, NUMBER


RAVI = Phone("919800000001")
MEERA = Phone("919800000002")
ASHA = Phone("919800000003")


def text(wamid, lead, body="I came from Instagram", seconds=0):
    return {
        "from": lead,
        "id": wamid,
        "timestamp": str(int(AT.timestamp()) + seconds),
        "type": "text",
        "text": {"body": body},
    }


def webhook(*messages):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Lead"}, "wa_id": lead} for lead in (RAVI, MEERA, ASHA)],
        "messages": list(messages),
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


BATCH = webhook(
    text("wamid.1", RAVI), text("wamid.2", MEERA, seconds=1), text("wamid.3", ASHA, seconds=2)
)


class _Poisoned:
    """A store whose units fail for as long as they claim one event id."""

    def __init__(self, inner, poison):
        self.inner = inner
        self.poison = poison

    @contextlib.contextmanager
    def unit_of_work(self, account="default"):
        with self.inner.unit_of_work(account) as uow:
            claim = uow.processed.claim
            poison = self.poison

            class _Processed:
                def claim(self, event, at):
                    if event == poison:
                        raise StoreError(f"cannot store {event}")
                    return claim(event, at)

                def add(self, events, at):
                    if poison in events:
                        raise StoreError(f"cannot store {poison}")
                    uow.processed.add(events, at)

            class _Unit:
                processed = _Processed()

                def __getattr__(self, name):
                    return getattr(uow, name)

            yield _Unit()


def corrupt_lead(store, lead):
    """Write a lead row whose JSON is not a lead, straight into the SQL store's table."""
    if hasattr(store, "path"):
        import sqlite3

        connection = sqlite3.connect(store.path, isolation_level=None)
        table = "leads"
    else:
        import psycopg

        connection = psycopg.connect(store._conninfo, autocommit=True)
        table = f"{store.schema}.leads"
    try:
        connection.execute(
            f"INSERT INTO {table} (account, phone, data) "  # noqa: S608 - test names
            f"VALUES ('default', '{lead}', '{{\"phone\": 5}}')"
        )
    finally:
        connection.close()


class TestPoisonedMessage:
    def test_the_messages_after_a_failing_one_are_handled(self, store, transport):
        """Of three messages, the middle failing: the first and third are handled, it reported."""
        service = Service(CONFIG, _Poisoned(store, "wamid.2"), transport, clock=lambda: AT)

        result = service.handle_webhook(BATCH, verify=False)

        assert ["wamid.1", "wamid.3"] == [one.event for one in result.handled]
        assert [("wamid.2", "StoreError: cannot store wamid.2")] == list(result.failed)
        with store.unit_of_work() as uow:
            leads = [uow.leads.get(lead) is not None for lead in (RAVI, MEERA, ASHA)]
        assert [True, False, True] == leads
        assert {RAVI, ASHA} == {item.body["to"] for item in transport.sent if "to" in item.body}

    def test_a_redelivery_handles_the_failed_message_once_cured(self, store, transport):
        """Meta's redelivery finds the handled messages duplicates, and handles the cured one."""
        poisoned = _Poisoned(store, "wamid.2")
        service = Service(CONFIG, poisoned, transport, clock=lambda: AT)
        service.handle_webhook(BATCH, verify=False)
        poisoned.poison = None

        again = service.handle_webhook(BATCH, verify=False)

        assert [True, False, True] == [one.duplicate for one in again.handled]
        assert () == again.failed

    def test_a_batch_without_failures_reports_none(self, service):
        """A batch handled whole has no failures."""
        assert () == service.handle_webhook(BATCH, verify=False).failed


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_store(request, tmp_path):
    from service.conftest import make_store

    made = make_store(request.param, tmp_path, request)
    yield made
    made.close()


class TestUnreadableRow:
    def test_a_stored_row_that_cannot_be_read_fails_its_message_only(self, sql_store, transport):
        """A lead whose stored row is not a lead fails its own message; the batch goes on."""
        corrupt_lead(sql_store, MEERA)
        service = Service(CONFIG, sql_store, transport, clock=lambda: AT)

        result = service.handle_webhook(BATCH, verify=False)

        assert ["wamid.1", "wamid.3"] == [one.event for one in result.handled]
        [(event, error)] = result.failed
        assert "wamid.2" == event
        assert "stored Lead" in error


class TestLongIds:
    def test_the_longest_message_id_the_parser_takes_is_stored(self, service):
        """A message id of 4 096 characters (12 KB in UTF-8) is handled once, on every store."""
        # CJK characters picked by digests: 3 bytes each, nothing compression shortens.
        picks = b"".join(hashlib.sha256(str(n).encode()).digest() for n in range(128))
        long_id = "".join(chr(0x4E00 + byte) for byte in picks)
        body = webhook(text(long_id, RAVI), text("wamid.2", MEERA, seconds=1))

        first = service.handle_webhook(body, verify=False)
        again = service.handle_webhook(body, verify=False)

        assert 12_288 == len(long_id.encode())
        assert ((), [False, False]) == (first.failed, [one.duplicate for one in first.handled])
        assert ((), [True, True]) == (again.failed, [one.duplicate for one in again.handled])
