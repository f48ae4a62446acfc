"""
The host's own records of opportunities: upserts, replacements, removals.

A CRM keeps opportunities of its own, and the record it makes for an
opportunity convroute asked it to create has the CRM's id, not
convroute's.  An update that ``replaces`` a convroute id moves everything
that names the old id to the record: the lead's conversations about it,
the options of a pending second menu (their ids, what the lead taps, are
kept), and so later board moves; the old opportunity is forgotten.
"""

from __future__ import annotations

from typing import assert_never

import attrs

from convroute.engine._changes import (
    Change,
    Outcome,
    RemoveOpportunity,
    SaveConversation,
    SaveLead,
    SaveOpportunity,
    Snapshot,
)
from convroute.engine._events import DeleteOpportunity, UpdateOpportunity
from convroute.menus import Menu, OptionKind
from convroute.model import Lead, Opportunity
from convroute.state import Conversation


def host_opportunity(snapshot: Snapshot, event: UpdateOpportunity | DeleteOpportunity) -> Outcome:
    """
    Decide the host's update or removal of an opportunity.
    """
    match event:
        case UpdateOpportunity():
            return update_opportunity(snapshot, event)
        case DeleteOpportunity():
            return delete_opportunity(snapshot, event)
        case _:  # pragma: no cover - the match above is exhaustive
            assert_never(event)


def update_opportunity(snapshot: Snapshot, event: UpdateOpportunity) -> Outcome:
    """
    Store the host's opportunity; follow it from the one it replaces, if any.

    The record replaces the stored opportunity of its id.  When it
    ``replaces`` another of the lead's opportunities and gives no owner, it
    keeps the replaced one's owner: the person the lead was routed to.
    """
    changes: list[Change] = []
    notes: list[str] = []
    if snapshot.lead is None:
        changes.append(SaveLead(Lead(phone=event.lead)))
    opportunity = event.opportunity
    replaced = event.replaces
    if replaced is not None and replaced != opportunity.id:
        old = next((o for o in snapshot.opportunities if o.id == replaced), None)
        if old is None:
            notes.append(f"opportunity {replaced} to replace is not the lead's: none forgotten")
        else:
            opportunity = _inheriting(opportunity, old)
            changes.append(RemoveOpportunity(event.lead, replaced))
        changes.extend(
            SaveConversation(followed)
            for followed in _following(snapshot.conversations, replaced, opportunity.id)
        )
    changes.append(SaveOpportunity(event.lead, opportunity))
    return Outcome(changes=changes, notes=notes)


def delete_opportunity(snapshot: Snapshot, event: DeleteOpportunity) -> Outcome:
    """
    Forget the opportunity of the removal's id, wherever the lead.

    An unknown id changes nothing, and says so in a note.
    """
    lead = snapshot.lead
    if lead is None or all(o.id != event.opportunity for o in snapshot.opportunities):
        return Outcome(notes=[f"opportunity {event.opportunity} is unknown: nothing removed"])
    return Outcome(changes=[RemoveOpportunity(lead.phone, event.opportunity)])


def _inheriting(record: Opportunity, old: Opportunity) -> Opportunity:
    if record.owner is not None or old.owner is None:
        return record
    return record.owned_by(old.owner)


def _following(
    conversations: tuple[Conversation, ...], replaced: str, record: str
) -> list[Conversation]:
    followed = []
    for conversation in conversations:
        changed = conversation
        if conversation.opportunity == replaced:
            changed = attrs.evolve(changed, opportunity=record)
        menu = conversation.menu
        if menu is not None:
            renamed = _renamed(menu, replaced, record)
            if renamed is not menu:
                changed = attrs.evolve(changed, menu=renamed)
        if changed is not conversation:
            followed.append(changed)
    return followed


def _renamed(menu: Menu, replaced: str, record: str) -> Menu:
    # The option keeps its id, the one the lead taps; its key now names the
    # record.  A menu that offers the record already keeps its option for
    # the replaced one as it is: tapped, it is gone, and the menu is built
    # again.
    keys = {option.key for option in menu.options if option.kind is OptionKind.OPPORTUNITY}
    if replaced not in keys and replaced not in menu.left_out:
        return menu
    options = menu.options
    if record not in keys:
        options = tuple(
            attrs.evolve(option, key=record)
            if option.kind is OptionKind.OPPORTUNITY and option.key == replaced
            else option
            for option in options
        )
    left_out = tuple(
        record if ident == replaced and record not in menu.left_out else ident
        for ident in menu.left_out
    )
    return attrs.evolve(menu, options=options, left_out=left_out)
