"""
What a matcher finds, shared by its engines.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs


@attrs.frozen
class PhraseMatch:
    """
    The phrase that wins in a message.

    Attributes:
        index: The phrase's position in the list the matcher was built from.
        phrase: The phrase as it was given.
        start: Where it starts in the folded message (see `fold`).
        end: Where it ends in the folded message.
    """

    index: int
    phrase: str
    start: int
    end: int


Search = Callable[[str], PhraseMatch | None]
"""
An engine's search: from a message as received to its winner, or ``None``.
"""
