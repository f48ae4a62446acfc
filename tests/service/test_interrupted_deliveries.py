"""
A delivery interrupted (Ctrl-C, a shutdown): the items not yet handed to the
transport are free at once, the one being delivered stays held, and the
interruption goes on.
"""

import contextlib
import datetime as dt
import logging

import pytest

from convroute.errors import StoreError
from convroute.model import Phone
from convroute.service import Service
from convroute.state import OutboxStatus
from convroute.testing import RecordingTransport
from service.conftest import AT, CONFIG, message
from service.test_batches import webhook
from service.test_outbox import REASSIGNING


LEASE = dt.timedelta(minutes=5)
LEADS = [Phone(f"9198000001{index:02}") for index in range(5)]


class Interrupting(RecordingTransport):
    """A transport that raises *interruption* on its Nth delivery, and records the others."""

    def __init__(self, nth, interruption):
        super().__init__()
        self.calls = 0
        self.nth = nth
        self.interruption = interruption

    def deliver(self, item):
        self.calls += 1
        if self.calls == self.nth:
            raise self.interruption
        super().deliver(item)


class HostOutbox:
    """A host's own outbox, written before unclaim: it has every other method."""

    def __init__(self, outbox, unclaim=None):
        self._outbox = outbox
        if unclaim is not None:
            self.unclaim = unclaim

    def __getattr__(self, name):
        if name == "unclaim":
            raise AttributeError(name)
        return getattr(self._outbox, name)


class HostStore:
    """A store whose outbox is a `HostOutbox`: without unclaim, or with a given one."""

    def __init__(self, inner, unclaim=None):
        self.inner = inner
        self.unclaim = unclaim

    @contextlib.contextmanager
    def unit_of_work(self, account="default"):
        with self.inner.unit_of_work(account) as uow:
            outbox = HostOutbox(uow.outbox, self.unclaim)

            class _Unit:
                def __getattr__(self, name):
                    return outbox if name == "outbox" else getattr(uow, name)

            yield _Unit()


def pending(store, count):
    """Process *count* messages from different leads, delivering none of their actions."""
    service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
    return [
        service.process(message(f"wamid.{index}", lead=LEADS[index], text="Hi")).actions[0].id
        for index in range(count)
    ]


def outbox(store):
    with store.unit_of_work() as uow:
        return {item.id: item for item in uow.outbox.items()}


def claimable(store):
    """The ids a second dispatcher takes at the same instant."""
    with store.unit_of_work() as uow:
        return [item.id for item in uow.outbox.claim(100, AT, AT + LEASE)]


INTERRUPTIONS = [KeyboardInterrupt(), SystemExit(0)]


class TestDispatchInterrupted:
    @pytest.mark.parametrize("interruption", INTERRUPTIONS, ids=["ctrl-c", "exit"])
    def test_items_not_yet_delivered_are_free_at_once(self, store, interruption):
        """The items after the interrupted one are claimable at once; it stays held."""
        ids = pending(store, 5)
        transport = Interrupting(3, interruption)
        service = Service(CONFIG, store, transport, clock=lambda: AT, lease=LEASE)

        with pytest.raises(type(interruption)) as raised:
            service.dispatch_pending(limit=100)

        assert interruption is raised.value
        assert ids[:2] == transport.sent_ids
        assert ids[3:] == claimable(store)

    def test_the_interrupted_item_stays_held_and_the_others_untried(self, store):
        """The item being delivered keeps its lease; the freed ones have no attempt counted."""
        ids = pending(store, 4)
        service = Service(
            CONFIG, store, Interrupting(2, KeyboardInterrupt()), clock=lambda: AT, lease=LEASE
        )

        with pytest.raises(KeyboardInterrupt):
            service.dispatch_pending()

        items = outbox(store)
        assert (OutboxStatus.SENT, AT + LEASE) == (
            items[ids[0]].status,
            items[ids[1]].claimed_until,
        )
        assert [(OutboxStatus.PENDING, 0, None, None, None)] * 2 == [
            (one.status, one.attempts, one.last_error, one.next_attempt_at, one.claimed_until)
            for one in (items[ids[2]], items[ids[3]])
        ]

    def test_a_failed_delivery_before_the_interruption_keeps_its_back_off(self, store):
        """An item the transport refused before the interruption keeps its attempt and retry."""
        ids = pending(store, 3)
        transport = Interrupting(2, KeyboardInterrupt())
        transport.fail_next(1)
        service = Service(CONFIG, store, transport, clock=lambda: AT, lease=LEASE)

        with pytest.raises(KeyboardInterrupt):
            service.dispatch_pending()

        first = outbox(store)[ids[0]]
        assert (1, AT + dt.timedelta(seconds=5)) == (first.attempts, first.next_attempt_at)
        assert ids[2:] == claimable(store)


class TestHandleInterrupted:
    def test_a_webhooks_own_deliveries_free_what_they_had_not_sent(self, store):
        """handle_webhook's delivery of its messages' actions frees the untried ones too."""
        leads = LEADS[:3]
        body = webhook(
            *(
                {
                    "from": lead,
                    "id": f"wamid.{index}",
                    "timestamp": str(int(AT.timestamp())),
                    "type": "text",
                    "text": {"body": "Hi"},
                }
                for index, lead in enumerate(leads)
            )
        )
        transport = Interrupting(1, KeyboardInterrupt())
        service = Service(CONFIG, store, transport, clock=lambda: AT, lease=LEASE)

        with pytest.raises(KeyboardInterrupt):
            service.handle_webhook(body, verify=False)

        held = [one.id for one in outbox(store).values() if one.claimed_until is not None]
        assert (1, 2) == (len(held), len(claimable(store)))

    def test_handle_keeps_the_item_it_was_delivering_held(self, store):
        """handle()'s own item, interrupted while delivered, stays held for the lease."""
        service = Service(
            CONFIG, store, Interrupting(1, SystemExit(3)), clock=lambda: AT, lease=LEASE
        )

        with pytest.raises(SystemExit):
            service.handle(message("wamid.1", text="Hi"))

        assert [] == claimable(store)


class TestHostStores:
    def test_a_store_without_unclaim_keeps_the_claims_until_they_lapse(self, store, caplog):
        """A host's outbox with no unclaim: the items wait for the lease, as before."""
        ids = pending(store, 3)
        service = Service(
            CONFIG,
            HostStore(store),
            Interrupting(1, KeyboardInterrupt()),
            clock=lambda: AT,
            lease=LEASE,
        )

        with caplog.at_level(logging.INFO, logger="convroute"), pytest.raises(KeyboardInterrupt):
            service.dispatch_pending()

        assert [] == claimable(store)
        with store.unit_of_work() as uow:
            assert ids == [one.id for one in uow.outbox.claim(100, AT + LEASE, AT + 2 * LEASE)]
        assert any("unclaim" in record.getMessage() for record in caplog.records)

    @pytest.mark.parametrize("failure", [StoreError("the disk is full"), RuntimeError("bug")])
    def test_a_failure_to_free_them_is_logged_and_hides_nothing(self, store, caplog, failure):
        """The unclaim failing is an ERROR record; the interruption still comes out."""
        pending(store, 3)

        def unclaim(_ids, _until):
            raise failure

        interruption = KeyboardInterrupt()
        service = Service(
            CONFIG,
            HostStore(store, unclaim),
            Interrupting(1, interruption),
            clock=lambda: AT,
            lease=LEASE,
        )

        with (
            caplog.at_level(logging.INFO, logger="convroute"),
            pytest.raises(KeyboardInterrupt) as raised,
        ):
            service.dispatch_pending()

        [error] = [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert (interruption, failure) == (raised.value, error.exc_info[1])
        assert [] == claimable(store)


class TestTickInterrupted:
    def test_a_ticks_own_deliveries_free_what_they_had_not_sent(self, store):
        """A tick's delivery of its reassignments frees the untried ones too."""
        service = Service(REASSIGNING, store, RecordingTransport(), clock=lambda: AT)
        for index, lead in enumerate(LEADS[:3]):
            service.handle(message(f"wamid.{index}", lead=lead, text="Hi"))
        later = AT + dt.timedelta(minutes=15)
        ticking = Service(
            REASSIGNING, store, Interrupting(1, KeyboardInterrupt()), clock=lambda: later
        )

        with pytest.raises(KeyboardInterrupt):
            ticking.tick()

        with store.unit_of_work() as uow:
            free = uow.outbox.claim(100, later, later + LEASE)
        assert ["reassign", "reassign"] == [item.type for item in free]
