"""
The ids convroute derives from text, and the one way text is digested.

These ids are stable: stores keep them, hosts see them (an action's id, a
transition's id sent to Meta as its ``event_id``, a menu option's id sent to
WhatsApp and read back in a tap), so each is byte-for-byte what it has
always been.  Each is a SHA-256 digest of the text's UTF-8 (`utf8`), a
*version tag* first among its parts where there are several, so that two
kinds of id never share a digest.

One rule for text that is not Unicode, a lone surrogate (JSON's escapes can
write one, and a file read with ``errors="surrogateescape"`` holds one for
each byte that is not UTF-8): it is encoded as it is, so every text has an
id and making one never fails.  Refusing such text is the job of the check
where text enters a value (`convroute._frozen.unicode_text`), not of its id.

A leaf: it imports only the standard library, so that every package may use
it.
"""

from __future__ import annotations

import hashlib
import json

from collections.abc import Sequence
from json.encoder import encode_basestring


__all__ = [
    "action_id",
    "event_key",
    "json_key",
    "line_id",
    "new_opportunity_id",
    "option_digest",
    "transition_id",
    "utf8",
]


def action_id(event_id: str, index: int) -> str:
    """
    The stable id of the *index*-th action an event yields.

    Args:
        event_id: The event's id.
        index: The action's place among the event's actions, from 0.

    Returns:
        ``act-`` and 32 hex digits; the same event always yields the same
        ids, so a host can drop an action it has already carried out.
    """
    return "act-" + _hex(json_key(("convroute.action.v1", event_id, index)))[:32]


def new_opportunity_id(event_id: str) -> str:
    """
    The id of the opportunity an event creates (an event creates at most one).

    Returns:
        ``opp-`` and 24 hex digits, the same for the same event.
    """
    return "opp-" + _hex(json_key(("convroute.opportunity.v1", event_id)))[:24]


def transition_id(event_id: str, funnel: str, lead: str) -> str:
    """
    Derive the id of the transition an event causes for a lead in a funnel.

    The id is a digest, not the parts themselves: it leaves convroute as the
    Meta ``event_id``, and must not carry the lead's phone in clear.

    Args:
        event_id: The causing event's id: the WhatsApp message id, or the
            host's id of an outgoing message or a manual move.
        funnel: The funnel's name.
        lead: The lead's phone.

    Returns:
        ``tr-`` and 32 hex digits, the same for the same arguments.
    """
    return "tr-" + _hex(json_key(("convroute.transition.v1", event_id, funnel, lead)))[:32]


def option_digest(key: str) -> str:
    """
    The digest that makes a menu option's *key* (a label, an opportunity id) an id.

    Returns:
        20 hex digits: short, ASCII and without spaces, whatever the key.
    """
    return _hex(key)[:20]


def line_id(number: int, line: str) -> str:
    """
    The id of an event a simulate file's line *number* gives without one.

    Surrounding whitespace aside, the same line at the same place gives the
    same id, so that a file run twice against one store changes nothing the
    second time.

    Returns:
        ``line-``, the line's number, ``-`` and 16 hex digits.
    """
    return f"line-{number}-{_hex(line.strip())[:16]}"


def event_key(event: str) -> bytes:
    """
    The key a store keeps for the processed event id *event*: its SHA-256.

    A WhatsApp message id is opaque text of no fixed length, and it encodes
    the sender's phone.  Kept whole, a long one would be refused by a
    database's key index (PostgreSQL's b-tree takes about 2.7 KB), and
    erasing a lead would have to hunt for its phone inside them.  Its digest
    is 32 bytes, whatever the id, and says nothing of the phone.
    """
    return hashlib.sha256(utf8(event)).digest()


def utf8(text: str) -> bytes:
    """
    The bytes every digest of text is taken of: UTF-8, lone surrogates as they are.
    """
    return text.encode("utf-8", "surrogatepass")


def json_key(parts: Sequence[str | int]) -> str:
    """
    ``json.dumps(list(parts), ensure_ascii=False)``, without its cost per call.

    JSON keeps the parts apart whatever characters they hold.  `json.dumps`
    with any argument builds a new encoder each time; the ids derived per
    event and per action are JSON arrays of a few strings and whole numbers,
    written here as `json.dumps` writes them, so the text (and so the
    digest) is the same.  Other values are left to `json.dumps`.
    """
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(encode_basestring(part))
        elif type(part) is int:  # not a bool: JSON writes those as true/false
            pieces.append(str(part))
        else:
            return json.dumps(list(parts), ensure_ascii=False)
    return "[" + ", ".join(pieces) + "]"


def _hex(text: str) -> str:
    return hashlib.sha256(utf8(text)).hexdigest()
