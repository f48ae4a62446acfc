"""
Meta's WhatsApp webhook as a Flask application, convroute behind it.

``GET /webhook`` answers the subscription handshake; ``POST /webhook``
checks a delivery's signature and processes its messages, each once.  The
``dispatch`` command is the worker that delivers what the outbox holds, so
that actions whose delivery failed are tried again: run it beside the web
server, or with ``--once`` from cron.

Run it from the project root (``pip install convroute flask``)::

    export WHATSAPP_APP_SECRET=... WHATSAPP_VERIFY_TOKEN=...
    export CONVROUTE_CONFIG=examples/account.toml CONVROUTE_DATABASE=convroute.db
    flask --app examples/flask_app.py run
    flask --app examples/flask_app.py dispatch --every 30

`webhook_app` is the part to copy into your CRM, given your own service.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time

import click
import flask

import convroute

from convroute.adapters import SQLiteStore
from convroute.errors import StoreError, WebhookError
from convroute.service import Service
from convroute.state import OutboxItem
from convroute.whatsapp import SIGNATURE_HEADER, verify_signature, verify_subscription


logger = logging.getLogger(__name__)

SERVICE = "convroute.service"
"""
The key of the service in ``app.extensions``.
"""


def webhook_app(service: Service, *, app_secret: str, verify_token: str) -> flask.Flask:
    """
    The webhook endpoint of one Meta app, and its ``dispatch`` command.

    Args:
        service: Processes the messages; give it the same *app_secret*.
        app_secret: The Meta app's secret, which signs every delivery.
        verify_token: The token typed beside the callback URL in the app's
            dashboard.

    Returns:
        The application; ``app.extensions["convroute.service"]`` is *service*.
    """
    app = flask.Flask(__name__, static_folder=None)
    app.extensions[SERVICE] = service

    @app.get("/webhook")
    def subscribe() -> flask.Response:
        try:
            challenge = verify_subscription(flask.request.args, verify_token)
        except WebhookError as error:
            logger.warning("subscription refused: %s", error)
            return plain_text("", 403)
        return plain_text(challenge, 200)

    @app.post("/webhook")
    def deliver() -> flask.Response:
        raw_body = flask.request.get_data()  # the bytes as sent: the signature is over them
        signature = flask.request.headers.get(SIGNATURE_HEADER)
        try:
            handled = service.handle_webhook(raw_body, signature)
        except WebhookError as error:
            status = refusal_status(raw_body, signature, app_secret)
            logger.warning("delivery refused with %d: %s", status, error)
            return plain_text("", status)
        except StoreError:
            # The messages were processed, and the store failed while their
            # actions were delivered: they wait in the outbox for the worker.
            # convroute logged the failure at ERROR, with its traceback.
            return plain_text("", 500)
        # convroute logged what the delivery passed over, once: a lead's
        # message lost to its shape, or a failed status, as a WARNING; the
        # routine statuses and reactions at DEBUG.
        if handled.failed:
            # Meta redelivers the batch on any answer but 2xx: the messages
            # processed already are then passed over as duplicates, and the
            # failed ones get another try.
            return plain_text("", 500)
        return plain_text("", 200)

    @app.cli.command("dispatch")
    @click.option("--every", default=30.0, show_default=True, help="Seconds between passes.")
    @click.option("--once", is_flag=True, help="One pass over the outbox, then stop.")
    def dispatch_command(every: float, once: bool) -> None:
        """Deliver what the outbox holds, again and again."""
        while True:
            dispatch(service)
            if once:
                return
            time.sleep(every)

    return app


def plain_text(text: str, status: int) -> flask.Response:
    """
    A text/plain response.
    """
    return flask.Response(text, status=status, mimetype="text/plain")


def refusal_status(raw_body: bytes, signature: str | None, app_secret: str) -> int:
    """
    The status for a delivery the service refused: 403 when not Meta's, else 400.

    `Service.handle_webhook` raises the same `WebhookError` for a forgery and
    for a signed body that is not a Cloud API webhook.
    """
    try:
        verify_signature(raw_body, signature, app_secret)
    except WebhookError:
        return 403
    return 400


def dispatch(service: Service) -> None:
    """
    Deliver what the outbox holds, once.

    convroute logs each refused delivery (WARNING, with its traceback) and a
    failure of the store (ERROR); what failed is tried again at a later pass.
    """
    with contextlib.suppress(StoreError):
        service.dispatch_pending()


class LoggingTransport:
    """
    A transport that logs each action instead of carrying it out.

    Enough to watch convroute decide; your CRM's transport, which sends the
    messages and updates the CRM, takes its place (see docs/ports.md).
    """

    def deliver(self, item: OutboxItem) -> None:
        """
        Log the action: its type and id, and its body (phones, texts) at DEBUG.
        """
        logger.info("action %s %s", item.type, item.id)
        logger.debug("action %s: %s", item.id, item.body)


def create_app() -> flask.Flask:
    """
    The application as configured by the environment, on a SQLite store.

    ``WHATSAPP_APP_SECRET`` and ``WHATSAPP_VERIFY_TOKEN`` are required;
    ``CONVROUTE_CONFIG`` (``examples/account.toml``) and
    ``CONVROUTE_DATABASE`` (``convroute.db``) name the configuration file
    and the database file.

    Raises:
        RuntimeError: When a required variable is not set.
    """
    app_secret = required_setting("WHATSAPP_APP_SECRET")
    verify_token = required_setting("WHATSAPP_VERIFY_TOKEN")
    config = convroute.load_config(os.environ.get("CONVROUTE_CONFIG", "examples/account.toml"))
    store = SQLiteStore(os.environ.get("CONVROUTE_DATABASE", "convroute.db"))
    service = Service(config, store, LoggingTransport(), app_secret=app_secret)
    return webhook_app(service, app_secret=app_secret, verify_token=verify_token)


def required_setting(name: str) -> str:
    """
    The value of an environment variable that must be set.

    Raises:
        RuntimeError: When it is not set, or empty.
    """
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"set {name}: the webhook cannot be checked without it")
    return value
