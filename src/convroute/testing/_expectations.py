"""
What a case expects: each kind a question about the `ScenarioAction`s of a run.

An expectation about a lead holds when some action of the lead matches it;
``none`` holds when no action at all is of its kind.
"""

from __future__ import annotations

import json

from collections.abc import Mapping
from typing import ClassVar, TypeAlias

import attrs

from convroute.testing._actions import ScenarioAction


def _titles(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class MenuExpected:
    """
    ``menu``: the lead was sent a menu with these titles, in this order.
    """

    word: ClassVar[str] = "menu"
    shown: ClassVar[tuple[str, ...]] = ("titles",)
    lead: str
    titles: tuple[str, ...] = attrs.field(converter=_titles)

    @staticmethod
    def of_kind(action: ScenarioAction) -> bool:
        """
        Whether *action* is a menu sent.
        """
        return action.type == "send" and bool(action.titles)

    def holds(self, action: ScenarioAction) -> bool:
        """
        Whether *action*, an action of the kind, matches.
        """
        return action.titles == self.titles


@attrs.frozen
class AssignedExpected:
    """
    ``assigned``: the lead's conversation was assigned (or reassigned) to *user*.
    """

    word: ClassVar[str] = "assigned"
    shown: ClassVar[tuple[str, ...]] = ("user", "rule", "target")
    lead: str
    user: str
    rule: str | None = None
    target: str | None = None

    @staticmethod
    def of_kind(action: ScenarioAction) -> bool:
        """
        Whether *action* is an assignment or a reassignment.
        """
        return action.type in {"assign", "reassign"}

    def holds(self, action: ScenarioAction) -> bool:
        """
        Whether *action*, an action of the kind, matches.
        """
        return (
            action.user == self.user
            and self.rule in {None, action.rule}
            and self.target in {None, action.target}
        )


@attrs.frozen
class UnroutedExpected:
    """
    ``unrouted``: no target could take the lead's conversation.
    """

    word: ClassVar[str] = "unrouted"
    shown: ClassVar[tuple[str, ...]] = ("rule",)
    lead: str

    @staticmethod
    def of_kind(action: ScenarioAction) -> bool:
        """
        Whether *action* is an unrouted conversation.
        """
        return action.type == "unrouted"

    def holds(self, action: ScenarioAction) -> bool:  # noqa: ARG002 - every action of the kind
        """
        Whether *action*, an action of the kind, matches.
        """
        return True


@attrs.frozen
class CreatedExpected:
    """
    ``created``: an opportunity was created for the lead, with these *fields* among its own.
    """

    word: ClassVar[str] = "created"
    shown: ClassVar[tuple[str, ...]] = ("fields",)
    lead: str
    fields: Mapping[str, str] | None = None

    @staticmethod
    def of_kind(action: ScenarioAction) -> bool:
        """
        Whether *action* creates an opportunity.
        """
        return action.type == "create_opportunity"

    def holds(self, action: ScenarioAction) -> bool:
        """
        Whether *action*, an action of the kind, matches.
        """
        wanted = self.fields or {}
        return all(action.fields.get(name) == value for name, value in wanted.items())


@attrs.frozen
class EnteredExpected:
    """
    ``entered``: the lead entered a funnel (*funnel*, when named) from *source*.
    """

    word: ClassVar[str] = "entered"
    shown: ClassVar[tuple[str, ...]] = ("funnel", "source", "stage")
    lead: str
    source: str
    funnel: str | None = None

    @staticmethod
    def of_kind(action: ScenarioAction) -> bool:
        """
        Whether *action* enters a funnel.
        """
        return action.type == "enter_funnel"

    def holds(self, action: ScenarioAction) -> bool:
        """
        Whether *action*, an action of the kind, matches.
        """
        return action.source == self.source and self.funnel in {None, action.funnel}


@attrs.frozen
class MovedExpected:
    """
    ``moved``: the lead moved on its funnel to the stage *to*.
    """

    word: ClassVar[str] = "moved"
    shown: ClassVar[tuple[str, ...]] = ("funnel", "stage")
    lead: str
    to: str

    @staticmethod
    def of_kind(action: ScenarioAction) -> bool:
        """
        Whether *action* is a funnel transition.
        """
        return action.type == "transition"

    def holds(self, action: ScenarioAction) -> bool:
        """
        Whether *action*, an action of the kind, matches.
        """
        return action.stage == self.to


@attrs.frozen
class SentTextExpected:
    """
    ``sent_text``: the lead was sent a text, or a menu's message, holding *contains*.
    """

    word: ClassVar[str] = "sent_text"
    shown: ClassVar[tuple[str, ...]] = ("text",)
    lead: str
    contains: str

    @staticmethod
    def of_kind(action: ScenarioAction) -> bool:
        """
        Whether *action* sends the lead something to read.
        """
        return action.type == "send" and action.text is not None

    def holds(self, action: ScenarioAction) -> bool:
        """
        Whether *action*, an action of the kind, matches.
        """
        return self.contains in (action.text or "")


LeadExpectation: TypeAlias = (
    MenuExpected
    | AssignedExpected
    | UnroutedExpected
    | CreatedExpected
    | EnteredExpected
    | MovedExpected
    | SentTextExpected
)
"""
An expectation about one lead's actions.
"""

EXPECTATIONS: Mapping[str, type[LeadExpectation]] = {
    kind.word: kind
    for kind in (
        MenuExpected,
        AssignedExpected,
        UnroutedExpected,
        CreatedExpected,
        EnteredExpected,
        MovedExpected,
        SentTextExpected,
    )
}
"""
Each expectation's class by the word a test file names it with.
"""


@attrs.frozen
class NoneExpected:
    """
    ``none``: no action of the run is of the kind named (``assigned``, ``menu``…).
    """

    word: ClassVar[str] = "none"
    kind: str

    def of_kind(self, action: ScenarioAction) -> bool:
        """
        Whether *action* is of the kind no action should be.
        """
        return EXPECTATIONS[self.kind].of_kind(action)


Expectation: TypeAlias = LeadExpectation | NoneExpected
"""
One expectation of a case.
"""


def describe_expectation(expected: LeadExpectation) -> str:
    """
    An expectation in the words of the file, e.g. ``assigned {lead = "9198…", user = "u-ben"}``.
    """
    given = {
        field.name: value
        for field in attrs.fields(type(expected))
        if (value := getattr(expected, field.name)) is not None
    }
    return f"{expected.word} {_table(given)}"


def describe_action(action: ScenarioAction, parts: tuple[str, ...]) -> str:
    """
    An action with the *parts* an expectation asks about, e.g. ``assign {user = "u-asha"}``.
    """
    shown = {
        name: value for name in parts if (value := getattr(action, name)) not in (None, (), "", {})
    }
    return f"{action.type} {_table(shown)}"


def _table(values: Mapping[str, object]) -> str:
    return "{" + ", ".join(f"{name} = {_value(value)}" for name, value in values.items()) + "}"


def _value(value: object) -> str:
    if isinstance(value, Mapping):
        return _table(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)
