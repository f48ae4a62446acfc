"""
Running a case: its steps on a fresh `Scenario`, then each expectation checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from convroute._arguments import wrong_type
from convroute.config import Config
from convroute.engine import Engine
from convroute.errors import ConvrouteError
from convroute.testing._cases import Case
from convroute.testing._expectations import (
    EXPECTATIONS,
    Expectation,
    LeadExpectation,
    NoneExpected,
    describe_action,
    describe_expectation,
)
from convroute.testing._scenario import Scenario, read_phone


_EXPLAINED = "  "


def _lines(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class CaseResult:
    """
    How a case went.

    Attributes:
        name: The case's name.
        lines: Why it failed, as a person reads it: for each expectation
            that does not hold, ``expected … got …`` and the explain lines
            of the lead concerned (indented); for a step that could not be
            taken, what was wrong with it.  Empty when it passed.
        passed: Whether every step was taken and every expectation held.
    """

    name: str
    lines: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    passed: bool = attrs.field(init=False)

    @passed.default
    def _passed(self) -> bool:
        return not self.lines


def run_case(config: Config | Engine, case: Case) -> CaseResult:
    """
    Run *case* on a fresh `Scenario` of *config*, and check what it expects.

    Args:
        config: The account's setup, or an engine compiled from it (to
            compile it once for many cases).
        case: The case, from `load_cases`.

    Returns:
        Whether it passed, and why not.

    Raises:
        TypeError: When *case* is not a `Case`.
    """
    if not isinstance(case, Case):
        raise wrong_type("case", case, "a Case (see load_cases)")
    scenario = Scenario(config, case.start)
    for index, step in enumerate(case.given):
        try:
            step.take(scenario)
        except ConvrouteError as error:
            # The scenario's own message may start with the step's word already.
            reason = str(error).removeprefix(f"{step.word}: ")
            return CaseResult(case.name, [f"given[{index}] {step.word}: {reason}"])
    lines: list[str] = []
    explained: set[str] = set()
    for index, expected in enumerate(case.expect):
        try:
            failed, leads = _check(scenario, expected)
        except ConvrouteError as error:
            lines.append(f"expect[{index}] {expected.word}: {error}")
            continue
        if failed:
            # A lead's explain lines are shown once, after its first failure.
            lines.append(failed)
            lines.extend(_explained(scenario, [lead for lead in leads if lead not in explained]))
            explained.update(leads)
    return CaseResult(case.name, lines)


def _check(scenario: Scenario, expected: Expectation) -> tuple[str | None, list[str]]:
    if isinstance(expected, NoneExpected):
        return _check_none(scenario, expected)
    lead = read_phone(expected.lead, scenario.service.engine.config)
    candidates = [
        action for action in scenario.actions if action.lead == lead and expected.of_kind(action)
    ]
    if any(expected.holds(action) for action in candidates):
        return None, []
    if candidates:
        got = "; ".join(describe_action(action, expected.shown) for action in candidates)
    else:
        got = f"no {expected.word} action for {lead}"
    return f"expected {describe_expectation(_with_lead(expected, lead))}, got {got}", [lead]


def _check_none(scenario: Scenario, expected: NoneExpected) -> tuple[str | None, list[str]]:
    found = [action for action in scenario.actions if expected.of_kind(action)]
    if not found:
        return None, []
    parts = ("lead", *EXPECTATIONS[expected.kind].shown)
    shown = "; ".join(describe_action(action, parts) for action in found)
    leads: list[str] = list(
        dict.fromkeys(action.lead for action in found if action.lead is not None)
    )
    return f"expected no {expected.kind} action, got {shown}", leads


def _explained(scenario: Scenario, leads: Iterable[str]) -> Sequence[str]:
    return [f"{_EXPLAINED}{line}" for lead in leads for line in scenario.explain(lead)]


def _with_lead(expected: LeadExpectation, lead: str) -> LeadExpectation:
    # The lead as its digits: what the actions listed after it carry.
    return attrs.evolve(expected, lead=lead)
