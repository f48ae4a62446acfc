"""
A click-to-WhatsApp ad's click id (``ctwa_clid``), as every reader keeps it.
"""

from __future__ import annotations

from convroute._blank import is_blank
from convroute._frozen import optional_unicode_text


def click_id(value: str | None) -> str | None:
    """
    Keep a message's click id; an empty or blank one is none.

    An empty click id attributes nothing, and Meta must not receive one in
    a Conversions API event: it is no click, however the message came
    (a webhook, a simulate line, a host's own event).

    Args:
        value: The click id given, or ``None``.

    Returns:
        *value*, or ``None`` when it is blank: empty, spaces or invisible
        characters only.

    Raises:
        TextError: When *value* holds a lone surrogate.
    """
    text = optional_unicode_text(value)
    return None if text is None or is_blank(text) else text
