"""
The service against the real world: repeated webhooks, failing transports
and stores, concurrent workers, malformed input.
"""

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import threading

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convroute.config import loads_config
from convroute.errors import StoreConflictError, StoreError, WebhookError
from convroute.model import Phone
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, DESK_TEAM, LEAD, NUMBER, message


def webhook(*messages, number=NUMBER):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": number, "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Ravi Kumar"}, "wa_id": LEAD}],
        "messages": list(messages),
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def text(wamid, body, seconds=0):
    return {
        "from": LEAD,
        "id": wamid,
        "timestamp": str(int(AT.timestamp()) + seconds),
        "type": "text",
        "text": {"body": body},
    }


class TestRepeatedDeliveries:
    def test_same_webhook_twice_changes_nothing(self, service, transport):
        """Meta's redelivery of a batch is processed once."""
        body = webhook(text("wamid.1", "I came from Instagram"), text("wamid.2", "hello", 5))
        first = service.handle_webhook(body, verify=False)
        sent = list(transport.sent_ids)
        second = service.handle_webhook(body, verify=False)

        assert [False, False] == [one.duplicate for one in first.handled]
        assert [True, True] == [one.duplicate for one in second.handled]
        assert sent == transport.sent_ids

    def test_same_message_in_two_batches(self, service, transport):
        """A message repeated inside another batch is passed over; its neighbour is not."""
        service.handle_webhook(webhook(text("wamid.1", "Hi")), verify=False)
        again = service.handle_webhook(
            webhook(text("wamid.1", "Hi"), text("wamid.2", "1", 30)), verify=False
        )

        assert [True, False] == [one.duplicate for one in again.handled]
        assert ["send", "create_opportunity", "assign"] == [item.type for item in transport.sent]


class TestFailingTransport:
    def test_failed_sends_stay_pending_and_are_delivered_once(self, store):
        """While the transport fails nothing is lost; once back, each action arrives once."""
        down = {"now": True}
        clock = {"at": AT}
        transport = RecordingTransport(fail=lambda _item: down["now"])
        service = Service(CONFIG, store, transport, clock=lambda: clock["at"])
        for index in range(5):
            lead = Phone(f"91980000010{index}")
            service.handle(message(f"a{index}", lead=lead, text="Hi"))
            service.handle(message(f"b{index}", 1, lead=lead, text="1"))
        assert [] == transport.sent
        failures = len(transport.failed)

        down["now"] = False
        clock["at"] = AT + dt.timedelta(hours=1)
        report = service.dispatch_pending(limit=1000)
        service.dispatch_pending(limit=1000)

        assert 15 == len(report.sent) == len(transport.sent) == len(set(transport.sent_ids))
        assert failures >= 15
        with store.unit_of_work() as uow:
            assert {"sent"} == {item.status for item in uow.outbox.items()}

    def test_dispatch_leaves_failures_with_their_error(self, service, transport):
        """A failure is reported, counted as an attempt and kept with its error."""
        transport.fail_next(1)
        handled = service.handle(message("wamid.1", text="Hi"))

        with service.store.unit_of_work() as uow:
            (item,) = uow.outbox.items()
        assert (handled.actions[0].id, "pending", 1) == (item.id, item.status, item.attempts)
        assert "DeliveryFailed" in item.last_error
        later = Service(
            CONFIG, service.store, transport, clock=lambda: AT + dt.timedelta(seconds=5)
        )
        assert [item.id] == list(later.dispatch_pending().sent)


class _Exploding:
    """A store whose units fail when the outbox is written: after every change."""

    def __init__(self, inner):
        self.inner = inner
        self.armed = True

    def unit_of_work(self, account="default"):
        store = self

        class _Context:
            def __enter__(self):
                self.inner = store.inner.unit_of_work(account)
                uow = self.inner.__enter__()
                if store.armed:
                    outbox = uow.outbox

                    class _Outbox:
                        def __getattr__(self, name):
                            return getattr(outbox, name)

                        def add(self, _items):
                            raise StoreError("disk full")

                    class _Unit:
                        def __getattr__(self, name):
                            return _Outbox() if name == "outbox" else getattr(uow, name)

                    return _Unit()
                return uow

            def __exit__(self, *exc):
                return self.inner.__exit__(*exc)

        return _Context()


class TestFailingStore:
    def test_failure_in_the_middle_leaves_no_partial_state(self, store, transport):
        """Changes made before the failure are rolled back; the event can be handled again."""
        exploding = _Exploding(store)
        service = Service(CONFIG, exploding, transport, clock=lambda: AT)
        with pytest.raises(StoreError, match="disk full"):
            service.handle(message("wamid.1", text="I came from Instagram"))

        with store.unit_of_work() as uow:
            assert None is uow.leads.get(LEAD)
            assert None is uow.conversations.get(LEAD, NUMBER)
            assert () == tuple(uow.funnel_records.for_lead(LEAD))
            assert () == tuple(uow.outbox.items())
        exploding.armed = False
        handled = service.handle(message("wamid.1", text="I came from Instagram"))
        assert ["enter_funnel", "send"] == [item.type for item in handled.actions]


ONE_GROUP = (
    DESK_TEAM
    + """
[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store(request, tmp_path):
    """A maker of store objects that all open one shared state, as workers' would."""
    if request.param == "sqlite":
        from convroute.adapters import SQLiteStore

        return lambda: SQLiteStore(tmp_path / "shared.db")
    from convroute.adapters.postgres import PostgresStore

    url = request.getfixturevalue("postgres_url")
    schema = request.getfixturevalue("postgres_schema")
    return lambda: PostgresStore(url, schema=schema)


class TestConcurrentWorkers:
    def test_eight_threads_share_one_group_fairly(self, shared_store):
        """8 workers, own connections, 800 conversations: equal shares ±1, one assignee each."""
        config = loads_config(ONE_GROUP)
        transports = [RecordingTransport() for _ in range(8)]
        errors = []

        def work(worker):
            with shared_store() as store:
                service = Service(config, store, transports[worker], clock=lambda: AT)
                try:
                    for index in range(100):
                        lead = Phone(f"9198{worker:02d}{index:05d}")
                        service.process(message(f"w{worker}.{index}", lead=lead, text="Hi"))
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert [] == errors
        with shared_store() as store, store.unit_of_work() as uow:
            assigns = [item.body for item in uow.outbox.items() if item.type == "assign"]
        counts = dict.fromkeys(("u1", "u2", "u3", "u4"), 0)
        for body in assigns:
            counts[body["user"]] += 1
        assert 800 == len(assigns) == len({body["lead"] for body in assigns})
        assert max(counts.values()) - min(counts.values()) <= 1


class _Conflicting:
    """A store whose first units end as a lost race, rolled back."""

    def __init__(self, store, conflicts):
        self.store = store
        self.conflicts = conflicts
        self.units = 0

    @contextlib.contextmanager
    def unit_of_work(self, account="default"):
        self.units += 1
        with self.store.unit_of_work(account) as uow:
            yield uow
            if self.conflicts:
                self.conflicts -= 1
                raise StoreConflictError("deadlock detected")


class TestLostRaces:
    def test_a_unit_that_lost_a_race_is_run_again(self, transport):
        """The service runs an event again after a StoreConflictError; it is processed once."""
        store = _Conflicting(MemoryStore(), conflicts=2)
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        handled = service.process(message("wamid.1", text="I came from Instagram"))
        assert (3, False) == (store.units, handled.duplicate)
        assert ["enter_funnel", "send"] == [item.type for item in handled.actions]
        with store.store.unit_of_work() as uow:
            assert 2 == len(uow.outbox.items())

    def test_a_unit_that_keeps_losing_gives_up(self, transport):
        """After five lost races the conflict is raised, and nothing of the event is kept."""
        store = _Conflicting(MemoryStore(), conflicts=99)
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        with pytest.raises(StoreConflictError):
            service.process(message("wamid.1", text="I came from Instagram"))
        assert 5 == store.units
        with store.store.unit_of_work() as uow:
            assert (None, ()) == (uow.leads.get(LEAD), tuple(uow.outbox.items()))


class TestBadInput:
    @pytest.mark.parametrize(
        "body",
        [
            b"\xff\xfe not utf-8",
            b"{not json",
            b"[]",
            b'{"object": "page", "entry": []}',
            b'{"object": "whatsapp_business_account", "entry": {}}',
        ],
    )
    def test_unusable_bodies_are_refused_and_the_next_event_works(self, service, body):
        """An unusable body raises WebhookError; the next delivery is processed normally."""
        with pytest.raises(WebhookError):
            service.handle_webhook(body, verify=False)

        assert (
            not service.handle_webhook(webhook(text("wamid.1", "Hi")), verify=False)
            .handled[0]
            .duplicate
        )

    def test_a_megabyte_message_is_passed_over(self, service):
        """A 1 MB text is a clean skip with a reason, and the batch's other message is processed."""
        body = webhook(text("wamid.big", "x" * 1_000_000), text("wamid.1", "Hi"))
        result = service.handle_webhook(body, verify=False)

        assert ["oversize"] == [item.reason for item in result.batch.skipped]
        assert ["wamid.1"] == [one.event for one in result.handled]

    def test_wrong_shapes_inside_a_batch_are_skipped(self, service):
        """A message with a numeric text is skipped; the rest of the batch is processed."""
        bad = {**text("wamid.bad", "x"), "text": {"body": 42}}
        result = service.handle_webhook(webhook(bad, text("wamid.1", "Hi")), verify=False)

        assert 1 == len(result.batch.skipped)
        assert ["wamid.1"] == [one.event for one in result.handled]

    def test_signatures_are_checked_on_the_raw_bytes(self, store, transport):
        """With an app secret, an unsigned or missigned delivery is refused before parsing."""
        service = Service(CONFIG, store, transport, clock=lambda: AT, app_secret="s3cret")  # noqa: S106 - a test secret
        body = webhook(text("wamid.1", "caf\\u00e9"))
        good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()

        with pytest.raises(WebhookError):
            service.handle_webhook(body)
        with pytest.raises(WebhookError):
            service.handle_webhook(body, "sha256=" + "0" * 64)
        assert 1 == len(service.handle_webhook(body, good).handled)

    def test_no_secret_means_no_unchecked_deliveries(self, service):
        """Without an app secret, a delivery is refused unless verify=False says it is trusted."""
        body = webhook(text("wamid.1", "Hi"))

        with pytest.raises(WebhookError, match="no app_secret"):
            service.handle_webhook(body, "sha256=" + "0" * 64)
        assert 1 == len(service.handle_webhook(body, verify=False).handled)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["from", "id", "timestamp", "type", "text", "interactive", "referral", "messages", "metadata"]
)


@st.composite
def mangled_webhooks(draw):
    message_body = text("wamid.f", draw(st.text(max_size=30)))
    if draw(st.booleans()):
        message_body[draw(field_names)] = draw(json_values)
    document = json.loads(webhook(message_body))
    value = document["entry"][0]["changes"][0]["value"]
    if draw(st.booleans()):
        value[draw(field_names)] = draw(json_values)
    return json.dumps(document).encode()


class TestFuzz:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=st.one_of(mangled_webhooks(), json_values.map(lambda v: json.dumps(v).encode())))
    def test_any_body_is_a_webhook_error_or_a_clean_result(self, body):
        """No body makes the service raise anything but WebhookError, and the store stays usable."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        with contextlib.suppress(WebhookError):
            service.handle_webhook(body, verify=False)
        after = service.handle(message("wamid.after", 1, text="Hi"))
        assert not after.duplicate
