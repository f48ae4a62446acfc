"""
Meta Conversions API events for business messaging.

A stage that names a ``meta_event`` yields, for each lead entering it, the
body to POST to ``/{dataset_id}/events``.  Only values are built here: the
caller sends them, once (Meta does not deduplicate these events).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from convroute._frozen import aware
from convroute.funnel._custom_data import event_value
from convroute.funnel._records import Transition
from convroute.funnel._settings import Funnel, MetaSettings, Stage
from convroute.model import Opportunity, Phone, normalize_phone


MAX_EVENT_AGE = dt.timedelta(days=7)
"""
Meta rejects a whole batch holding an event older than this.
"""


class MetaSkipReason(enum.StrEnum):
    """
    Why a transition yields no Conversions API event.
    """

    NO_EVENT = "no_event"
    """
    The stage reached names no ``meta_event``.
    """
    NO_CLICK = "no_click"
    """
    The lead came without a click-to-WhatsApp ad (no ``ctwa_clid``) and the
    stage does not set ``meta_without_click``.
    """
    TOO_OLD = "too_old"
    """
    The transition is 7 days old or more: Meta would reject it.
    """
    UNKNOWN_FUNNEL = "unknown_funnel"
    """
    The config has no funnel of the transition's name.
    """
    UNKNOWN_STAGE = "unknown_stage"
    """
    The funnel has no stage of the transition's ``to_stage``.
    """
    NOT_IN_FUNNEL = "not_in_funnel"
    """
    The lead's records hold no entry into the funnel, so no conversion.
    """
    NO_SETTINGS = "no_settings"
    """
    The account has no Meta settings (no ``[meta]`` section).
    """
    ALREADY_REACHED = "already_reached"
    """
    The lead reached this stage before (e.g. moved back by hand, then on
    again): a stage's event is due at the first arrival only, as Meta does
    not deduplicate conversions.
    """
    NO_VALUE = "no_value"
    """
    The stage takes its value from an opportunity field (``meta_value_field``),
    the lead's most recently updated open opportunity has no amount there,
    and the stage sets no static ``value``.
    """


@attrs.frozen
class MetaEvent:
    """
    The Conversions API event of a transition, or why there is none.

    Attributes:
        transition: The transition's id.
        event_name: The stage's event name, if it names one.
        payload: The request body, ``{"data": [event]}``, as plain values
            ready for `json.dumps`; ``None`` when not emitted.
        path: ``/{dataset_id}/events`` when the settings name the dataset.
        reason: Why nothing is emitted; ``None`` when it is.
    """

    transition: str
    event_name: str | None = None
    payload: Mapping[str, Any] | None = attrs.field(default=None, hash=False)
    path: str | None = None
    reason: MetaSkipReason | None = None

    @property
    def emitted(self) -> bool:
        """
        Whether there is an event to send.
        """
        return self.payload is not None


def hash_phone(phone: str, *, country_code: str | None = None) -> str:
    """
    Hash a phone the way Meta matches it: digits with country code, SHA-256.

    Meta's own example: ``hash_phone("(650)555-1212", country_code="1")``
    is the SHA-256 of ``16505551212``.

    Args:
        phone: The phone, written any usual way.
        country_code: The calling code for numbers written nationally.

    Returns:
        The lowercase hex SHA-256 digest of the normalised digits.

    Raises:
        PhoneNumberError: When *phone* is not a phone number.
    """
    return _digest(normalize_phone(phone, country_code=country_code))


def meta_event(
    transition: Transition,
    *,
    funnel: Funnel,
    settings: MetaSettings,
    now: dt.datetime,
    entry: Transition | None = None,
    custom_data: Mapping[str, Any] | None = None,
    opportunities: Iterable[Opportunity] = (),
) -> MetaEvent:
    """
    Build the Conversions API event of a transition, if it yields one.

    Args:
        transition: The transition.
        funnel: Its funnel, whose stage decides the event.
        settings: The account's Meta settings.
        now: The current time, to leave out events Meta would reject.
        entry: The lead's entry record, whose ``ctwa_clid`` attributes the
            conversion; needed unless *transition* is the entry.
        custom_data: Extra ``custom_data`` for the event (plain values),
            over the stage's ``meta_custom_data``.
        opportunities: The lead's opportunities, for a stage that takes
            its value from one (``meta_value_field``).

    Returns:
        The event, or the reason there is none.

    Raises:
        ValueError: When *now* is naive, or *entry* is missing for a
            transition that is not an entry.
    """
    aware(now, "now")
    entry = _entry_of(transition, entry)
    stage = next((s for s in funnel.stages if s.name == transition.to_stage), None)
    if stage is None:
        return MetaEvent(transition.id, reason=MetaSkipReason.UNKNOWN_STAGE)
    name = stage.meta_event
    if name is None:
        return MetaEvent(transition.id, reason=MetaSkipReason.NO_EVENT)
    if entry.ctwa_clid is None and not stage.meta_without_click:
        return MetaEvent(transition.id, name, reason=MetaSkipReason.NO_CLICK)
    if now - transition.at >= MAX_EVENT_AGE:
        return MetaEvent(transition.id, name, reason=MetaSkipReason.TOO_OLD)
    values = _stage_custom_data(stage, opportunities)
    if values is None:
        return MetaEvent(transition.id, name, reason=MetaSkipReason.NO_VALUE)
    if custom_data:
        values.update(custom_data)
    path = None if settings.dataset_id is None else f"/{settings.dataset_id}/events"
    body = {"data": [_event(transition, name, entry.ctwa_clid, settings, values)]}
    return MetaEvent(transition.id, name, payload=body, path=path)


def _entry_of(transition: Transition, entry: Transition | None) -> Transition:
    if entry is not None:
        return entry
    if not transition.is_entry:
        raise ValueError(f"the entry record is needed for transition {transition.id}")
    return transition


def _event(
    transition: Transition,
    name: str,
    ctwa_clid: str | None,
    settings: MetaSettings,
    custom_data: dict[str, Any],
) -> dict[str, Any]:
    user_data: dict[str, Any] = {
        "whatsapp_business_account_id": settings.whatsapp_business_account_id,
    }
    if ctwa_clid is not None:
        user_data["ctwa_clid"] = ctwa_clid  # Meta wants it as it came, never hashed
    # The lead's phone is digits already, maybe WhatsApp's own: not re-read.
    user_data["ph"] = [_digest(transition.lead)]
    event: dict[str, Any] = {
        "event_name": name,
        "event_time": int(transition.at.timestamp()),
        # The transition's id is already a stable, opaque digest.
        "event_id": transition.id,
        "action_source": "business_messaging",
        "messaging_channel": "whatsapp",
        "user_data": user_data,
    }
    if custom_data:
        event["custom_data"] = custom_data
    return event


def _stage_custom_data(stage: Stage, opportunities: Iterable[Opportunity]) -> dict[str, Any] | None:
    # None when the stage's value comes from a field and there is none.
    value = event_value(stage.meta_custom_data, stage.meta_value_field, opportunities)
    if value is None and stage.meta_value_field is not None:
        return None
    if stage.meta_custom_data is None:
        return {} if value is None else {"value": value}
    return stage.meta_custom_data.payload(value)


def _digest(phone: Phone) -> str:
    return hashlib.sha256(phone.encode("ascii")).hexdigest()
