"""
What the web examples' tests share: the example modules, and Meta's requests.
"""

import datetime as dt
import hashlib
import hmac
import importlib.util
import json
import pathlib
import sys
import threading
import urllib.parse

import convroute

from convroute.errors import StoreError
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport


EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"
APP_SECRET = "app-secret-from-the-dashboard"  # noqa: S105 - a test secret
VERIFY_TOKEN = "the-token-typed-beside-the-callback-url"  # noqa: S105 - a test token
WRONG_SECRET = "not-the-secret"  # noqa: S105 - a forger's guess
WRONG_TOKEN = "guessed"  # noqa: S105 - a stranger's guess
LEAD, BUSINESS = "919800000001", "918040001234"
SENT_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def load_example(name):
    """
    Import examples/<name>.py as the module *name*, as its run instructions do.
    """
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def text_message(message_id, text="Hi, I came from Instagram!"):
    """
    A text message of the lead, as the Cloud API puts it in a delivery.
    """
    return {
        "from": LEAD,
        "id": message_id,
        "timestamp": str(int(SENT_AT.timestamp())),
        "type": "text",
        "text": {"body": text},
    }


def delivery(*messages, statuses=()):
    """
    The raw body of a delivery of *messages* (or else *statuses*) to the business number.
    """
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS, "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Ravi Kumar"}, "wa_id": LEAD}],
        "messages": list(messages),
    }
    if statuses:
        value = {"messaging_product": "whatsapp", "metadata": value["metadata"]}
        value["statuses"] = list(statuses)
    change = {"field": "messages", "value": value}
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [change]}],
    }
    return json.dumps(envelope).encode()


def passed_over_deliveries():
    """
    Two deliveries convroute passes over whole: three read statuses, and a malformed message.
    """
    status = {"id": "wamid.S1", "status": "read", "timestamp": "1793610000", "recipient_id": LEAD}
    malformed = {**text_message("wamid.HBgL1"), "timestamp": "yesterday"}
    return [delivery(statuses=[status] * 3), delivery(malformed)]


def signed(body, secret=APP_SECRET):
    """
    The signature header Meta sends with *body*.
    """
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}"}


def subscription(token=VERIFY_TOKEN, challenge="1158201444"):
    """
    The query string of Meta's subscription handshake.
    """
    return urllib.parse.urlencode(
        {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": challenge}
    )


class FailingStore:
    """
    A memory store whose *failing*-th unit of work (counted from 1) fails to open.
    """

    def __init__(self, failing):
        self.inner = MemoryStore()
        self.opened = 0
        self.failing = failing

    def unit_of_work(self, account="default"):
        self.opened += 1
        if self.opened == self.failing:
            raise StoreError("the database is not answering")
        return self.inner.unit_of_work(account)


def example_service(transport, store=None, clock=None):
    """
    A service of the example account, its clock stopped at the messages' time unless given.
    """
    return Service(
        convroute.load_config(EXAMPLES / "account.toml"),
        MemoryStore() if store is None else store,
        transport,
        clock=(lambda: SENT_AT) if clock is None else clock,
        app_secret=APP_SECRET,
    )


class SettableClock:
    """
    A clock at the messages' time until moved on: failed deliveries wait for theirs.
    """

    def __init__(self, step=dt.timedelta(0)):
        self.at = SENT_AT
        self.step = step
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            now = self.at
            self.at += self.step
            return now

    def advance(self, by=dt.timedelta(hours=1)):
        with self._lock:
            self.at += by


class SignallingTransport(RecordingTransport):
    """
    A recording transport that says when it has delivered *expected* items.
    """

    def __init__(self, expected, fail=0):
        super().__init__(fail=fail)
        self.expected = expected
        self.done = threading.Event()

    def deliver(self, item):
        super().deliver(item)
        if len(self.sent) >= self.expected:
            self.done.set()
