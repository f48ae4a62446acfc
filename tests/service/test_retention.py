"""
Service.prune: what a store forgets, and what it never does, on every store.
"""

import datetime as dt

import pytest

from convroute.engine import CloseConversation, IncomingMessage
from convroute.errors import ConvrouteError, RetentionError
from convroute.menus import OptionKind, option_id
from convroute.model import Phone
from convroute.service import PruneReport, Service
from convroute.state import OutboxStatus
from convroute.testing import RecordingTransport
from service.conftest import AT, CONFIG, NUMBER


DAY = dt.timedelta(days=1)
LEADS = [Phone(f"91980000{n:04}") for n in range(4)]


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> dt.datetime:
        return self.now


def hello(n, day=0):
    return IncomingMessage(
        id=f"wamid.{n}.{day}",
        at=AT + day * DAY,
        lead=LEADS[n],
        number=NUMBER,
        text="Hi, I came from Instagram!",
    )


def choose_ai(n):
    return IncomingMessage(
        id=f"wamid.{n}.ai",
        at=AT + dt.timedelta(minutes=1),
        lead=LEADS[n],
        number=NUMBER,
        reply_id=option_id(OptionKind.PRODUCT, "AI"),
    )


def snapshot(store):
    with store.unit_of_work() as uow:
        return {
            "leads": [uow.leads.get(lead) for lead in LEADS],
            "opportunities": [tuple(uow.opportunities.for_lead(lead)) for lead in LEADS],
            "records": sorted(record.id for record in uow.funnel_records.scan()),
            "users": dict(uow.users.all()),
            "turns": dict(uow.turns.all()),
        }


def outbox(store):
    with store.unit_of_work() as uow:
        return list(uow.outbox.items())


def conversations(store):
    with store.unit_of_work() as uow:
        found = (uow.conversations.get(lead, NUMBER) for lead in LEADS)
        return {c.lead: c.status.value for c in found if c is not None}


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def transport():
    # The first lead's sends keep failing: its items stay pending.
    return RecordingTransport(fail=lambda item: item.type == "send" and LEADS[0] in str(item.body))


@pytest.fixture
def service(store, transport, clock):
    return Service(CONFIG, store, transport, clock=clock)


@pytest.fixture
def history(service, store, clock):
    """
    Four leads write on day 0, the second enters a funnel and is assigned, the host closes the
    last one's conversation; 40 days pass.
    """
    for n in range(4):
        service.handle(hello(n))
    clock.now = AT + dt.timedelta(minutes=1)
    service.handle(choose_ai(1))
    clock.now = AT + DAY
    service.handle(CloseConversation(id="close-3", at=AT + DAY, lead=LEADS[3], number=NUMBER))
    clock.now = AT + 40 * DAY
    return outbox(store)


@pytest.mark.usefixtures("history")
class TestPrune:
    def test_counts_what_each_kind_lost(self, service, history):
        """Every event id and send claimed, every sent item and the closed conversation go."""
        sends = sum(item.type == "send" for item in history)
        sent = sum(item.status == OutboxStatus.SENT for item in history)

        report = service.prune(AT + 30 * DAY, batch=2)

        assert PruneReport(processed=6 + sends, sent=sent, closed=1) == report

    def test_pending_items_and_open_conversations_stay(self, service, store, history):
        """Pending items, and conversations the host did not close, are kept."""
        pending = [item for item in history if item.status == OutboxStatus.PENDING]
        before = conversations(store)

        service.prune(AT + 30 * DAY)

        assert pending == outbox(store)
        assert {k: v for k, v in before.items() if v != "closed"} == conversations(store)

    def test_leads_opportunities_funnel_records_users_and_turns_stay(self, service, store):
        """What the funnel and routing keep is never pruned."""
        before = snapshot(store)

        service.prune(AT + 30 * DAY)

        assert before == snapshot(store)

    def test_a_forgotten_event_id_is_new_again(self, service):
        """An id pruned is processed again when it comes back; one kept is a duplicate."""
        service.prune(AT + 30 * DAY)

        assert (False, True) == (
            service.process(hello(1)).duplicate,
            service.process(hello(1)).duplicate,
        )

    def test_what_is_newer_than_the_bound_stays(self, service, store):
        """A prune whose bound is before the history deletes nothing."""
        kept = outbox(store)

        report = service.prune(AT - DAY)

        assert (PruneReport(), kept) == (report, outbox(store))
        assert service.process(hello(1)).duplicate

    def test_a_second_prune_finds_nothing(self, service):
        """Pruning again with the same bound deletes nothing more."""
        service.prune(AT + 30 * DAY, batch=1)

        assert PruneReport() == service.prune(AT + 30 * DAY, batch=1)


@pytest.mark.usefixtures("history")
class TestRefusals:
    @pytest.mark.parametrize("days", [0, 1, 6])
    def test_a_window_under_7_days_is_refused(self, service, store, clock, days):
        """A bound less than 7 days behind the clock is a RetentionError, and nothing goes."""
        kept = outbox(store)

        with pytest.raises(
            RetentionError, match="Meta retries a failed webhook delivery"
        ) as raised:
            service.prune(clock.now - days * DAY - dt.timedelta(hours=23))

        assert (True, True) == (
            isinstance(raised.value, ValueError),
            isinstance(raised.value, ConvrouteError),
        )
        assert kept == outbox(store)

    def test_exactly_7_days_is_allowed(self, service, clock):
        """A bound 7 days behind the clock is the shortest window allowed: it prunes."""
        assert 1 == service.prune(clock.now - 7 * DAY).closed

    def test_a_bound_after_the_clock_is_refused(self, service, clock):
        """A bound in the future would forget everything: refused too."""
        with pytest.raises(RetentionError):
            service.prune(clock.now + DAY)

    def test_a_naive_bound_is_refused(self, service):
        """A bound without a zone is a ValueError."""
        with pytest.raises(ValueError, match="before"):
            service.prune(dt.datetime(2026, 1, 1))  # noqa: DTZ001 - naive on purpose

    @pytest.mark.parametrize("batch", [1.5, "10", None])
    def test_a_batch_that_is_not_an_int_is_refused(self, service, clock, batch):
        """A batch that is not a whole number is a TypeError, not a store failure."""
        with pytest.raises(TypeError, match="batch"):
            service.prune(clock.now - 30 * DAY, batch=batch)

    @pytest.mark.parametrize("batch", [1_000_000_001, 2**64])
    def test_a_batch_over_a_billion_is_refused(self, service, clock, batch):
        """A batch no store can take as a limit is a ValueError, not an overflow in the store."""
        with pytest.raises(ValueError, match="batch"):
            service.prune(clock.now - 30 * DAY, batch=batch)

    @pytest.mark.parametrize("batch", [0, -5])
    def test_a_batch_under_1_is_refused(self, service, clock, batch):
        """A batch of no rows would never end: a ValueError."""
        with pytest.raises(ValueError, match="batch"):
            service.prune(clock.now - 30 * DAY, batch=batch)
