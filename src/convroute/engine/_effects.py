"""
The changes and actions of one event, gathered as the engine decides.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable

import attrs

from convroute.engine._actions import (
    Action,
    EmitMetaEvent,
    EnterFunnel,
    MoveInFunnel,
    MoveOpportunity,
)
from convroute.engine._changes import (
    AddTransition,
    Change,
    Outcome,
    SaveOpportunity,
)
from convroute.engine._compiled import Compiled
from convroute.funnel import (
    AdReferral,
    FunnelOutcome,
    IgnoredReason,
    MetaEvent,
    MetaSkipReason,
    Transition,
    move_opportunities,
)
from convroute.model import Opportunity, Phone


# Reasons worth a note: the stage asks for an event, and none is sent.
_NOTED_META_REASONS = frozenset(
    {
        MetaSkipReason.NO_CLICK,
        MetaSkipReason.TOO_OLD,
        MetaSkipReason.ALREADY_REACHED,
        MetaSkipReason.NO_VALUE,
    }
)


# Why an event left a lead where it was, in words; the reason's value
# follows in parentheses, for those who search for it.
_WHY_IGNORED = {
    IgnoredReason.DUPLICATE_EVENT: "the event's record is there already",
    IgnoredReason.ALREADY_IN_FUNNEL: "the lead is in the funnel already (first touch counts)",
    IgnoredReason.NO_TRIGGER: "the message holds no trigger phrase of its number",
    IgnoredReason.NOT_IN_FUNNEL: "the lead is not in the funnel",
    IgnoredReason.NO_FOLLOW_UP: "the message holds no follow-up phrase",
    IgnoredReason.ALREADY_AT_STAGE: "the lead is at that stage already",
    IgnoredReason.EARLIER_STAGE: "names a stage behind the lead's, and automatic moves never go "
    "backwards",
    IgnoredReason.UNKNOWN_FUNNEL: "no funnel has that name",
    IgnoredReason.UNKNOWN_STAGE: "the funnel has no stage of that name",
}


def why_ignored(outcome: FunnelOutcome) -> str:
    """
    Say in words why a funnel outcome recorded nothing.

    Args:
        outcome: An outcome with a reason.

    Returns:
        A sentence ending with the reason's value in parentheses.
    """
    reason = outcome.reason
    assert reason is not None  # noqa: S101 - only outcomes that recorded nothing are explained
    why = _WHY_IGNORED[reason]
    if reason is IgnoredReason.EARLIER_STAGE:
        why = f"the follow-up {outcome.phrase!r} {why}"
    return f"{why} ({reason})"


@attrs.define
class Effects:
    """
    A scratch pad for one decision; frozen into an `Outcome` at the end.

    A tick serves many conversations: it sets `lead` and `opportunities`
    to each one's in turn, and `key` to the stable key its actions serve.

    Attributes:
        lead: The lead's phone.
        opportunities: The lead's opportunities as they stand after the
            changes gathered so far.
        key: The key the actions asked for now serve; ``None`` for an
            event's own.
        keys: The key of each action, while actions serve keys.
        frees_someone: Whether a waiting conversation might now be routed.
    """

    lead: Phone
    opportunities: list[Opportunity]
    changes: list[Change] = attrs.field(factory=list)
    actions: list[Action] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    key: str | None = None
    keys: list[str] = attrs.field(factory=list)
    frees_someone: bool = False

    def change(self, change: Change) -> None:
        """
        Ask the store for a change.
        """
        self.changes.append(change)

    def act(self, action: Action) -> None:
        """
        Ask the host for an action.
        """
        self.actions.append(action)
        if self.key is not None:
            self.keys.append(self.key)

    def note(self, note: str) -> None:
        """
        Say what was decided, or why nothing was.
        """
        self.notes.append(note)

    def save_opportunity(self, opportunity: Opportunity) -> None:
        """
        Add or replace one of the lead's opportunities, here and in the store.

        An opportunity saved before in this decision (one created, then
        given its first owner) is saved once, as it ends up, in the place of
        its first save: the store writes it once.
        """
        for index, known in enumerate(self.opportunities):
            if known.id == opportunity.id:
                self.opportunities[index] = opportunity
                break
        else:
            self.opportunities.append(opportunity)
        save = SaveOpportunity(self.lead, opportunity)
        for index, change in enumerate(self.changes):
            if (
                type(change) is SaveOpportunity
                and change.opportunity.id == opportunity.id
                and change.lead == self.lead
            ):
                self.changes[index] = save
                return
        self.change(save)

    def outcome(self) -> Outcome:
        """
        The decision, frozen.
        """
        if self.keys or self.frees_someone:
            keys = tuple(self.keys)
            return Outcome(self.changes, self.actions, self.notes, keys, self.frees_someone)
        return Outcome(self.changes, self.actions, self.notes)


def record_funnel(
    effects: Effects,
    compiled: Compiled,
    outcomes: Iterable[FunnelOutcome],
    records: tuple[Transition, ...],
    now: dt.datetime,
) -> None:
    """
    Record the transitions of funnel outcomes, with what follows from them.

    Each transition is stored and announced; it moves the lead's
    opportunities on their board, and yields its Meta event if any.
    """
    for outcome in outcomes:
        transition = outcome.transition
        if transition is None:
            continue
        effects.change(AddTransition(transition))
        effects.act(_funnel_action(transition, outcome.ad))
        # A stage's value field is read on the opportunities as they were
        # before this move: a board move stamps every opportunity it moves
        # with the same time, which would hide the one the CRM updated last.
        before = tuple(effects.opportunities)
        _move_board(effects, compiled, transition)
        event = compiled.tracker.meta_event(
            transition,
            records,
            settings=compiled.config.meta,
            now=now,
            opportunities=before,
        )
        if event.payload is not None:
            effects.act(EmitMetaEvent(path=event.path, payload=event.payload))
        elif event.reason in _NOTED_META_REASONS:
            effects.note(_no_meta_event(compiled, transition, event))


def _no_meta_event(compiled: Compiled, transition: Transition, event: MetaEvent) -> str:
    note = f"no Meta event {event.event_name} for {transition.to_stage!r}: {event.reason}"
    if event.reason is not MetaSkipReason.NO_VALUE:
        return note
    funnel = compiled.tracker.funnel(transition.funnel)
    stages = () if funnel is None else funnel.stages
    field = next((s.meta_value_field for s in stages if s.name == transition.to_stage), None)
    return (
        f"{note} (the field {field!r} of the lead's most recently updated open opportunity "
        "is no amount, and the stage sets no value)"
    )


def _funnel_action(transition: Transition, ad: AdReferral | None) -> EnterFunnel | MoveInFunnel:
    if transition.is_entry:
        return EnterFunnel(
            funnel=transition.funnel,
            lead=transition.lead,
            source=transition.source or "",
            stage=transition.to_stage,
            transition=transition.id,
            ad=ad,
        )
    return MoveInFunnel(
        funnel=transition.funnel,
        lead=transition.lead,
        from_stage=transition.from_stage,
        to_stage=transition.to_stage,
        cause=transition.cause,
        actor=transition.actor,
        transition=transition.id,
    )


def _move_board(effects: Effects, compiled: Compiled, transition: Transition) -> None:
    moves = move_opportunities(compiled.board, transition, effects.opportunities)
    by_id = {opportunity.id: opportunity for opportunity in effects.opportunities}
    for move in moves:
        moved = attrs.evolve(by_id[move.opportunity], stage=move.to_stage, updated_at=transition.at)
        effects.save_opportunity(moved)
        effects.act(MoveOpportunity(move.opportunity, move.from_stage, move.to_stage))
