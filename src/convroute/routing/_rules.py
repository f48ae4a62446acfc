"""
The rule objects of routing: targets, chat groups and routing rules.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable
from typing import ClassVar, TypeAlias

import attrs

from convroute._arguments import (
    field_name,
    int_field,
    refuse_one_text,
    text_field,
    texts_field,
    wrong_type,
)
from convroute._frozen import str_tuple


def _targets(values: Iterable[Target]) -> tuple[Target, ...]:
    refuse_one_text(values, "targets", "a sequence of targets")
    if isinstance(values, _TARGET_CLASSES):
        raise TypeError(
            f"targets must be a sequence of targets, not {values!r}: write ({values!r},)"
        )
    targets = tuple(values)
    for index, target in enumerate(targets):
        if not isinstance(target, _TARGET_CLASSES):
            raise wrong_type(
                f"targets[{index}]",
                target,
                "a target (OpportunityOwner, LeadOwner, ChatGroupTarget, Admin or SpecificUser)",
            )
    return targets


def _group_label(target: ChatGroupTarget) -> str:
    return f"{target.kind}:{target.group}"


def _user_label(target: SpecificUser) -> str:
    return f"{target.kind}:{target.user}"


@attrs.frozen
class OpportunityOwner:
    """
    The owner of the opportunity the conversation is about.

    Skipped when there is no opportunity, it has no owner, or the owner is
    not available.
    """

    kind: ClassVar[str] = "opportunity_owner"

    @property
    def label(self) -> str:
        """
        The target as written in traces and actions: ``opportunity_owner``.
        """
        return self.kind


@attrs.frozen
class LeadOwner:
    """
    The owner of the lead, for conversations about no opportunity.

    Skipped when the lead has no owner or the owner is not available.
    """

    kind: ClassVar[str] = "lead_owner"

    @property
    def label(self) -> str:
        """
        The target as written in traces and actions: ``lead_owner``.
        """
        return self.kind


@attrs.frozen
class ChatGroupTarget:
    """
    One available member of a chat group, chosen round robin.

    Attributes:
        group: The name of the chat group.
        label: The target as written in traces and actions (and the label
            of its round-robin pool): ``chat_group:<group>``, worked out
            when the target is made.
    """

    kind: ClassVar[str] = "chat_group"
    group: str = attrs.field(validator=text_field)
    label: str = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(_group_label, takes_self=True)
    )


@attrs.frozen
class Admin:
    """
    One available admin (a user marked ``admin``), chosen round robin.
    """

    kind: ClassVar[str] = "admin"

    @property
    def label(self) -> str:
        """
        The target as written in traces and actions: ``admin``.
        """
        return self.kind


@attrs.frozen
class SpecificUser:
    """
    One named user.

    Attributes:
        user: The user's id.
        label: The target as written in traces and actions:
            ``specific_user:<id>``, worked out when the target is made.
    """

    kind: ClassVar[str] = "specific_user"
    user: str = attrs.field(validator=text_field)
    label: str = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(_user_label, takes_self=True)
    )


Target: TypeAlias = OpportunityOwner | LeadOwner | ChatGroupTarget | Admin | SpecificUser
"""
Where a routing rule may send a conversation.
"""

_TARGET_CLASSES = (OpportunityOwner, LeadOwner, ChatGroupTarget, Admin, SpecificUser)

TARGET_KINDS: dict[str, type[Target]] = {cls.kind: cls for cls in _TARGET_CLASSES}
"""
Every target class by its ``kind`` tag, as written in configuration files.
"""


@attrs.frozen
class ChatGroup:
    """
    A team whose members take conversations in turn.

    Attributes:
        name: The group's unique name.
        members: User ids, in the order the first turns go round.
        description: What the group is for.
    """

    name: str = attrs.field(validator=text_field)
    members: tuple[str, ...] = attrs.field(converter=str_tuple, validator=texts_field)
    description: str = ""


def _duration_field(
    instance: object, attribute: attrs.Attribute[dt.timedelta | None], value: object
) -> None:
    # "30m" is a configuration file's way to write it: here it is a timedelta.
    if value is not None and not isinstance(value, dt.timedelta):
        raise wrong_type(field_name(instance, attribute), value, "a timedelta or None")


@attrs.frozen
class RoutingRule:
    """
    A default target and its fallbacks, tried in order.

    Attributes:
        name: The rule's unique name.
        targets: The default target first, then the fallbacks.
        reassign_when_away: How long an assignee may be away (unavailable,
            inactive or off hours) before the conversation is routed again
            without them; ``None``: never for that.
        reply_within: How long an assignee may leave the lead unanswered
            before the conversation is routed again without them; ``None``:
            never for that.
        max_reassignments: How many times one conversation may be
            reassigned or unassigned; then it stays where it is.
    """

    name: str = attrs.field(validator=text_field)
    targets: tuple[Target, ...] = attrs.field(converter=_targets)
    reassign_when_away: dt.timedelta | None = attrs.field(default=None, validator=_duration_field)
    reply_within: dt.timedelta | None = attrs.field(default=None, validator=_duration_field)
    max_reassignments: int = attrs.field(default=2, validator=int_field)
