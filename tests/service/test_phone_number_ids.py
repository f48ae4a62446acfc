"""
The numbers' Cloud API ids through the service: remembered in the store, carried by every send.
"""

import contextlib
import json

import attrs
import pytest

from convroute.config import loads_config
from convroute.engine import SetPresence
from convroute.errors import StoreError
from convroute.model import Phone
from convroute.service import Service
from convroute.testing import RecordingTransport
from service.conftest import AT, DESK_TEAM, LEAD, NUMBER, message
from service.conftest import CONFIG as EXAMPLE


OTHER_LEAD = Phone("919800000002")
FROM_WEBHOOK = "106540352242922"
CONFIGURED = "999000111222333"

# The example account declares no id here: the webhooks give it.
CONFIG = attrs.evolve(
    EXAMPLE,
    numbers=tuple(attrs.evolve(n, phone_number_id=None) for n in EXAMPLE.numbers),
)

DESK = loads_config(
    DESK_TEAM
    + """
[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
assigned_message = "{{user.name}} will help you."
"""
)


def webhook(wamid, lead=LEAD, phone_number_id=FROM_WEBHOOK):
    metadata = {"display_phone_number": NUMBER}
    if phone_number_id is not None:
        metadata["phone_number_id"] = phone_number_id
    value = {
        "messaging_product": "whatsapp",
        "metadata": metadata,
        "contacts": [{"profile": {"name": "Ravi"}, "wa_id": lead}],
        "messages": [
            {
                "from": lead,
                "id": wamid,
                "timestamp": str(int(AT.timestamp())),
                "type": "text",
                "text": {"body": "Hi"},
            }
        ],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def ids_of_sends(items):
    return [item.body.get("phone_number_id") for item in items if item.type == "send"]


def sends_of(handled):
    return [item for one in handled.handled for item in one.actions if item.type == "send"]


class TestRemembered:
    def test_a_webhooks_id_is_carried_by_its_own_send(self, store, transport):
        """The menu a webhook's message gets carries the id that webhook gave for its number."""
        service = Service(CONFIG, store, transport, clock=lambda: AT)

        handled = service.handle_webhook(webhook("wamid.1"), verify=False)

        assert [FROM_WEBHOOK] == ids_of_sends(sends_of(handled))
        assert [FROM_WEBHOOK] == [item.body.get("phone_number_id") for item in transport.sent]

    def test_a_later_event_without_one_uses_the_stored_id(self, store, transport):
        """An event giving no id (from the host's API) sends with the id a webhook gave before."""
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        service.handle_webhook(webhook("wamid.1"), verify=False)

        handled = service.handle(message("wamid.2", lead=OTHER_LEAD, text="Hello"))

        assert [FROM_WEBHOOK] == ids_of_sends(handled.actions)
        with store.unit_of_work() as uow:
            assert {NUMBER: FROM_WEBHOOK} == dict(uow.numbers.all())

    def test_a_send_of_another_event_kind_carries_it(self, store, transport):
        """The assigned message a presence update sends carries the stored id too."""
        service = Service(DESK, store, transport, clock=lambda: AT)
        for user in ("u1", "u2", "u3", "u4"):
            service.handle(SetPresence(id=f"away-{user}", user=user, available=False, at=AT))
        service.handle_webhook(webhook("wamid.1"), verify=False)

        handled = service.handle(SetPresence(id="back", user="u1", available=True, at=AT))

        assert [FROM_WEBHOOK] == ids_of_sends(handled.actions)

    def test_without_any_id_a_send_has_none(self, store, transport):
        """Neither config nor webhook giving an id, a send has no phone_number_id key."""
        service = Service(CONFIG, store, transport, clock=lambda: AT)

        handled = service.handle_webhook(webhook("wamid.1", phone_number_id=None), verify=False)

        assert [False] == ["phone_number_id" in item.body for item in sends_of(handled)]


class TestConfigured:
    def test_the_configured_id_wins_and_is_not_stored(self, store, transport):
        """A configured id wins over the webhook's, which is not stored."""
        number = attrs.evolve(CONFIG.numbers[0], phone_number_id=CONFIGURED)
        config = attrs.evolve(CONFIG, numbers=(number, *CONFIG.numbers[1:]))
        service = Service(config, store, transport, clock=lambda: AT)

        handled = service.handle_webhook(webhook("wamid.1"), verify=False)

        assert [CONFIGURED] == ids_of_sends(sends_of(handled))
        with store.unit_of_work() as uow:
            assert {} == dict(uow.numbers.all())


class TestAccounts:
    def test_each_account_remembers_its_own(self, store):
        """An id a webhook gave one account's service is never carried by another's sends."""
        acme = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT, account="acme")
        other = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT, account="globex")
        acme.handle_webhook(webhook("wamid.1"), verify=False)

        handled = other.handle(message("wamid.2", text="Hello"))

        assert [None] == ids_of_sends(handled.actions)


class CountingNumbers:
    """A unit's numbers repository that counts its calls by name."""

    def __init__(self, inner, calls):
        self._inner = inner
        self._calls = calls

    def all(self):
        self._calls.append("all")
        return self._inner.all()

    def save(self, number, phone_number_id):
        self._calls.append("save")
        self._inner.save(number, phone_number_id)


class FailingOutbox:
    """An outbox repository whose writes fail, as a store that went away."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def add(self, _items):
        raise StoreError("the outbox is gone")


class CountingStore:
    """A store whose units' numbers repositories count what is asked of them."""

    def __init__(self, store):
        self.store = store
        self.calls = []
        self.fail_outbox = False

    @contextlib.contextmanager
    def unit_of_work(self, account="default"):
        with self.store.unit_of_work(account) as uow:
            uow.numbers = CountingNumbers(uow.numbers, self.calls)
            if self.fail_outbox:
                self.fail_outbox = False
                uow.outbox = FailingOutbox(uow.outbox)
            yield uow


class TestStoreCalls:
    def test_webhooks_giving_the_id_read_and_save_it_once(self, store, transport):
        """Events whose webhook gives the number's id read the stored ids once, and save once."""
        counted = CountingStore(store)
        service = Service(CONFIG, counted, transport, clock=lambda: AT)

        for n in range(4):
            service.handle_webhook(webhook(f"wamid.{n}", lead=f"9198000000{n:02}"), verify=False)

        assert ["all", "save"] == counted.calls
        assert [FROM_WEBHOOK] * 4 == [item.body.get("phone_number_id") for item in transport.sent]

    def test_a_known_id_is_neither_read_nor_saved_by_a_new_service(self, store, transport):
        """A new service reads the stored id once; the same id again asks nothing more."""
        Service(CONFIG, store, transport, clock=lambda: AT).handle_webhook(
            webhook("wamid.0"), verify=False
        )
        counted = CountingStore(store)
        service = Service(CONFIG, counted, transport, clock=lambda: AT)

        for n in range(1, 4):
            service.handle_webhook(webhook(f"wamid.{n}", lead=f"9198000000{n:02}"), verify=False)

        assert ["all"] == counted.calls

    def test_a_new_id_for_the_number_is_saved(self, store, transport):
        """A webhook giving another id than the one known saves it, and later sends carry it."""
        counted = CountingStore(store)
        service = Service(CONFIG, counted, transport, clock=lambda: AT)
        service.handle_webhook(webhook("wamid.1"), verify=False)

        service.handle_webhook(webhook("wamid.2", OTHER_LEAD, "106540352242999"), verify=False)
        handled = service.handle(message("wamid.3", lead=Phone("919800000003"), text="Hello"))

        assert ["all", "save", "all", "save", "all"] == counted.calls
        assert ["106540352242999"] == ids_of_sends(handled.actions)

    def test_an_event_that_sends_nothing_reads_nothing(self, store, transport):
        """An event giving no id, whose outcome sends nothing, leaves the ids unread."""
        counted = CountingStore(store)
        service = Service(CONFIG, counted, transport, clock=lambda: AT)

        service.handle(SetPresence(id="away", user="u-asha", available=False, at=AT))

        assert [] == counted.calls

    def test_a_save_rolled_back_is_not_taken_as_known(self, store, transport):
        """An event whose unit fails after saving the id leaves it unknown: the next saves it."""
        counted = CountingStore(store)
        service = Service(CONFIG, counted, transport, clock=lambda: AT)
        counted.fail_outbox = True
        with pytest.raises(StoreError):
            service.handle(message("wamid.1", phone_number_id=FROM_WEBHOOK))

        service.handle(message("wamid.2", lead=OTHER_LEAD, phone_number_id=FROM_WEBHOOK))

        assert ["all", "save", "all", "save"] == counted.calls
        with store.unit_of_work() as uow:
            assert {NUMBER: FROM_WEBHOOK} == dict(uow.numbers.all())
