"""
Datetimes as the stores compare them: as integers for SQLite (and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def to_micros(value: dt.datetime) -> int:
    """
    The microseconds from the Unix epoch to *value*, exactly.

    SQLite compares these integers in the order of the instants, whatever
    offsets the datetimes were written with; ISO text would not sort so.

    Args:
        value: An aware datetime.

    Returns:
        Whole microseconds since 1970-01-01T00:00:00Z.
    """
    return (value - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> dt.datetime:
    """
    The instant *value* microseconds after the Unix epoch, in UTC: `to_micros` undone.
    """
    return _EPOCH + value * _MICROSECOND
