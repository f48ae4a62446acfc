"""
Funnel records: transitions, and what a lead's records say about it.

A lead's place in a funnel is never stored apart from its records: it is
read from them, so that deleting a record is all it takes to undo it.
"""

from __future__ import annotations

import datetime as dt
import enum

from collections.abc import Iterable

import attrs

from convroute._frozen import require_aware
from convroute.model import Phone


class Cause(enum.StrEnum):
    """
    What made a transition, as written in records and actions.
    """

    TRIGGER = "trigger"
    """
    An incoming message held a trigger phrase: the lead entered the funnel.
    """
    UNTRACKED = "untracked"
    """
    An incoming message without a trigger entered the lead, as the funnel
    takes untracked conversation leads.
    """
    FOLLOW_UP = "follow_up"
    """
    A business message held a follow-up phrase of a later stage.
    """
    MANUAL = "manual"
    """
    Somebody moved the lead by hand.
    """


ENTRY_CAUSES = frozenset({Cause.TRIGGER, Cause.UNTRACKED})
"""
The causes of the record that enters a lead into a funnel.
"""


def _cause(value: str) -> Cause:
    return Cause(value)


@attrs.frozen
class Transition:
    """
    One step of one lead in one funnel: entering it, or moving in it.

    Attributes:
        id: A stable id, derived from the event that caused it (see
            `transition_id`), so that processing an event twice records it
            once.
        lead: The lead's phone.
        funnel: The funnel's name.
        from_stage: The stage the lead was at; ``None`` for an entry.
        to_stage: The stage the lead reached.
        at: When it happened (an aware datetime).
        cause: What made it.
        actor: Who moved the lead, for manual moves.
        source: Where the lead came from (entries only), e.g. ``Instagram``.
        number: The business number the lead wrote to (entries), or that
            sent the follow-up (follow-ups).
        ctwa_clid: The click-to-WhatsApp ad's click id the entering message
            carried, if any (entries only); Meta events are attributed by it.
    """

    id: str
    lead: Phone
    funnel: str
    from_stage: str | None
    to_stage: str
    at: dt.datetime = attrs.field(validator=require_aware)
    cause: Cause = attrs.field(converter=_cause)
    actor: str | None = None
    source: str | None = None
    number: Phone | None = None
    ctwa_clid: str | None = None

    @property
    def is_entry(self) -> bool:
        """
        Whether this record entered the lead into the funnel.
        """
        return self.cause in ENTRY_CAUSES


def precedes(one: Transition, other: Transition) -> bool:
    """
    Whether *one* comes before *other* among a lead's records.

    By time; among records at the same instant the entry first, then by id,
    so that every store, whatever order it returns records in, agrees on a
    lead's entry and latest record.

    Args:
        one: A transition.
        other: Another transition.

    Returns:
        ``True`` when *one* is the earlier.
    """
    # Compared field by field, not as a key tuple: this runs once per
    # record in the reports, and most records differ in time.
    if one.at != other.at:
        return one.at < other.at
    one_entry = one.cause in ENTRY_CAUSES
    if one_entry != (other.cause in ENTRY_CAUSES):
        return one_entry
    return one.id < other.id


@attrs.frozen
class FunnelPosition:
    """
    Where a lead stands in a funnel, as its records say.

    Attributes:
        entry: The record that entered it (the earliest entry).
        latest: The latest record; its ``to_stage`` is the current stage.
    """

    entry: Transition
    latest: Transition

    @property
    def stage(self) -> str:
        """
        The lead's current stage.
        """
        return self.latest.to_stage


def _transitions(values: Iterable[Transition]) -> tuple[Transition, ...]:
    return tuple(values)


@attrs.frozen
class Deletion:
    """
    What deleting a record takes with it, and where it leaves the lead.

    Attributes:
        removed: The records to delete: the one asked for, and, when it was
            the entry, every other record of the lead in that funnel.
        remaining: The lead's records in that funnel that stay.
        position: Where the lead now stands; ``None`` when it left the
            funnel (or the record was not found).
    """

    removed: tuple[Transition, ...] = attrs.field(converter=_transitions)
    remaining: tuple[Transition, ...] = attrs.field(converter=_transitions)
    position: FunnelPosition | None

    @property
    def found(self) -> bool:
        """
        Whether the record asked for was among the records.
        """
        return bool(self.removed)


def current_position(
    records: Iterable[Transition], funnel: str, lead: str
) -> FunnelPosition | None:
    """
    Read where *lead* stands in *funnel* from its records.

    Args:
        records: Records of the lead (others, of other leads or funnels,
            are passed over).
        funnel: The funnel's name.
        lead: The lead's phone.

    Returns:
        The position, or ``None`` when the lead has no entry record there:
        it is not in the funnel.
    """
    entry: Transition | None = None
    latest: Transition | None = None
    for record in records:
        if record.funnel != funnel or record.lead != lead:
            continue
        if record.is_entry and (entry is None or precedes(record, entry)):
            entry = record
        if latest is None or precedes(latest, record):
            latest = record
    if entry is None or latest is None:
        return None
    return FunnelPosition(entry=entry, latest=latest)


def delete_transition(records: Iterable[Transition], transition: str) -> Deletion:
    """
    Delete a record: the lead falls back to its latest remaining record.

    Deleting the entry record removes the lead from the funnel, so every
    other record of the lead in that funnel goes with it: were they kept, a
    later entry would bring them back to life.

    Args:
        records: The lead's records (others are passed over).
        transition: The id of the record to delete.

    Returns:
        What to delete and what remains; nothing is removed when no record
        has that id.
    """
    given = tuple(records)
    target = next((record for record in given if record.id == transition), None)
    if target is None:
        return Deletion(removed=(), remaining=(), position=None)
    mine = [r for r in given if r.funnel == target.funnel and r.lead == target.lead]
    kept = [r for r in mine if r.id != transition]
    position = current_position(kept, target.funnel, target.lead)
    if position is None:
        # The entry went: the whole stay in the funnel goes with it.
        return Deletion(removed=mine, remaining=(), position=None)
    return Deletion(removed=(target,), remaining=kept, position=position)
