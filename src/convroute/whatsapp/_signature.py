"""
Telling Meta's webhook deliveries from forgeries.

Deliveries carry a signature of their body; the subscription handshake
proves the endpoint knows the verify token.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from collections.abc import Mapping
from typing import Final

from convroute._describe import described, kind_of
from convroute._ids import utf8
from convroute.errors import WebhookError


SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
"""
The request header that carries the body's signature.
"""
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


def verify_signature(raw_body: bytes, header: str | bytes | None, app_secret: str | bytes) -> None:
    r"""
    Check that a webhook body is signed by Meta with the app's secret.

    Meta signs the body's bytes exactly as sent: pass the raw request body,
    never one decoded and encoded again (escapes such as ``\u00e9`` would
    change).  The header is ``sha256=`` and the hex HMAC-SHA256 of the body
    keyed with the app secret; spaces around it and uppercase hex are
    accepted.  The comparison takes the same time wherever they differ.

    Args:
        raw_body: The request body, as received.
        header: The value of the ``X-Hub-Signature-256`` header, or
            ``None`` when the request has none.
        app_secret: The app secret of the Meta app.

    Raises:
        WebhookError: When the header is missing or not ``sha256=`` and 64
            hex digits, the secret is empty, or the signature does not match.
        TypeError: When *raw_body* is not bytes, e.g. already decoded text.
    """
    if not isinstance(raw_body, bytes | bytearray | memoryview):
        raise TypeError(
            f"raw_body must be the request body's bytes, not {type(raw_body).__name__}: "
            "Meta signs the bytes as sent"
        )
    signature = _signature_digest(header)
    secret = app_secret.encode() if isinstance(app_secret, str) else app_secret
    if not secret:
        raise WebhookError("no app secret to check the signature with")
    expected = hmac.digest(secret, raw_body, "sha256")
    if not hmac.compare_digest(expected, signature):
        raise WebhookError(f"{SIGNATURE_HEADER}: the signature does not match the body")


def _signature_digest(header: str | bytes | None) -> bytes:
    if header is None:
        raise WebhookError(f"{SIGNATURE_HEADER}: missing; Meta signs every delivery")
    if isinstance(header, bytes):
        # ASGI servers hand headers over as bytes; a signature is ASCII.
        try:
            header = header.decode("ascii")
        except UnicodeDecodeError:
            raise WebhookError(f"{SIGNATURE_HEADER}: not ASCII") from None
    if not isinstance(header, str):
        raise WebhookError(f"{SIGNATURE_HEADER}: expected text, got {kind_of(header)}")
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        raise WebhookError(
            f"{SIGNATURE_HEADER}: expected 'sha256=' and 64 hex digits, got {described(header)}"
        )
    return bytes.fromhex(match[1])


def verify_subscription(params: Mapping[str, str], verify_token: str) -> str:
    """
    Answer Meta's subscription handshake: the GET request to the webhook URL.

    Meta sends ``hub.mode=subscribe``, the verify token set in the app's
    dashboard and a challenge; the endpoint proves it is the app's by
    answering with the challenge, as the response's body, with status 200.

    Args:
        params: The request's query parameters, e.g. ``request.args``.
        verify_token: The verify token set in the app's dashboard.

    Returns:
        The ``hub.challenge`` to answer with.

    Raises:
        WebhookError: When a parameter is missing, the mode is not
            ``subscribe``, the token does not match, or *verify_token* is
            empty.  Answer with status 403.
    """
    if not verify_token:
        raise WebhookError("no verify token to check the subscription with")
    mode = _parameter(params, "hub.mode")
    token = _parameter(params, "hub.verify_token")
    challenge = _parameter(params, "hub.challenge")
    if mode != "subscribe":
        raise WebhookError(f"hub.mode: expected 'subscribe', got {described(mode)}")
    # Digests of equal length, so that not even the token's length leaks.
    if not hmac.compare_digest(_digest(token), _digest(verify_token)):
        raise WebhookError("hub.verify_token: does not match")
    return challenge


def _parameter(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise WebhookError(f"{name}: missing")
    if not isinstance(value, str):
        raise WebhookError(f"{name}: expected text, got {kind_of(value)}")
    return value


def _digest(text: str) -> bytes:
    return hashlib.sha256(utf8(text)).digest()
