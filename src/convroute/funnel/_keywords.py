"""
Keywords with values: a bot's phrases, each standing for something.
"""

from __future__ import annotations

import types

from collections.abc import Mapping
from typing import Generic, TypeVar

import attrs

from convroute._arguments import wrong_type
from convroute.funnel._matcher import TriggerMatcher


T = TypeVar("T")


@attrs.frozen
class KeywordHit(Generic[T]):
    """
    The keyword found in a text, and what it stands for.

    Attributes:
        value: The keyword's value, as given.
        phrase: The keyword as given.
        span: ``(start, end)`` of the matched piece in the text as given,
            as `re.Match.span` gives them: ``text[start:end]`` is the
            piece, whatever folding did to the text's length.
    """

    value: T
    phrase: str
    span: tuple[int, int]


@attrs.frozen
class KeywordMatcher(Generic[T]):
    """
    Finds which of many keywords a text contains, and gives its value.

    Keywords are found as trigger phrases are (see `TriggerMatcher`, which
    does the finding): anywhere in the text, ignoring case and normal
    form, accents and every other character as written; of several, the
    longest wins, then the one found earliest, then the one given first.
    Unlike trigger phrases in a configuration, keywords may hold emoji.

    Attributes:
        keywords: The keywords and their values, in the order given.
        matcher: The matcher of the keywords.
    """

    keywords: Mapping[str, T] = attrs.field(hash=False)
    matcher: TriggerMatcher
    _values: tuple[T, ...] = attrs.field(alias="_values", repr=False, eq=False)

    @classmethod
    def from_mapping(
        cls, keywords: Mapping[str, T], *, accelerate: bool = True
    ) -> KeywordMatcher[T]:
        """
        Build a matcher of *keywords*.

        Args:
            keywords: Each keyword phrase and its value, in order of
                precedence among equals.
            accelerate: Use ``ahocorasick_rs`` when it is installed;
                ``False`` always uses the pure-Python index.

        Returns:
            The matcher.

        Raises:
            TypeError: When *keywords* is not a mapping, a keyword is not
                a string, or *accelerate* is not a ``bool``.
            ConfigError: When a phrase is blank (empty, spaces or
                invisible characters only) or repeats another once case
                and normal form are set aside.
        """
        if not isinstance(keywords, Mapping):
            raise wrong_type("keywords", keywords, "a mapping of phrases to values")
        copy = dict(keywords)
        for at, phrase in enumerate(copy):
            if not isinstance(phrase, str):
                raise wrong_type(f"keywords' phrase {at}", phrase, "a str")
        matcher = TriggerMatcher.from_phrases(tuple(copy), accelerate=accelerate)
        return cls(types.MappingProxyType(copy), matcher, _values=tuple(copy.values()))

    def __reduce__(self) -> tuple[object, ...]:
        # The mapping proxy cannot be pickled: a matcher travels as its
        # keywords and is built again where it lands.
        return _rebuild, (dict(self.keywords), self.matcher.engine == "ahocorasick_rs")

    def find(self, text: str) -> KeywordHit[T] | None:
        """
        Find the winning keyword in *text*.

        Args:
            text: A message, as received.

        Returns:
            The keyword found, its value and where it is in *text*; ``None``
            when no keyword occurs.

        Raises:
            TypeError: When *text* is not a ``str``.
        """
        match = self.matcher.find(text)
        if match is None:
            return None
        return KeywordHit(self._values[match.index], match.phrase, match.span_in(text))


def _rebuild(keywords: dict[str, T], accelerate: bool) -> KeywordMatcher[T]:
    return KeywordMatcher.from_mapping(keywords, accelerate=accelerate)
