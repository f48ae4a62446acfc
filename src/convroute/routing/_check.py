"""
The checks of users, chat groups and routing rules, made as a whole.

The configuration's check and `Router.check` both make them here, so a
rule set reads the same problems wherever it is checked.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Callable, Collection, Iterable

from convroute._blank import is_blank
from convroute._text import name_key
from convroute.model import User
from convroute.routing._rules import ChatGroup, ChatGroupTarget, RoutingRule, SpecificUser


Report = Callable[[str, str], None]
"""
Takes a problem: its message and the path of the value at fault.
"""


def routing_problems(
    users: Iterable[User], groups: Iterable[ChatGroup], rules: Iterable[RoutingRule]
) -> list[str]:
    """
    List the problems of users, chat groups and rules, as a configuration holding them reads.

    Paths are those of a configuration file: ``$.users[0]``,
    ``$.chat_groups[1]``, ``$.routing_rules[2].targets[1]``.  Nothing
    else is known: a user's ``schedule`` names an unknown schedule.

    Returns:
        The problems, each as ``message @ $.path``; empty when there are none.
    """
    problems: list[str] = []

    def report(message: str, path: str) -> None:
        problems.append(f"{message} @ {path}")

    user_list, group_list, rule_list = list(users), list(groups), list(rules)
    check = RoutingCheck(
        report,
        user_ids={user.id for user in user_list},
        group_names={group.name for group in group_list},
        schedule_names=set(),
    )
    check.users(enumerate(user_list))
    check.groups(enumerate(group_list))
    check.rules(enumerate(rule_list))
    return problems


class RoutingCheck:
    """
    Reports what is wrong with users, chat groups and routing rules.

    Args:
        report: Takes each problem.
        user_ids: The user ids a reference may name.
        group_names: The chat group names a target may name.
        schedule_names: The schedule names a user may follow.
    """

    def __init__(
        self,
        report: Report,
        *,
        user_ids: Collection[str],
        group_names: Collection[str],
        schedule_names: Collection[str],
    ) -> None:
        self.report = report
        self.user_ids = user_ids
        self.group_names = group_names
        self.schedule_names = schedule_names

    def users(self, users: Iterable[tuple[int, User]]) -> None:
        """
        Check users, each with its position in the list.
        """
        listed = list(users)
        self.unique(((i, user.id) for i, user in listed), "$.users", "id", "user id", key=name_key)
        for i, user in listed:
            self.blank(user.name, f"$.users[{i}].name", "a user's name")
            capacity = user.max_open_conversations
            if capacity is not None and capacity < 1:
                self.report("must be 1 or more", f"$.users[{i}].max_open_conversations")
            self.reference(user.schedule, self.schedule_names, "schedule", f"$.users[{i}].schedule")

    def groups(self, groups: Iterable[tuple[int, ChatGroup]]) -> None:
        """
        Check chat groups, each with its position in the list.
        """
        listed = list(groups)
        self.unique(
            ((i, group.name) for i, group in listed),
            "$.chat_groups",
            "name",
            "chat group name",
            key=name_key,
        )
        for i, group in listed:
            path = f"$.chat_groups[{i}].members"
            if not group.members:
                self.report("a chat group needs at least one member", path)
            self.unique(enumerate(group.members), path, "", "member")
            for j, member in enumerate(group.members):
                self.reference(member, self.user_ids, "user", f"{path}[{j}]")

    def rules(self, rules: Iterable[tuple[int, RoutingRule]]) -> None:
        """
        Check routing rules, each with its position in the list.
        """
        listed = list(rules)
        self.unique(
            ((i, rule.name) for i, rule in listed),
            "$.routing_rules",
            "name",
            "rule name",
            key=name_key,
        )
        for i, rule in listed:
            path = f"$.routing_rules[{i}].targets"
            if not rule.targets:
                self.report("a routing rule needs at least one target", path)
            self.unique(enumerate(target.label for target in rule.targets), path, "", "target")
            if rule.max_reassignments < 0:
                self.report("must be 0 or more", f"$.routing_rules[{i}].max_reassignments")
            # A configuration's durations are longer than zero once read; a rule
            # made in code is checked for it here.
            for name, duration in (
                ("reassign_when_away", rule.reassign_when_away),
                ("reply_within", rule.reply_within),
            ):
                if duration is not None and duration <= dt.timedelta(0):
                    self.report("must be longer than zero", f"$.routing_rules[{i}].{name}")
            for j, target in enumerate(rule.targets):
                if isinstance(target, ChatGroupTarget):
                    self.reference(
                        target.group, self.group_names, "chat group", f"{path}[{j}].group"
                    )
                elif isinstance(target, SpecificUser):
                    self.reference(target.user, self.user_ids, "user", f"{path}[{j}].user")

    def unique(
        self,
        values: Iterable[tuple[int, str]],
        path: str,
        field: str,
        what: str,
        key: Callable[[str], str] = str,
    ) -> None:
        """
        Report each value that repeats an earlier one, and blank values.

        Values come with their positions in the list at *path*.
        """
        first: dict[str, int] = {}
        for i, value in values:
            at = f"{path}[{i}].{field}" if field else f"{path}[{i}]"
            if is_blank(value):
                self.report(f"{what} must not be blank", at)
                continue
            earlier = first.setdefault(key(value), i)
            if earlier != i:
                where = f"{path}[{earlier}]"
                self.report(f"duplicate {what} {value!r}, first at {where}", at)

    def reference(self, name: str | None, known: Collection[str], what: str, path: str) -> None:
        """
        Report *name* when it is not among the *known* names of its kind.
        """
        if name is not None and name not in known:
            self.report(f"unknown {what} {name!r}", path)

    def blank(self, value: str | None, path: str, what: str) -> None:
        """
        Report *value* when it is blank.
        """
        if value is not None and is_blank(value):
            self.report(f"{what} must not be blank", path)
