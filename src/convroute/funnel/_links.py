"""
Click-to-chat links: a wa.me link per trigger.

Opening one starts a chat with the business number, the phrase already typed.
"""

from __future__ import annotations

import urllib.parse

from collections.abc import Iterable

import attrs

from convroute.funnel._settings import Funnel, Trigger
from convroute.model import normalize_phone


@attrs.frozen
class TriggerLink:
    """
    A trigger's click-to-chat link.

    Attributes:
        funnel: The funnel's name.
        trigger: The trigger.
        url: ``https://wa.me/<digits>?text=<url-encoded phrase>``.
    """

    funnel: str
    trigger: Trigger
    url: str


def click_to_chat_link(number: str, text: str) -> str:
    """
    Make a WhatsApp click-to-chat link that opens a chat with *text* typed.

    Args:
        number: The business number, written any usual way.
        text: The message to prefill; every character but letters, digits
            and ``_.-~`` is percent-encoded as UTF-8 (spaces as ``%20``).

    Returns:
        ``https://wa.me/<digits>?text=<url-encoded text>``.

    Raises:
        PhoneNumberError: When *number* is not a phone number.
    """
    digits = normalize_phone(number)
    return f"https://wa.me/{digits}?text={urllib.parse.quote(text, safe='')}"


def trigger_links(funnels: Iterable[Funnel]) -> tuple[TriggerLink, ...]:
    """
    List the click-to-chat link of every trigger of *funnels*.

    Args:
        funnels: The funnels (`Config.funnels`).

    Returns:
        One link per trigger, in configuration order.
    """
    return tuple(
        TriggerLink(
            funnel=funnel.name,
            trigger=trigger,
            url=click_to_chat_link(trigger.number, trigger.phrase),
        )
        for funnel in funnels
        for stage in funnel.stages[:1]
        for trigger in stage.triggers
    )
