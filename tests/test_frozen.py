"""
The checks frozen values and pure functions share.
"""

import datetime as dt
import zoneinfo

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute._frozen import (
    aware,
    fixed_offset,
    optional_fixed_offset,
    plain_offset,
    require_aware,
)


AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
NAIVE = dt.datetime(2026, 11, 2, 9, 0)  # noqa: DTZ001 - the point of the tests


@attrs.frozen
class Stamped:
    at: dt.datetime | None = attrs.field(validator=require_aware)


class TestAware:
    def test_aware_time_passes_as_it_is(self):
        """A time with its zone is returned as it was given."""
        assert AT is aware(AT, "now")

    def test_naive_time_is_refused_by_name(self):
        """A time without a zone is refused, naming the argument and the time."""
        with pytest.raises(ValueError, match="now must be an aware datetime") as caught:
            aware(NAIVE, "now")

        assert "now must be an aware datetime (with a time zone): 2026-11-02 09:00:00" == str(
            caught.value
        )

    def test_a_time_that_is_no_datetime_is_a_type_error(self):
        """Text or a date given for a time is refused by name, not failed on inside."""
        with pytest.raises(TypeError) as caught:
            aware("2026-11-02", "now")

        assert "now must be a datetime.datetime, not the str '2026-11-02'" == str(caught.value)

    def test_validator_says_the_same_of_a_field(self):
        """An attrs field refuses a naive time in the same words, naming the field."""
        with pytest.raises(ValueError, match="at must be") as caught:
            Stamped(NAIVE)

        assert "at must be an aware datetime (with a time zone): 2026-11-02 09:00:00" == str(
            caught.value
        )

    def test_validator_lets_none_pass(self):
        """A field that may be empty takes None."""
        assert Stamped(None).at is None


NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


class TestFixedOffset:
    @given(st.datetimes(timezones=st.timezones()))
    def test_the_same_instant_and_text_in_a_zone_of_its_offset(self, value):
        """Any aware time becomes the same instant, offset and text, in a fixed zone."""
        fixed = fixed_offset(value)

        assert dt.timezone is type(fixed.tzinfo)
        assert (value.utcoffset(), value.isoformat()) == (fixed.utcoffset(), fixed.isoformat())
        assert value.astimezone(dt.UTC) == fixed.astimezone(dt.UTC)

    @given(st.datetimes(timezones=st.timezones()), st.timedeltas())
    def test_sums_and_differences_are_in_elapsed_time(self, value, span):
        """A span added to the fixed time lands where it lands in UTC."""
        fixed = fixed_offset(value)
        try:
            expected = value.astimezone(dt.UTC) + span
        except OverflowError:
            return

        assert expected == fixed + span

    def test_a_day_across_the_change_to_winter_time(self):
        """From 12:00 the day before New York's change, 11:45 the next day is 24 h 45 min on."""
        before = dt.datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK)
        after = dt.datetime(2026, 11, 1, 11, 45, tzinfo=NEW_YORK)

        assert dt.timedelta(hours=23, minutes=45) == after - before
        assert dt.timedelta(hours=24, minutes=45) == fixed_offset(after) - fixed_offset(before)

    @pytest.mark.parametrize(
        "value", [AT, AT.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))), NAIVE, "9:00"]
    )
    def test_fixed_zones_naive_times_and_others_pass_as_they_are(self, value):
        """A time in a fixed zone already, a naive time and what is no time are given back."""
        assert value is fixed_offset(value)

    def test_a_named_offset_loses_its_name_as_its_text_read_back_would(self):
        """A named fixed offset becomes the unnamed one of its offset; its text is unchanged."""
        named = AT.astimezone(dt.timezone(dt.timedelta(hours=-5), "EST"))

        fixed = fixed_offset(named)

        assert (named, named.isoformat()) == (fixed, fixed.isoformat())
        assert dt.datetime.fromisoformat(named.isoformat()).tzinfo == fixed.tzinfo
        assert (False, True) == (plain_offset(named.tzinfo), plain_offset(fixed.tzinfo))

    def test_none_passes(self):
        """The optional form gives None back, and converts a time."""
        assert optional_fixed_offset(None) is None
        assert dt.timezone is type(optional_fixed_offset(AT.astimezone(NEW_YORK)).tzinfo)
