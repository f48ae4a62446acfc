"""
The service's outbox: back-off, dead items, requeues, and deliveries kept to an event's own.
"""

import datetime as dt
import logging

import pytest

from convroute.config import loads_config
from convroute.model import Phone
from convroute.service import RequeueReport, Service
from convroute.state import OutboxStatus
from convroute.testing import RecordingTransport
from service.conftest import AT, CONFIG, DESK_TEAM, message


OTHER = Phone("919800000002")
REASSIGNING = loads_config(
    DESK_TEAM
    + """
reply_within = "15m"

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
)


class Clock:
    """A clock at AT until moved."""

    def __init__(self):
        self.at = AT

    def __call__(self):
        return self.at


def outbox(store):
    with store.unit_of_work() as uow:
        return list(uow.outbox.items())


@pytest.fixture
def clock():
    return Clock()


class TestBackOff:
    def test_retries_wait_5_seconds_doubling_up_to_an_hour(self, store, clock):
        """Each failure puts the next attempt 5 s on, doubling, never more than an hour on."""
        transport = RecordingTransport(fail=lambda _item: True)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=14)
        service.handle(message("wamid.1", text="Hi"))
        delays = []
        for _ in range(12):
            [item] = outbox(store)
            delays.append((item.next_attempt_at - clock.at).total_seconds())
            clock.at = item.next_attempt_at
            service.dispatch_pending()

        expected = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        assert expected == delays

    def test_an_item_is_not_tried_before_its_time(self, store, clock):
        """A dispatch before the retry time delivers nothing; at it, the item goes out."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock)
        [item] = service.handle(message("wamid.1", text="Hi")).actions

        clock.at = AT + dt.timedelta(seconds=4)
        early = service.dispatch_pending()
        clock.at = AT + dt.timedelta(seconds=5)
        due = service.dispatch_pending()

        assert ((), (item.id,)) == (early.sent, due.sent)
        assert [OutboxStatus.SENT] == [one.status for one in outbox(store)]


class TestDeadItems:
    def test_after_max_attempts_an_item_is_dead_and_never_tried(self, store, clock):
        """The max_attempts-th failure makes the item dead: reported, kept, never tried again."""
        transport = RecordingTransport(fail=lambda _item: True)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=3)
        [item] = service.handle(message("wamid.1", text="Hi")).actions
        reports = []
        for _ in range(2):
            clock.at += dt.timedelta(hours=1)
            reports.append(service.dispatch_pending())
        clock.at += dt.timedelta(days=30)
        after = service.dispatch_pending()

        [stored] = outbox(store)
        assert ((), (item.id,)) == (reports[0].dead, reports[1].dead)
        assert (OutboxStatus.DEAD, 3, None) == (
            stored.status,
            stored.attempts,
            stored.next_attempt_at,
        )
        assert ("DeliveryFailed" in stored.last_error, 3) == (True, len(transport.failed))
        assert ((), ()) == (after.sent, after.failed)

    def test_max_attempts_of_one_makes_the_first_failure_final(self, store, clock):
        """With max_attempts=1 the item handle() failed to deliver is dead at once."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=1)
        service.handle(message("wamid.1", text="Hi"))

        assert [OutboxStatus.DEAD] == [one.status for one in outbox(store)]

    @pytest.mark.parametrize("attempts", [0, -1])
    def test_max_attempts_must_be_positive(self, store, attempts):
        """A max_attempts under 1 is a ValueError naming it."""
        with pytest.raises(ValueError, match="max_attempts"):
            Service(CONFIG, store, RecordingTransport(), max_attempts=attempts)

    @pytest.mark.parametrize("attempts", [1.5, True, "3"])
    def test_max_attempts_must_be_a_whole_number(self, store, attempts):
        """A max_attempts that is not an int is a TypeError naming it, not a loose comparison."""
        with pytest.raises(TypeError, match="max_attempts"):
            Service(CONFIG, store, RecordingTransport(), max_attempts=attempts)


class TestLeasesAndLimits:
    @pytest.mark.parametrize(
        ("lease", "error"),
        [
            (dt.timedelta(0), ValueError),
            (dt.timedelta(seconds=-5), ValueError),
            (dt.timedelta(days=365, seconds=1), ValueError),
            (dt.timedelta(days=999_999_999), ValueError),
            (300, TypeError),
        ],
    )
    def test_a_lease_is_refused_when_the_service_is_made(self, store, lease, error):
        """A lease of nothing, less, or over a year is refused at once, never at a delivery."""
        with pytest.raises(error, match="lease"):
            Service(CONFIG, store, RecordingTransport(), lease=lease)

    @pytest.mark.parametrize(
        ("limit", "error"),
        [
            (0, ValueError),
            (-1, ValueError),
            (2**64, ValueError),
            (1.5, TypeError),
            ("3", TypeError),
        ],
    )
    def test_a_dispatch_limit_is_1_to_a_billion(self, store, clock, caplog, limit, error):
        """A limit that is not 1 to a billion is refused before the store, and logs no failure."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock)
        service.handle(message("wamid.1", text="Hi"))
        clock.at += dt.timedelta(minutes=1)

        with pytest.raises(error, match="limit"):
            service.dispatch_pending(limit=limit)

        assert [] == [one for one in caplog.records if one.levelno >= logging.ERROR]
        assert [OutboxStatus.PENDING] == [one.status for one in outbox(store)]


class TestRequeue:
    def test_a_requeued_item_is_delivered_at_the_next_dispatch(self, store, clock):
        """Requeued, a dead item is due at once and gets max_attempts tries again."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=1)
        [item] = service.handle(message("wamid.1", text="Hi")).actions

        report = service.requeue([item.id])
        delivered = service.dispatch_pending()

        assert RequeueReport(requeued=[item.id]) == report
        assert ((item.id,), [OutboxStatus.SENT]) == (
            delivered.sent,
            [one.status for one in outbox(store)],
        )

    def test_items_not_dead_and_unknown_ids_are_reported(self, store, clock):
        """Pending and sent items are passed over with their status; unknown ids are named."""
        transport = RecordingTransport(fail=lambda item: item.event == "wamid.1")
        service = Service(CONFIG, store, transport, clock=clock)
        [pending] = service.handle(message("wamid.1", text="Hi")).actions
        [sent] = service.handle(message("wamid.2", lead=OTHER, text="Hi")).actions

        report = service.requeue([pending.id, "nope", sent.id, "nope"])

        expected = RequeueReport(
            not_dead=[(pending.id, "pending"), (sent.id, "sent")], unknown=["nope"]
        )
        assert expected == report

    def test_an_id_holding_a_nul_is_unknown_on_every_store(self, store, clock, caplog):
        """An id with a NUL character is no item's: named unknown, the others requeued, no error."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=1)
        [dead] = service.handle(message("wamid.1", text="Hi")).actions

        report = service.requeue([f"{dead.id}\x00", dead.id])

        expected = RequeueReport(requeued=[dead.id], unknown=[f"{dead.id}\x00"])
        assert (expected, []) == (
            report,
            [one.getMessage() for one in caplog.records if one.levelno >= logging.ERROR],
        )

    def test_one_id_as_a_string_is_refused(self, store, clock):
        """One id given as a string is a TypeError saying to write a list, not its letters."""
        service = Service(CONFIG, store, RecordingTransport(), clock=clock)

        with pytest.raises(
            TypeError, match=r"^ids must be .*, not the single str 'act-1': write \['act-1'\]$"
        ):
            service.requeue("act-1")

    @pytest.mark.parametrize(
        ("ids", "said"),
        [
            (None, r"^ids must be an iterable of outbox item ids \(a list of str\), not None$"),
            (
                {"act-1": 1},
                (
                    r"^ids must be an iterable of outbox item ids \(a list of str\),"
                    r" not a dict \{'act-1': 1\}$"
                ),
            ),
            (7, r"^ids must be an iterable of outbox item ids \(a list of str\), not 7$"),
            (b"act-1", r"not the single bytes b'act-1'"),
            (["act-1", 7], r"^ids\[1\] must be a str, not 7$"),
            ([["act-1"]], r"^ids\[0\] must be a str, not \['act-1'\]$"),
        ],
    )
    def test_ids_that_are_no_ids_are_refused_naming_ids(self, store, clock, ids, said):
        """None, a mapping, a number or an id that is no str is a TypeError naming ids."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=1)
        service.handle(message("wamid.1", text="Hi"))

        with pytest.raises(TypeError, match=said):
            service.requeue(ids)

        [item] = outbox(store)
        assert OutboxStatus.DEAD == item.status

    def test_any_iterable_of_ids_is_taken(self, store, clock):
        """A generator or a set of ids is read as its ids."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=1)
        [dead] = service.handle(message("wamid.1", text="Hi")).actions

        report = service.requeue(one for one in [dead.id, "nope"])

        assert RequeueReport(requeued=[dead.id], unknown=["nope"]) == report

    @pytest.mark.parametrize(
        ("bad", "error"), [("\udcff", ValueError), (7, TypeError), (None, TypeError)]
    )
    def test_an_id_that_is_not_text_is_refused_before_the_store(self, store, clock, bad, error):
        """An id that is not Unicode text is refused, and nothing is requeued or logged failed."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock, max_attempts=1)
        [dead] = service.handle(message("wamid.1", text="Hi")).actions

        with pytest.raises(error):
            service.requeue([dead.id, bad])

        [item] = outbox(store)
        assert OutboxStatus.DEAD == item.status


class TestOwnDeliveries:
    def test_handle_delivers_only_its_own_events_actions(self, store, clock):
        """A backlog of due failing items is left to dispatch_pending: handle() never tries it."""
        transport = RecordingTransport(fail=lambda item: item.event.startswith("old"))
        service = Service(CONFIG, store, transport, clock=clock)
        for index in range(5):
            service.handle(message(f"old{index}", lead=Phone(f"9198000001{index:02}"), text="Hi"))
        clock.at += dt.timedelta(hours=1)
        tried = len(transport.failed)

        handled = service.handle(message("new", 60, lead=OTHER, text="Hi"))

        assert (5, 5) == (tried, len(transport.failed))
        assert ["new"] == [item.event for item in transport.sent]
        assert () == handled.failed_deliveries

    def test_handled_names_its_failed_deliveries(self, store, clock):
        """Handled.failed_deliveries gives (item id, error) of each of its refused actions."""
        transport = RecordingTransport(fail=1)
        service = Service(CONFIG, store, transport, clock=clock)

        handled = service.handle(message("wamid.1", text="Hi"))

        [item] = handled.actions
        [(ident, error)] = handled.failed_deliveries
        assert (item.id, True) == (ident, error.startswith("DeliveryFailed: "))

    def test_dispatch_pending_delivers_what_is_due(self, store, clock):
        """The worker's pass delivers the backlog handle() left, once due."""
        transport = RecordingTransport(fail=3)
        service = Service(CONFIG, store, transport, clock=clock)
        for index in range(3):
            service.handle(message(f"m{index}", lead=Phone(f"9198000001{index:02}"), text="Hi"))
        clock.at += dt.timedelta(seconds=5)

        report = service.dispatch_pending()

        assert (3, ()) == (len(report.sent), report.failed)

    def test_a_tick_delivers_only_its_own_actions_and_names_failures(self, store, clock):
        """A tick's report names its refused deliveries; older failing items are not tried."""
        transport = RecordingTransport(fail=lambda _item: True)
        service = Service(REASSIGNING, store, transport, clock=clock)
        service.handle(message("wamid.1", text="Hi"))
        clock.at += dt.timedelta(minutes=15)
        tried = len(transport.failed)

        report = service.tick()

        [item] = report.actions
        assert "reassign" == item.type
        assert [item.id] == [one.id for one in transport.failed[tried:]]
        assert [item.id] == [ident for ident, _ in report.failed_deliveries]


class SentMeanwhile:
    """A transport slower than its lease: another dispatcher delivers the item, then it fails."""

    def __init__(self, store):
        self.store = store

    def deliver(self, item):
        with self.store.unit_of_work() as uow:
            uow.outbox.mark_sent(item.id)
        raise TimeoutError("the CRM did not answer in time")


class TestALateFailure:
    @pytest.mark.parametrize(
        ("max_attempts", "was"),
        [(2, "its last attempt"), (10, "an attempt with more to come")],
    )
    def test_an_item_another_dispatcher_delivered_is_neither_dead_nor_pending(
        self, store, clock, caplog, max_attempts, was
    ):
        """A refusal that comes after another dispatcher's delivery reports the item failed only."""
        first = Service(CONFIG, store, RecordingTransport(fail=1), clock=clock, max_attempts=2)
        first.handle(message("wamid.1", text="Hi"))
        [item] = outbox(store)
        clock.at += dt.timedelta(minutes=1)
        late = Service(CONFIG, store, SentMeanwhile(store), clock=clock, max_attempts=max_attempts)
        caplog.clear()

        with caplog.at_level(logging.WARNING, logger="convroute"):
            report = late.dispatch_pending()

        [record] = [one for one in caplog.records if one.levelno == logging.WARNING]
        assert ((), [item.id], (), [OutboxStatus.SENT]) == (
            report.sent,
            [ident for ident, _error in report.failed],
            report.dead,
            [one.status for one in outbox(store)],
        ), was
        assert "another dispatcher delivered it meanwhile, it stays sent" in record.getMessage()
        assert (False, None) == (record.convroute["dead"], record.convroute["retry_at"])
