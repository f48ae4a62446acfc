"""
Finding trigger and follow-up phrases in messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import attrs

from convroute._arguments import iterable_argument, wrong_type
from convroute._blank import is_blank
from convroute._text import fold
from convroute.errors import ConfigError
from convroute.funnel._matcher_accelerated import accelerated_search
from convroute.funnel._matcher_index import python_search
from convroute.funnel._matcher_match import PhraseMatch, Search


# PhraseMatch lives with the engines that make it; the package takes it from here.
__all__ = ["MatcherBackend", "PhraseMatch", "TriggerMatcher"]


MatcherBackend = Literal["ahocorasick_rs", "python"]
"""
What finds the phrases: the compiled ``ahocorasick_rs`` (the ``fast``
extra) or convroute's own pure-Python index.
"""


@attrs.frozen
class TriggerMatcher:
    """
    Finds which of many phrases a message contains, built once per config.

    A phrase matches anywhere in a message, ignoring case, after both are
    put through `fold`; accents matter and every character is literal.
    When several match, the longest phrase wins, then the one found
    earliest, then the one given first.

    The time `find` takes grows with the message, not with the number of
    phrases.  When ``ahocorasick_rs`` is installed (the ``fast`` extra) its
    automaton finds the phrases; otherwise an index of convroute's own
    shortlists the few phrases a message may contain.  Both give the same
    answers.

    Attributes:
        phrases: The phrases, as given.
        engine: What finds the phrases: ``"ahocorasick_rs"`` or
            ``"python"``.
    """

    phrases: tuple[str, ...]
    engine: MatcherBackend = attrs.field(eq=False)
    _search: Search = attrs.field(alias="_search", repr=False, eq=False)

    @classmethod
    def from_phrases(cls, phrases: Iterable[str], *, accelerate: bool = True) -> TriggerMatcher:
        """
        Build a matcher.

        Args:
            phrases: The phrases, in configuration order.
            accelerate: Use ``ahocorasick_rs`` when it is installed;
                ``False`` always uses the pure-Python index.

        Raises:
            TypeError: When *phrases* is one string, a mapping or not
                iterable, a phrase is not a string, or *accelerate* is not
                a ``bool``.
            ConfigError: When a phrase is blank (empty, spaces or invisible
                characters only) or repeats an earlier one once folded,
                with a line for each such phrase.
        """
        if not isinstance(accelerate, bool):
            # "no" or None would otherwise be read as true or false, unsaid.
            raise wrong_type("accelerate", accelerate, "a bool")
        if isinstance(phrases, Mapping):
            raise wrong_type(
                "phrases",
                phrases,
                "an iterable of phrases (for values, KeywordMatcher.from_mapping)",
            )
        given = tuple(iterable_argument(phrases, "phrases", "phrases"))
        lowest_index = distinct_phrases(given)
        search = accelerated_search(lowest_index, given) if accelerate else None
        if search is not None:
            return cls(phrases=given, engine="ahocorasick_rs", _search=search)
        return cls(phrases=given, engine="python", _search=python_search(lowest_index, given))

    def __reduce__(self) -> tuple[object, ...]:
        # The search is a closure, which pickle cannot take: a matcher
        # travels as its phrases and is built again where it lands.
        return _rebuild, (self.phrases, self.engine == "ahocorasick_rs")

    def find(self, text: str) -> PhraseMatch | None:
        """
        Find the winning phrase in *text*.

        Args:
            text: A message.

        Returns:
            The winning match, or ``None`` when no phrase occurs.  Its
            ``start`` and ``end`` count in the folded message; its
            `PhraseMatch.span_in` the message as given gives the piece of
            *text* that matched.

        Raises:
            TypeError: When *text* is not a ``str``.
        """
        if not isinstance(text, str):
            raise wrong_type("text", text, "a str")
        return self._search(text)


def distinct_phrases(phrases: Sequence[str]) -> dict[str, int]:
    """
    Each phrase folded, with its position, after refusing blank and repeated ones.

    A blank phrase would be found in any message holding a space or a
    zero-width character; of two phrases that fold alike, the second
    could never be found.

    Args:
        phrases: The phrases as given.

    Returns:
        Each folded phrase and its position in *phrases*, in order.

    Raises:
        TypeError: When a phrase is not a string.
        ConfigError: With a line for each blank or repeated phrase.
    """
    positions: dict[str, int] = {}
    problems: list[str] = []
    for index, phrase in enumerate(phrases):
        if not isinstance(phrase, str):
            raise wrong_type(f"phrases[{index}]", phrase, "a str")
        if is_blank(phrase):
            problems.append(f"a phrase must not be blank, and it is {phrase!r} @ $[{index}]")
            continue
        folded = fold(phrase)
        earlier = positions.setdefault(folded, index)
        if earlier != index:
            problems.append(
                f"phrase {phrase!r} repeats phrase {earlier} {phrases[earlier]!r}"
                f" (case and normal form do not count) @ $[{index}]"
            )
    if problems:
        raise ConfigError(problems)
    return positions


def _rebuild(phrases: tuple[str, ...], accelerate: bool) -> TriggerMatcher:
    return TriggerMatcher.from_phrases(phrases, accelerate=accelerate)
