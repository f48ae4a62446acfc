"""
Who can take a conversation now, as a snapshot of values.
"""

from __future__ import annotations

import datetime as dt
import enum

from collections.abc import Mapping

import attrs

from convroute._frozen import require_aware
from convroute.model import User
from convroute.routing._schedule import Schedule


class SkipReason(enum.StrEnum):
    """
    Why a target or a candidate was passed over, as written in traces.
    """

    NO_OPPORTUNITY = "no_opportunity"
    """
    The target needs an opportunity and the conversation has none.
    """
    NO_LEAD = "no_lead"
    """
    The target needs a lead and the conversation has none.
    """
    NO_OWNER = "no_owner"
    """
    The opportunity or lead has no owner.
    """
    UNKNOWN_USER = "unknown_user"
    """
    The user id is not among the known users.
    """
    HELD_BEFORE = "held_before"
    """
    The user held this conversation before and was moved off it.
    """
    UNKNOWN_GROUP = "unknown_group"
    """
    The chat group is not among the known groups.
    """
    INACTIVE = "inactive"
    """
    The user is not active.
    """
    UNAVAILABLE = "unavailable"
    """
    The host's presence says the user is away.
    """
    OFF_HOURS = "off_hours"
    """
    The user's schedule is closed.
    """
    AT_CAPACITY = "at_capacity"
    """
    The user holds their ``max_open_conversations`` already.
    """
    NO_MEMBER_AVAILABLE = "no_member_available"
    """
    No member of the group (or no admin) can take the conversation.
    """


def users_by_id(_instance: object, _attribute: object, users: Mapping[str, User]) -> None:
    """
    Refuse a users mapping whose keys are not the users' ids.

    Round robin among admins picks the users' ids, then looks them up by
    key: keyed otherwise, every admin would be reported unknown.

    Raises:
        ValueError: When a key is not the id of the user it holds.
    """
    for key, user in users.items():
        if key != user.id:
            raise ValueError(
                f"users: the key {key!r} holds the user {user.id!r}; key each user by its id"
            )


@attrs.frozen
class Availability:
    """
    A snapshot of who can take a conversation, passed in by the caller.

    The mappings are read, never changed, and not copied: building a
    snapshot costs nothing per message.

    Attributes:
        users: Every known user by id, in the order admins take turns.
        presence: ``False`` for users the host reports away; users missing
            here are available.
        open_conversations: How many open conversations each user holds;
            users missing here hold none.
        schedules: The working hours users follow, by name.  A user whose
            ``schedule`` names none of them has no working hours.
        at: The time of the decision, at which schedules are read; ``None``
            to leave schedules out.
        held_before: Users who held the conversation before and were
            moved off it: routing it again passes them over.
    """

    users: Mapping[str, User] = attrs.field(validator=users_by_id)
    presence: Mapping[str, bool] = attrs.field(factory=dict)
    open_conversations: Mapping[str, int] = attrs.field(factory=dict)
    schedules: Mapping[str, Schedule] = attrs.field(factory=dict)
    at: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    held_before: frozenset[str] = frozenset()

    def check(self, user_id: str) -> SkipReason | None:  # noqa: PLR0911 - one return a reason
        """
        Tell why *user_id* cannot take a conversation now.

        Args:
            user_id: The user to check.

        Returns:
            ``None`` when the user is available, else the first reason found,
            in this order: unknown, held before, inactive, away, off hours, at
            capacity.
        """
        user = self.users.get(user_id)
        if user is None:
            return _UNKNOWN_USER
        if self.held_before and user_id in self.held_before:
            return _HELD_BEFORE
        if not user.active:
            return _INACTIVE
        if not self.presence.get(user_id, True):
            return _UNAVAILABLE
        if user.schedule is not None and self.at is not None:
            schedule = self.schedules.get(user.schedule)
            if schedule is not None and not schedule.is_open(self.at):
                return _OFF_HOURS
        capacity = user.max_open_conversations
        if capacity is not None and self.open_conversations.get(user_id, 0) >= capacity:
            return _AT_CAPACITY
        return None


# Enum members read once (see docs/performance.md, "How the hot paths are written").
_UNKNOWN_USER = SkipReason.UNKNOWN_USER
_HELD_BEFORE = SkipReason.HELD_BEFORE
_INACTIVE = SkipReason.INACTIVE
_UNAVAILABLE = SkipReason.UNAVAILABLE
_OFF_HOURS = SkipReason.OFF_HOURS
_AT_CAPACITY = SkipReason.AT_CAPACITY
