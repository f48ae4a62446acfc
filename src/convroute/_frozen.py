"""
Named converters that freeze collections given to frozen value objects.
"""

from __future__ import annotations

import types

from collections.abc import Iterable, Mapping


# Each converter has concrete types: mypy's attrs plugin cannot carry a
# generic converter's type over to the generated __init__.


def str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    """
    Freeze an iterable of strings into a tuple.
    """
    return tuple(values)


def read_only_mapping(mapping: Mapping[str, str]) -> Mapping[str, str]:
    """
    Copy *mapping* into a read-only mapping nobody else holds.
    """
    return types.MappingProxyType(dict(mapping))


def read_only_choices(mapping: Mapping[str, Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    """
    Copy a mapping of choices into a read-only mapping of tuples.
    """
    return types.MappingProxyType({name: tuple(choices) for name, choices in mapping.items()})
