"""
Building a `Config` from raw data section by section.

A wrong value in one entry (a user, a rule, a number…) leaves that entry out
and is reported; the entries that do build are still checked, so that one
run of ``convroute check`` reports every problem of a file.  What was left
out is kept in `Gaps`, for the checks of the rest: an entry left out is
still known by its name, and problems keep the entries' positions in the
file.
"""

from __future__ import annotations

import typing

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from convroute.config._config import Config
from convroute.config._converter import phones_read_in, structure, structure_country_code
from convroute.config._invalid import describe_keys
from convroute.errors import ConfigError


_T = TypeVar("_T")

# The list sections, and the key naming each entry for the references of
# other sections (numbers and funnels are not referred to by name).
_SECTIONS: dict[str, str | None] = {
    "schedules": "name",
    "users": "id",
    "chat_groups": "name",
    "routing_rules": "name",
    "opportunity_types": "name",
    "numbers": None,
    "funnels": None,
}

_FIELD_TYPES = typing.get_type_hints(Config)


@attrs.frozen
class Gaps:
    """
    What building a configuration left out, for the checks of the rest.

    Attributes:
        positions: For each list section, the position in the file of each
            entry kept; a section not named here kept every entry.
        lost_names: For each list section, the names of the entries left out.
        lost_keys: The top-level keys whose values were left out.
    """

    positions: Mapping[str, tuple[int, ...]] = attrs.Factory(dict)
    lost_names: Mapping[str, frozenset[str]] = attrs.Factory(dict)
    lost_keys: frozenset[str] = frozenset()

    def entries(self, section: str, items: Iterable[_T]) -> Iterator[tuple[int, _T]]:
        """
        Pair each entry of *section* kept with its position in the file.
        """
        positions = self.positions.get(section)
        return enumerate(items) if positions is None else zip(positions, items, strict=True)

    def names(self, section: str) -> frozenset[str]:
        """
        The names of the entries of *section* left out.
        """
        return self.lost_names.get(section, frozenset())


def structure_config(raw: Mapping[Any, Any]) -> tuple[Config, Gaps, list[str]]:
    """
    Build what can be built of *raw*, and say what could not.

    Args:
        raw: The parsed file.

    Returns:
        The configuration of every value that could be read, what was left
        out, and the problems found, each with its path.
    """
    problems: list[str] = []
    unknown = [key for key in raw if key not in _FIELD_TYPES]
    if unknown:
        problems.append(f"unknown key(s): {describe_keys(unknown)} @ $")
    values: dict[str, Any] = {}
    positions: dict[str, tuple[int, ...]] = {}
    lost_names: dict[str, frozenset[str]] = {}
    lost_keys: set[str] = set()
    # Every phone of the file is read in the account's country, if it has one.
    code = None
    if raw.get("default_country_code") is not None:
        try:
            code = values["default_country_code"] = structure_country_code(
                raw["default_country_code"]
            )
        except ConfigError as error:
            problems.extend(error.errors)
            lost_keys.add("default_country_code")
    with phones_read_in(code):
        _structure_fields(raw, values, positions, lost_names, lost_keys, problems)
    gaps = Gaps(positions=positions, lost_names=lost_names, lost_keys=frozenset(lost_keys))
    return Config(**values), gaps, problems


def _structure_fields(  # noqa: PLR0917 - the accumulators of one pass
    raw: Mapping[Any, Any],
    values: dict[str, Any],
    positions: dict[str, tuple[int, ...]],
    lost_names: dict[str, frozenset[str]],
    lost_keys: set[str],
    problems: list[str],
) -> None:
    for name, type_ in _FIELD_TYPES.items():
        if name not in raw or name in values or name in lost_keys:
            continue
        value = raw[name]
        if name in _SECTIONS and _is_list(value):
            element_type = typing.get_args(type_)[0]
            kept: list[tuple[int, Any]] = []
            lost: set[str] = set()
            for i, item in enumerate(value):
                try:
                    kept.append((i, structure(item, element_type, f"$.{name}[{i}]")))
                except ConfigError as error:
                    problems.extend(error.errors)
                    lost.update(_name_of(item, _SECTIONS[name]))
            values[name] = tuple(entry for _, entry in kept)
            positions[name] = tuple(i for i, _ in kept)
            lost_names[name] = frozenset(lost)
            continue
        try:
            values[name] = structure(value, type_, f"$.{name}")
        except ConfigError as error:
            problems.extend(error.errors)
            lost_keys.add(name)


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _name_of(item: object, key: str | None) -> Iterable[str]:
    if key is not None and isinstance(item, Mapping):
        name = item.get(key)
        if isinstance(name, str):
            yield name
