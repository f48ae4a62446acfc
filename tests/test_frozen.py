"""
The checks frozen values and pure functions share.
"""

import datetime as dt

import attrs
import pytest

from convroute._frozen import aware, require_aware


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
