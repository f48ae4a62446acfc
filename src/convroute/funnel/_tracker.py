"""
The tracker: what a message or a manual move does to a lead in each funnel.

`FunnelTracker` compiles the funnels once per config, one matcher per
(funnel, business number) for triggers and one per funnel for follow-ups,
and then answers each event with an outcome per funnel, holding the new
record when there is one.  It stores nothing: the caller keeps the records
and hands the lead's records back with the next event.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from convroute._frozen import aware, unicode_text
from convroute._ids import transition_id
from convroute.funnel._ads import AdReferral
from convroute.funnel._matcher import TriggerMatcher
from convroute.funnel._meta import MetaEvent, MetaSkipReason, meta_event
from convroute.funnel._outcomes import FunnelMessage, FunnelOutcome, IgnoredReason
from convroute.funnel._records import (
    Cause,
    FunnelPosition,
    Transition,
    current_position,
    precedes,
)
from convroute.funnel._settings import Funnel, MetaSettings, Stage, Trigger
from convroute.model import Opportunity, Phone


@attrs.frozen
class _CompiledFunnel:
    funnel: Funnel
    positions: Mapping[str, int]
    triggers: Mapping[str, tuple[TriggerMatcher, tuple[Trigger, ...]]]
    follow_ups: TriggerMatcher | None
    follow_up_stages: tuple[Stage, ...]
    ad_sources: Mapping[str, str]
    ads_source: str | None


def _compile(funnel: Funnel) -> _CompiledFunnel:
    by_number: dict[str, list[Trigger]] = {}
    for stage in funnel.stages[:1]:
        for trigger in stage.triggers:
            by_number.setdefault(trigger.number, []).append(trigger)
    triggers = {
        number: (TriggerMatcher.from_phrases(t.phrase for t in listed), tuple(listed))
        for number, listed in by_number.items()
    }
    phrases = [(phrase, stage) for stage in funnel.stages[1:] for phrase in stage.follow_ups]
    follow_ups = TriggerMatcher.from_phrases(p for p, _ in phrases) if phrases else None
    entry = funnel.stages[0] if funnel.stages else None
    return _CompiledFunnel(
        funnel=funnel,
        positions={stage.name: i for i, stage in enumerate(funnel.stages)},
        triggers=triggers,
        follow_ups=follow_ups,
        follow_up_stages=tuple(stage for _, stage in phrases),
        # The first mapping of an id counts; a checked config has one.
        ad_sources={} if entry is None else _first_sources(entry),
        ads_source=None if entry is None else entry.ads_source,
    )


def _first_sources(stage: Stage) -> dict[str, str]:
    sources: dict[str, str] = {}
    for ad in stage.ad_sources:
        sources.setdefault(ad.source_id, ad.source)
    return sources


def _ad_source(compiled: _CompiledFunnel, ad: AdReferral) -> str | None:
    # The ad's own source, else the stage's source for any other ad.
    source_id = ad.source_id
    mapped = None if source_id is None else compiled.ad_sources.get(source_id)
    return compiled.ads_source if mapped is None else mapped


def _compiled(values: Iterable[_CompiledFunnel]) -> tuple[_CompiledFunnel, ...]:
    return tuple(values)


@attrs.frozen
class FunnelTracker:
    """
    The funnels of a config, compiled: built once, then asked per event.

    Every method takes the lead's records as the store holds them (records
    of other leads are passed over) and returns outcomes; nothing is kept.

    Attributes:
        funnels: The funnels, in configuration order.
    """

    funnels: tuple[Funnel, ...]
    _compiled: tuple[_CompiledFunnel, ...] = attrs.field(
        alias="_compiled", converter=_compiled, repr=False, eq=False
    )

    @classmethod
    def from_funnels(cls, funnels: Iterable[Funnel]) -> FunnelTracker:
        """
        Compile funnels, as a checked config holds them (`Config.funnels`).

        Args:
            funnels: The funnels, each with at least one stage.

        Returns:
            The tracker.

        Raises:
            ValueError: When a funnel has no stage, or a phrase is blank.
        """
        given = tuple(funnels)
        for funnel in given:
            if not funnel.stages:
                raise ValueError(f"funnel {funnel.name!r} has no stages")
        return cls(funnels=given, _compiled=(_compile(funnel) for funnel in given))

    def funnel(self, name: str) -> Funnel | None:
        """
        Find a funnel by name.

        Args:
            name: The funnel's name.

        Returns:
            The funnel, or ``None`` when there is none of that name.
        """
        found = self._find(name)
        return None if found is None else found.funnel

    def incoming(
        self, message: FunnelMessage, records: Iterable[Transition]
    ) -> tuple[FunnelOutcome, ...]:
        """
        Enter the lead into each funnel whose trigger its message holds.

        A lead enters a funnel once, at its entry stage, with the source of
        the winning trigger of the message's business number, at the
        message's time, keeping the message's ``ctwa_clid``.  Without a
        trigger, a message from a click-to-WhatsApp ad enters with the
        source the entry stage maps the ad's id to, else its
        ``ads_source``.  Without either, a funnel that takes untracked
        leads enters it with its untracked source.  The outcome of an
        entry carries the message's ad, if any.  Incoming messages never
        trigger follow-ups.

        Args:
            message: The lead's message.
            records: The lead's records.

        Returns:
            One outcome per funnel, in configuration order.
        """
        given = tuple(records)
        return tuple(self._enter(compiled, message, given) for compiled in self._compiled)

    def outgoing(
        self, message: FunnelMessage, records: Iterable[Transition]
    ) -> tuple[FunnelOutcome, ...]:
        """
        Move the lead to the stage of the follow-up a business message holds.

        In each funnel the lead is in, the stage is that of the phrase found.
        The winning phrase (longest, then earliest, then first configured)
        decides; a follow-up of a stage before the lead's current one is
        ignored, as automatic moves never go backwards.  A lead whose
        current stage the funnel no longer has (renamed or removed) stands
        at its latest record of a stage that still exists, or before the
        entry stage when it has none.

        Args:
            message: The business's message to the lead.
            records: The lead's records.

        Returns:
            One outcome per funnel, in configuration order.
        """
        given = tuple(records)
        return tuple(self._follow_up(compiled, message, given) for compiled in self._compiled)

    def move(
        self,
        *,
        event_id: str,
        funnel: str,
        lead: Phone,
        stage: str,
        actor: str | None,
        at: dt.datetime,
        records: Iterable[Transition],
    ) -> FunnelOutcome:
        """
        Move a lead in a funnel by hand, to any stage, earlier ones too.

        Args:
            event_id: The host's id of the move; the record's id derives
                from it.
            funnel: The funnel's name.
            lead: The lead's phone.
            stage: The stage to move the lead to.
            actor: Who moved it (a user id).
            at: When (an aware datetime).
            records: The lead's records.

        Returns:
            The outcome, ignored when the funnel or stage is unknown, the
            lead is not in the funnel or is at that stage already.

        Raises:
            ValueError: When *at* is naive.
            TextError: When *event_id* or *lead* is not Unicode text.
        """
        aware(at, "at")
        unicode_text(event_id)
        unicode_text(lead)
        compiled = self._find(funnel)
        if compiled is None:
            return FunnelOutcome(funnel=funnel, reason=IgnoredReason.UNKNOWN_FUNNEL)
        if stage not in compiled.positions:
            return FunnelOutcome(funnel=funnel, reason=IgnoredReason.UNKNOWN_STAGE)
        ident = transition_id(event_id, funnel, lead)
        given = tuple(records)
        position = current_position(given, funnel, lead)
        reason = _blocked(ident, given, position)
        if reason is not None:
            return FunnelOutcome(funnel=funnel, reason=reason)
        assert position is not None  # noqa: S101 - _blocked returned NOT_IN_FUNNEL otherwise
        if position.stage == stage:
            return FunnelOutcome(funnel=funnel, reason=IgnoredReason.ALREADY_AT_STAGE)
        record = Transition(
            id=ident,
            lead=lead,
            funnel=funnel,
            from_stage=position.stage,
            to_stage=stage,
            at=at,
            cause=Cause.MANUAL,
            actor=actor,
        )
        return FunnelOutcome(funnel=funnel, transition=record)

    def meta_event(
        self,
        transition: Transition,
        records: Iterable[Transition],
        *,
        settings: MetaSettings | None,
        now: dt.datetime,
        custom_data: Mapping[str, Any] | None = None,
        opportunities: Iterable[Opportunity] = (),
    ) -> MetaEvent:
        """
        Build the Conversions API event of a new transition, if it yields one.

        Finds the transition's funnel and the lead's entry (whose
        ``ctwa_clid`` attributes the conversion) and calls `meta_event`.

        Args:
            transition: The transition, e.g. an outcome's.
            records: The lead's records; the transition need not be among
                them yet.
            settings: The account's Meta settings (`Config.meta`).
            now: The current time.
            custom_data: Extra ``custom_data`` for the event.
            opportunities: The lead's opportunities, for a stage that
                takes its value from one of their fields.

        Returns:
            The event, or the reason there is none.
        """
        compiled = self._find(transition.funnel)
        if compiled is None:
            return MetaEvent(transition.id, reason=MetaSkipReason.UNKNOWN_FUNNEL)
        if settings is None:
            return MetaEvent(transition.id, reason=MetaSkipReason.NO_SETTINGS)
        if transition.is_entry:
            entry: Transition | None = transition
        else:
            position = current_position(records, transition.funnel, transition.lead)
            entry = None if position is None else position.entry
        if entry is None:
            return MetaEvent(transition.id, reason=MetaSkipReason.NOT_IN_FUNNEL)
        event = meta_event(
            transition,
            funnel=compiled.funnel,
            settings=settings,
            now=now,
            entry=entry,
            custom_data=custom_data,
            opportunities=opportunities,
        )
        if event.emitted and _reached_before(transition, records):
            return MetaEvent(transition.id, event.event_name, reason=MetaSkipReason.ALREADY_REACHED)
        return event

    # -- one funnel ------------------------------------------------------

    def _find(self, name: str) -> _CompiledFunnel | None:
        return next((c for c in self._compiled if c.funnel.name == name), None)

    def _enter(
        self, compiled: _CompiledFunnel, message: FunnelMessage, records: tuple[Transition, ...]
    ) -> FunnelOutcome:
        funnel = compiled.funnel
        # Most messages come from leads with no records at all: the record's
        # id (a digest) is worked out only when it is compared or used.
        ident = None
        if records:
            ident = transition_id(message.id, funnel.name, message.lead)
            if any(record.id == ident for record in records):
                return FunnelOutcome(funnel=funnel.name, reason=IgnoredReason.DUPLICATE_EVENT)
            if current_position(records, funnel.name, message.lead) is not None:
                return FunnelOutcome(funnel=funnel.name, reason=IgnoredReason.ALREADY_IN_FUNNEL)
        phrase: str | None = None
        cause = Cause.TRIGGER
        listed = compiled.triggers.get(message.number)
        match = None if listed is None else listed[0].find(message.text)
        ad = message.ad
        ad_source = None if ad is None else _ad_source(compiled, ad)
        if listed is not None and match is not None:
            trigger = listed[1][match.index]
            source, phrase = trigger.source, trigger.phrase
        elif ad_source is not None:
            # The ad was the trigger: it names where the lead came from.
            source = ad_source
        elif funnel.untracked_leads:
            source, cause = funnel.untracked_source, Cause.UNTRACKED
        else:
            return FunnelOutcome(funnel=funnel.name, reason=IgnoredReason.NO_TRIGGER)
        record = Transition(
            id=transition_id(message.id, funnel.name, message.lead) if ident is None else ident,
            lead=message.lead,
            funnel=funnel.name,
            from_stage=None,
            to_stage=funnel.stages[0].name,
            at=message.at,
            cause=cause,
            source=source,
            number=message.number,
            ctwa_clid=message.ctwa_clid,
        )
        return FunnelOutcome(funnel=funnel.name, transition=record, phrase=phrase, ad=ad)

    def _follow_up(
        self, compiled: _CompiledFunnel, message: FunnelMessage, records: tuple[Transition, ...]
    ) -> FunnelOutcome:
        name = compiled.funnel.name
        ident = transition_id(message.id, name, message.lead)
        position = current_position(records, name, message.lead)
        reason = _blocked(ident, records, position)
        if reason is not None:
            return FunnelOutcome(funnel=name, reason=reason)
        assert position is not None  # noqa: S101 - _blocked returned NOT_IN_FUNNEL otherwise
        match = None if compiled.follow_ups is None else compiled.follow_ups.find(message.text)
        if match is None:
            return FunnelOutcome(funnel=name, reason=IgnoredReason.NO_FOLLOW_UP)
        stage = compiled.follow_up_stages[match.index].name
        here = compiled.positions.get(position.stage)
        if here is None:
            here = _standing(compiled, records, message.lead)
        there = compiled.positions[stage]
        if there <= here:
            reason = (
                IgnoredReason.ALREADY_AT_STAGE if there == here else IgnoredReason.EARLIER_STAGE
            )
            return FunnelOutcome(funnel=name, reason=reason, phrase=match.phrase)
        record = Transition(
            id=ident,
            lead=message.lead,
            funnel=name,
            from_stage=position.stage,
            to_stage=stage,
            at=message.at,
            cause=Cause.FOLLOW_UP,
            number=message.number,
        )
        return FunnelOutcome(funnel=name, transition=record, phrase=match.phrase)


def _blocked(
    ident: str, records: tuple[Transition, ...], position: FunnelPosition | None
) -> IgnoredReason | None:
    # The checks every move of a lead already in the funnel shares.
    if any(record.id == ident for record in records):
        return IgnoredReason.DUPLICATE_EVENT
    if position is None:
        return IgnoredReason.NOT_IN_FUNNEL
    return None


def _standing(compiled: _CompiledFunnel, records: tuple[Transition, ...], lead: Phone) -> int:
    # Where a lead whose current stage the funnel no longer has stands, for
    # moving on: at its latest record of a stage that still exists, or
    # before the entry stage (-1) when it has none.
    name, positions = compiled.funnel.name, compiled.positions
    latest: Transition | None = None
    for record in records:
        if (
            record.funnel == name
            and record.lead == lead
            and record.to_stage in positions
            and (latest is None or precedes(latest, record))
        ):
            latest = record
    return -1 if latest is None else positions[latest.to_stage]


def _reached_before(transition: Transition, records: Iterable[Transition]) -> bool:
    return any(
        record.id != transition.id
        and record.lead == transition.lead
        and record.funnel == transition.funnel
        and record.to_stage == transition.to_stage
        for record in records
    )
