"""
Meta's WhatsApp webhook as a FastAPI application, convroute behind it.

``GET /webhook`` answers the subscription handshake; ``POST /webhook``
checks a delivery's signature and processes its messages, each once;
a background task delivers what the outbox holds when the application
starts and then every ``dispatch_every`` seconds, so that actions whose
delivery failed are tried again.

Run it from the project root (``pip install convroute fastapi uvicorn``)::

    export WHATSAPP_APP_SECRET=... WHATSAPP_VERIFY_TOKEN=...
    export CONVROUTE_CONFIG=examples/account.toml CONVROUTE_DATABASE=convroute.db
    uvicorn --factory --app-dir examples fastapi_app:create_app

`webhook_app` is the part to copy into your CRM, given your own service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

import convroute

from convroute.adapters import SQLiteStore
from convroute.errors import StoreError, WebhookError
from convroute.service import Service
from convroute.state import OutboxItem
from convroute.whatsapp import SIGNATURE_HEADER, verify_signature, verify_subscription


logger = logging.getLogger(__name__)

DISPATCH_EVERY = 30.0
"""
Seconds between two passes of the background task over the outbox.
"""


def webhook_app(
    service: Service,
    *,
    app_secret: str,
    verify_token: str,
    dispatch_every: float = DISPATCH_EVERY,
) -> FastAPI:
    """
    The webhook endpoint of one Meta app, and the task that empties the outbox.

    Args:
        service: Processes the messages; give it the same *app_secret*.
        app_secret: The Meta app's secret, which signs every delivery.
        verify_token: The token typed beside the callback URL in the app's
            dashboard.
        dispatch_every: Seconds between two passes over the outbox.

    Returns:
        The application; ``app.state.service`` is *service*.
    """

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # What an earlier run left pending goes out before the first request.
        await dispatch(service)
        worker = asyncio.create_task(dispatch_forever(service, dispatch_every))
        try:
            yield
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    app = FastAPI(lifespan=lifespan)
    app.state.service = service

    @app.get("/webhook")
    def subscribe(request: Request) -> Response:
        try:
            challenge = verify_subscription(request.query_params, verify_token)
        except WebhookError as error:
            logger.warning("subscription refused: %s", error)
            return PlainTextResponse("", status_code=403)
        return PlainTextResponse(challenge)

    @app.post("/webhook")
    async def deliver(request: Request) -> Response:
        raw_body = await request.body()  # the bytes as sent: the signature is over them
        signature = request.headers.get(SIGNATURE_HEADER)
        try:
            # The service blocks (its store, its transport): off the event loop.
            handled = await run_in_threadpool(service.handle_webhook, raw_body, signature)
        except WebhookError as error:
            status = refusal_status(raw_body, signature, app_secret)
            logger.warning("delivery refused with %d: %s", status, error)
            return PlainTextResponse("", status_code=status)
        except StoreError:
            # The messages were processed, and the store failed while their
            # actions were delivered: they wait in the outbox for the worker.
            # convroute logged the failure at ERROR, with its traceback.
            return PlainTextResponse("", status_code=500)
        # convroute logged what the delivery passed over, once: a lead's
        # message lost to its shape, or a failed status, as a WARNING; the
        # routine statuses and reactions at DEBUG.
        if handled.failed:
            # Meta redelivers the batch on any answer but 2xx: the messages
            # processed already are then passed over as duplicates, and the
            # failed ones get another try.
            return PlainTextResponse("", status_code=500)
        return PlainTextResponse("")

    return app


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


async def dispatch(service: Service) -> None:
    """
    Deliver what the outbox holds, once.

    convroute logs each refused delivery (WARNING, with its traceback) and a
    failure of the store (ERROR); what failed is tried again at a later pass.
    """
    with contextlib.suppress(StoreError):
        await run_in_threadpool(service.dispatch_pending)


async def dispatch_forever(service: Service, every: float) -> None:
    """
    Deliver what the outbox holds every *every* seconds, until cancelled.
    """
    while True:
        await asyncio.sleep(every)
        await dispatch(service)


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


def create_app() -> FastAPI:
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
