"""
Click-to-WhatsApp ads: the referral a lead's message carries.
"""

from __future__ import annotations

import attrs

from convroute._frozen import optional_unicode_text


@attrs.frozen
class AdReferral:
    """
    The click-to-WhatsApp ad (or post) a lead's message came from.

    WhatsApp adds it to the first message a lead sends after tapping an
    ad; its click id (``ctwa_clid``) travels beside it, on the message.

    Attributes:
        source_id: The ad's id (the referral's ``source_id``), if given.
        source_type: ``ad`` or ``post``, as WhatsApp says, if given.
        headline: The ad's headline, if given.
    """

    source_id: str | None = attrs.field(default=None, converter=optional_unicode_text)
    source_type: str | None = attrs.field(default=None, converter=optional_unicode_text)
    headline: str | None = attrs.field(default=None, converter=optional_unicode_text)
