"""
Which translation a lead reads: BCP 47 tags, compared ignoring case.

A lead's ``pt-BR`` reads the ``pt-BR`` translation, then ``pt``'s, then the
default texts, text by text: a translation need give only the texts that
differ from those it falls back to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar


_T = TypeVar("_T")


def language_key(tag: str) -> str:
    """
    The form tags are compared in: lower case (``pt-BR`` → ``pt-br``).
    """
    return tag.lower()


def fallback_chain(tag: str) -> tuple[str, ...]:
    """
    The tags *tag* reads, most specific first, in compared form.

    ``zh-Hant-TW`` gives ``zh-hant-tw``, ``zh-hant``, ``zh``.
    """
    pieces = language_key(tag).split("-")
    return tuple(["-".join(pieces[:end]) for end in range(len(pieces), 0, -1)])


def pick_language(tag: str | None, known: Iterable[str]) -> str | None:
    """
    The most specific of the *known* languages (compared form) *tag* reads.

    Returns:
        A tag of *known*, or ``None`` for the default texts.
    """
    if tag is None:
        return None
    known = frozenset(known)
    return next((key for key in fallback_chain(tag) if key in known), None)


def by_language(translations: Mapping[str, _T]) -> dict[str, _T]:
    """
    *translations* keyed by compared tag; the first of two equal tags wins.
    """
    keyed: dict[str, _T] = {}
    for tag, translation in translations.items():
        keyed.setdefault(language_key(tag), translation)
    return keyed


def layers(tag: str, translations: Mapping[str, _T]) -> list[_T]:
    """
    The translations *tag* reads, least specific first, to lay over the default.

    Args:
        tag: A tag in compared form.
        translations: Translations keyed by compared tag (`by_language`).
    """
    return [translations[key] for key in reversed(fallback_chain(tag)) if key in translations]
