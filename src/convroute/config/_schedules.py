"""
Reading and writing ``[[schedules]]`` tables.

A schedule's table is read whole by one hook, so that every problem in it
is reported at once with its path, e.g. ``$.schedules[0].hours.mon[1]``:
an unknown time zone, a malformed interval, intervals that overlap, an
unknown day, a date that is none.
"""

from __future__ import annotations

import datetime as dt
import operator

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import cattrs
import regex

from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)

from convroute._describe import described
from convroute.config._invalid import InvalidValue, describe_keys
from convroute.routing import Interval, Schedule, Weekday


_KEYS = ("name", "time_zone", "holidays", "hours")
_DAYS = {day.key: day for day in Weekday}
_DAY_NAMES = ", ".join(_DAYS)
_DATE = regex.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def schedule_hooks(
    converter: cattrs.Converter,
) -> tuple[Callable[[Any, Any], Schedule], Callable[[Schedule], Any]]:
    """
    The hooks that read a schedule's table and write it back.

    Args:
        converter: The configuration's converter, which reads the text values.
    """

    def structure_schedule(value: object, _: Any) -> Schedule:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"expected a table, not {described(value)}")
        problems: list[Exception] = []
        unknown = [key for key in value if key not in _KEYS]
        if unknown:
            problems.append(InvalidValue(f"unknown key(s): {describe_keys(unknown)}"))
        name = _read(problems, "name", lambda: converter.structure(value["name"], str))
        time_zone = _read(problems, "time_zone", lambda: _time_zone(value["time_zone"], converter))
        holidays = _read(problems, "holidays", lambda: _holidays(value.get("holidays", ())))
        hours = _read(problems, "hours", lambda: _hours(value.get("hours", {})))
        if problems:
            raise ClassValidationError("invalid schedule", problems, Schedule)
        return Schedule(name=name, time_zone=time_zone, hours=hours, holidays=holidays)

    return structure_schedule, unstructure_schedule


def unstructure_schedule(schedule: Schedule) -> dict[str, Any]:
    """
    Write *schedule* as its table reads.
    """
    data: dict[str, Any] = {"name": schedule.name, "time_zone": schedule.time_zone}
    if schedule.holidays:
        data["holidays"] = [date.isoformat() for date in sorted(schedule.holidays)]
    if schedule.hours:
        data["hours"] = {
            day.key: [str(interval) for interval in intervals]
            for day, intervals in schedule.hours.items()
        }
    return data


def _read(problems: list[Exception], key: str, read: Callable[[], Any]) -> Any:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - reported with the key's path
        _at(error, key)
        problems.append(error)
        return None


def _at(error: Exception, key: str) -> Exception:
    error.__notes__ = [*getattr(error, "__notes__", ()), AttributeValidationNote(key, key, object)]
    return error


def _at_index(error: Exception, index: int) -> Exception:
    error.__notes__ = [IterableValidationNote(str(index), index, object)]
    return error


def _time_zone(value: object, converter: cattrs.Converter) -> str:
    name: str = converter.structure(value, str)
    try:
        Schedule.find_zone(name)
    except ValueError as error:
        raise InvalidValue(str(error)) from None
    return name


def _list(value: object) -> Sequence[Any]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise InvalidValue(f"expected a list, not {described(value)}")
    return value


def _holidays(value: object) -> frozenset[dt.date]:
    dates: list[dt.date] = []
    problems: list[Exception] = []
    for i, item in enumerate(_list(value)):
        try:
            dates.append(_date(item))
        except InvalidValue as error:
            problems.append(_at_index(error, i))
    if problems:
        raise IterableValidationError("invalid holidays", problems, list)
    return frozenset(dates)


def _date(value: object) -> dt.date:
    # TOML and YAML have dates of their own; JSON writes them as text.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidValue(f"expected a date such as '2026-12-25', not {described(value)}")


def _hours(value: object) -> dict[Weekday, tuple[Interval, ...]]:
    if not isinstance(value, Mapping):
        raise InvalidValue(f"expected a table of days, not {described(value)}")
    problems: list[Exception] = []
    # Each day's intervals read, and the problems of the others, each with
    # its position in the file.
    read: dict[Weekday, list[tuple[int, Interval]]] = {}
    day_problems: dict[Weekday, list[tuple[int, Exception]]] = {}
    for key, intervals in value.items():
        day = _DAYS.get(key) if isinstance(key, str) else None
        if day is None:
            problem = InvalidValue(f"unknown day {key!r}: expected one of {_DAY_NAMES}")
            problems.append(_at(problem, str(key)))
            continue
        try:
            read[day], day_problems[day] = _intervals(intervals)
        except InvalidValue as error:
            problems.append(_at(error, day.key))
    for day, j, other_day, other_j in Schedule.find_overlaps(
        {day: [interval for _, interval in pairs] for day, pairs in read.items()}
    ):
        position, interval = read[day][j]
        other_position, other = read[other_day][other_j]
        problem = InvalidValue(
            f"'{interval}' overlaps '{other}' at {other_day.key}[{other_position}]"
        )
        day_problems[day].append((position, problem))
    for day, found in day_problems.items():
        if found:
            found.sort(key=operator.itemgetter(0))
            errors = [_at_index(error, position) for position, error in found]
            problems.append(_at(IterableValidationError("invalid day", errors, list), day.key))
    if problems:
        raise ClassValidationError("invalid hours", problems, dict)
    return {day: tuple(interval for _, interval in pairs) for day, pairs in read.items()}


def _intervals(value: object) -> tuple[list[tuple[int, Interval]], list[tuple[int, Exception]]]:
    intervals: list[tuple[int, Interval]] = []
    problems: list[tuple[int, Exception]] = []
    for j, text in enumerate(_list(value)):
        if not isinstance(text, str):
            problems.append(
                (
                    j,
                    InvalidValue(
                        f"expected an interval such as '09:00-18:00', not {described(text)}"
                    ),
                )
            )
            continue
        try:
            intervals.append((j, Interval.parse(text)))
        except ValueError as error:
            problems.append((j, InvalidValue(str(error))))
    return intervals, problems
