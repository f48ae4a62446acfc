"""
Round robin: the available member who has waited longest goes next.
"""

from __future__ import annotations

import functools

from collections.abc import Sequence

import attrs

from convroute._frozen import str_tuple
from convroute.routing._availability import Availability, SkipReason


@attrs.frozen
class TurnRecord:
    """
    Whose turn it is in one pool of candidates (a chat group, or the admins).

    Attributes:
        pool: The pool, as a target label: ``chat_group:<name>`` or ``admin``.
        assigned: The members assigned from this pool so far, least recently
            assigned first.  Members who were never assigned are not here:
            they have waited longest of all.
    """

    pool: str
    assigned: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)


@attrs.frozen
class Candidate:
    """
    A member who was passed over, and why.

    Attributes:
        user: The member's user id.
        reason: Why they could not take the conversation.
    """

    user: str
    reason: SkipReason


@attrs.frozen
class RoundRobinPick:
    """
    The outcome of one round-robin turn.

    Attributes:
        user: The member picked, or ``None`` when nobody could take it.
        record: The pool's turn record after the pick, to be stored; the
            same record when nobody was picked.
        skipped: The members passed over before the pick (all of them when
            nobody was picked), in the order they were considered.
    """

    user: str | None
    record: TurnRecord
    skipped: tuple[Candidate, ...]


def round_robin(
    members: Sequence[str], availability: Availability, record: TurnRecord
) -> RoundRobinPick:
    """
    Pick the available member who has waited longest since their last turn.

    Members never assigned from this pool wait longest, in listed order; then
    the others, least recently assigned first.  A member who was away keeps
    their place, so they are next once back.

    Args:
        members: The pool's members in listed order.
        availability: Who can take a conversation now.
        record: The pool's turn record.

    Returns:
        The pick and the pool's new turn record.
    """
    user, picked, skipped = pick_turn(members, availability, record.pool, record.assigned)
    return RoundRobinPick(user, record if picked is None else picked, skipped)


def pick_turn(
    members: Sequence[str], availability: Availability, pool: str, assigned: Sequence[str]
) -> tuple[str | None, TurnRecord | None, tuple[Candidate, ...]]:
    """
    `round_robin` over a pool's label and its members assigned so far.

    Returns:
        The member picked, or ``None``; the pool's new turn record, or
        ``None`` when nobody was picked; the members passed over.
    """
    order, kept = _turn_order(
        members if type(members) is tuple else tuple(members),
        assigned if type(assigned) is tuple else tuple(assigned),
    )
    check = availability.check
    skipped: list[Candidate] = []
    for member in order:
        reason = check(member)
        if reason is None:
            return member, _next_record(pool, kept, member), tuple(skipped)
        skipped.append(_candidate(member, reason))
    return None, None, tuple(skipped)


# The turn order, the next record and the candidates passed over are memos
# of pure functions of text (see docs/performance.md, "How the hot paths are written").
@functools.lru_cache(maxsize=1024)
def _turn_order(
    members: tuple[str, ...], assigned: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # The members in turn order, and the record's members still listed.
    listed = dict.fromkeys(members)
    kept = [member for member in assigned if member in listed]
    already = set(kept)
    order = [member for member in listed if member not in already]
    order += kept
    return tuple(order), tuple(kept)


@functools.lru_cache(maxsize=1024)
def _next_record(pool: str, kept: tuple[str, ...], member: str) -> TurnRecord:
    # The pool's record once *member* took a turn: last in the queue.
    rest = [other for other in kept if other != member]
    rest.append(member)
    return TurnRecord(pool, tuple(rest))


_candidate = functools.lru_cache(maxsize=1024)(Candidate)
