"""
How the stores keep a processed event's id: as its SHA-256 digest.

A WhatsApp message id is opaque text of no fixed length, and it encodes the
sender's phone.  Kept whole, a long one would be refused by a database's
key index (PostgreSQL's b-tree takes about 2.7 KB), and erasing a lead
would have to hunt for its phone inside them.  Its digest is 32 bytes,
whatever the id, and says nothing of the phone.
"""

from __future__ import annotations

import hashlib


__all__ = ["SQL_FUNCTION", "event_key"]


SQL_FUNCTION = "convroute_event_key"
"""
The name under which the SQLite store's schema steps call `event_key`.
"""


def event_key(event: str) -> bytes:
    """
    The key a store keeps for the event id *event*: the SHA-256 of its UTF-8.

    Lone surrogates (which JSON's escapes can make) are encoded as they
    are, so that every id has a key.
    """
    return hashlib.sha256(event.encode("utf-8", "surrogatepass")).digest()
