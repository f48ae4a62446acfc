import datetime as dt

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.model import User
from convroute.routing import Availability, Interval, Schedule, SkipReason, Weekday
from strategies import availabilities, user_directories


ASHA = User(id="u-asha", name="Asha")
OFFICE = Schedule(
    name="Office",
    time_zone="Asia/Kolkata",
    hours={day: [Interval.parse("09:00-18:00")] for day in Weekday if day <= Weekday.FRI},
)
MONDAY = dt.datetime(2026, 11, 2, 6, 30, tzinfo=dt.UTC)  # 12:00 in Kolkata
SUNDAY = dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)


def availability_of(user: User, **snapshot) -> Availability:
    return Availability(users={user.id: user}, **snapshot)


def oracle_reason(availability: Availability, user_id: str) -> SkipReason | None:
    """
    Why *user_id* cannot take a conversation, worked out from the rules as written.
    """
    if user_id not in availability.users:
        return SkipReason.UNKNOWN_USER
    user = availability.users[user_id]
    reasons = [
        (user_id in availability.held_before, SkipReason.HELD_BEFORE),
        (not user.active, SkipReason.INACTIVE),
        (availability.presence.get(user_id) is False, SkipReason.UNAVAILABLE),
        (
            availability.at is not None
            and user.schedule in availability.schedules
            and not availability.schedules[user.schedule].is_open(availability.at),
            SkipReason.OFF_HOURS,
        ),
        (
            user.max_open_conversations is not None
            and availability.open_conversations.get(user_id, 0) >= user.max_open_conversations,
            SkipReason.AT_CAPACITY,
        ),
    ]
    return next((reason for applies, reason in reasons if applies), None)


class TestCheck:
    def test_available(self):
        """An active user with no presence and no capacity limit is available."""
        assert None is availability_of(ASHA).check("u-asha")

    def test_unknown_user(self):
        """A user missing from the users is unknown."""
        assert SkipReason.UNKNOWN_USER == availability_of(ASHA).check("u-ghost")

    def test_inactive(self):
        """An inactive user is passed over as inactive."""
        user = User(id="u-asha", name="Asha", active=False)

        assert SkipReason.INACTIVE == availability_of(user).check("u-asha")

    def test_away(self):
        """A user the host reports away is unavailable."""
        availability = availability_of(ASHA, presence={"u-asha": False})

        assert SkipReason.UNAVAILABLE == availability.check("u-asha")

    def test_held_before(self):
        """A user who held the conversation before is passed over, ahead of other reasons."""
        user = User(id="u-asha", name="Asha", active=False)
        availability = availability_of(user, held_before=frozenset({"u-asha"}))

        assert SkipReason.HELD_BEFORE == availability.check("u-asha")

    def test_held_before_names_others(self):
        """Users not among those who held it before are checked as ever."""
        availability = availability_of(ASHA, held_before=frozenset({"u-ben"}))

        assert None is availability.check("u-asha")

    def test_present(self):
        """A user the host reports present is available."""
        assert None is availability_of(ASHA, presence={"u-asha": True}).check("u-asha")

    def test_presence_of_others_is_irrelevant(self):
        """Only the user's own presence counts."""
        availability = availability_of(ASHA, presence={"u-ben": False})

        assert None is availability.check("u-asha")

    @pytest.mark.parametrize("open_conversations", [3, 4])
    def test_at_capacity(self, open_conversations):
        """A user holding their maximum of open conversations, or more, is at capacity."""
        user = User(id="u-asha", name="Asha", max_open_conversations=3)
        availability = availability_of(user, open_conversations={"u-asha": open_conversations})

        assert SkipReason.AT_CAPACITY == availability.check("u-asha")

    def test_under_capacity(self):
        """A user holding fewer than their maximum of open conversations is available."""
        user = User(id="u-asha", name="Asha", max_open_conversations=3)
        availability = availability_of(user, open_conversations={"u-asha": 2})

        assert None is availability.check("u-asha")

    def test_zero_capacity(self):
        """A user whose maximum is zero is at capacity even holding nothing."""
        user = User(id="u-asha", name="Asha", max_open_conversations=0)

        assert SkipReason.AT_CAPACITY == availability_of(user).check("u-asha")

    def test_no_limit(self):
        """A user without a maximum is available however many conversations they hold."""
        availability = availability_of(ASHA, open_conversations={"u-asha": 10_000})

        assert None is availability.check("u-asha")

    def test_inactive_before_away(self):
        """An inactive user who is also away is reported inactive."""
        user = User(id="u-asha", name="Asha", active=False)
        availability = availability_of(user, presence={"u-asha": False})

        assert SkipReason.INACTIVE == availability.check("u-asha")

    def test_away_before_at_capacity(self):
        """An away user who is also at capacity is reported unavailable."""
        user = User(id="u-asha", name="Asha", max_open_conversations=1)
        availability = availability_of(
            user, presence={"u-asha": False}, open_conversations={"u-asha": 1}
        )

        assert SkipReason.UNAVAILABLE == availability.check("u-asha")

    def test_off_hours(self):
        """A user outside their schedule at the snapshot's time is off hours."""
        user = User(id="u-asha", name="Asha", schedule="Office")
        availability = availability_of(user, schedules={"Office": OFFICE}, at=SUNDAY)

        assert SkipReason.OFF_HOURS == availability.check("u-asha")

    def test_within_hours(self):
        """A user within their schedule is available."""
        user = User(id="u-asha", name="Asha", schedule="Office")
        availability = availability_of(user, schedules={"Office": OFFICE}, at=MONDAY)

        assert None is availability.check("u-asha")

    def test_schedules_not_read_without_a_time(self):
        """Without a time, schedules are left out."""
        user = User(id="u-asha", name="Asha", schedule="Office")

        assert None is availability_of(user, schedules={"Office": OFFICE}).check("u-asha")

    def test_unknown_schedule_is_none(self):
        """A user naming a schedule the snapshot lacks has no working hours."""
        user = User(id="u-asha", name="Asha", schedule="Night desk")
        availability = availability_of(user, schedules={"Office": OFFICE}, at=SUNDAY)

        assert None is availability.check("u-asha")

    def test_away_before_off_hours(self):
        """An away user who is also off hours is reported unavailable."""
        user = User(id="u-asha", name="Asha", schedule="Office")
        availability = availability_of(
            user, presence={"u-asha": False}, schedules={"Office": OFFICE}, at=SUNDAY
        )

        assert SkipReason.UNAVAILABLE == availability.check("u-asha")

    def test_off_hours_before_at_capacity(self):
        """An off-hours user who is also at capacity is reported off hours."""
        user = User(id="u-asha", name="Asha", schedule="Office", max_open_conversations=1)
        availability = availability_of(
            user, open_conversations={"u-asha": 1}, schedules={"Office": OFFICE}, at=SUNDAY
        )

        assert SkipReason.OFF_HOURS == availability.check("u-asha")

    def test_naive_time_refused(self):
        """The snapshot's time must carry its zone."""
        with pytest.raises(ValueError, match="aware"):
            availability_of(ASHA, at=dt.datetime(2026, 11, 2, 9))  # noqa: DTZ001 - refused

    def test_reads_without_changing(self):
        """Checking leaves the snapshot's mappings as they were."""
        users = {"u-asha": ASHA}
        presence = {"u-asha": False}
        open_conversations: dict[str, int] = {}
        availability = Availability(users, presence, open_conversations)

        availability.check("u-asha")
        availability.check("u-ben")

        assert ({"u-asha": ASHA}, {"u-asha": False}, {}) == (users, presence, open_conversations)

    @given(st.data(), user_directories())
    def test_agrees_with_the_rules(self, data, users):
        """Every user, known or not, gets the reason the rules give, or none."""
        availability = data.draw(availabilities(users))

        for user_id in [*users, "not a known user"]:
            assert oracle_reason(availability, user_id) == availability.check(user_id)


class TestSkipReason:
    def test_names(self):
        """The reasons are written in traces by these names."""
        expected = [
            "no_opportunity",
            "no_lead",
            "no_owner",
            "unknown_user",
            "held_before",
            "unknown_group",
            "inactive",
            "unavailable",
            "off_hours",
            "at_capacity",
            "no_member_available",
        ]

        assert expected == [str(reason) for reason in SkipReason]
