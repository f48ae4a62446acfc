"""
Finding trigger and follow-up phrases in messages.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from convroute.funnel._matcher_index import PhraseIndex, build_index
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

    The time `find` takes grows with the message, not with the number of
    phrases: an index shortlists the few phrases a message may contain.

    Attributes:
        phrases: The phrases, as given.
    """

    phrases: tuple[str, ...]
    _index: PhraseIndex = attrs.field(alias="_index", repr=False, eq=False)

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
        lowest_index: dict[str, int] = {}
        for index, phrase in enumerate(given):
            folded = fold(phrase)
            if not folded:
                raise ValueError(f"phrase {index} is empty")
            # A later copy of a folded phrase never wins over the first.
            lowest_index.setdefault(folded, index)
        return cls(phrases=given, _index=build_index(lowest_index))

    def find(self, text: str) -> PhraseMatch | None:
        """
        Find the winning phrase in *text*.

        Args:
            text: A message.

        Returns:
            The winning match, or ``None`` when no phrase occurs.
        """
        best = self._index.best(fold(text))
        if best is None:
            return None
        length, start, index = -best[0], best[1], best[2]
        return PhraseMatch(index=index, phrase=self.phrases[index], start=start, end=start + length)
