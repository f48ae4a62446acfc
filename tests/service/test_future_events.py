"""
Events dated after the service's clock: refused, so that nothing holds state by a time to come.
"""

import datetime as dt
import json

import pytest

from convroute.engine import (
    CloseConversation,
    IncomingMessage,
    OutgoingMessage,
    SetStage,
)
from convroute.errors import ConvrouteError, FutureEventError
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, LEAD, NUMBER


LIMIT = dt.timedelta(minutes=5)
YEAR_9000 = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
# Webhook timestamps stop at 11 digits of Unix seconds, in the year 5138.
YEAR_5000 = dt.datetime(5000, 1, 1, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def dated(kind, at, ident="e1"):
    events = {
        "incoming": IncomingMessage(id=ident, at=at, lead=LEAD, number=NUMBER, text="Hi"),
        "outgoing": OutgoingMessage(id=ident, at=at, lead=LEAD, number=NUMBER, text="Hello"),
        "set_stage": SetStage(id=ident, at=at, funnel="Sales", lead=LEAD, stage="Scheduling"),
        "close": CloseConversation(id=ident, at=at, lead=LEAD, number=NUMBER),
    }
    return events[kind]


KINDS = ["incoming", "outgoing", "set_stage", "close"]


@pytest.fixture
def clock():
    return Clock(AT)


@pytest.fixture
def transport():
    return RecordingTransport()


@pytest.fixture
def service(clock, transport):
    return Service(CONFIG, MemoryStore(), transport, clock=clock)


def webhook(*messages):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Ravi Kumar"}, "wa_id": LEAD}],
        "messages": list(messages),
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def text(wamid, at):
    # Unix seconds of an aware datetime, without timestamp(): exact for any year.
    seconds = (at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(seconds=1)
    return {
        "from": LEAD,
        "id": wamid,
        "timestamp": str(seconds),
        "type": "text",
        "text": {"body": "Hi"},
    }


class TestRefused:
    @pytest.mark.parametrize("kind", KINDS)
    def test_more_than_five_minutes_ahead_is_refused(self, service, kind):
        """Every event that carries a time is refused when dated over 5 minutes after the clock."""
        at = AT + LIMIT + dt.timedelta(seconds=1)

        with pytest.raises(FutureEventError) as caught:
            service.handle(dated(kind, at))

        assert ("e1", at, AT) == (caught.value.event, caught.value.at, caught.value.now)

    @pytest.mark.parametrize("kind", KINDS)
    def test_five_minutes_ahead_is_accepted(self, service, kind):
        """A clock a little behind the sender's is no reason to refuse: 5 minutes pass."""
        handled = service.handle(dated(kind, AT + LIMIT))

        assert ("e1", False) == (handled.event, handled.duplicate)

    def test_error_is_a_value_error_that_names_the_event(self, service):
        """The error is a ConvrouteError and a ValueError, and says what was refused and why."""
        with pytest.raises(ValueError, match="e1") as caught:
            service.handle(dated("outgoing", YEAR_9000))

        assert isinstance(caught.value, ConvrouteError)
        expected = (
            "event 'e1' is dated 9000-01-01T00:00:00+00:00, more than 5 minutes after "
            "the service's clock (2026-11-02T09:00:00+00:00): refused"
        )
        assert expected == str(caught.value)

    def test_refused_event_changes_nothing_and_is_not_claimed(self, service, clock, transport):
        """A refused event leaves the store as it was; once its time comes it is processed."""
        early = dated("incoming", AT + dt.timedelta(hours=1))
        with pytest.raises(FutureEventError):
            service.handle(early)

        assert [] == transport.sent
        clock.now = AT + dt.timedelta(hours=1)
        handled = service.handle(early)

        assert (False, ["send"]) == (handled.duplicate, [item.type for item in handled.actions])

    def test_year_9000_holds_no_conversation(self, service):
        """A business message dated year 9000 cannot keep an assigned conversation open forever."""
        service.handle(dated("incoming", AT, ident="m1"))
        service.handle(IncomingMessage(id="m2", at=AT, lead=LEAD, number=NUMBER, text="AI"))
        with pytest.raises(FutureEventError):
            service.handle(dated("outgoing", YEAR_9000, ident="o1"))
        with service.store.unit_of_work() as uow:
            conversation = uow.conversations.get(LEAD, NUMBER)

        assert ("assigned", AT) == (conversation.status, conversation.last_message_at)


class TestWebhooks:
    def test_future_message_is_refused_alone(self, service):
        """A message dated in the future is reported failed; the rest of the batch goes on."""
        raw = webhook(text("wamid.future", YEAR_5000), text("wamid.now", AT))

        result = service.handle_webhook(raw, verify=False)

        (handled,) = result.handled
        expected = (
            "wamid.future",
            (
                "FutureEventError: event 'wamid.future' is dated 5000-01-01T00:00:00+00:00, more "
                "than 5 minutes after the service's clock (2026-11-02T09:00:00+00:00): refused"
            ),
        )
        assert (expected,) == result.failed
        assert ("wamid.now", ["send"]) == (handled.event, [a.type for a in handled.actions])

    def test_refused_message_is_processed_when_redelivered_in_time(self, service, clock):
        """Meta's redelivery, once the clock has caught up, processes the refused message."""
        raw = webhook(text("wamid.soon", AT + dt.timedelta(minutes=30)))
        first = service.handle_webhook(raw, verify=False)
        clock.now = AT + dt.timedelta(minutes=30)

        second = service.handle_webhook(raw, verify=False)

        assert ((), ["wamid.soon"]) == (first.handled, [event for event, _ in first.failed])
        assert ((), ["send"]) == (second.failed, [a.type for a in second.handled[0].actions])


class TestTheClock:
    def test_a_clock_that_cannot_be_called_is_refused_when_the_service_is_made(self):
        """A clock that is not callable is a TypeError naming it, not a failure at an event."""
        with pytest.raises(TypeError, match="clock must be a callable"):
            Service(CONFIG, MemoryStore(), RecordingTransport(), clock=AT)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("time", "error"),
        [(AT.replace(tzinfo=None), ValueError), ("2026-11-02T09:00:00", TypeError)],
        ids=["naive", "text"],
    )
    def test_a_time_without_a_zone_is_refused_by_name(self, time, error):
        """A clock such as datetime.now gives naive times: each is refused, naming the clock."""
        store = MemoryStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: time)

        with pytest.raises(error, match="the service's clock"):
            service.handle(IncomingMessage(id="e1", at=AT, lead=LEAD, number=NUMBER, text="Hi"))

        assert 0 == store.committed
