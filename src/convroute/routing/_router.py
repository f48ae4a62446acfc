"""
Routing without a config: a router that keeps its own turns and counts.
"""

from __future__ import annotations

import types

from collections.abc import Iterable, Mapping
from typing import TypeVar

from convroute._arguments import instance_argument, iterable_argument, wrong_type
from convroute.model import Lead, Opportunity, User
from convroute.routing._availability import Availability
from convroute.routing._check import routing_problems
from convroute.routing._resolve import Decision, RoutingContext, resolve
from convroute.routing._round_robin import TurnRecord
from convroute.routing._rules import ChatGroup, RoutingRule


_V = TypeVar("_V", User, ChatGroup)


class Router:
    """
    Routes conversations from code, keeping turn records and open counts itself.

    For bots and scripts that route without a configuration file or a
    store: each `route` walks a rule with `resolve`, as the engine does,
    then records the round-robin turn and counts the conversation
    against its assignee, so the next `route` sees both.  Working hours
    are not read (there is no clock here): a user is away only while
    `away` says so.

    Args:
        users: The users, as values or a mapping by id.
        groups: The chat groups, as values or a mapping by name.

    Raises:
        TypeError: When *users* or *groups* is not an iterable or a
            mapping, or holds something else.
        ValueError: When a mapping's key is not its value's id or name, or
            two users or two groups share one.
    """

    def __init__(
        self,
        users: Iterable[User] | Mapping[str, User],
        groups: Iterable[ChatGroup] | Mapping[str, ChatGroup] = (),
    ) -> None:
        self._users = _by_key(users, User, "users", "id")
        self._groups = _by_key(groups, ChatGroup, "groups", "name")
        self._presence: dict[str, bool] = {}
        self._open: dict[str, int] = {}
        self._turns: dict[str, TurnRecord] = {}

    def __repr__(self) -> str:
        return (
            f"Router(users={list(self._users)!r}, groups={list(self._groups)!r},"
            f" away={[user for user, present in self._presence.items() if not present]!r},"
            f" open_conversations={self._open!r})"
        )

    @property
    def users(self) -> Mapping[str, User]:
        """
        The users by id.
        """
        return types.MappingProxyType(self._users)

    @property
    def groups(self) -> Mapping[str, ChatGroup]:
        """
        The chat groups by name.
        """
        return types.MappingProxyType(self._groups)

    @property
    def turns(self) -> Mapping[str, TurnRecord]:
        """
        The turn record of each round-robin pool that has assigned, by pool label.
        """
        return types.MappingProxyType(self._turns)

    @property
    def open_conversations(self) -> Mapping[str, int]:
        """
        How many conversations each user holds, by user id; users missing hold none.
        """
        return types.MappingProxyType(self._open)

    def route(
        self, rule: RoutingRule, *, lead: Lead | None = None, opportunity: Opportunity | None = None
    ) -> Decision:
        """
        Walk *rule* and record what it takes.

        Args:
            rule: The routing rule: its default target, then the fallbacks.
            lead: The lead writing, if known (for ``lead_owner``).
            opportunity: The opportunity the conversation is about, if any
                (for ``opportunity_owner``).

        Returns:
            The decision, as `resolve` gives it.  When it assigned, the
            assignee holds one more open conversation (until `release`),
            and a round-robin pick is recorded as the pool's turn.

        Raises:
            TypeError: When *rule* is not a `RoutingRule`, *lead* not a
                `Lead` or *opportunity* not an `Opportunity`.
        """
        instance_argument(rule, RoutingRule, "rule")
        if lead is not None and not isinstance(lead, Lead):
            raise wrong_type("lead", lead, "a Lead or None")
        if opportunity is not None and not isinstance(opportunity, Opportunity):
            raise wrong_type("opportunity", opportunity, "an Opportunity or None")
        availability = Availability(self._users, self._presence, self._open)
        context = RoutingContext(availability, self._groups, self._turns, lead, opportunity)
        decision = resolve(rule, context)
        if decision.turn is not None:
            self._turns[decision.turn.pool] = decision.turn
        if decision.assignee is not None:
            self._open[decision.assignee] = self._open.get(decision.assignee, 0) + 1
        return decision

    def away(self, user: str) -> None:
        """
        Mark *user* away: routing passes them over (``unavailable``) until `back`.

        Raises:
            TypeError: When *user* is not a ``str``.
            ValueError: When *user* is not a known user id.
        """
        self._presence[self._known(user)] = False

    def back(self, user: str) -> None:
        """
        Mark *user* back: they keep their place in every round robin.

        Raises:
            TypeError: When *user* is not a ``str``.
            ValueError: When *user* is not a known user id.
        """
        self._presence.pop(self._known(user), None)

    def release(self, user: str) -> None:
        """
        Count one conversation of *user*'s as closed: a slot under their capacity frees.

        Raises:
            TypeError: When *user* is not a ``str``.
            ValueError: When *user* is not a known user id, or holds no
                open conversation.
        """
        held = self._open.get(self._known(user), 0)
        if held == 0:
            raise ValueError(f"user {user!r} holds no open conversation to release")
        if held == 1:
            del self._open[user]
        else:
            self._open[user] = held - 1

    def check(self, rules: Iterable[RoutingRule]) -> list[str]:
        """
        List what is wrong with *rules*, and with the users and groups they route to.

        The same messages as a configuration file's check, with the same
        paths (``$.routing_rules[1].targets[0].group``), the users and
        groups listed in the order given.

        Args:
            rules: The rules to check, as a whole.

        Returns:
            The problems, each as ``message @ $.path``; empty when there are none.

        Raises:
            TypeError: When *rules* is one rule, or holds something else.
        """
        if isinstance(rules, RoutingRule):
            raise TypeError("rules must be an iterable of routing rules, not one RoutingRule")
        listed = list(iterable_argument(rules, "rules", "routing rules"))
        for at, rule in enumerate(listed):
            if not isinstance(rule, RoutingRule):
                raise wrong_type(f"rules[{at}]", rule, "a RoutingRule")
        return routing_problems(self._users.values(), self._groups.values(), listed)

    def _known(self, user: str) -> str:
        if not isinstance(user, str):
            raise wrong_type("user", user, "a user id (a str)")
        if user not in self._users:
            raise ValueError(f"unknown user {user!r}")
        return user


def _by_key(
    values: Iterable[_V] | Mapping[str, _V], kind: type[_V], what: str, key: str
) -> dict[str, _V]:
    """
    *values* by their id or name, refusing keys that are not theirs and repeats.
    """
    if isinstance(values, Mapping):
        pairs = list(values.items())
    else:
        pairs = [(None, v) for v in iterable_argument(values, what, f"{kind.__name__} values")]
    keyed: dict[str, _V] = {}
    for index, (given, value) in enumerate(pairs):
        if not isinstance(value, kind):
            place = f"{what}[{index if given is None else repr(given)}]"
            raise wrong_type(place, value, f"a {kind.__name__}")
        own: str = getattr(value, key)
        if given is not None and given != own:
            raise ValueError(
                f"{what}: the key {given!r} holds the {kind.__name__} {key} {own!r};"
                f" key each by its {key}"
            )
        if keyed.setdefault(own, value) is not value:
            raise ValueError(f"{what}: two share the {key} {own!r}")
    return keyed
