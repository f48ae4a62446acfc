"""
When a number's messages to the lead are sent (docs/routing.md, "Messages to the lead").

The texts are the number's (`convroute.menus.LeadMessages`); this module
decides whether a conversation gets one now, and makes the ``send``.  Every
path that starts a wait or assigns a conversation (an incoming message, a
tick, a presence change) asks these two functions, so that the rules hold
the same everywhere.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Mapping
from typing import Final

from convroute.engine._actions import Send
from convroute.engine._compiled import Compiled
from convroute.menus import LeadMessages, render_text
from convroute.model import Lead, Opportunity, User
from convroute.state import Conversation


CUSTOMER_SERVICE_WINDOW: Final = dt.timedelta(hours=24)
"""
How long after the lead's last incoming message WhatsApp lets a business
send free-form messages (anything but a template) to them.
"""


def away_message(
    compiled: Compiled,
    conversation: Conversation,
    lead: Lead,
    *,
    opportunity: Opportunity | None,
    users: Mapping[str, User],
    at: dt.datetime,
) -> Send | None:
    """
    The away message to send for a conversation that waits, or ``None``.

    A waiting conversation gets its number's away message once per wait:
    ``None`` when the number has no mapping or no away message, when the
    message was sent during this wait already
    (`Conversation.away_message_sent`), or when the lead's last incoming
    message (`Conversation.last_incoming_at`) is 24 hours old or more at
    *at*, or not known: WhatsApp refuses free-form messages then, and the
    wait goes on silently.  The caller saves the conversation with
    ``away_message_sent`` set when this gives a send.

    Args:
        compiled: The config.
        conversation: The waiting conversation, as it is to be saved (for a
            message arriving now, its ``last_incoming_at`` is that
            message's time).
        lead: Its lead, for the mail merge.
        opportunity: The opportunity it is about, if any.
        users: The users by id, for ``{{owner.*}}``.
        at: When it would be sent: the time of the decision (``now``, a
            tick's time).

    Returns:
        A plain text ``send`` from the conversation's number to its lead.
    """
    if conversation.away_message_sent or not _in_window(conversation, at):
        return None
    messages = _messages(compiled, conversation)
    if messages is None:
        return None
    text = messages.away(lead, opportunity=opportunity, owner=_owner(opportunity, users))
    return None if text is None else _send(conversation, text)


def assigned_message(
    compiled: Compiled,
    conversation: Conversation,
    lead: Lead,
    *,
    opportunity: Opportunity | None,
    users: Mapping[str, User],
    at: dt.datetime,
) -> Send | None:
    """
    The assigned message to send for a conversation just assigned, or ``None``.

    Every assignment and reassignment gets its number's assigned message,
    naming the new assignee (``{{user.name}}``): ``None`` when the
    conversation has no assignee, when its number has no mapping or no
    assigned message, or when the lead's last incoming message
    (`Conversation.last_incoming_at`) is 24 hours old or more at *at*, or
    not known (WhatsApp refuses free-form messages then).

    Args:
        compiled: The config.
        conversation: The conversation as assigned, its ``assignee`` the
            user taking it.
        lead: Its lead, for the mail merge.
        opportunity: The opportunity it is about, if any.
        users: The users by id, for ``{{user.*}}`` and ``{{owner.*}}``; an
            assignee not among them merges to the fallbacks.
        at: When it would be sent: the time of the decision (``now``, a
            tick's time).

    Returns:
        A plain text ``send`` from the conversation's number to its lead.
    """
    assignee = conversation.assignee
    if assignee is None or not _in_window(conversation, at):
        return None
    messages = _messages(compiled, conversation)
    if messages is None:
        return None
    text = messages.assigned(
        lead, users.get(assignee), opportunity=opportunity, owner=_owner(opportunity, users)
    )
    return None if text is None else _send(conversation, text)


def _in_window(conversation: Conversation, at: dt.datetime) -> bool:
    last = conversation.last_incoming_at
    return last is not None and at - last < CUSTOMER_SERVICE_WINDOW


def _messages(compiled: Compiled, conversation: Conversation) -> LeadMessages | None:
    number = compiled.numbers.get(conversation.number)
    return None if number is None else compiled.messages_of(number)


def _owner(opportunity: Opportunity | None, users: Mapping[str, User]) -> User | None:
    owner = None if opportunity is None else opportunity.owner
    return None if owner is None else users.get(owner)


def _send(conversation: Conversation, text: str) -> Send:
    return Send(
        to=conversation.lead,
        from_=conversation.number,
        message=render_text(text, conversation.lead),
    )
