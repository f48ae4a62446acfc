"""
Actions as a scenario reads them: the words of an expectation, typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from convroute.model import Phone
from convroute.state import OutboxItem


def _empty() -> Mapping[str, str]:
    return {}


@attrs.frozen
class ScenarioAction:
    """
    One action of a scenario, with the parts a test asks about.

    A part the action does not have is ``None`` (``{}`` for *fields*).

    Attributes:
        item: The outbox item delivered, with the action's JSON as `body`.
        type: The action's type: ``send``, ``assign``, ``reassign``,
            ``unassign``, ``unrouted``, ``create_opportunity``,
            ``enter_funnel``, ``transition``…
        lead: The phone of the lead it is about.
        user: Who was assigned (``assign``, ``reassign``).
        rule: The routing rule walked (the routing actions).
        target: The label of the target that assigned, e.g.
            ``chat_group:AI counsellors``.
        funnel: The funnel entered or moved in.
        source: The source a lead entered a funnel from.
        stage: The stage reached (``enter_funnel``, ``transition``).
        fields: A created opportunity's fields.
        text: What a ``send`` says: a text's body, or a menu's message.
        titles: The titles of the options a ``send`` of a menu shows, in
            order; empty for any other action.
    """

    item: OutboxItem = attrs.field(repr=False)
    type: str
    lead: Phone | None = None
    user: str | None = None
    rule: str | None = None
    target: str | None = None
    funnel: str | None = None
    source: str | None = None
    stage: str | None = None
    fields: Mapping[str, str] = attrs.field(factory=_empty, hash=False)
    text: str | None = None
    titles: tuple[str, ...] = ()

    @classmethod
    def of(cls, item: OutboxItem) -> ScenarioAction:
        """
        Read the parts of *item*'s action.
        """
        body = item.body
        opportunity: Mapping[str, Any] = body.get("opportunity") or {}
        created = item.type == "create_opportunity"
        return cls(
            item,
            item.type,
            lead=item.lead,
            user=body.get("user"),
            rule=body.get("rule"),
            target=body.get("target"),
            funnel=body.get("funnel"),
            source=body.get("source"),
            # A send's "to" is the lead's phone; a transition's, its stage.
            stage=None if item.type == "send" else body.get("to", body.get("stage")),
            fields=dict(opportunity.get("fields", {})) if created else {},
            text=_text(body.get("message")) if item.type == "send" else None,
            titles=_titles(body.get("message")) if item.type == "send" else (),
        )


def _text(message: Mapping[str, Any] | None) -> str | None:
    if not message:
        return None
    if message.get("type") == "text":
        text: str = message["text"]["body"]
        return text
    interactive = message.get("interactive") or {}
    said: str | None = (interactive.get("body") or {}).get("text")
    return said


def _titles(message: Mapping[str, Any] | None) -> tuple[str, ...]:
    interactive: Mapping[str, Any] = (message or {}).get("interactive") or {}
    action: Mapping[str, Any] = interactive.get("action") or {}
    buttons = [button["reply"]["title"] for button in action.get("buttons", ())]
    rows = [row["title"] for section in action.get("sections", ()) for row in section["rows"]]
    return (*buttons, *rows)
