"""
What the engine asks the host to do, as frozen values with a JSON form.

The JSON form is the one of the simulate contract: it is what the outbox
keeps and what the transport is handed.
"""

from __future__ import annotations

import enum

from collections.abc import Mapping
from typing import Any, TypeAlias

import attrs

from convroute.funnel import AdReferral, Cause
from convroute.model import Opportunity, Phone
from convroute.routing import Candidate, Decision, SkipReason, Target


class UnroutedReason(enum.StrEnum):
    """
    Why nobody took a conversation, as an ``unrouted`` action says.
    """

    NO_RULE = "no_rule"
    """
    There was no rule to walk (a number without a mapping, and no
    lead-level rule).
    """
    NO_TARGET_AVAILABLE = "no_target_available"
    """
    Every target of the rule was skipped; the trace says why.
    """
    RULE_REMOVED = "rule_removed"
    """
    The rule that routed the conversation is no longer in the config.
    """


class ReassignReason(enum.StrEnum):
    """
    Why a conversation was taken from its assignee.
    """

    AWAY = "away"
    """
    The assignee was away (unavailable, inactive or off hours) for the
    rule's ``reassign_when_away``.
    """
    NO_REPLY = "no_reply"
    """
    The assignee left the lead unanswered for the rule's ``reply_within``.
    """
    ASSIGNEE_REMOVED = "assignee_removed"
    """
    The assignee is no longer a known user: neither the config nor the
    host has them.
    """


def _seconds(value: float) -> float | int:
    # Whole seconds are written as a whole number: 600, not 600.0.
    return int(value) if value.is_integer() else value


@attrs.frozen
class TraceEntry:
    """
    One target tried by the resolver, in the words an action carries.

    Attributes:
        target: The target's label, e.g. ``chat_group:AI counsellors``.
        user: The user assigned, or the one user the target named when it
            was skipped.
        reason: Why the target was skipped; ``None`` when it assigned.
        skipped: Round-robin members passed over, as (user, reason) pairs.
    """

    target: str
    user: str | None = None
    reason: str | None = None
    skipped: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """
        The entry as JSON-ready values; empty parts are left out.
        """
        entry: dict[str, Any] = {"target": self.target}
        if self.user is not None:
            entry["user"] = self.user
        if self.reason is not None:
            entry["reason"] = self.reason
        if self.skipped:
            entry["skipped"] = [{"user": user, "reason": why} for user, why in self.skipped]
        return entry


def trace_of(decision: Decision) -> tuple[TraceEntry, ...]:
    """
    The trace of a routing decision, as actions carry it.
    """
    return tuple([_entry(*step) for step in decision.trace])


def _entry(
    target: Target,
    user: str | None,
    reason: SkipReason | None,
    skipped: tuple[Candidate, ...],
) -> TraceEntry:
    # The one place that makes entries by position (docs/performance.md,
    # "Frozen values made per message").  A reason's text is `str()` of
    # it, in C: an enum's `value` is a property.
    return TraceEntry(
        target.label,
        user,
        None if reason is None else str(reason),
        tuple([(c.user, str(c.reason)) for c in skipped]) if skipped else (),
    )


@attrs.frozen
class Send:
    """
    Send a WhatsApp message.

    Attributes:
        to: The lead's phone.
        from_: The business number to send from.
        message: The Cloud API message body.
        phone_number_id: The Cloud API's id of the number sent from, when
            known: a transport posts to ``/{phone_number_id}/messages``.
    """

    to: Phone
    from_: Phone
    message: Mapping[str, Any] = attrs.field(hash=False)
    phone_number_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.

        ``phone_number_id`` is there only when known.
        """
        body = {"type": "send", "to": self.to, "from": self.from_, "message": self.message}
        if self.phone_number_id is not None:
            body["phone_number_id"] = self.phone_number_id
        return body


@attrs.frozen
class CreateOpportunity:
    """
    Create an opportunity for the lead in the host's CRM.

    Attributes:
        lead: The lead's phone.
        id: The new opportunity's id (stable: derived from the event).
        type: Its opportunity type.
        name: Its display name.
        fields: Its field values.
    """

    lead: Phone
    id: str
    type: str
    name: str
    fields: Mapping[str, str] = attrs.field(hash=False)

    @classmethod
    def of(cls, lead: Phone, opportunity: Opportunity) -> CreateOpportunity:
        """
        The action creating *opportunity* for the lead of phone *lead*.
        """
        return cls(lead, opportunity.id, opportunity.type, opportunity.name, opportunity.fields)

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        opportunity = {"id": self.id, "type": self.type, "name": self.name}
        return {
            "type": "create_opportunity",
            "lead": self.lead,
            "opportunity": {**opportunity, "fields": dict(self.fields)},
        }


@attrs.frozen
class Assign:
    """
    Assign the conversation to a user.

    Attributes:
        lead: The lead's phone.
        number: The business number.
        opportunity: The id of the opportunity it is about, if any.
        user: The user assigned.
        rule: The rule's name.
        target: The label of the target that assigned.
        trace: Every target tried.
        waited: When the assignment ends a wait, how long the conversation
            waited, in seconds; else ``None``.
    """

    lead: Phone
    number: Phone
    opportunity: str | None
    user: str
    rule: str
    target: str
    trace: tuple[TraceEntry, ...]
    waited: float | None = None

    @classmethod
    def conversation(
        cls,
        lead: Phone,
        number: Phone,
        *,
        opportunity: str | None,
        user: str,
        rule: str,
        target: str,
        trace: tuple[TraceEntry, ...],
        waited: float | None = None,
    ) -> Assign:
        """
        The action assigning the conversation of *lead* with *number* to *user*.
        """
        return cls(lead, number, opportunity, user, rule, target, trace, waited)

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.

        ``waited`` is there only when the assignment ends a wait.
        """
        body: dict[str, Any] = {
            "type": "assign",
            "lead": self.lead,
            "number": self.number,
            "opportunity": self.opportunity,
            "user": self.user,
            "rule": self.rule,
            "target": self.target,
            "trace": [entry.to_json() for entry in self.trace],
        }
        if self.waited is not None:
            body["waited"] = _seconds(self.waited)
        return body


@attrs.frozen
class Reassign:
    """
    Move a conversation from its assignee to another user.

    Attributes:
        lead: The lead's phone.
        number: The business number.
        opportunity: The id of the opportunity it is about, if any (its
            owner is unchanged).
        from_user: The user who held it.
        user: The user who holds it now.
        rule: The rule walked again.
        target: The label of the target that assigned.
        reason: Why it was moved.
        trace: Every target tried.
    """

    lead: Phone
    number: Phone
    opportunity: str | None
    from_user: str
    user: str
    rule: str
    target: str
    reason: ReassignReason
    trace: tuple[TraceEntry, ...]

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        return {
            "type": "reassign",
            "lead": self.lead,
            "number": self.number,
            "opportunity": self.opportunity,
            "from_user": self.from_user,
            "user": self.user,
            "rule": self.rule,
            "target": self.target,
            "reason": str(self.reason),
            "trace": [entry.to_json() for entry in self.trace],
        }


@attrs.frozen
class Unassign:
    """
    Take a conversation from its assignee, nobody else being available: it waits.

    Attributes:
        lead: The lead's phone.
        number: The business number.
        opportunity: The id of the opportunity it is about, if any (its
            owner is unchanged).
        from_user: The user who held it.
        rule: The rule walked again.
        reason: Why it was taken.
        trace: Every target tried.
    """

    lead: Phone
    number: Phone
    opportunity: str | None
    from_user: str
    rule: str
    reason: ReassignReason
    trace: tuple[TraceEntry, ...]

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        return {
            "type": "unassign",
            "lead": self.lead,
            "number": self.number,
            "opportunity": self.opportunity,
            "from_user": self.from_user,
            "rule": self.rule,
            "reason": str(self.reason),
            "trace": [entry.to_json() for entry in self.trace],
        }


@attrs.frozen
class Unrouted:
    """
    Tell the host nobody could take the conversation.

    Attributes:
        lead: The lead's phone.
        number: The business number.
        opportunity: The id of the opportunity it is about, if any.
        rule: The rule walked, or ``None`` when there was none to walk.
        trace: Every target tried.
        reason: Why nobody took it.
    """

    lead: Phone
    number: Phone
    opportunity: str | None
    rule: str | None
    trace: tuple[TraceEntry, ...]
    reason: UnroutedReason

    @classmethod
    def conversation(
        cls,
        lead: Phone,
        number: Phone,
        *,
        opportunity: str | None,
        rule: str | None,
        trace: tuple[TraceEntry, ...],
        reason: UnroutedReason,
    ) -> Unrouted:
        """
        The action telling that nobody took the conversation of *lead* with *number*.
        """
        return cls(lead, number, opportunity, rule, trace, reason)

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        return {
            "type": "unrouted",
            "lead": self.lead,
            "number": self.number,
            "opportunity": self.opportunity,
            "rule": self.rule,
            "reason": str(self.reason),
            "trace": [entry.to_json() for entry in self.trace],
        }


@attrs.frozen
class EnterFunnel:
    """
    The lead entered a funnel.

    Attributes:
        funnel: The funnel's name.
        lead: The lead's phone.
        source: The source of the trigger or ad (or the untracked source).
        stage: The entry stage.
        transition: The record's id.
        ad: The click-to-WhatsApp ad the entering message came from, if
            any: its JSON form adds ``"ad": {"source_id", "headline"}``.
    """

    funnel: str
    lead: Phone
    source: str
    stage: str
    transition: str
    ad: AdReferral | None = None

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        action: dict[str, Any] = {
            "type": "enter_funnel",
            "funnel": self.funnel,
            "lead": self.lead,
            "source": self.source,
            "stage": self.stage,
            "transition": self.transition,
        }
        ad = self.ad
        if ad is not None:
            action["ad"] = {"source_id": ad.source_id, "headline": ad.headline}
        return action


@attrs.frozen
class MoveInFunnel:
    """
    The lead moved to another stage of a funnel.

    Attributes:
        funnel: The funnel's name.
        lead: The lead's phone.
        from_stage: The stage left.
        to_stage: The stage reached.
        cause: ``follow_up`` or ``manual``.
        actor: Who moved it by hand, if anyone.
        transition: The record's id.
    """

    funnel: str
    lead: Phone
    from_stage: str | None
    to_stage: str
    cause: Cause
    transition: str
    actor: str | None = None

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        return {
            "type": "transition",
            "funnel": self.funnel,
            "lead": self.lead,
            "from": self.from_stage,
            "to": self.to_stage,
            "cause": self.cause.value,
            "actor": self.actor,
            "transition": self.transition,
        }


@attrs.frozen
class TransitionDeleted:
    """
    A funnel record was deleted.

    Attributes:
        funnel: The funnel's name.
        lead: The lead's phone.
        transition: The id of the record deleted (deleting an entry takes
            the lead's other records in the funnel with it).
        stage: The lead's stage now, read from its latest remaining record;
            ``None`` when the lead left the funnel.
    """

    funnel: str
    lead: Phone
    transition: str
    stage: str | None

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        return {
            "type": "transition_deleted",
            "funnel": self.funnel,
            "lead": self.lead,
            "transition": self.transition,
            "stage": self.stage,
        }


@attrs.frozen
class MoveOpportunity:
    """
    Move an opportunity to a later stage of its board.

    Attributes:
        opportunity: The opportunity's id.
        from_stage: Its stage before, if it had one.
        to_stage: Its stage now.
    """

    opportunity: str
    from_stage: str | None
    to_stage: str

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        return {
            "type": "move_opportunity",
            "opportunity": self.opportunity,
            "from": self.from_stage,
            "to": self.to_stage,
        }


@attrs.frozen
class EmitMetaEvent:
    """
    Post an event to Meta's Conversions API.

    Attributes:
        path: The Graph API path to post to (``<dataset id>/events``).
        payload: The request body.
    """

    path: str | None
    payload: Mapping[str, Any] = attrs.field(hash=False)

    def to_json(self) -> dict[str, Any]:
        """
        The action in the simulate contract's form, without its event.
        """
        return {"type": "meta_event", "path": self.path, "payload": self.payload}


Action: TypeAlias = (
    Send
    | CreateOpportunity
    | Assign
    | Reassign
    | Unassign
    | Unrouted
    | EnterFunnel
    | MoveInFunnel
    | TransitionDeleted
    | MoveOpportunity
    | EmitMetaEvent
)
"""
Any action the engine asks for.
"""


def action_json(action: Action, event_id: str) -> dict[str, Any]:
    """
    An action in the simulate contract's form, with the event that caused it.

    Returns:
        Plain JSON values only (dicts, lists, strings, numbers, booleans,
        ``None``), ready for `json.dumps`.
    """
    plain = _plain({**action.to_json(), "event": event_id})
    assert isinstance(plain, dict)  # noqa: S101 - a mapping stays a mapping
    return plain


# What JSON text holds as it is: copied by reference.  Checked by exact type
# first, as nearly every value is one of these or a plain dict or list:
# `isinstance` against the Mapping ABC costs far more than the copy.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: object) -> object:
    if type(value) in _SCALARS:
        return value
    # Scalars inside are taken as they are without a call each: most of
    # what a message holds is text.
    if isinstance(value, dict | Mapping):
        return {
            str(key): item if type(item) in _SCALARS else _plain(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [item if type(item) in _SCALARS else _plain(item) for item in value]
    return value
