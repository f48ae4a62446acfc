"""
``[[schedules]]`` and ``users.schedule``: reading, writing back, every problem at its path.
"""

import datetime as dt
import json
import textwrap

import pytest

from convroute.config import Config, check_config, dump_config, loads_config
from convroute.errors import ConfigError
from convroute.model import User
from convroute.routing import Interval, Schedule, Weekday


OFFICE = """
[[schedules]]
name = "India office"
time_zone = "Asia/Kolkata"
holidays = ["2026-12-25", "2027-01-26"]

[schedules.hours]
mon = ["09:00-13:00", "14:00-18:00"]
fri = ["09:00-18:00"]
sat = ["22:00-02:00"]

[[users]]
id = "u-asha"
name = "Asha Rao"
schedule = "India office"
"""


WORKING_DAY = 'mon = ["09:00-18:00"]\n'


def problems_of(text):
    with pytest.raises(ConfigError) as caught:
        loads_config(textwrap.dedent(text))
    return list(caught.value.errors)


def schedule_table(**lines):
    """One schedule's table, its keys replaced or added by *lines* (TOML values)."""
    keys = {"name": '"Office"', "time_zone": '"Asia/Kolkata"', "hours": WORKING_DAY} | lines
    hours = keys.pop("hours", None)
    text = "[[schedules]]\n" + "".join(f"{key} = {value}\n" for key, value in keys.items())
    if hours is not None:
        text += "[schedules.hours]\n" + hours
    return text


class TestReading:
    def test_loads(self):
        """A schedule's table reads as a Schedule, a user names it."""
        config = loads_config(OFFICE)

        expected = Schedule(
            name="India office",
            time_zone="Asia/Kolkata",
            hours={
                Weekday.MON: [Interval.parse("09:00-13:00"), Interval.parse("14:00-18:00")],
                Weekday.FRI: [Interval.parse("09:00-18:00")],
                Weekday.SAT: [Interval.parse("22:00-02:00")],
            },
            holidays=[dt.date(2026, 12, 25), dt.date(2027, 1, 26)],
        )
        assert (expected,) == config.schedules
        assert "India office" == config.users[0].schedule

    def test_user_without_schedule(self):
        """A user without a schedule has None."""
        config = loads_config('[[users]]\nid = "u-ben"\nname = "Ben"\n')

        assert None is config.users[0].schedule

    def test_toml_dates(self):
        """Holidays may be TOML dates as well as text."""
        config = loads_config(schedule_table(holidays="[2026-12-25]"))

        assert frozenset({dt.date(2026, 12, 25)}) == config.schedules[0].holidays

    def test_yaml_dates(self):
        """Holidays may be YAML dates, written unquoted."""
        text = (
            "schedules:\n  - name: Office\n    time_zone: UTC\n    holidays: [2026-12-25]\n"
            '    hours: {mon: ["09:00-18:00"]}\n'
        )

        config = loads_config(text, format="yaml")

        assert frozenset({dt.date(2026, 12, 25)}) == config.schedules[0].holidays

    def test_holidays_optional(self):
        """A schedule without holidays has none."""
        config = loads_config(schedule_table())

        assert frozenset() == config.schedules[0].holidays

    @pytest.mark.parametrize("fmt", ["toml", "json", "yaml"])
    def test_round_trip(self, fmt):
        """Schedules and users' schedules are written back as they read."""
        config = loads_config(OFFICE)

        assert config == loads_config(dump_config(config, fmt), format=fmt)

    def test_written_form(self):
        """A schedule is written in the form of the file: days by name, HH:MM-HH:MM, dates."""
        config = loads_config(
            schedule_table(holidays='["2027-01-26", "2026-12-25"]', hours='sun = ["18:00-24:00"]\n')
        )

        expected = {
            "name": "Office",
            "time_zone": "Asia/Kolkata",
            "holidays": ["2026-12-25", "2027-01-26"],
            "hours": {"sun": ["18:00-24:00"]},
        }
        assert [expected] == json.loads(dump_config(config, "json"))["schedules"]


class TestProblems:
    @pytest.mark.parametrize(
        ("table", "expected"),
        [
            pytest.param(
                schedule_table(time_zone='"Mars/Olympus"'),
                "unknown time zone 'Mars/Olympus': expected an IANA name such as 'Asia/Kolkata'"
                " @ $.schedules[0].time_zone",
                id="unknown-zone",
            ),
            pytest.param(
                schedule_table(time_zone='"../etc"'),
                "unknown time zone '../etc': expected an IANA name such as 'Asia/Kolkata'"
                " @ $.schedules[0].time_zone",
                id="zone-path",
            ),
            pytest.param(
                schedule_table(time_zone='""'),
                "unknown time zone '': expected an IANA name such as 'Asia/Kolkata'"
                " @ $.schedules[0].time_zone",
                id="empty-zone",
            ),
            pytest.param(
                schedule_table(time_zone="5"),
                "expected text, not the number 5 @ $.schedules[0].time_zone",
                id="zone-not-text",
            ),
            pytest.param(
                schedule_table(hours='mon = ["09:00-13:00", "9-5"]\n'),
                "expected an interval such as '09:00-18:00', not '9-5'"
                " @ $.schedules[0].hours.mon[1]",
                id="malformed-interval",
            ),
            pytest.param(
                schedule_table(hours='mon = ["09:00-13:00", 9]\n'),
                "expected an interval such as '09:00-18:00', not the number 9"
                " @ $.schedules[0].hours.mon[1]",
                id="interval-not-text",
            ),
            pytest.param(
                schedule_table(hours='tue = ["09:00-09:00"]\n'),
                "interval '09:00-09:00' starts and ends at the same time"
                " (write '00:00-24:00' for the whole day) @ $.schedules[0].hours.tue[0]",
                id="start-equals-end",
            ),
            pytest.param(
                schedule_table(hours='wed = ["24:00-02:00"]\n'),
                "24:00 may only end an interval, not start one: '24:00-02:00'"
                " @ $.schedules[0].hours.wed[0]",
                id="starts-at-24",
            ),
            pytest.param(
                schedule_table(hours='thu = ["09:00-25:00"]\n'),
                "'25:00' is not a time of day (00:00 to 24:00), in '09:00-25:00'"
                " @ $.schedules[0].hours.thu[0]",
                id="hour-25",
            ),
            pytest.param(
                schedule_table(hours='mon = ["09:00-13:00", "12:00-18:00"]\n'),
                "'12:00-18:00' overlaps '09:00-13:00' at mon[0] @ $.schedules[0].hours.mon[1]",
                id="overlap",
            ),
            pytest.param(
                schedule_table(hours='mon = ["14:00-18:00", "09:00-15:00"]\n'),
                "'09:00-15:00' overlaps '14:00-18:00' at mon[0] @ $.schedules[0].hours.mon[1]",
                id="overlap-out-of-order",
            ),
            pytest.param(
                schedule_table(hours='sun = ["22:00-08:00"]\nmon = ["07:30-12:00"]\n'),
                "'07:30-12:00' overlaps '22:00-08:00' at sun[0] @ $.schedules[0].hours.mon[0]",
                id="overnight-into-next-day",
            ),
            pytest.param(
                schedule_table(hours='fri = ["22:00-02:00", "23:00-01:00"]\n'),
                "'23:00-01:00' overlaps '22:00-02:00' at fri[0] @ $.schedules[0].hours.fri[1]",
                id="two-overnights",
            ),
            pytest.param(
                schedule_table(hours='monday = ["09:00-18:00"]\n'),
                "unknown day 'monday': expected one of mon, tue, wed, thu, fri, sat, sun"
                " @ $.schedules[0].hours.monday",
                id="unknown-day",
            ),
            pytest.param(
                schedule_table(hours='mon = "09:00-18:00"\n'),
                "expected a list, not the text '09:00-18:00' @ $.schedules[0].hours.mon",
                id="day-not-a-list",
            ),
            pytest.param(
                schedule_table(hours="mon = []\n").replace(
                    "[schedules.hours]\nmon = []", "hours = 1"
                ),
                "expected a table of days, not the number 1 @ $.schedules[0].hours",
                id="hours-not-a-table",
            ),
            pytest.param(
                schedule_table(holidays='["2026-12-25", "2026-02-30"]'),
                "expected a date such as '2026-12-25', not the text '2026-02-30'"
                " @ $.schedules[0].holidays[1]",
                id="bad-date",
            ),
            pytest.param(
                schedule_table(holidays='["20261225"]'),
                "expected a date such as '2026-12-25', not the text '20261225'"
                " @ $.schedules[0].holidays[0]",
                id="date-without-dashes",
            ),
            pytest.param(
                schedule_table(holidays="[2026-12-25T10:00:00]"),
                "expected a date such as '2026-12-25', not a datetime @ $.schedules[0].holidays[0]",
                id="datetime-not-date",
            ),
            pytest.param(
                schedule_table(holidays='"2026-12-25"'),
                "expected a list, not the text '2026-12-25' @ $.schedules[0].holidays",
                id="holidays-not-a-list",
            ),
            pytest.param(
                schedule_table(days='["mon"]'),
                "unknown key(s): days @ $.schedules[0]",
                id="unknown-key",
            ),
            pytest.param(
                '[[schedules]]\ntime_zone = "UTC"\n',
                "required key missing @ $.schedules[0].name",
                id="missing-name",
            ),
            pytest.param(
                '[[schedules]]\nname = "Office"\n',
                "required key missing @ $.schedules[0].time_zone",
                id="missing-zone",
            ),
        ],
    )
    def test_reported_at_its_path(self, table, expected):
        """Each problem of a schedule is reported with the path of its value."""
        assert [expected] == problems_of(table)

    def test_every_problem_in_one_run(self):
        """All the problems of all schedules and users are reported together."""
        text = (
            schedule_table(
                time_zone='"Nowhere/Land"',
                holidays='["2026-13-01"]',
                hours='mon = ["09:00-13:00", "12:00-18:00", "x"]\nfunday = []\n',
            )
            + schedule_table(name='"Second"', hours='tue = ["10:00-10:00"]\n')
            + '[[users]]\nid = "u-a"\nname = "A"\nschedule = "Office"\n'
            + '[[users]]\nid = "u-b"\nname = "B"\nschedule = "Elsewhere"\n'
        )

        expected = [
            (
                "unknown time zone 'Nowhere/Land': expected an IANA name such as 'Asia/Kolkata'"
                " @ $.schedules[0].time_zone"
            ),
            (
                "expected a date such as '2026-12-25', not the text '2026-13-01'"
                " @ $.schedules[0].holidays[0]"
            ),
            (
                "unknown day 'funday': expected one of mon, tue, wed, thu, fri, sat, sun"
                " @ $.schedules[0].hours.funday"
            ),
            "'12:00-18:00' overlaps '09:00-13:00' at mon[0] @ $.schedules[0].hours.mon[1]",
            "expected an interval such as '09:00-18:00', not 'x' @ $.schedules[0].hours.mon[2]",
            (
                "interval '10:00-10:00' starts and ends at the same time"
                " (write '00:00-24:00' for the whole day) @ $.schedules[1].hours.tue[0]"
            ),
            "unknown schedule 'Elsewhere' @ $.users[1].schedule",
        ]
        assert expected == problems_of(text)

    def test_duplicate_names(self):
        """Schedule names are unique ignoring case and Unicode forms."""
        text = (
            schedule_table(name='"India office"')
            + schedule_table(name='"INDIA OFFICE"')
            + schedule_table(name='"\uff29\uff4e\uff44\uff49\uff41 office"')
        )

        expected = [
            "duplicate schedule name 'INDIA OFFICE', first at $.schedules[0] @ $.schedules[1].name",
            (
                "duplicate schedule name '\uff29\uff4e\uff44\uff49\uff41 office',"
                " first at $.schedules[0] @ $.schedules[2].name"
            ),
        ]
        assert expected == problems_of(text)

    @pytest.mark.parametrize(
        "hours",
        [None, "", "mon = []\n", "mon = []\ntue = []\nsun = []\n"],
        ids=["no-hours-key", "empty-table", "one-empty-day", "empty-days"],
    )
    def test_a_schedule_that_never_opens(self, hours):
        """A schedule without a single interval is refused: its users would never be assigned."""
        expected = (
            "schedule 'Office' never opens: give it hours, e.g. mon = [\"09:00-18:00\"] (to stop"
            " a user's assignments, set the user's active = false) @ $.schedules[0].hours"
        )

        assert [expected] == problems_of(schedule_table(hours=hours))

    def test_blank_name(self):
        """A schedule's name must not be blank."""
        assert ["schedule name must not be blank @ $.schedules[0].name"] == problems_of(
            schedule_table(name='" "')
        )

    def test_unknown_schedule(self):
        """A user naming a schedule nobody defined is reported at the user."""
        text = OFFICE + '[[users]]\nid = "u-ben"\nname = "Ben"\nschedule = "india office"\n'

        assert ["unknown schedule 'india office' @ $.users[1].schedule"] == problems_of(text)

    def test_schedule_left_out_is_still_known(self):
        """A user naming a schedule with problems of its own is not reported again."""
        text = schedule_table(time_zone='"Mars/Olympus"') + (
            '[[users]]\nid = "u-a"\nname = "A"\nschedule = "Office"\n'
        )

        assert 1 == len(problems_of(text))

    def test_checked_when_built_by_hand(self):
        """check_config finds duplicate schedules and unknown names in a Config built by hand."""
        office = Schedule(
            name="Office", time_zone="UTC", hours={Weekday.MON: [Interval.parse("09:00-18:00")]}
        )
        config = Config(
            schedules=[office, office],
            users=[User(id="u-a", name="A", schedule="Nights")],
        )

        with pytest.raises(ConfigError) as caught:
            check_config(config)

        assert [
            "duplicate schedule name 'Office', first at $.schedules[0] @ $.schedules[1].name",
            "unknown schedule 'Nights' @ $.users[0].schedule",
        ] == list(caught.value.errors)
