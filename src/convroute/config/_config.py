"""
The whole setup of one account, as one frozen value.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable

import attrs

from convroute._frozen import str_tuple
from convroute.funnel import Funnel, MetaSettings
from convroute.menus import BusinessNumber, Texts
from convroute.model import OpportunityType, User
from convroute.routing import ChatGroup, RoutingRule, Schedule


DEFAULT_TIMEOUT = dt.timedelta(hours=24)
"""
WhatsApp's customer service window: the default life of menus and
conversations.
"""


def _schedules(values: Iterable[Schedule]) -> tuple[Schedule, ...]:
    return tuple(values)


def _users(values: Iterable[User]) -> tuple[User, ...]:
    return tuple(values)


def _chat_groups(values: Iterable[ChatGroup]) -> tuple[ChatGroup, ...]:
    return tuple(values)


def _routing_rules(values: Iterable[RoutingRule]) -> tuple[RoutingRule, ...]:
    return tuple(values)


def _opportunity_types(values: Iterable[OpportunityType]) -> tuple[OpportunityType, ...]:
    return tuple(values)


def _numbers(values: Iterable[BusinessNumber]) -> tuple[BusinessNumber, ...]:
    return tuple(values)


def _funnels(values: Iterable[Funnel]) -> tuple[Funnel, ...]:
    return tuple(values)


@attrs.frozen
class Config:
    """
    An account's setup: users, routing, numbers and their menus, funnels.

    Build one with `load_config`; one built by hand is checked with
    `check_config`.

    Attributes:
        conversation_timeout: How long an assigned conversation stays with
            its assignee without messages.
        menu_timeout: How long a menu waits for a reply.
        max_reprompts: Invalid replies answered by sending the menu again
            before falling back.
        lead_level_rule: The routing rule for messages to numbers with no
            mapping, if any.
        default_country_code: The country calling code (digits, e.g.
            ``"44"``) in which numbers people type without ``+`` or ``00``
            are read; without it they are read as international.
        meta: The Conversions API settings, if events are wanted.
        lead_fields: The lead fields the host sends beside the built-in
            ones, which texts may merge as ``{{lead.<field>}}``.
        texts: The fixed texts: the re-prompt hint and the title of an
            option whose label renders empty, and their translations.
        schedules: The working hours users may follow.
        users: The users known from the file (more may come from the host).
        chat_groups: The chat groups.
        routing_rules: The routing rules.
        opportunity_types: The opportunity types.
        numbers: The business numbers and their menus.
        funnels: The conversion funnels.
    """

    conversation_timeout: dt.timedelta = DEFAULT_TIMEOUT
    menu_timeout: dt.timedelta = DEFAULT_TIMEOUT
    max_reprompts: int = 1
    lead_level_rule: str | None = None
    default_country_code: str | None = None
    meta: MetaSettings | None = None
    lead_fields: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)
    texts: Texts = attrs.field(factory=Texts)
    schedules: tuple[Schedule, ...] = attrs.field(default=(), converter=_schedules)
    users: tuple[User, ...] = attrs.field(default=(), converter=_users)
    chat_groups: tuple[ChatGroup, ...] = attrs.field(default=(), converter=_chat_groups)
    routing_rules: tuple[RoutingRule, ...] = attrs.field(default=(), converter=_routing_rules)
    opportunity_types: tuple[OpportunityType, ...] = attrs.field(
        default=(), converter=_opportunity_types
    )
    numbers: tuple[BusinessNumber, ...] = attrs.field(default=(), converter=_numbers)
    funnels: tuple[Funnel, ...] = attrs.field(default=(), converter=_funnels)

    def summary(self) -> str:
        """
        Say in one line what the setup holds.

        Returns:
            E.g. ``4 users, 2 chat groups, 3 routing rules, …``.
        """
        counts = (
            (len(self.users), "user", "users"),
            (len(self.chat_groups), "chat group", "chat groups"),
            (len(self.routing_rules), "routing rule", "routing rules"),
            (len(self.opportunity_types), "opportunity type", "opportunity types"),
            (len(self.numbers), "number", "numbers"),
            (len(self.funnels), "funnel", "funnels"),
        )
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)
