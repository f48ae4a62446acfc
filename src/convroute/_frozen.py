"""
Named converters and validators shared by frozen value objects.
"""

from __future__ import annotations

import datetime as dt
import types

from collections.abc import Iterable, Mapping
from typing import Any

import attrs


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


def require_aware(
    _instance: object, attribute: attrs.Attribute[Any], value: dt.datetime | None
) -> None:
    """
    Refuse a naive datetime (``None`` passes): an attrs validator.

    Raises:
        ValueError: When *value* has no time zone.
    """
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be an aware datetime (with a time zone): {value}")
