"""
How funnels are configured: stages, trigger phrases, ads and follow-ups.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeAlias

import attrs

from convroute._frozen import str_tuple, unicode_text
from convroute.funnel._custom_data import MetaCustomData
from convroute.model import Phone


SourceType: TypeAlias = Literal["custom"]
"""
The kind of a trigger's source; only custom sources exist for now.
"""


def _triggers(values: Iterable[Trigger]) -> tuple[Trigger, ...]:
    return tuple(values)


def _stages(values: Iterable[Stage]) -> tuple[Stage, ...]:
    return tuple(values)


def _ad_sources(values: Iterable[AdSource]) -> tuple[AdSource, ...]:
    return tuple(values)


@attrs.frozen
class Trigger:
    """
    A phrase that enters a lead into a funnel, naming where it came from.

    Attributes:
        phrase: The literal phrase, found anywhere in an incoming message,
            ignoring case.
        number: The business number the message must be sent to.
        source: The source the phrase names, e.g. ``Instagram``.
        source_type: The kind of source; ``custom`` only, for now.
    """

    phrase: str
    number: Phone
    source: str
    source_type: SourceType = "custom"


@attrs.frozen
class AdSource:
    """
    A click-to-WhatsApp ad that enters leads into a funnel, naming its source.

    Attributes:
        source_id: The ad's id, as a webhook's ``referral.source_id`` gives
            it.
        source: The source a lead who came from the ad enters with.
    """

    source_id: str
    source: str


@attrs.frozen
class Stage:
    """
    One step of a funnel.

    Attributes:
        name: The stage's name, unique within its funnel; an opportunity
            board stage of exactly this name moves along with it.
        triggers: The phrases that enter leads here (entry stage only).
        follow_ups: Phrases that, sent by the business, move a lead here.
        meta_event: The Conversions API event a lead entering it yields.
        meta_without_click: Whether to send that event for leads who came
            without a click-to-WhatsApp ad (identified by phone alone).
        ads_source: The source of a lead whose message came from a
            click-to-WhatsApp ad not in `ad_sources` (entry stage only).
        ad_sources: Ads, by id, and the sources they enter leads with
            (entry stage only), on any business number.
        meta_custom_data: The event's ``custom_data``: currency, value and
            Meta's other documented keys.
        meta_value_field: The opportunity field whose value, read on the
            lead's most recently updated open opportunity, is the event's
            value when it is a plain amount (else the static value is).
    """

    name: str
    triggers: tuple[Trigger, ...] = attrs.field(default=(), converter=_triggers)
    follow_ups: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)
    meta_event: str | None = None
    meta_without_click: bool = False
    ads_source: str | None = None
    ad_sources: tuple[AdSource, ...] = attrs.field(default=(), converter=_ad_sources)
    meta_custom_data: MetaCustomData | None = None
    meta_value_field: str | None = None


@attrs.frozen
class Funnel:
    """
    A sales funnel: ordered stages, the first one the entry.

    Attributes:
        name: The funnel's unique name.
        stages: Its stages, in order.
        untracked_leads: Whether any incoming message of a lead not yet in
            the funnel enters it, with `untracked_source` as its source.
        untracked_source: The source recorded for such leads.
    """

    name: str = attrs.field(converter=unicode_text)
    stages: tuple[Stage, ...] = attrs.field(converter=_stages)
    untracked_leads: bool = False
    untracked_source: str = "Untracked"


@attrs.frozen
class MetaSettings:
    """
    The account's Meta Conversions API settings.

    Attributes:
        whatsapp_business_account_id: The WhatsApp Business Account id sent
            with every event.
        dataset_id: The dataset events are posted to, if the host wants
            convroute to name it.
    """

    whatsapp_business_account_id: str
    dataset_id: str | None = None
