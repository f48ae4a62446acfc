"""
Working hours: when a user may take conversations, in their own time zone.

A `Schedule` is a frozen value: weekly intervals of local wall-clock time,
and holidays.  Its tables are built once, when it is made, so that
`Schedule.is_open` costs one conversion to local time and a few
comparisons.  Pure: the time is always passed in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import types
import zoneinfo

from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs

from convroute._frozen import aware, event_time, unicode_text
from convroute.errors import TimeRangeError
from convroute.routing._hours import (
    DAY_SECONDS,
    Interval,
    Weekday,
    day_end_seconds,
    end_seconds,
    find_overlaps,
    seconds,
    zone_named,
)


SEARCH_BOUND = dt.timedelta(days=400)
"""
How far `Schedule.next_change` looks ahead and `Schedule.closed_since` looks
back: more than a year, so that a yearly pattern of holidays is seen whole.
"""

_ONE_DAY = dt.timedelta(days=1)
# Local dates whose boundaries can fall inside a stretch of UTC dates: a
# UTC offset is less than two days, and a boundary skipped by a change of
# offset is passed at most two dates later.
_BEFORE = dt.timedelta(days=4)
_AFTER = dt.timedelta(days=2)
_TAKEN = "times from 0001-01-02 to 9999-12-30 (UTC)"
# The UTC dates whose instants are worked out at once.
_STEP = dt.timedelta(days=7)


def _hours(
    hours: Mapping[Weekday, Iterable[Interval]],
) -> Mapping[Weekday, tuple[Interval, ...]]:
    # Days in week order, intervals by start, closed days left out: two
    # schedules of the same hours are equal however they were written.
    frozen = {
        Weekday(day): tuple(sorted(intervals, key=_start_seconds))
        for day, intervals in hours.items()
    }
    return types.MappingProxyType({day: frozen[day] for day in Weekday if frozen.get(day)})


def _holidays(dates: Iterable[dt.date]) -> frozenset[dt.date]:
    holidays = frozenset(dates)
    for date in holidays:
        # A datetime is a date too, and would never equal a local date.
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise TypeError(f"holidays must be datetime.date values, not {date!r}")
    return holidays


@attrs.frozen
class _Week:
    """
    A schedule's lookup tables, in seconds of the local day.

    Attributes:
        spans: For each weekday (by number), the open spans of the intervals
            starting that day, up to the end of the day, in order.
        spills: For each weekday, where the previous day's overnight
            interval ends (0 for none).
        boundaries: For each weekday, every second at which being open may
            change, midnight included, in order.
    """

    spans: tuple[tuple[tuple[int, int], ...], ...]
    spills: tuple[int, ...]
    boundaries: tuple[tuple[int, ...], ...]


def _week_of(schedule: Schedule) -> _Week:
    hours = schedule.hours
    spans = tuple(
        tuple((seconds(i.start), day_end_seconds(i)) for i in hours.get(day, ())) for day in Weekday
    )
    spills = tuple(
        max(
            (end_seconds(i) for i in hours.get(Weekday((day - 1) % 7), ()) if i.overnight),
            default=0,
        )
        for day in Weekday
    )
    boundaries = tuple(
        tuple(
            sorted(
                {0, spills[day]}
                | {start for start, _ in spans[day]}
                | {end for _, end in spans[day] if end < DAY_SECONDS}
            )
        )
        for day in Weekday
    )
    return _Week(spans, spills, boundaries)


@attrs.frozen
class Schedule:
    """
    Working hours: weekly intervals in a time zone, and holidays.

    Intervals are local wall-clock times, the start inclusive and the end
    exclusive; a day left out of *hours* is closed.  A holiday closes the
    intervals that start on it; an overnight interval begun the evening
    before runs on into it.  Being open depends only on the local time of
    day: in a repeated hour (clocks turned back) both instances of a local
    time are alike, and local times skipped (clocks turned forward) never
    occur.

    Attributes:
        name: The name users refer to it by.
        time_zone: The IANA time zone of the hours, e.g. ``Asia/Kolkata``.
        hours: Each day's intervals, in order of their starts.
        holidays: Local dates on which no interval starts.

    Raises:
        ValueError: For an unknown time zone, or intervals that overlap.
    """

    name: str = attrs.field(converter=unicode_text)
    time_zone: str = attrs.field(converter=unicode_text)
    hours: Mapping[Weekday, tuple[Interval, ...]] = attrs.field(factory=dict, converter=_hours)
    holidays: frozenset[dt.date] = attrs.field(default=frozenset(), converter=_holidays)
    _zone: zoneinfo.ZoneInfo = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(lambda self: zone_named(self.time_zone), takes_self=True),
    )
    _week: _Week = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(_week_of, takes_self=True)
    )

    def __attrs_post_init__(self) -> None:
        for day, j, other_day, other_j in find_overlaps(self.hours):
            interval, other = self.hours[day][j], self.hours[other_day][other_j]
            raise ValueError(
                f"schedule {self.name!r}: {day.key} {interval} overlaps {other_day.key} {other}"
            )

    @staticmethod
    def find_overlaps(
        hours: Mapping[Weekday, Sequence[Interval]],
    ) -> Iterator[tuple[Weekday, int, Weekday, int]]:
        """
        Find the intervals of a week that overlap another, as a schedule refuses them.

        An overnight interval overlaps the next day's intervals up to its end
        (Sunday's runs into Monday).

        Args:
            hours: Each day's intervals, in the order given.

        Returns:
            For each interval at fault, its day and position, then the day
            and position of the interval it overlaps: the previous day's
            overnight interval or one earlier in its own day.
        """
        return find_overlaps(hours)

    @staticmethod
    def find_zone(name: str) -> zoneinfo.ZoneInfo:
        """
        Find the IANA time zone *name*, e.g. ``"Asia/Kolkata"``, as a schedule reads it.

        ``localtime``, the machine's own zone where there is one, is no IANA
        name: hours in it would differ from one machine to the next.

        Raises:
            ValueError: When there is no such time zone.
        """
        return zone_named(name)

    def is_open(self, at: dt.datetime) -> bool:
        """
        Tell whether the schedule is open at *at*.

        Args:
            at: An aware datetime.

        Raises:
            ValueError: When *at* is naive.
            TimeRangeError: When *at*'s local time is outside the calendar.
        """
        try:
            local = aware(at, "at").astimezone(self._zone)
        except OverflowError:
            raise TimeRangeError(at, _TAKEN) from None
        week = self._week
        second = local.hour * 3600 + local.minute * 60 + local.second
        day = local.weekday()
        holidays = self.holidays
        today_open = not holidays or local.date() not in holidays
        if today_open:
            for start, end in week.spans[day]:
                if second < start:
                    break
                if second < end:
                    return True
        if second < week.spills[day]:
            return not holidays or local.date() - _ONE_DAY not in holidays
        return False

    def next_change(self, after: dt.datetime) -> dt.datetime | None:
        """
        Find when the schedule next opens or closes.

        Args:
            after: An aware datetime.

        Returns:
            The first instant strictly after *after* at which `is_open`
            changes, in UTC; ``None`` when it does not change within
            `SEARCH_BOUND`.

        Raises:
            ValueError: When *after* is naive.
            TimeRangeError: When *after* is within a day of the calendar's ends.
        """
        was_open = self.is_open(_taken(after, "after"))
        limit = _shifted(after, SEARCH_BOUND)
        for instant in self._instants_after(after):
            if limit is not None and instant > limit:
                return None
            if self.is_open(instant) != was_open:
                return instant
        return None

    def closed_since(self, at: dt.datetime) -> dt.datetime | None:
        """
        Find when the closed stretch holding *at* began.

        Args:
            at: An aware datetime.

        Returns:
            ``None`` when the schedule is open at *at*; else the last instant
            at or before *at* at which it closed, in UTC, or the start of
            `SEARCH_BOUND` before *at* when it was not open within it.

        Raises:
            ValueError: When *at* is naive.
            TimeRangeError: When *at* is within a day of the calendar's ends.
        """
        if self.is_open(_taken(at, "at")):
            return None
        at = at.astimezone(dt.UTC)
        bound = _shifted(at, -SEARCH_BOUND) or dt.datetime.min.replace(tzinfo=dt.UTC)
        later = at
        for instant in self._instants_until(at):
            if instant < bound:
                break
            if self.is_open(instant):
                return later
            later = instant
        return bound

    def opened_between(self, start: dt.datetime, end: dt.datetime) -> bool:
        """
        Tell whether the schedule opens at some instant in (*start*, *end*].

        Args:
            start: An aware datetime, excluded.
            end: An aware datetime, included.

        Raises:
            ValueError: When *start* or *end* is naive.
            TimeRangeError: When either is within a day of the calendar's ends.
        """
        _taken(end, "end")
        was_open = self.is_open(_taken(start, "start"))
        if end <= start:
            return False
        for instant in self._instants_after(start):
            if instant > end:
                return False
            now_open = self.is_open(instant)
            if now_open and not was_open:
                return True
            was_open = now_open
        return False

    # -- the instants at which being open may change ---------------------

    def _instants_after(self, after: dt.datetime) -> Iterator[dt.datetime]:
        """
        Every instant after *after* at which `is_open` may change, in order.
        """
        after = after.astimezone(dt.UTC)
        first: dt.date | None = after.date()
        # A day first: a tick asks whether the last minute saw an opening.
        step = _ONE_DAY
        while first is not None:
            last = _later(first, step)
            yield from (i for i in self._instants_between(first, last) if i > after)
            first, step = last, _STEP

    def _instants_until(self, at: dt.datetime) -> Iterator[dt.datetime]:
        """
        Every instant at or before *at* at which `is_open` may change, latest first.
        """
        at = at.astimezone(dt.UTC)
        last = _later(at.date(), _ONE_DAY)
        while True:
            first = _earlier(dt.date.max if last is None else last, _STEP)
            yield from (i for i in reversed(self._instants_between(first, last)) if i <= at)
            if first == dt.date.min:
                return
            last = first

    def _instants_between(self, first: dt.date, last: dt.date | None) -> list[dt.datetime]:
        """
        The instants from UTC midnight of *first* to before that of *last*.

        ``None`` for *last* is the end of the calendar.
        """
        lower = _utc_midnight(first)
        upper = None if last is None else _utc_midnight(last)
        found: set[dt.datetime] = set()
        date = _earlier(first, _BEFORE)
        stop = (None if last is None else _later(last, _AFTER)) or dt.date.max
        while True:
            for second in self._week.boundaries[date.weekday()]:
                # A local time whose UTC time is outside the calendar is left out.
                with contextlib.suppress(OverflowError):
                    found.update(self._instants_at(date, second))
            if date >= stop:
                break
            date += _ONE_DAY
        return sorted(i for i in found if lower <= i and (upper is None or i < upper))

    def _instants_at(self, date: dt.date, second: int) -> Iterator[dt.datetime]:
        """
        When local time reaches *second* of *date*.

        For a repeated or skipped local time, the change of offset too.
        """
        hour, minute = second // 3600, second // 60 % 60
        zone = self._zone
        first = dt.datetime.combine(date, dt.time(hour, minute), zone).astimezone(dt.UTC)
        second_fold = dt.datetime.combine(date, dt.time(hour, minute, fold=1), zone).astimezone(
            dt.UTC
        )
        if first == second_fold:
            yield first
            return
        if first < second_fold:  # a repeated local time: both, and the turn back between
            yield first
            yield second_fold
        yield self._offset_change(min(first, second_fold), max(first, second_fold))

    def _offset_change(self, low: dt.datetime, high: dt.datetime) -> dt.datetime:
        """
        The first instant in (*low*, *high*] with *high*'s UTC offset, to the second.
        """
        zone = self._zone
        wanted = high.astimezone(zone).utcoffset()
        below, above = 0, int((high - low).total_seconds())
        while above - below > 1:
            middle = (below + above) // 2
            if (low + dt.timedelta(seconds=middle)).astimezone(zone).utcoffset() == wanted:
                above = middle
            else:
                below = middle
        return low + dt.timedelta(seconds=above)


def _taken(at: dt.datetime, name: str) -> dt.datetime:
    # What the searches take: aware times a day inside the calendar's ends.
    return event_time(aware(at, name), "times")


def _shifted(at: dt.datetime, by: dt.timedelta) -> dt.datetime | None:
    # None past the calendar's ends.
    try:
        return at + by
    except OverflowError:
        return None


def _later(date: dt.date, by: dt.timedelta) -> dt.date | None:
    # None past the calendar's end.
    try:
        return date + by
    except OverflowError:
        return None


def _earlier(date: dt.date, by: dt.timedelta) -> dt.date:
    # The calendar's first date at most.
    try:
        return date - by
    except OverflowError:
        return dt.date.min


def _start_seconds(interval: Interval) -> int:
    return seconds(interval.start)


def _utc_midnight(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
