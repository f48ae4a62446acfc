"""
Reading a Cloud API webhook into the engine's messages.

Strict per message, forgiving per batch: a message that is not shaped as
documented is passed over with its reason and the rest of the batch is
read; only a body that is not the Cloud API envelope at all is refused.
"""

from __future__ import annotations

import datetime as dt
import json

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeAlias

from convroute._describe import INT64_MAX, INT64_MIN, described, kind_of, quoted
from convroute._frozen import unicode_text
from convroute._whatsapp_limits import MAX_TEXT_BODY, is_phone_number_id
from convroute.engine import (
    CAPTIONED_MEDIA,
    AdReferral,
    IncomingMessage,
    Media,
    MediaKind,
    OutgoingMessage,
)
from convroute.errors import PhoneNumberError, TextError, WebhookError
from convroute.model import Phone, given_phone
from convroute.whatsapp._batch import (
    FailedStatus,
    FailureCause,
    PassedOver,
    SkippedItem,
    WebhookBatch,
)


# No id, name or click id WhatsApp sends comes near this; a longer one is
# not WhatsApp's, and must not reach the store.
_MAX_FIELD: Final = MAX_TEXT_BODY
# Unix seconds up to the year 5138: enough, and int() of it stays cheap.
_MAX_TIMESTAMP_DIGITS: Final = 11
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# The longest way anybody writes a phone number, spaces and brackets included.
_MAX_PHONE_TEXT: Final = 64
_ENVELOPE_OBJECT: Final = "whatsapp_business_account"
_MESSAGES: Final = "messages"
_ECHOES: Final = "smb_message_echoes"
_INTERACTIVE_REPLIES: Final = frozenset({"button_reply", "list_reply"})
_FAILED: Final = "failed"
# What a failed status's errors are logged with: a few, each title short.
# WhatsApp gives one error a status, with a title of a few words.
_MAX_CAUSES: Final = 5
_MAX_CAUSE_TITLE: Final = 120

_Content: TypeAlias = tuple[str | None, str | None, Media | None]
"""
What a message says: its text, the id of the button or row tapped, and
what a media message holds.
"""
_Business: TypeAlias = tuple[Phone, str | None]
"""
The business number of a change's messages, and its Cloud API id if given.
"""
_Message: TypeAlias = IncomingMessage | OutgoingMessage
_Item: TypeAlias = _Message | SkippedItem


class _SkipError(Exception):
    """
    A message, or part of one, that cannot be read.

    Raised deep in the readers, caught where the message's path is known.
    """

    def __init__(self, reason: PassedOver, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def parse_webhook(body: bytes | str | Mapping[str, Any]) -> WebhookBatch:
    """
    Read a Cloud API webhook delivery into the messages it holds.

    Every ``messages`` and ``smb_message_echoes`` change of every entry is
    read, in order.  Text messages, reply-button and list-row taps,
    template quick-reply buttons and media (images, videos, audio and
    voice notes, documents, stickers, locations, contacts) become
    `IncomingMessage` events.  Echoes, the messages a Coexistence number
    sends from the WhatsApp Business app, become `OutgoingMessage`
    events: text, or media with its caption as text (``""`` without).
    Statuses, other fields, the kinds convroute does not act on
    (reactions, system messages, orders, edits, revokes, flow replies,
    ``unsupported`` and unknown types) and malformed messages are passed
    over, each with its path and reason; a ``failed`` status's item
    carries the message id and WhatsApp's error codes and titles
    (`SkippedItem.failed_status`).  Check the signature first, on the same
    raw bytes, with `verify_signature`.

    Args:
        body: The raw request body (UTF-8 JSON), or its text, or the
            already decoded JSON object.

    Returns:
        The events and the items passed over.

    Raises:
        WebhookError: When *body* is not UTF-8 JSON, or not the Cloud API
            envelope (``object`` ``whatsapp_business_account``, ``entry`` a
            list).
    """
    entries = _entries(_decoded(body) if isinstance(body, bytes | bytearray | str) else body)
    events: list[_Message] = []
    skipped: list[SkippedItem] = []
    for item in _walk_entries(entries):
        if isinstance(item, SkippedItem):
            skipped.append(item)
        else:
            events.append(item)
    return WebhookBatch(events=events, skipped=skipped)


def _decoded(body: bytes | bytearray | str) -> Any:
    if isinstance(body, str):
        text = body
    else:
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError as error:
            raise WebhookError(f"body: not UTF-8: {error.reason} at byte {error.start}") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise WebhookError(
            f"body: not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise WebhookError("body: nested too deeply to be a Cloud API webhook") from None
    except ValueError as error:
        # Numbers of thousands of digits, and NaN or Infinity.
        raise WebhookError(f"body: not JSON: {str(error).splitlines()[0]}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _entries(document: Any) -> Sequence[Any]:
    if not isinstance(document, Mapping):
        raise WebhookError(f"body: expected a JSON object, got {kind_of(document)}")
    kind = document.get("object")
    if not (isinstance(kind, str) and kind == _ENVELOPE_OBJECT):
        raise WebhookError(f"object: expected {_ENVELOPE_OBJECT!r}, got {described(kind)}")
    entries = document.get("entry")
    if not isinstance(entries, list | tuple):
        raise WebhookError(f"entry: expected a list, got {kind_of(entries)}")
    return entries


def _walk_entries(entries: Sequence[Any]) -> Iterator[_Item]:
    for number, entry in enumerate(entries):
        path = f"entry[{number}]"
        if not isinstance(entry, Mapping):
            yield _malformed(path, f"expected an object, got {kind_of(entry)}")
            continue
        changes = entry.get("changes")
        if not isinstance(changes, list | tuple):
            yield _malformed(f"{path}.changes", f"expected a list, got {kind_of(changes)}")
            continue
        for index, change in enumerate(changes):
            yield from _walk_change(f"{path}.changes[{index}]", change)


def _walk_change(path: str, change: Any) -> Iterator[_Item]:
    if not isinstance(change, Mapping):
        yield _malformed(path, f"expected an object, got {kind_of(change)}")
        return
    field = change.get("field")
    if not isinstance(field, str):
        yield _malformed(f"{path}.field", f"expected text, got {kind_of(field)}")
        return
    if field not in {_MESSAGES, _ECHOES}:
        yield SkippedItem(path=path, reason=PassedOver.OTHER_FIELD, detail=f"field {quoted(field)}")
        return
    value = change.get("value")
    path = f"{path}.value"
    if not isinstance(value, Mapping):
        yield _malformed(path, f"expected an object, got {kind_of(value)}")
        return
    if field == _ECHOES:
        yield from _walk_list(path, value, "message_echoes", _echo)
        return
    yield from _walk_list(path, value, "messages", _incoming)
    statuses = value.get("statuses")
    if statuses is not None:
        if isinstance(statuses, list | tuple):
            yield from _walk_statuses(f"{path}.statuses", statuses)
        else:
            yield _malformed(f"{path}.statuses", f"expected a list, got {kind_of(statuses)}")


def _walk_list(
    path: str,
    value: Mapping[Any, Any],
    key: str,
    read: Callable[[Any, _Business, Mapping[str, str]], _Message],
) -> Iterator[_Item]:
    # The messages (or echoes) of one change, each read by *read*.
    messages = value.get(key)
    if messages is None:
        return
    path = f"{path}.{key}"
    if not isinstance(messages, list | tuple):
        yield _malformed(path, f"expected a list, got {kind_of(messages)}")
        return
    try:
        number = _business(value.get("metadata"))
    except _SkipError as error:
        for index in range(len(messages)):
            yield SkippedItem(f"{path}[{index}]", error.reason, error.detail)
        return
    names = _profile_names(value.get("contacts"))
    for index, message in enumerate(messages):
        try:
            yield read(message, number, names)
        except _SkipError as error:
            yield SkippedItem(f"{path}[{index}]", error.reason, error.detail)


def _walk_statuses(path: str, statuses: Sequence[Any]) -> Iterator[_Item]:
    for index, status in enumerate(statuses):
        state = status.get("status") if isinstance(status, Mapping) else None
        detail = f"status {quoted(state)}" if isinstance(state, str) else "a status update"
        failure = _failed_status(status) if state == _FAILED else None
        yield SkippedItem(
            path=f"{path}[{index}]", reason=PassedOver.STATUS, detail=detail, failed_status=failure
        )


def _failed_status(status: Mapping[Any, Any]) -> FailedStatus:
    # Whatever the status holds, a failed delivery is told: what cannot be
    # read is None.  ``recipient_id`` and each error's ``message`` and
    # ``error_data`` are never read: they may quote the lead's phone or text.
    errors = status.get("errors")
    if not isinstance(errors, list | tuple):
        errors = ()
    return FailedStatus(
        message_id=_status_message_id(status.get("id")),
        causes=[_failure_cause(error) for error in errors[:_MAX_CAUSES]],
        causes_left_off=max(0, len(errors) - _MAX_CAUSES),
    )


def _status_message_id(value: Any) -> str | None:
    try:
        return _text(value, "id") or None
    except _SkipError:
        return None


def _failure_cause(error: Any) -> FailureCause:
    if not isinstance(error, Mapping):
        return FailureCause(code=None, title=None)
    code = error.get("code")
    if not (type(code) is int and INT64_MIN <= code <= INT64_MAX):
        code = None
    title = error.get("title")
    try:
        title = unicode_text(title) if isinstance(title, str) else None
    except TextError:
        title = None
    if title is not None and len(title) > _MAX_CAUSE_TITLE:
        title = f"{title[:_MAX_CAUSE_TITLE]}\N{HORIZONTAL ELLIPSIS}"
    return FailureCause(code=code, title=title)


def _business(metadata: Any) -> _Business:
    # The number written to, and its Cloud API id when the change gives one.
    if not isinstance(metadata, Mapping):
        raise _SkipError(
            PassedOver.NO_BUSINESS_NUMBER, f"metadata: expected an object, got {kind_of(metadata)}"
        )
    try:
        number = _phone(metadata.get("display_phone_number"), "metadata.display_phone_number")
    except _SkipError as error:
        raise _SkipError(PassedOver.NO_BUSINESS_NUMBER, error.detail) from None
    return number, _phone_number_id(metadata.get("phone_number_id"))


def _phone_number_id(value: Any) -> str | None:
    # Sends name it in a URL path: anything but digits is not Meta's.
    if value is None:
        return None
    where = "metadata.phone_number_id"
    text = _text(value, where)
    if not is_phone_number_id(text):
        raise _malformed_error(f"{where}: expected digits, got {described(value)}")
    return text


def _profile_names(contacts: Any) -> Mapping[str, str]:
    # A name only greets a new lead: a contact that cannot be read costs the
    # message its name, not the message itself.
    names: dict[str, str] = {}
    if not isinstance(contacts, list | tuple):
        return names
    for contact in contacts:
        if not isinstance(contact, Mapping):
            continue
        wa_id = contact.get("wa_id")
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, Mapping) else None
        if isinstance(wa_id, str) and wa_id and isinstance(name, str):
            try:
                names[wa_id] = _text(name, "profile.name")
            except _SkipError:
                continue
    return names


def _message_head(
    message: Any, readers: Mapping[str, Callable[[Mapping[Any, Any]], _Content]]
) -> tuple[Mapping[Any, Any], _Content, str]:
    # What every message of a change starts with: an object of a type one
    # of *readers* reads, its content, and its id.
    if not isinstance(message, Mapping):
        raise _malformed_error(f"expected an object, got {kind_of(message)}")
    kind = message.get("type")
    if not isinstance(kind, str):
        raise _malformed_error(f"type: expected text, got {kind_of(kind)}")
    read_content = readers.get(kind)
    if read_content is None:
        raise _SkipError(PassedOver.UNSUPPORTED_TYPE, f"type {quoted(kind)}")
    content = read_content(message)
    message_id = _text(message.get("id"), "id")
    if not message_id:
        raise _malformed_error("id: empty")
    return message, content, message_id


def _incoming(message: Any, business: _Business, names: Mapping[str, str]) -> IncomingMessage:
    message, (text, reply_id, media), message_id = _message_head(message, _CONTENT_READERS)
    at = _sent_at(message.get("timestamp"))
    sender = message.get("from")
    if sender is None or (isinstance(sender, str) and not sender.strip()):
        raise _SkipError(
            PassedOver.NO_SENDER, "from: no phone, perhaps a business-scoped user id instead"
        )
    lead = _phone(sender, "from")
    name = names.get(sender) or None
    referral, click_id = _referral(message.get("referral"))
    number, phone_number_id = business
    return IncomingMessage(
        id=message_id,
        at=at,
        lead=lead,
        number=number,
        text=text,
        reply_id=reply_id,
        name=name,
        ctwa_clid=click_id,
        media=media,
        referral=referral,
        phone_number_id=phone_number_id,
    )


def _echo(message: Any, business: _Business, _names: Mapping[str, str]) -> OutgoingMessage:
    # A message the business sent from the WhatsApp Business app: ``from``
    # is the business number (the change's own), ``to`` the lead.
    message, (text, _, media), message_id = _message_head(message, _ECHO_READERS)
    timestamp = message.get("timestamp")
    # Meta's echo reference calls it an integer; its messages send text.
    if type(timestamp) is int and timestamp >= 0:
        timestamp = str(timestamp)
    at = _sent_at(timestamp)
    recipient = message.get("to")
    if recipient is None or (isinstance(recipient, str) and not recipient.strip()):
        raise _SkipError(
            PassedOver.NO_RECIPIENT, "to: no phone, perhaps a business-scoped user id instead"
        )
    lead = _phone(recipient, "to")
    number, phone_number_id = business
    if lead == number:
        raise _malformed_error(f"to: the business number {number} itself, not a lead")
    said = text if media is None else media.caption
    return OutgoingMessage(
        id=message_id,
        at=at,
        lead=lead,
        number=number,
        text=said or "",
        phone_number_id=phone_number_id,
    )


def _text_content(message: Mapping[Any, Any]) -> _Content:
    body = _text(_member(message, "text").get("body"), "text.body", limit=MAX_TEXT_BODY)
    return body, None, None


def _interactive_content(message: Mapping[Any, Any]) -> _Content:
    interactive = _member(message, "interactive")
    kind = interactive.get("type")
    if not isinstance(kind, str):
        raise _malformed_error(f"interactive.type: expected text, got {kind_of(kind)}")
    if kind not in _INTERACTIVE_REPLIES:
        raise _SkipError(PassedOver.UNSUPPORTED_TYPE, f"interactive type {quoted(kind)}")
    reply = interactive.get(kind)
    where = f"interactive.{kind}"
    if not isinstance(reply, Mapping):
        raise _malformed_error(f"{where}: expected an object, got {kind_of(reply)}")
    reply_id = _text(reply.get("id"), f"{where}.id")
    if not reply_id:
        raise _malformed_error(f"{where}.id: empty")
    # The title as text too: a funnel's trigger phrase may be a button title.
    return _text(reply.get("title"), f"{where}.title", limit=MAX_TEXT_BODY), reply_id, None


def _button_content(message: Mapping[Any, Any]) -> _Content:
    # A template's quick-reply button: its payload is the button's id.
    button = _member(message, "button")
    text = _text(button.get("text"), "button.text", limit=MAX_TEXT_BODY)
    payload = button.get("payload")
    reply_id = None if payload is None else _text(payload, "button.payload") or None
    return text, reply_id, None


def _asset_content(message: Mapping[Any, Any]) -> _Content:
    # An image, video, audio, document or sticker: an asset the host may
    # fetch by its id, so a message without one is not as documented.
    kind = MediaKind(message["type"])
    asset = _member(message, kind)
    asset_id = _text(asset.get("id"), f"{kind}.id")
    if not asset_id:
        raise _malformed_error(f"{kind}.id: empty")
    caption = asset.get("caption")
    if caption is None or kind not in CAPTIONED_MEDIA:
        return None, None, Media(kind)
    return None, None, Media(kind, _text(caption, f"{kind}.caption", limit=MAX_TEXT_BODY))


def _location_content(message: Mapping[Any, Any]) -> _Content:
    # A pin dropped on the map has no name or address: only its place counts.
    location = _member(message, "location")
    for axis in ("latitude", "longitude"):
        value = location.get(axis)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _malformed_error(f"location.{axis}: expected a number, got {kind_of(value)}")
    return None, None, Media(MediaKind.LOCATION)


def _contacts_content(message: Mapping[Any, Any]) -> _Content:
    cards = message.get("contacts")
    if not isinstance(cards, list | tuple):
        raise _malformed_error(f"contacts: expected a list, got {kind_of(cards)}")
    if not cards:
        raise _malformed_error("contacts: empty")
    for index, card in enumerate(cards):
        if not isinstance(card, Mapping):
            raise _malformed_error(f"contacts[{index}]: expected an object, got {kind_of(card)}")
    return None, None, Media(MediaKind.CONTACTS)


_CONTENT_READERS: Final[Mapping[str, Callable[[Mapping[Any, Any]], _Content]]] = {
    "text": _text_content,
    "interactive": _interactive_content,
    "button": _button_content,
    "image": _asset_content,
    "video": _asset_content,
    "audio": _asset_content,
    "document": _asset_content,
    "sticker": _asset_content,
    "location": _location_content,
    "contacts": _contacts_content,
}


# What the business app sends: text and media (its caption is its text).
_ECHO_READERS: Final = {
    kind: _CONTENT_READERS[kind]
    for kind in ("text", "image", "video", "audio", "document", "sticker", "location", "contacts")
}


def _member(message: Mapping[Any, Any], name: str) -> Mapping[Any, Any]:
    value = message.get(name)
    if not isinstance(value, Mapping):
        raise _malformed_error(f"{name}: expected an object, got {kind_of(value)}")
    return value


def _text(value: Any, where: str, *, limit: int = _MAX_FIELD) -> str:
    if not isinstance(value, str):
        raise _malformed_error(f"{where}: expected text, got {kind_of(value)}")
    if len(value) > limit:
        raise _SkipError(
            PassedOver.OVERSIZE, f"{where}: {len(value)} characters, more than {limit}"
        )
    try:
        # JSON may escape a lone surrogate; no store could write it back.
        return unicode_text(value)
    except TextError:
        raise _malformed_error(f"{where}: holds a lone surrogate, which is not text") from None


def _sent_at(value: Any) -> dt.datetime:
    if not (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= _MAX_TIMESTAMP_DIGITS
    ):
        raise _malformed_error(
            f"timestamp: expected a string of Unix seconds, got {described(value)}"
        )
    # Not fromtimestamp: its range depends on the platform's C library.
    return _EPOCH + dt.timedelta(seconds=int(value))


def _phone(value: Any, where: str) -> Phone:
    text = _text(value, where)
    if len(text) > _MAX_PHONE_TEXT:
        raise _malformed_error(f"{where}: {len(text)} characters, too long for a phone number")
    try:
        # WhatsApp's own number: kept as it came, never re-read.
        return given_phone(text)
    except PhoneNumberError as error:
        raise _malformed_error(f"{where}: {error}") from None


def _referral(referral: Any) -> tuple[AdReferral | None, str | None]:
    # The ad a message came from, and its click id, which the message keeps.
    if referral is None:
        return None, None
    if not isinstance(referral, Mapping):
        raise _malformed_error(f"referral: expected an object, got {kind_of(referral)}")
    source_id, source_type, headline, click_id = (
        _optional_text(referral.get(key), f"referral.{key}")
        for key in ("source_id", "source_type", "headline", "ctwa_clid")
    )
    # An empty id names no ad, and an empty click id attributes nothing:
    # Meta must not receive it.
    ad = AdReferral(source_id=source_id or None, source_type=source_type, headline=headline)
    return ad, click_id or None


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _malformed_error(detail: str) -> _SkipError:
    return _SkipError(PassedOver.MALFORMED, detail)


def _malformed(path: str, detail: str) -> SkippedItem:
    return SkippedItem(path=path, reason=PassedOver.MALFORMED, detail=detail)
