"""
The ``simulate`` contract: events as JSON lines in, actions out.

Events run through the real service, on any store; docs/simulate.md gives
the fields of each.
"""

from __future__ import annotations

import datetime as dt
import json

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from convroute._accounts import DEFAULT_ACCOUNT
from convroute._click_ids import click_id
from convroute._describe import INT64_MAX, INT64_MIN, described, quoted
from convroute._ids import line_id
from convroute.config import Config
from convroute.engine import (
    CAPTIONED_MEDIA,
    AdReferral,
    CloseConversation,
    DeleteOpportunity,
    DeleteTransition,
    Engine,
    Event,
    IncomingMessage,
    Media,
    MediaKind,
    OutgoingMessage,
    SetPresence,
    SetStage,
    Tick,
    UpdateLead,
    UpdateOpportunity,
    UpdateUser,
)
from convroute.errors import (
    ConvrouteError,
    EventLineError,
    StoreError,
    TextError,
    TimeRangeError,
)
from convroute.model import Lead, Opportunity, OpportunityStatus, User, normalize_phone
from convroute.ports import Store
from convroute.service import Handled, Service, TickReport
from convroute.state import OutboxItem
from convroute.whatsapp import parse_webhook


__all__ = ["EventLineError", "read_event_line", "simulate"]


_MAX_INTEGER_DIGITS = len(str(INT64_MIN))


def simulate(
    config: Config | Engine,
    store: Store,
    lines: Iterable[str],
    *,
    notes: bool = False,
    account: str = DEFAULT_ACCOUNT,
) -> Iterator[dict[str, Any]]:
    """
    Run event lines through the service on *store*, yielding the actions.

    Each event is processed in its own unit of work and its actions are
    delivered at once; the actions yielded are those delivered, so the
    store's outbox ends with every item sent.  Blank lines are passed over.
    A line that is not an event yields an ``error`` action naming its line
    number, and the run goes on (a store that fails stops it); an event id
    seen before yields nothing.  Each event is decided at its own ``at``
    (the latest one seen, for events without one): a run is reproducible.

    Args:
        config: The account's setup, or an engine compiled from it.
        store: Where the state lives.
        lines: The event file's lines.
        notes: Whether to yield, after each event's actions, a ``note``
            for each of the engine's notes on it (why it changed nothing,
            what it skipped), and one for an event id seen before.
        account: The account of *store* the events are the state of.

    Yields:
        Each action, in the simulate contract's form (and, with *notes*,
        each ``note`` after its event's actions).

    Raises:
        AccountError: When *account* is not an account name.
        StoreError: When the store fails: no line's fault, so the run
            stops, after yielding the actions delivered before.  A run of
            the same lines on the mended store goes on from there.
    """
    clock = _EventClock()
    delivered: list[Mapping[str, Any]] = []
    service = Service(config, store, _Collect(delivered), clock=clock, account=account)
    country_code = service.engine.config.default_country_code
    lead_fields = service.engine.config.lead_fields
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            events = read_event_line(
                line, number, country_code=country_code, lead_fields=lead_fields
            )
            for event in events:
                clock.follow(event)
                said = _run(service, event)
                if notes:
                    delivered.extend(said)
        except StoreError:
            # No line's fault: the run stops, after what the transport took
            # (items marked sent are never delivered again).  A run on the
            # mended store goes on from there: the lines done are duplicates.
            yield from (dict(body) for body in delivered)
            raise
        except ConvrouteError as error:
            yield {"type": "error", "line": number, "error": str(error)}
        for body in delivered:
            yield dict(body)
        delivered.clear()


def _notes(handled: Handled) -> list[dict[str, Any]]:
    said = ("the event was processed before: nothing done",) if handled.duplicate else ()
    return [
        {"type": "note", "event": handled.event, "note": note} for note in (*said, *handled.notes)
    ]


def _run(service: Service, event: Event | Tick) -> list[dict[str, Any]]:
    # One event through the service, its actions delivered at once; the
    # notes on it are returned.
    if isinstance(event, Tick):
        report = service.tick(event.at)
        if report.actions:
            service.dispatch_pending(limit=1_000_000)
        return _tick_notes(report)
    handled = service.process(event)
    if handled.actions:
        service.dispatch_pending(limit=1_000_000)
    return _notes(handled)


def _tick_notes(report: TickReport) -> list[dict[str, Any]]:
    # A tick has no id: its notes name it by its time.
    name = f"tick:{report.at.isoformat()}"
    return [{"type": "note", "event": name, "note": note} for note in report.notes]


class _Collect:
    def __init__(self, into: list[Mapping[str, Any]]) -> None:
        self.into = into

    def deliver(self, item: OutboxItem) -> None:
        self.into.append(item.body)


class _EventClock:
    def __init__(self) -> None:
        self.now = dt.datetime.fromtimestamp(0, dt.UTC)

    def follow(self, event: Event | Tick) -> None:
        at = getattr(event, "at", None)
        if isinstance(at, dt.datetime):
            self.now = at

    def __call__(self) -> dt.datetime:
        return self.now


def read_event_line(
    line: str,
    number: int = 1,
    *,
    country_code: str | None = None,
    lead_fields: Iterable[str] | None = None,
) -> tuple[Event | Tick, ...]:
    """
    Read one line of a simulate event file.

    Phones are read with `normalize_phone`, those of a ``webhook`` payload
    excepted: WhatsApp's own numbers are taken as given.

    Args:
        line: A JSON object with a ``type``.
        number: The line's number, for ids of events that carry none.
        country_code: The account's ``default_country_code``, in which
            numbers written without ``+`` or ``00`` are read.
        lead_fields: The account's ``lead_fields``: a ``lead`` line's
            ``fields`` may hold only these; ``None`` takes any.

    Returns:
        The events: one (a `Tick` for a ``tick`` line), or those of a
        ``webhook`` payload.

    Raises:
        EventLineError: When the line is not an event.
        WebhookError: When a ``webhook`` payload is not a Cloud API webhook.
    """
    try:
        value = json.loads(line, parse_int=_integer)
    except RecursionError:
        raise EventLineError("not JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, or _integer's refusal
        raise EventLineError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise EventLineError("an event is a JSON object with a type")
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in _READERS:
        known = ", ".join(sorted(_READERS))
        raise EventLineError(f"unknown event type: {described(kind)}; known: {known}")
    reader = _READERS[kind]
    try:
        _refuse_unknown_keys(value, _KEYS[kind], kind)
        return reader(_Fields(value, line, number, country_code, lead_fields))
    except (TextError, TimeRangeError) as error:
        # Refused by the event's own values: say which event.
        raise EventLineError(f"{kind}: {error}") from None
    except ConvrouteError:
        raise
    except ValueError as error:  # any other value an event refuses: never an internal error
        raise EventLineError(f"{kind}: {error}") from None


def _refuse_unknown_keys(value: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    # A misspelt key would otherwise be a value silently left out (a user
    # never made unavailable, a reply never counted as the assignee's): the
    # one check of a line's keys, and of each object's in it.
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        keys = "key" if len(unknown) == 1 else "keys"
        raise EventLineError(f"{where}: unknown {keys} {listed}; known: {', '.join(sorted(known))}")


def _integer(digits: str) -> int:
    # Bounded before conversion: Python refuses to read integers of more
    # than 4 300 digits, and no store holds one outside 64 bits.
    if len(digits) > _MAX_INTEGER_DIGITS or not INT64_MIN <= int(digits) <= INT64_MAX:
        shown = digits if len(digits) <= _MAX_INTEGER_DIGITS else f"{digits[:20]}…"
        raise ValueError(f"the integer {shown} is outside the signed 64-bit range")
    return int(digits)


# Text that may be given empty, as when left out: a message's text, a
# name, a click id.  Any other text given names something, and an empty
# one would name nothing (an outgoing message by nobody, an owner no one is).
_MAY_BE_EMPTY = frozenset({"ctwa_clid", "name", "text"})


class _Fields:
    def __init__(
        self,
        value: Mapping[str, Any],
        line: str,
        number: int,
        country_code: str | None = None,
        lead_fields: Iterable[str] | None = None,
        *,
        where: str | None = None,
    ) -> None:
        self.value = value
        self.where = value["type"] if where is None else where
        self.line = line
        self.number = number
        self.country_code = country_code
        self.lead_fields = None if lead_fields is None else frozenset(lead_fields)

    def text(self, name: str, *, required: bool = True) -> str | None:
        found = self.value.get(name)
        if found is None and not required:
            return None
        may_be_empty = not required and name in _MAY_BE_EMPTY
        if not isinstance(found, str) or (not found.strip() and not may_be_empty):
            wanted = "a string" if may_be_empty else "a non-empty string"
            raise EventLineError(f"{self.where}: {name!r} must be {wanted}")
        return found

    def phone_number_id(self) -> str | None:
        found = self.text("phone_number_id", required=False)
        if found is not None and not (found.isascii() and found.isdecimal()):
            raise EventLineError(f"{self.where}: 'phone_number_id' must be digits")
        return found

    def need(self, name: str) -> str:
        found = self.text(name)
        assert found is not None  # noqa: S101 - required
        return found

    def flag(self, name: str, default: bool | None = None) -> bool | None:
        found = self.value.get(name, default)
        if found is not None and not isinstance(found, bool):
            raise EventLineError(f"{self.where}: {name!r} must be true or false")
        return found

    def at(self, name: str = "at") -> dt.datetime:
        return _instant(self.need(name), f"{self.where}: {name!r}")

    def optional_at(self, name: str = "at") -> dt.datetime | None:
        if self.value.get(name) is None:
            return None
        return self.at(name)

    def phone(self, name: str) -> Any:
        written = self.need(name)
        try:
            return normalize_phone(written, country_code=self.country_code)
        except ConvrouteError as error:
            raise EventLineError(f"{self.where}: {name!r}: {error}") from None

    def ident(self) -> str:
        # An id given must be one: an empty one would be every event's.
        return self.line_id() if self.value.get("id") is None else self.need("id")

    def line_id(self) -> str:
        # Events that carry no id get one from their line: a file run twice
        # against one store changes nothing the second time.
        return line_id(self.number, self.line)


def _instant(text: str, where: str) -> dt.datetime:
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise EventLineError(f"{where}: {quoted(text)} is not an ISO 8601 time") from None
    if at.utcoffset() is None:
        raise EventLineError(f"{where}: {quoted(text)} needs an offset, e.g. +00:00")
    return at


def _user(fields: _Fields) -> tuple[Event, ...]:
    capacity = fields.value.get("max_open_conversations")
    if capacity is not None and (
        not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1
    ):
        raise EventLineError("user: 'max_open_conversations' must be a whole number ≥ 1")
    user = User(
        id=fields.need("id"),
        name=fields.text("name", required=False) or "",
        admin=bool(fields.flag("admin", default=False)),
        active=bool(fields.flag("active", default=True)),
        max_open_conversations=capacity,
        schedule=fields.text("schedule", required=False),
    )
    event = UpdateUser(
        id=fields.line_id(), user=user, available=fields.flag("available"), at=fields.optional_at()
    )
    return (event,)


def _lead(fields: _Fields) -> tuple[Event, ...]:
    phone = fields.phone("phone")
    lead = Lead(
        phone=phone,
        name=fields.text("name", required=False) or "",
        owner=fields.text("owner", required=False),
        fields=_lead_fields(fields),
        language=fields.text("language", required=False),
    )
    listed = fields.value.get("opportunities", [])
    if not isinstance(listed, list):
        raise EventLineError("lead: 'opportunities' must be a list")
    opportunities = [_opportunity(item, index) for index, item in enumerate(listed)]
    return (UpdateLead(id=fields.ident(), lead=lead, opportunities=opportunities),)


def _lead_fields(fields: _Fields) -> dict[str, str]:
    raw = fields.value.get("fields", {})
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise EventLineError("lead: 'fields' must map names to strings")
    declared = fields.lead_fields
    if declared is not None:
        undeclared = sorted(name for name in raw if name not in declared)
        if undeclared:
            listed = ", ".join(repr(name) for name in undeclared)
            known = ", ".join(sorted(declared)) or "none"
            raise EventLineError(
                f"lead: 'fields' has {listed}, which the account's lead_fields do not "
                f"declare (declared: {known})"
            )
    return raw


_LEAD_OPPORTUNITY_KEYS = frozenset(
    {"fields", "id", "name", "owner", "stage", "status", "type", "updated_at"}
)


def _opportunity(value: Any, index: int) -> Opportunity:
    # Named by its place in the lead line: an opportunity line's fields differ.
    where = f"lead: opportunities[{index}]"
    if not isinstance(value, dict):
        raise EventLineError(f"{where}: must be an object")
    _refuse_unknown_keys(value, _LEAD_OPPORTUNITY_KEYS, where)
    fields = _Fields(value, "", 0, where=where)
    return _opportunity_of(fields, value.get("type"), "type")


def _opportunity_of(fields: _Fields, kind: Any, type_key: str) -> Opportunity:
    # An opportunity of a lead event, or of an opportunity event (whose
    # ``type`` names the event: the opportunity's type is given apart).
    raw = fields.value.get("fields", {})
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise EventLineError(f"{fields.where}: 'fields' must map names to strings")
    updated = fields.text("updated_at", required=False)
    if not isinstance(kind, str) or not kind:
        raise EventLineError(f"{fields.where}: {type_key!r} must be a non-empty string")
    return Opportunity(
        id=fields.need("id"),
        type=kind,
        name=fields.text("name", required=False) or "",
        fields=raw,
        owner=fields.text("owner", required=False),
        stage=fields.text("stage", required=False),
        updated_at=None if updated is None else _instant(updated, f"{fields.where}: 'updated_at'"),
        status=_status(fields.value.get("status", OpportunityStatus.OPEN.value), fields.where),
    )


_STATUSES = frozenset(OpportunityStatus)


def _status(value: Any, where: str) -> OpportunityStatus:
    if not isinstance(value, str) or value not in _STATUSES:
        known = ", ".join(OpportunityStatus)
        raise EventLineError(f"{where}: 'status' must be one of {known}")
    return OpportunityStatus(value)


def _host_opportunity(fields: _Fields) -> tuple[Event, ...]:
    # ``type`` names the event: the opportunity's type is ``opportunity_type``.
    opportunity = _opportunity_of(fields, fields.value.get("opportunity_type"), "opportunity_type")
    event = UpdateOpportunity(
        id=fields.line_id(),
        lead=fields.phone("lead"),
        opportunity=opportunity,
        replaces=fields.text("replaces", required=False),
    )
    return (event,)


def _opportunity_removed(fields: _Fields) -> tuple[Event, ...]:
    return (DeleteOpportunity(id=fields.line_id(), opportunity=fields.need("id")),)


def _presence(fields: _Fields) -> tuple[Event, ...]:
    available = fields.flag("available")
    if available is None:
        raise EventLineError("presence: 'available' must be true or false")
    event = SetPresence(
        id=fields.ident(), user=fields.need("user"), available=available, at=fields.optional_at()
    )
    return (event,)


def _incoming(fields: _Fields) -> tuple[Event, ...]:
    text = fields.text("text", required=False)
    reply_id = fields.text("reply_id", required=False)
    media = _media(fields.value.get("media"))
    if media is not None and (text is not None or reply_id is not None):
        raise EventLineError("incoming: give 'text' or 'media', not both (a caption is its text)")
    if text is None and reply_id is None and media is None:
        raise EventLineError("incoming: give 'text', 'reply_id' or 'media'")
    clicked = click_id(fields.text("ctwa_clid", required=False))
    referral, referred_click = _referral(fields.value.get("referral"))
    if None not in (clicked, referred_click) and clicked != referred_click:
        raise EventLineError("incoming: 'ctwa_clid' and 'referral.ctwa_clid' differ")
    event = IncomingMessage(
        id=fields.need("id"),
        at=fields.at(),
        lead=fields.phone("from"),
        number=fields.phone("to"),
        text=text,
        reply_id=reply_id,
        name=fields.text("name", required=False),
        ctwa_clid=referred_click if clicked is None else clicked,
        media=media,
        referral=referral,
        phone_number_id=fields.phone_number_id(),
    )
    return (event,)


_REFERRAL_KEYS = frozenset({"ctwa_clid", "headline", "source_id", "source_type"})


def _referral(value: Any) -> tuple[AdReferral | None, str | None]:
    # The ad a message came from, and its click id, which the message keeps.
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise EventLineError("incoming: 'referral' must be an object")
    _refuse_unknown_keys(value, _REFERRAL_KEYS, "incoming: 'referral'")
    for key in sorted(_REFERRAL_KEYS):
        if value.get(key) is not None and not isinstance(value[key], str):
            raise EventLineError(f"incoming: 'referral.{key}' must be a string")
    # An empty id names no ad and an empty click id attributes nothing.
    referral = AdReferral(
        source_id=value.get("source_id") or None,
        source_type=value.get("source_type"),
        headline=value.get("headline"),
    )
    return referral, click_id(value.get("ctwa_clid"))


_MEDIA_KEYS = frozenset({"type", "caption"})
_MEDIA_KINDS = frozenset(MediaKind)


def _media(value: Any) -> Media | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise EventLineError("incoming: 'media' must be an object with a 'type'")
    _refuse_unknown_keys(value, _MEDIA_KEYS, "incoming: 'media'")
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in _MEDIA_KINDS:
        kinds = ", ".join(sorted(MediaKind))
        raise EventLineError(f"incoming: 'media.type' must be one of {kinds}")
    caption = value.get("caption")
    if caption is None:
        return Media(kind)
    if not isinstance(caption, str):
        raise EventLineError("incoming: 'media.caption' must be a string")
    if kind not in CAPTIONED_MEDIA:
        raise EventLineError("incoming: 'media.caption' is only for image, video and document")
    return Media(kind, caption)


def _outgoing(fields: _Fields) -> tuple[Event, ...]:
    event = OutgoingMessage(
        id=fields.need("id"),
        at=fields.at(),
        lead=fields.phone("to"),
        number=fields.phone("from"),
        text=fields.text("text", required=False) or "",
        by=fields.text("by", required=False),
        phone_number_id=fields.phone_number_id(),
    )
    return (event,)


def _tick(fields: _Fields) -> tuple[Event | Tick, ...]:
    return (Tick(fields.at()),)


def _webhook(fields: _Fields) -> tuple[Event, ...]:
    payload = fields.value.get("payload")
    if not isinstance(payload, dict):
        raise EventLineError("webhook: 'payload' must be a Cloud API webhook object")
    return parse_webhook(payload).events


def _set_stage(fields: _Fields) -> tuple[Event, ...]:
    event = SetStage(
        id=fields.ident(),
        at=fields.at(),
        funnel=fields.need("funnel"),
        lead=fields.phone("lead"),
        stage=fields.need("stage"),
        by=fields.text("by", required=False),
    )
    return (event,)


def _delete(fields: _Fields) -> tuple[Event, ...]:
    return (DeleteTransition(id=fields.ident(), transition=fields.need("transition")),)


def _close(fields: _Fields) -> tuple[Event, ...]:
    event = CloseConversation(
        id=fields.ident(), at=fields.at(), lead=fields.phone("lead"), number=fields.phone("number")
    )
    return (event,)


# The keys each line may have: its type, an id (the event's, or for
# opportunity lines the opportunity's), and its fields (docs/simulate.md).
_KEYS: Mapping[str, frozenset[str]] = {
    kind: frozenset({"type", "id", *fields})
    for kind, fields in {
        "user": (
            "name",
            "admin",
            "active",
            "max_open_conversations",
            "schedule",
            "available",
            "at",
        ),
        "lead": ("phone", "name", "owner", "language", "fields", "opportunities"),
        "opportunity": (
            "lead",
            "opportunity_type",
            "name",
            "fields",
            "owner",
            "stage",
            "status",
            "updated_at",
            "replaces",
        ),
        "opportunity_removed": (),
        "presence": ("user", "available", "at"),
        "incoming": (
            "at",
            "from",
            "to",
            "text",
            "reply_id",
            "media",
            "name",
            "ctwa_clid",
            "referral",
            "phone_number_id",
        ),
        "outgoing": ("at", "from", "to", "text", "by", "phone_number_id"),
        "webhook": ("payload",),
        "set_stage": ("funnel", "lead", "stage", "by", "at"),
        "delete_transition": ("transition",),
        "close": ("lead", "number", "at"),
        "tick": ("at",),
    }.items()
}
_READERS = {
    "user": _user,
    "lead": _lead,
    "opportunity": _host_opportunity,
    "opportunity_removed": _opportunity_removed,
    "presence": _presence,
    "incoming": _incoming,
    "outgoing": _outgoing,
    "webhook": _webhook,
    "set_stage": _set_stage,
    "delete_transition": _delete,
    "close": _close,
    "tick": _tick,
}
