"""
Decisions in words: one readable line per target the resolver tried.
"""

from __future__ import annotations

from collections.abc import Mapping

from convroute._text import one_line
from convroute.routing._availability import SkipReason
from convroute.routing._round_robin import Candidate
from convroute.routing._rules import Admin, Target


_WORDS: Mapping[SkipReason, str] = {
    SkipReason.NO_OPPORTUNITY: "no opportunity",
    SkipReason.NO_LEAD: "no lead",
    SkipReason.NO_OWNER: "no owner",
    SkipReason.UNKNOWN_USER: "unknown user",
    SkipReason.HELD_BEFORE: "held this conversation before",
    SkipReason.UNKNOWN_GROUP: "unknown chat group",
    SkipReason.INACTIVE: "inactive",
    SkipReason.UNAVAILABLE: "unavailable",
    SkipReason.OFF_HOURS: "off hours",
    SkipReason.AT_CAPACITY: "at capacity",
    SkipReason.NO_MEMBER_AVAILABLE: "no member available",
}
"""
How each reason reads in a line.
"""


def explain_step(
    target: Target,
    user: str | None,
    reason: SkipReason | None,
    skipped: tuple[Candidate, ...],
    names: Mapping[str, str],
) -> str:
    """
    One trace step as a line: ``<target label>: <what came of it>``.

    Args:
        target: The target tried; it is named by its label, as actions
            name it.
        user: The user picked, or the one user the target named.
        reason: Why the target was skipped; ``None`` when it picked *user*.
        skipped: The round-robin members passed over.
        names: Display names by user id; a user missing here is shown by id.

    Returns:
        The line, without a line break: one in a display name or a chat
        group's name is a space, as a title's is.
    """
    return one_line(_step_line(target, user, reason, skipped, names))


def _step_line(
    target: Target,
    user: str | None,
    reason: SkipReason | None,
    skipped: tuple[Candidate, ...],
    names: Mapping[str, str],
) -> str:
    passed = _passed_over(skipped, names)
    if reason is None:
        said = f"picked {_person(user, names)}"
        return (
            f"{target.label}: {said}, passed over {passed}" if passed else f"{target.label}: {said}"
        )
    words = _WORDS[reason]
    if reason is SkipReason.NO_MEMBER_AVAILABLE and isinstance(target, Admin):
        words = "no admin available"
    if user is not None:
        words = f"{_person(user, names)} {_verb(reason)}{words}"
    if passed:
        words = f"{words} ({passed})"
    return f"{target.label}: skipped, {words}"


def _verb(reason: SkipReason) -> str:
    # "u-asha is unavailable", but "u-asha held this conversation before".
    if reason is SkipReason.HELD_BEFORE:
        return ""
    if reason is SkipReason.UNKNOWN_USER:
        return "is an "
    return "is "


def _passed_over(skipped: tuple[Candidate, ...], names: Mapping[str, str]) -> str:
    return ", ".join([f"{_person(c.user, names)} {_WORDS[c.reason]}" for c in skipped])


def _person(user: str | None, names: Mapping[str, str]) -> str:
    if user is None:
        return "nobody"
    name = names.get(user)
    return user if name is None else f"{name} ({user})"
