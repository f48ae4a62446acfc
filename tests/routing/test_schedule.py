import datetime as dt
import zoneinfo

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.errors import TimeRangeError
from convroute.routing import Interval, Schedule, Weekday
from convroute.routing._schedule import SEARCH_BOUND
from strategies import SCHEDULE_ZONES, schedules


UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
EVERY_DAY = tuple(Weekday)
# How far the minute-stepping oracles walk.
WINDOW = dt.timedelta(days=2)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def schedule(zone: str, days=EVERY_DAY, *intervals: str, holidays=()) -> Schedule:
    parsed = [Interval.parse(text) for text in intervals]
    return Schedule(
        name="Office",
        time_zone=zone,
        hours=dict.fromkeys(days, parsed),
        holidays=holidays,
    )


def oracle_open(schedule: Schedule, at: dt.datetime) -> bool:
    """
    Whether *schedule* is open at *at*, from the rules as written.

    The local time of day is compared with today's intervals and yesterday's
    overnight ones, a holiday closing the intervals that start on it.
    """
    local = at.astimezone(zoneinfo.ZoneInfo(schedule.time_zone))
    time = local.time()
    today = local.date()
    yesterday = today - dt.timedelta(days=1)
    if today not in schedule.holidays:
        for interval in schedule.hours.get(Weekday(today.weekday()), ()):
            runs_to_midnight = interval.end is None or interval.overnight
            if interval.start <= time and (runs_to_midnight or time < interval.end):
                return True
    if yesterday not in schedule.holidays:
        for interval in schedule.hours.get(Weekday(yesterday.weekday()), ()):
            if interval.overnight and time < interval.end:
                return True
    return False


def utc_datetimes(first_year: int, last_year: int) -> st.SearchStrategy[dt.datetime]:
    # Hypothesis takes naive bounds and adds the zone.
    first = dt.datetime(first_year, 1, 1)  # noqa: DTZ001
    last = dt.datetime(last_year, 12, 31, 23, 59)  # noqa: DTZ001
    return st.datetimes(first, last, timezones=st.just(UTC))


def instants() -> st.SearchStrategy[dt.datetime]:
    """
    Instants of 2020-2035 in UTC, mostly on the minute, some between.
    """
    minutes = utc_datetimes(2020, 2035).map(lambda at: at.replace(second=0, microsecond=0))
    return st.builds(
        lambda at, seconds: at + dt.timedelta(seconds=seconds),
        minutes,
        st.sampled_from((0, 0, 0, 1, 30, 59.5)),
    )


def offset_changes(zone: str, year: int) -> list[dt.datetime]:
    """
    The instants of *year* at which *zone*'s offset changes, found hour by hour.
    """
    tz = zoneinfo.ZoneInfo(zone)
    hour = dt.datetime(year, 1, 1, tzinfo=UTC)
    changes = []
    while hour.year == year:
        following = hour + dt.timedelta(hours=1)
        if hour.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            changes.append(following)
        hour = following
    return changes


CHANGES = {zone: offset_changes(zone, 2026) for zone in SCHEDULE_ZONES}


def near_changes(zone: str) -> st.SearchStrategy[dt.datetime]:
    """
    Instants within a day and a half of *zone*'s offset changes in 2026.
    """
    changes = CHANGES[zone] or [utc("2026-06-01T00:00")]
    return st.builds(
        lambda change, minutes, seconds: change + minutes * MINUTE + dt.timedelta(seconds=seconds),
        st.sampled_from(changes),
        st.integers(-36 * 60, 36 * 60),
        st.sampled_from((0, 0, 0, 30)),
    )


def near_boundaries(schedule: Schedule) -> st.SearchStrategy[dt.datetime]:
    """
    Instants within three hours of a local start or end of *schedule*'s hours.
    """
    times = sorted(
        {dt.time()}
        | {
            time
            for intervals in schedule.hours.values()
            for interval in intervals
            for time in (interval.start, interval.end)
            if time is not None
        }
    )
    zone = zoneinfo.ZoneInfo(schedule.time_zone)
    return st.builds(
        lambda day, time, fold, minutes: (
            dt.datetime.combine(day, time, tzinfo=zone).replace(fold=fold).astimezone(UTC)
            + minutes * MINUTE
        ),
        st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
        st.sampled_from(times),
        st.sampled_from((0, 1)),
        st.integers(-180, 180),
    )


def floor_minute(at: dt.datetime) -> dt.datetime:
    return at.replace(second=0, microsecond=0)


def assert_next_change(schedule: Schedule, after: dt.datetime) -> None:
    """
    next_change(after) is the first whole minute after *after* whose state differs.

    Offsets and their changes are whole minutes in the zones drawn, so a
    state holds from one whole minute to the next.
    """
    was_open = oracle_open(schedule, after)
    minute = floor_minute(after) + MINUTE
    expected = None
    while minute <= after + WINDOW:
        if oracle_open(schedule, minute) != was_open:
            expected = minute
            break
        minute += MINUTE
    actual = schedule.next_change(after)
    if expected is None:
        assert actual is None or actual > after + WINDOW
    else:
        assert expected == actual


def assert_closed_since(schedule: Schedule, at: dt.datetime) -> None:
    """
    closed_since(at) is the first minute of the closed run that holds *at*.
    """
    actual = schedule.closed_since(at)
    if oracle_open(schedule, at):
        assert actual is None
        return
    minute = floor_minute(at)
    while minute > at - WINDOW:
        if oracle_open(schedule, minute - MINUTE):
            assert minute == actual
            return
        minute -= MINUTE
    assert actual <= minute


def assert_opened_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> None:
    """
    opened_between is whether some minute in (start, end] opens after a closed one.
    """
    minute = floor_minute(start) + MINUTE
    expected = False
    was_open = oracle_open(schedule, start)
    while minute <= end:
        now_open = oracle_open(schedule, minute)
        if now_open and not was_open:
            expected = True
            break
        was_open = now_open
        minute += MINUTE
    assert expected == schedule.opened_between(start, end)


class TestIntervals:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("09:00-18:00", Interval(dt.time(9), dt.time(18))),
            ("22:00-02:00", Interval(dt.time(22), dt.time(2))),
            ("18:30-24:00", Interval(dt.time(18, 30), None)),
            ("00:00-24:00", Interval(dt.time(0), None)),
            ("22:00-00:00", Interval(dt.time(22), dt.time(0))),
            (" 09:00 - 18:00 ", Interval(dt.time(9), dt.time(18))),
        ],
    )
    def test_parse(self, text, expected):
        """HH:MM-HH:MM reads as an interval, 24:00 as the end of the day."""
        assert expected == Interval.parse(text)

    @pytest.mark.parametrize(
        "text",
        ["9:00-18:00", "09:00", "09:00-18:00-19:00", "24:00-02:00", "09:60-10:00", "25:00-26:00"],
    )
    def test_malformed_refused(self, text):
        """Anything but two HH:MM times, 24:00 as an end only, is refused."""
        with pytest.raises(ValueError, match=r"interval|time of day|24:00"):
            Interval.parse(text)

    def test_same_start_and_end_refused(self):
        """An interval that starts when it ends is refused, parsed or built."""
        with pytest.raises(ValueError, match="same time"):
            Interval.parse("09:00-09:00")
        with pytest.raises(ValueError, match="same time"):
            Interval(dt.time(9), dt.time(9))

    def test_seconds_refused(self):
        """Intervals are on whole minutes."""
        with pytest.raises(ValueError, match="whole minute"):
            Interval(dt.time(9, 0, 30), dt.time(10))

    @given(schedule=schedules())
    def test_written_back_as_read(self, schedule):
        """Each interval's text reads back as the same interval."""
        for intervals in schedule.hours.values():
            for interval in intervals:
                assert interval == Interval.parse(str(interval))


class TestBuilding:
    def test_unknown_time_zone_refused(self):
        """An unknown zone, or a key zoneinfo cannot look up, is a clear ValueError."""
        for zone in ("Mars/Olympus", "../etc", "", "/etc/passwd", "localtime", "UTC\x00"):
            with pytest.raises(ValueError, match="unknown time zone"):
                schedule(zone, EVERY_DAY, "09:00-17:00")

    def test_holidays_are_dates(self):
        """A datetime among the holidays is refused: it would never match a local date."""
        with pytest.raises(TypeError, match=r"datetime\.date"):
            schedule("UTC", EVERY_DAY, "09:00-17:00", holidays=[utc("2026-12-25T00:00")])

    def test_times_are_times(self):
        """An interval's start and end are datetime.time values."""
        with pytest.raises(TypeError, match=r"datetime\.time"):
            Interval("09:00", dt.time(17))

    @pytest.mark.parametrize(
        ("start", "end", "message"),
        [
            ("09:00", dt.time(17), "Interval.start must be a datetime.time, not the str '09:00'"),
            (None, dt.time(17), "Interval.start must be a datetime.time, not None"),
            (dt.time(9), 17, "Interval.end must be a datetime.time, not 17"),
        ],
    )
    def test_a_time_of_the_wrong_type_is_named(self, start, end, message):
        """A start or end that is no time names class and field; only the end may be None."""
        with pytest.raises(TypeError) as refused:
            Interval(start, end)
        assert message == str(refused.value)

    def test_find_zone(self):
        """find_zone gives the zone a schedule reads, and refuses what it refuses."""
        assert zoneinfo.ZoneInfo("Asia/Kolkata") == Schedule.find_zone("Asia/Kolkata")
        with pytest.raises(ValueError, match="unknown time zone"):
            Schedule.find_zone("Asia/Bombay2")

    def test_find_overlaps(self):
        """find_overlaps names each interval at fault and the one it overlaps, by position."""
        hours = {
            Weekday.SUN: [Interval.parse("22:00-08:00")],
            Weekday.MON: [Interval.parse("09:00-12:00"), Interval.parse("07:00-09:30")],
        }

        expected = [(Weekday.MON, 1, Weekday.SUN, 0)]
        assert expected == list(Schedule.find_overlaps(hours))

    def test_overlap_refused(self):
        """Intervals sharing a minute are refused."""
        with pytest.raises(ValueError, match="overlaps"):
            schedule("UTC", (Weekday.MON,), "09:00-13:00", "12:59-18:00")

    def test_overnight_overlapping_the_next_day_refused(self):
        """Sunday's overnight interval overlaps Monday's first interval before its end."""
        with pytest.raises(ValueError, match="mon 07:00-12:00 overlaps sun 22:00-08:00"):
            Schedule(
                name="Night",
                time_zone="UTC",
                hours={
                    Weekday.SUN: [Interval.parse("22:00-08:00")],
                    Weekday.MON: [Interval.parse("07:00-12:00")],
                },
            )

    def test_touching_intervals_allowed(self):
        """Intervals that touch make one open stretch."""
        office = schedule("UTC", (Weekday.MON,), "13:00-18:00", "09:00-13:00")
        assert office.next_change(utc("2026-11-02T09:00")) == utc("2026-11-02T18:00")

    def test_hours_equal_however_written(self):
        """Intervals are kept in order of their starts, closed days left out."""
        one = schedule("UTC", (Weekday.MON,), "14:00-18:00", "09:00-13:00")
        other = Schedule(
            name="Office",
            time_zone="UTC",
            hours={
                Weekday.TUE: [],
                Weekday.MON: [Interval.parse("09:00-13:00"), Interval.parse("14:00-18:00")],
            },
        )
        assert one == other
        assert [Weekday.MON] == list(other.hours)

    def test_evolve_keeps_the_tables_right(self):
        """A schedule changed with attrs.evolve reads its own zone and hours."""
        office = schedule("UTC", EVERY_DAY, "09:00-17:00")
        moved = attrs.evolve(office, time_zone="Asia/Kolkata")
        assert not moved.is_open(utc("2026-11-02T12:00"))  # 17:30 in Kolkata
        assert office.is_open(utc("2026-11-02T12:00"))

    def test_naive_refused(self):
        """Every method refuses a naive datetime."""
        office = schedule("UTC", EVERY_DAY, "09:00-17:00")
        naive = dt.datetime(2026, 11, 2, 9)  # noqa: DTZ001 - refused
        for call in (
            lambda: office.is_open(naive),
            lambda: office.next_change(naive),
            lambda: office.closed_since(naive),
            lambda: office.opened_between(naive, utc("2026-11-03T00:00")),
            lambda: office.opened_between(utc("2026-11-01T00:00"), naive),
        ):
            with pytest.raises(ValueError, match="aware"):
                call()


class TestDaylightSavingNewYork:
    ZONE = "America/New_York"

    def test_spring_forward_interval_ending_in_the_gap(self):
        """On 2026-03-08 clocks jump 02:00 to 03:00: 01:00-02:30 closes at the jump."""
        night = schedule(self.ZONE, (Weekday.SUN,), "01:00-02:30")
        assert night.is_open(utc("2026-03-08T06:59:59"))  # 01:59:59 EST
        assert not night.is_open(utc("2026-03-08T07:00"))  # 03:00 EDT
        assert utc("2026-03-08T07:00") == night.next_change(utc("2026-03-08T06:00"))
        assert utc("2026-03-08T07:00") == night.closed_since(utc("2026-03-08T09:00"))

    def test_spring_forward_interval_starting_in_the_gap(self):
        """02:30-04:00 opens at the jump, when local time reaches 03:00."""
        night = schedule(self.ZONE, (Weekday.SUN,), "02:30-04:00")
        assert not night.is_open(utc("2026-03-08T06:59"))
        assert night.is_open(utc("2026-03-08T07:00"))
        assert utc("2026-03-08T07:00") == night.next_change(utc("2026-03-08T05:00"))
        assert night.opened_between(utc("2026-03-08T06:59"), utc("2026-03-08T07:00"))
        assert utc("2026-03-08T08:00") == night.next_change(utc("2026-03-08T07:00"))

    def test_spring_forward_interval_inside_the_gap(self):
        """02:10-02:50 does not open on the night it is skipped."""
        night = schedule(self.ZONE, (Weekday.SUN,), "02:10-02:50")
        assert not night.opened_between(utc("2026-03-08T00:00"), utc("2026-03-09T00:00"))
        assert utc("2026-03-15T06:10") == night.next_change(utc("2026-03-08T00:00"))

    def test_fall_back_repeated_hour_opens_twice(self):
        """On 2026-11-01 01:00-02:00 comes twice: 01:30-02:00 opens twice."""
        night = schedule(self.ZONE, (Weekday.SUN,), "01:30-02:00")
        changes = [utc("2026-11-01T04:00")]
        while len(changes) < 5:
            changes.append(night.next_change(changes[-1]))
        expected = [
            utc("2026-11-01T05:30"),  # 01:30 EDT
            utc("2026-11-01T06:00"),  # 02:00 EDT becomes 01:00 EST
            utc("2026-11-01T06:30"),  # 01:30 EST
            utc("2026-11-01T07:00"),  # 02:00 EST
        ]
        assert expected == changes[1:]

    def test_fall_back_working_day(self):
        """A day interval is an hour later in UTC after the change."""
        office = schedule(self.ZONE, (Weekday.FRI, Weekday.MON), "09:00-17:00")
        assert utc("2026-10-30T21:00") == office.next_change(utc("2026-10-30T14:00"))
        assert utc("2026-11-02T14:00") == office.next_change(utc("2026-10-30T21:00"))


class TestOffsets:
    def test_kolkata_half_hour(self):
        """Asia/Kolkata is UTC+05:30 all year: 09:00 there is 03:30 UTC."""
        office = schedule("Asia/Kolkata", (Weekday.MON,), "09:00-18:00")
        assert not office.is_open(utc("2026-11-02T03:29"))
        assert office.is_open(utc("2026-11-02T03:30"))
        assert utc("2026-11-02T12:30") == office.next_change(utc("2026-11-02T03:30"))

    def test_lord_howe_half_hour_spring_forward(self):
        """Lord Howe moves 02:00 to 02:30 on 2026-10-04: 02:00-02:15 never happens that night."""
        night = schedule("Australia/Lord_Howe", (Weekday.SUN,), "02:00-02:15")
        # 01:59 on 2026-10-04 is 2026-10-03T15:29 UTC (+10:30); 02:30 is 15:30 UTC (+11).
        assert not night.opened_between(utc("2026-10-03T15:00"), utc("2026-10-03T17:00"))
        assert utc("2026-10-10T15:00") == night.next_change(utc("2026-10-03T15:00"))

    def test_lord_howe_half_hour_fall_back(self):
        """Lord Howe moves 02:00 back to 01:30 on 2026-04-05: 01:40-02:00 opens twice."""
        night = schedule("Australia/Lord_Howe", (Weekday.SUN,), "01:40-02:00")
        start = utc("2026-04-04T14:00")
        changes = [start]
        while len(changes) < 5:
            changes.append(night.next_change(changes[-1]))
        expected = [
            utc("2026-04-04T14:40"),  # 01:40 +11:00
            utc("2026-04-04T15:00"),  # 02:00 +11:00 becomes 01:30 +10:30
            utc("2026-04-04T15:10"),  # 01:40 +10:30
            utc("2026-04-04T15:30"),  # 02:00 +10:30
        ]
        assert expected == changes[1:]


class TestDays:
    def test_overnight(self):
        """Friday's 22:00-02:00 runs into Saturday."""
        night = schedule("UTC", (Weekday.FRI,), "22:00-02:00")
        assert night.is_open(utc("2026-11-06T22:00"))
        assert night.is_open(utc("2026-11-07T01:59"))
        assert not night.is_open(utc("2026-11-07T02:00"))
        assert not night.is_open(utc("2026-11-06T01:00"))  # Thursday's night: none
        assert utc("2026-11-07T02:00") == night.closed_since(utc("2026-11-07T12:00"))

    def test_sunday_overnight_runs_into_monday(self):
        """Sunday's overnight interval is open early on Monday."""
        night = schedule("UTC", (Weekday.SUN,), "23:00-01:00")
        assert night.is_open(utc("2026-11-02T00:30"))

    def test_holiday_closes_intervals_starting_on_it(self):
        """A Friday holiday closes Friday's hours and its overnight interval, after midnight too."""
        night = schedule(
            "UTC", (Weekday.FRI,), "10:00-12:00", "22:00-02:00", holidays=[dt.date(2026, 11, 6)]
        )
        assert not night.is_open(utc("2026-11-06T11:00"))
        assert not night.is_open(utc("2026-11-06T23:00"))
        assert not night.is_open(utc("2026-11-07T01:00"))
        assert night.is_open(utc("2026-11-13T11:00"))

    def test_overnight_runs_into_a_holiday(self):
        """An overnight interval begun the evening before a holiday runs on into it."""
        night = schedule("UTC", (Weekday.FRI,), "22:00-02:00", holidays=[dt.date(2026, 11, 7)])
        assert night.is_open(utc("2026-11-07T01:00"))

    def test_holiday_is_a_local_date(self):
        """The holiday is the schedule's local date, not UTC's."""
        office = schedule(
            "Asia/Kolkata", EVERY_DAY, "00:00-24:00", holidays=[dt.date(2026, 12, 25)]
        )
        assert office.is_open(utc("2026-12-24T18:29"))  # 23:59 on the 24th
        assert not office.is_open(utc("2026-12-24T18:30"))  # 00:00 on the 25th
        assert utc("2026-12-25T18:30") == office.next_change(utc("2026-12-24T20:00"))

    def test_end_of_day(self):
        """18:00-24:00 is open to the last second of the day."""
        evening = schedule("UTC", (Weekday.MON,), "18:00-24:00")
        assert evening.is_open(utc("2026-11-02T23:59:59.999999"))
        assert not evening.is_open(utc("2026-11-03T00:00"))
        assert utc("2026-11-03T00:00") == evening.next_change(utc("2026-11-02T18:00"))

    def test_always_open_never_changes(self):
        """A whole day every day: next_change is None, closed_since None."""
        always = schedule("Europe/London", EVERY_DAY, "00:00-24:00")
        at = utc("2026-03-29T01:30")  # the hour London skips
        assert always.is_open(at)
        assert None is always.next_change(at)
        assert None is always.closed_since(at)
        assert not always.opened_between(at, at + dt.timedelta(days=30))

    def test_never_open(self):
        """No hours: closed, never changing, closed since the search bound."""
        never = Schedule(name="Closed", time_zone="UTC")
        at = utc("2026-11-02T09:00")
        assert not never.is_open(at)
        assert None is never.next_change(at)
        assert at - SEARCH_BOUND == never.closed_since(at)

    def test_change_on_the_previous_local_date(self):
        """At 00:30 UTC it is still the previous evening in New York: its 20:00 is next."""
        evening = schedule("America/New_York", EVERY_DAY, "20:00-21:00")
        assert utc("2026-11-02T01:00") == evening.next_change(utc("2026-11-02T00:30"))
        assert utc("2026-11-02T02:00") == evening.closed_since(utc("2026-11-02T03:30"))

    def test_change_on_the_next_local_date(self):
        """At 20:00 UTC it is already the next morning in Kolkata: its 03:00 is next."""
        early = schedule("Asia/Kolkata", EVERY_DAY, "03:00-04:00")
        assert utc("2026-11-01T21:30") == early.next_change(utc("2026-11-01T20:00"))
        assert utc("2026-11-01T22:30") == early.closed_since(utc("2026-11-01T23:50"))

    def test_near_the_end_of_the_calendar(self):
        """Changes are found up to the calendar's last day, and none past it."""
        office = schedule("America/New_York", EVERY_DAY, "09:00-17:00")
        at = utc("9999-12-30T23:00")  # 18:00 in New York

        assert utc("9999-12-31T14:00") == office.next_change(at)
        assert utc("9999-12-30T22:00") == office.closed_since(at)
        mondays = schedule("UTC", (Weekday.MON,), "09:00-17:00")  # 9999-12-31 is a Friday
        assert None is mondays.next_change(at)

    def test_near_the_start_of_the_calendar(self):
        """closed_since looks back no further than the calendar's first instant."""
        never = Schedule(name="Closed", time_zone="Asia/Kolkata")

        assert dt.datetime.min.replace(tzinfo=UTC) == never.closed_since(utc("0001-01-02T00:00"))

    def test_times_at_the_ends_of_the_calendar_refused(self):
        """A time within a day of the calendar's ends is a TimeRangeError, never an overflow."""
        office = schedule("Pacific/Kiritimati", EVERY_DAY, "09:00-17:00")
        for call in (
            lambda: office.is_open(utc("9999-12-31T23:59")),  # year 10000 in Kiritimati
            lambda: office.next_change(utc("9999-12-31T00:00")),
            lambda: office.closed_since(utc("0001-01-01T12:00")),
            lambda: office.opened_between(utc("0001-01-01T00:00"), utc("2026-01-01T00:00")),
        ):
            with pytest.raises(TimeRangeError, match="ends of the calendar"):
                call()

    def test_results_in_utc(self):
        """Instants come back in UTC whatever zone they were asked in."""
        office = schedule("Asia/Kolkata", (Weekday.MON,), "09:00-18:00")
        asked = dt.datetime(2026, 11, 2, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata"))
        assert UTC == office.next_change(asked).tzinfo
        assert UTC == office.closed_since(asked + dt.timedelta(hours=9)).tzinfo

    def test_opened_between_excludes_start_includes_end(self):
        """The opening at 09:00 is in (08:00, 09:00] but not in (09:00, 10:00]."""
        office = schedule("UTC", (Weekday.MON,), "09:00-17:00")
        assert office.opened_between(utc("2026-11-02T08:00"), utc("2026-11-02T09:00"))
        assert not office.opened_between(utc("2026-11-02T09:00"), utc("2026-11-02T10:00"))
        assert not office.opened_between(utc("2026-11-02T10:00"), utc("2026-11-02T08:00"))


class TestOracles:
    @given(schedule=schedules(), at=instants())
    def test_is_open(self, schedule, at):
        """is_open agrees with the rules applied to the local time by hand."""
        assert oracle_open(schedule, at) == schedule.is_open(at)

    @given(
        schedule=schedules(holidays=st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        data=st.data(),
    )
    def test_is_open_near_holidays(self, schedule, data):
        """is_open agrees with the oracle on the days around a holiday."""
        day = data.draw(st.sampled_from(sorted(schedule.holidays) or [dt.date(2026, 6, 1)]))
        minutes = data.draw(st.integers(-36 * 60, 60 * 60))
        at = dt.datetime.combine(day, dt.time(), tzinfo=UTC) + minutes * MINUTE
        assert oracle_open(schedule, at) == schedule.is_open(at)

    @given(schedule=schedules(), after=instants())
    def test_next_change(self, schedule, after):
        """next_change is the first whole minute after *after* whose state differs."""
        assert_next_change(schedule, after)

    @given(schedule=schedules(), at=instants())
    def test_closed_since(self, schedule, at):
        """closed_since is the first minute of the closed run that holds *at*."""
        assert_closed_since(schedule, at)

    @given(schedule=schedules(), start=instants(), length=st.integers(0, 2 * 24 * 60))
    def test_opened_between(self, schedule, start, length):
        """opened_between says whether some minute in (start, end] opens after a closed one."""
        assert_opened_between(schedule, start, start + length * MINUTE)


class TestOraclesAcrossOffsetChanges:
    @given(schedule=schedules(), data=st.data())
    def test_is_open(self, schedule, data):
        """is_open agrees with the oracle around changes of daylight-saving time."""
        at = data.draw(near_changes(schedule.time_zone))
        assert oracle_open(schedule, at) == schedule.is_open(at)

    @given(schedule=schedules(), data=st.data())
    def test_next_change(self, schedule, data):
        """next_change agrees with minute stepping around changes of daylight-saving time."""
        after = data.draw(near_changes(schedule.time_zone))
        assert_next_change(schedule, after)

    @given(schedule=schedules(), data=st.data())
    def test_closed_since(self, schedule, data):
        """closed_since agrees with minute stepping around changes of daylight-saving time."""
        at = data.draw(near_changes(schedule.time_zone))
        assert_closed_since(schedule, at)

    @given(schedule=schedules(), data=st.data())
    def test_opened_between(self, schedule, data):
        """opened_between agrees with minute stepping around changes of daylight-saving time."""
        start = data.draw(near_changes(schedule.time_zone))
        length = data.draw(st.integers(0, 6 * 60))
        assert_opened_between(schedule, start, start + length * MINUTE)


class TestOraclesNearBoundaries:
    @given(schedule=schedules(), data=st.data())
    def test_is_open(self, schedule, data):
        """is_open agrees with the oracle around the schedule's starts and ends."""
        at = data.draw(near_boundaries(schedule))
        assert oracle_open(schedule, at) == schedule.is_open(at)

    @given(schedule=schedules(), data=st.data())
    def test_next_change(self, schedule, data):
        """next_change agrees with minute stepping around the schedule's starts and ends."""
        assert_next_change(schedule, data.draw(near_boundaries(schedule)))

    @given(schedule=schedules(), data=st.data())
    def test_closed_since(self, schedule, data):
        """closed_since agrees with minute stepping around the schedule's starts and ends."""
        assert_closed_since(schedule, data.draw(near_boundaries(schedule)))

    @given(schedule=schedules(), data=st.data())
    def test_opened_between(self, schedule, data):
        """opened_between agrees with minute stepping around the schedule's starts and ends."""
        start = data.draw(near_boundaries(schedule))
        length = data.draw(st.integers(0, 6 * 60))
        assert_opened_between(schedule, start, start + length * MINUTE)
