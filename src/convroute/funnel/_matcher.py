"""
Finding trigger and follow-up phrases in messages.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from convroute.funnel._text import fold


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


@attrs.frozen
class TriggerMatcher:
    """
    Finds which of many phrases a message contains, built once per config.

    A phrase matches anywhere in a message, ignoring case, after both are
    put through `fold`; accents matter and every character is literal.
    When several match, the longest phrase wins, then the one found
    earliest, then the one given first.

    Attributes:
        phrases: The phrases, as given.
    """

    phrases: tuple[str, ...]
    _folded: tuple[str, ...] = attrs.field(alias="_folded", repr=False, eq=False)

    @classmethod
    def from_phrases(cls, phrases: Iterable[str]) -> TriggerMatcher:
        """
        Build a matcher.

        Args:
            phrases: The phrases, in configuration order.

        Raises:
            ValueError: When a phrase is empty once folded.
        """
        given = tuple(phrases)
        folded = tuple(fold(phrase) for phrase in given)
        for index, phrase in enumerate(folded):
            if not phrase:
                raise ValueError(f"phrase {index} is empty")
        return cls(phrases=given, _folded=folded)

    def find(self, text: str) -> PhraseMatch | None:
        """
        Find the winning phrase in *text*.

        Args:
            text: A message.

        Returns:
            The winning match, or ``None`` when no phrase occurs.
        """
        message = fold(text)
        best: tuple[int, int, int] | None = None
        for index, phrase in enumerate(self._folded):
            start = message.find(phrase)
            if start < 0:
                continue
            key = (-len(phrase), start, index)
            if best is None or key < best:
                best = key
        if best is None:
            return None
        length, start, index = -best[0], best[1], best[2]
        return PhraseMatch(index=index, phrase=self.phrases[index], start=start, end=start + length)
