"""
The steps of a test file's case: each one step of a `Scenario`, in its words.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Mapping
from typing import ClassVar, TypeAlias

import attrs

from convroute.model import Opportunity
from convroute.testing._scenario import Scenario


def _empty() -> Mapping[str, str]:
    return {}


def _tuple(values: tuple[GivenOpportunity, ...]) -> tuple[GivenOpportunity, ...]:
    return tuple(values)


@attrs.frozen
class GivenOpportunity:
    """
    An opportunity the CRM holds for a lead, as a ``lead`` step gives it.

    Attributes:
        id: The host's id for it.
        type: The name of its opportunity type.
        name: Its display name.
        fields: Its dropdown field values by field name.
        owner: The id of the user who owns it.
        stage: Its stage on its type's board.
    """

    id: str
    type: str
    name: str = ""
    fields: Mapping[str, str] = attrs.field(factory=_empty, hash=False)
    owner: str | None = None
    stage: str | None = None

    def opportunity(self) -> Opportunity:
        """
        The `Opportunity` it gives.
        """
        return Opportunity(
            self.id, self.type, self.name, self.fields, owner=self.owner, stage=self.stage
        )


@attrs.frozen
class LeadStep:
    """
    ``lead``: the CRM adds or changes a lead (`Scenario.lead`).
    """

    word: ClassVar[str] = "lead"
    phone: str
    name: str = ""
    owner: str | None = None
    language: str | None = None
    opportunities: tuple[GivenOpportunity, ...] = attrs.field(default=(), converter=_tuple)

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.lead(
            self.phone,
            name=self.name,
            owner=self.owner,
            language=self.language,
            opportunities=[given.opportunity() for given in self.opportunities],
        )


@attrs.frozen
class UserStep:
    """
    ``user``: the host says whether a user can take conversations (`Scenario.user`).
    """

    word: ClassVar[str] = "user"
    id: str
    available: bool = True

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.user(self.id, available=self.available)


@attrs.frozen
class AwayStep:
    """
    ``away``: the user goes away (`Scenario.away`).
    """

    word: ClassVar[str] = "away"
    user: str

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.away(self.user)


@attrs.frozen
class BackStep:
    """
    ``back``: the user is back (`Scenario.back`).
    """

    word: ClassVar[str] = "back"
    user: str

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.back(self.user)


@attrs.frozen
class SaysStep:
    """
    ``says``: the lead writes (`Scenario.says`).
    """

    word: ClassVar[str] = "says"
    lead: str
    text: str
    number: str | None = None

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.says(self.lead, self.text, self.number)


@attrs.frozen
class TapsStep:
    """
    ``taps``: the lead taps an option of its last menu by title (`Scenario.taps`).
    """

    word: ClassVar[str] = "taps"
    lead: str
    title: str

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.taps(self.lead, self.title)


@attrs.frozen
class AnswersStep:
    """
    ``answers``: a user answers the lead (`Scenario.answers`).
    """

    word: ClassVar[str] = "answers"
    lead: str
    by: str
    text: str = "(an answer)"

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.answers(self.lead, by=self.by, text=self.text)


@attrs.frozen
class WaitStep:
    """
    ``wait``: the clock moves on, and the service ticks (`Scenario.wait`).
    """

    word: ClassVar[str] = "wait"
    duration: dt.timedelta

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.wait(self.duration)


@attrs.frozen
class CloseStep:
    """
    ``close``: the host closes the lead's conversation (`Scenario.close`).
    """

    word: ClassVar[str] = "close"
    lead: str

    def take(self, scenario: Scenario) -> None:
        """
        Take the step in *scenario*.
        """
        scenario.close(self.lead)


Step: TypeAlias = (
    LeadStep
    | UserStep
    | AwayStep
    | BackStep
    | SaysStep
    | TapsStep
    | AnswersStep
    | WaitStep
    | CloseStep
)
"""
One step of a case, which `take` runs on a `Scenario`.
"""

STEPS: Mapping[str, type[Step]] = {
    step.word: step
    for step in (
        LeadStep,
        UserStep,
        AwayStep,
        BackStep,
        SaysStep,
        TapsStep,
        AnswersStep,
        WaitStep,
        CloseStep,
    )
}
"""
Each step's class by the word a test file names it with.
"""
