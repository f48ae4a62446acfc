"""
The Cloud API ids of business numbers: remembered, and carried by every send.

A transport posts a message to ``/{phone_number_id}/messages``.  The id of
a number is the config's when it declares one; else the one the event
being decided gives for its number (a webhook's ``metadata``); else the
one a webhook gave before, as the store remembers it.
"""

from __future__ import annotations

import attrs

from convroute.engine._actions import Action, Send
from convroute.engine._changes import Outcome, SavePhoneNumberId, Snapshot
from convroute.engine._compiled import Compiled
from convroute.engine._events import Event, IncomingMessage, OutgoingMessage, Tick
from convroute.model import Phone


def with_phone_number_ids(
    compiled: Compiled, snapshot: Snapshot, event: Event | Tick, outcome: Outcome
) -> Outcome:
    """
    *outcome* with each send's ``phone_number_id``, and the event's remembered.

    Args:
        compiled: The account's compiled config.
        snapshot: The snapshot decided with: its ``phone_number_ids`` are
            read only when a send needs them.
        event: The event decided.
        outcome: What the engine decided for it.

    Returns:
        The outcome, its sends carrying the id of the number they are sent
        from when one is known, and, when the event gives an id the config
        does not declare and the store does not hold, a change that
        remembers it.
    """
    given: tuple[Phone, str] | None = None
    if isinstance(event, IncomingMessage | OutgoingMessage) and event.phone_number_id is not None:
        given = (event.number, event.phone_number_id)
    changes = outcome.changes
    if given is not None and _configured(compiled, given[0]) is None:
        number, phone_number_id = given
        if snapshot.phone_number_ids.get(number) != phone_number_id:
            changes = (*changes, SavePhoneNumberId(number, phone_number_id))
    if not any(type(action) is Send for action in outcome.actions):
        return outcome if changes is outcome.changes else attrs.evolve(outcome, changes=changes)
    actions = tuple(_stamped(compiled, snapshot, given, action) for action in outcome.actions)
    return attrs.evolve(outcome, changes=changes, actions=actions)


def _stamped(
    compiled: Compiled, snapshot: Snapshot, given: tuple[Phone, str] | None, action: Action
) -> Action:
    if type(action) is not Send or action.phone_number_id is not None:
        return action
    number = action.from_
    found = _configured(compiled, number)
    if found is None and given is not None and given[0] == number:
        found = given[1]
    if found is None:
        found = snapshot.phone_number_ids.get(number)
    return action if found is None else attrs.evolve(action, phone_number_id=found)


def _configured(compiled: Compiled, number: Phone) -> str | None:
    known = compiled.numbers.get(number)
    return None if known is None else known.phone_number_id
