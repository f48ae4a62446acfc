"""
What a matcher finds, shared by its engines.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from convroute._text import original_span


@attrs.frozen
class PhraseMatch:
    """
    The phrase that wins in a message.

    Attributes:
        index: The phrase's position in the list the matcher was built from.
        phrase: The phrase as it was given.
        start: Where it starts in the folded message (see `fold`), which
            is not where it starts in the message as given when folding
            changed the message's length: use `span_in` for that.
        end: Where it ends in the folded message.
    """

    index: int
    phrase: str
    start: int
    end: int

    def span_in(self, text: str) -> tuple[int, int]:
        """
        Where the match is in *text*, the message it was found in, as given.

        ``text[slice(*match.span_in(text))]`` is the piece that matched,
        even when folding changed the length of *text* (an NFD message,
        ``ß``, a ligature).  A match starting or ending inside what one
        character folds to (``s`` out of ``ß``) takes the whole character.

        Args:
            text: The message given to `TriggerMatcher.find`.

        Returns:
            ``(start, end)`` in *text*, as `re.Match.span` gives them.
        """
        return original_span(text, self.start, self.end)


Search = Callable[[str], PhraseMatch | None]
"""
An engine's search: from a message as received to its winner, or ``None``.
"""
