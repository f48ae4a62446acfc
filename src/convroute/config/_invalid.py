"""
The signal of a configuration value convroute rejects.
"""

from __future__ import annotations

from collections.abc import Iterable


class InvalidValue(ValueError):  # noqa: N818 - an internal signal, never raised to users
    """
    A value convroute rejects, with the readable message to report.
    """


def describe_keys(keys: Iterable[object]) -> str:
    """
    Name unknown keys, which YAML allows to be numbers or null as well as text.
    """
    return ", ".join(sorted(map(str, keys)))
