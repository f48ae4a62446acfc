"""
Opening hours within a week: days, intervals of local wall-clock time.

The parts a `Schedule` is made of, and the checks of them that the
configuration reports at their paths.
"""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from convroute._arguments import field_name, wrong_type


DAY_SECONDS = 86_400
"""
The seconds of a day, by the local clock.
"""

# Not a zone but the machine's own: hours would differ between machines.
_MACHINE_ZONE = "localtime"


class Weekday(enum.IntEnum):
    """
    A day of the week, numbered as `datetime.date.weekday` numbers them.

    The configuration names them by their lower-case names: ``mon`` … ``sun``.
    """

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @property
    def key(self) -> str:
        """
        The day's name in the configuration, e.g. ``"mon"``.
        """
        return self.name.lower()


def _whole_minute(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    name = field_name(instance, attribute)
    if not isinstance(value, dt.time):
        raise wrong_type(name, value, "a datetime.time")
    if value.second or value.microsecond or value.tzinfo:
        raise ValueError(f"{name} must be a whole minute without a time zone: {value}")


@attrs.frozen
class Interval:
    """
    Open hours within a day, in local wall-clock time.

    The start is inclusive and the end exclusive.  An end at or before the
    start runs past midnight into the next day (``22:00-02:00``); an end of
    ``None`` is the end of the day (``24:00``).

    Attributes:
        start: When it opens: a whole minute.
        end: When it closes: a whole minute, or ``None`` for midnight at the
            end of the day.
    """

    start: dt.time = attrs.field(validator=_whole_minute)
    end: dt.time | None = attrs.field(validator=attrs.validators.optional(_whole_minute))

    def __attrs_post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError(f"an interval must not start and end at the same time: {self}")

    def __str__(self) -> str:
        end = "24:00" if self.end is None else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"

    @property
    def overnight(self) -> bool:
        """
        Whether it runs past midnight into the next day.
        """
        return self.end is not None and self.end < self.start

    @classmethod
    def parse(cls, text: str) -> Interval:
        """
        Read an interval written ``HH:MM-HH:MM``, e.g. ``"09:00-13:00"``.

        ``24:00`` is allowed as the end only.

        Raises:
            ValueError: When *text* is no such interval.
        """
        parts = text.split("-")
        if len(parts) != 2:
            raise ValueError(f"expected an interval such as '09:00-18:00', not {text!r}")
        start, end = (_minutes(part.strip(), text) for part in parts)
        if start == DAY_SECONDS // 60:
            raise ValueError(f"24:00 may only end an interval, not start one: {text!r}")
        if start == end:
            raise ValueError(
                f"interval {text!r} starts and ends at the same time"
                " (write '00:00-24:00' for the whole day)"
            )
        return cls(_time(start), None if end == DAY_SECONDS // 60 else _time(end))


def _minutes(part: str, text: str) -> int:
    hours, colon, minutes = part.partition(":")
    if not (
        colon
        and len(hours) == 2
        and len(minutes) == 2
        and (hours + minutes).isascii()
        and (hours + minutes).isdecimal()
    ):
        raise ValueError(f"expected an interval such as '09:00-18:00', not {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValueError(f"{part!r} is not a time of day (00:00 to 24:00), in {text!r}")
    return value


def _time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def find_overlaps(
    hours: Mapping[Weekday, Sequence[Interval]],
) -> Iterator[tuple[Weekday, int, Weekday, int]]:
    """
    Find the intervals of a week that overlap another.

    An overnight interval overlaps the next day's intervals up to its end
    (Sunday's runs into Monday).

    Args:
        hours: Each day's intervals, in the order given.

    Yields:
        For each interval at fault, its day and position, then the day and
        position of the interval it overlaps: the previous day's overnight
        interval or one earlier in its own day.
    """
    for day in Weekday:
        spans: list[tuple[int, int, Weekday, int]] = []
        before = Weekday((day - 1) % 7)
        for j, interval in enumerate(hours.get(before, ())):
            if interval.overnight:
                spans.append((0, end_seconds(interval), before, j))
        for j, interval in enumerate(hours.get(day, ())):
            start, end = seconds(interval.start), day_end_seconds(interval)
            for other_start, other_end, other_day, other_j in spans:
                if start < other_end and other_start < end:
                    yield day, j, other_day, other_j
                    break
            spans.append((start, end, day, j))


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """
    Find the IANA time zone *name*, e.g. ``"Asia/Kolkata"``.

    ``localtime``, the machine's own zone where there is one, is no IANA
    name: hours in it would differ from one machine to the next.

    Raises:
        ValueError: When there is no such time zone.
    """
    try:
        if name != _MACHINE_ZONE:
            return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError for keys that are no zone's form, e.g. "../etc";
        # OSError for a name the file system cannot hold.
        pass
    raise ValueError(f"unknown time zone {name!r}: expected an IANA name such as 'Asia/Kolkata'")


def seconds(time: dt.time) -> int:
    """
    The seconds of the local day at *time*.
    """
    return time.hour * 3600 + time.minute * 60


def end_seconds(interval: Interval) -> int:
    """
    The seconds of the local day at which *interval* ends (on the next day when overnight).
    """
    return DAY_SECONDS if interval.end is None else seconds(interval.end)


def day_end_seconds(interval: Interval) -> int:
    """
    The seconds of the local day at which *interval*'s part on the day it starts ends.
    """
    return DAY_SECONDS if interval.end is None or interval.overnight else seconds(interval.end)
