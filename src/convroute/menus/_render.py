"""
Rendering a menu as a WhatsApp Cloud API message body.
"""

from __future__ import annotations

from typing import Any

from convroute._arguments import instance_argument, wrong_type
from convroute.menus._model import Menu
from convroute.model import Phone, lead_phone


def render_menu(menu: Menu, to: Phone) -> dict[str, Any]:
    """
    Render *menu* as the body of a Cloud API ``messages`` request.

    The menu already fits WhatsApp's limits, so the payload is accepted as
    it is: reply buttons for the ``buttons`` layout, otherwise a list of one
    section (a section title is needed only with two or more).

    Args:
        menu: The menu to send.
        to: The lead's phone, normalised as an incoming message's phones
            are: ``+1 (555) 765-4321`` is sent to ``15557654321``.

    Returns:
        A JSON-ready mapping: ``messaging_product``, ``recipient_type``,
        ``to``, ``type: interactive`` and the ``interactive`` object.

    Raises:
        PhoneNumberError: When *to* is no phone.
        TypeError: When *menu* is not a `Menu` or *to* not a ``str``.
    """
    instance_argument(menu, Menu, "menu")
    if not isinstance(to, str):
        raise wrong_type("to", to, "a phone as a str")
    recipient = lead_phone(to)
    interactive: dict[str, Any] = {"type": "button" if menu.layout == "buttons" else "list"}
    if menu.header is not None:
        interactive["header"] = {"type": "text", "text": menu.header}
    interactive["body"] = {"text": menu.body}
    if menu.footer is not None:
        interactive["footer"] = {"text": menu.footer}
    if menu.layout == "buttons":
        interactive["action"] = {
            "buttons": [
                {"type": "reply", "reply": {"id": option.id, "title": option.title}}
                for option in menu.options
            ]
        }
    else:
        rows = []
        for option in menu.options:
            row = {"id": option.id, "title": option.title}
            if option.description is not None:
                row["description"] = option.description
            rows.append(row)
        interactive["action"] = {"button": menu.list_button, "sections": [{"rows": rows}]}
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        "type": "interactive",
        "interactive": interactive,
    }


def render_text(text: str, to: Phone) -> dict[str, Any]:
    """
    Render *text* as the body of a Cloud API ``messages`` request.

    Args:
        text: The message, already fitted to WhatsApp's 4 096 characters.
        to: The lead's phone, normalised as `render_menu`'s.

    Returns:
        A JSON-ready mapping: ``messaging_product``, ``recipient_type``,
        ``to``, ``type: text`` and the ``text`` object with its ``body``.

    Raises:
        PhoneNumberError: When *to* is no phone.
    """
    recipient = lead_phone(to)
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        "type": "text",
        "text": {"body": text},
    }
