import datetime as dt

import attrs
import pytest

from convroute.engine import (
    CloseConversation,
    DeleteTransition,
    IncomingMessage,
    Media,
    MediaKind,
    OutgoingMessage,
    SetPresence,
    SetStage,
    UpdateLead,
    UpdateUser,
)
from convroute.errors import ConvrouteError, TextError, TimeRangeError
from convroute.model import Lead, Opportunity, Phone, User


LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LONE = "x\udcff"

# One valid value of each event and host value, and the text fields it has.
VALUES_AND_TEXT_FIELDS = [
    (
        IncomingMessage(id="w.1", at=AT, lead=LEAD, number=NUMBER, text="Hi"),
        ["id", "text", "reply_id", "name", "ctwa_clid"],
    ),
    (Media(MediaKind.IMAGE, caption="Look"), ["caption"]),
    (OutgoingMessage(id="o.1", at=AT, lead=LEAD, number=NUMBER, text="Hi"), ["id", "text"]),
    (
        SetStage(id="s.1", at=AT, funnel="Sales", lead=LEAD, stage="Won", by="u"),
        ["id", "funnel", "stage", "by"],
    ),
    (DeleteTransition(id="d.1", transition="t"), ["id", "transition"]),
    (CloseConversation(id="c.1", at=AT, lead=LEAD, number=NUMBER), ["id"]),
    (UpdateUser(id="uu.1", user=User(id="u", name="U")), ["id"]),
    (SetPresence(id="p.1", user="u", available=True), ["id", "user"]),
    (UpdateLead(id="ul.1", lead=Lead(phone=LEAD)), ["id"]),
    (User(id="u", name="U"), ["id", "name"]),
    (Lead(phone=LEAD, name="L", owner="u"), ["name", "owner"]),
    (
        Opportunity(id="o", type="T", name="N", owner="u", stage="S"),
        ["id", "type", "name", "owner", "stage"],
    ),
]
TIMED = [
    IncomingMessage(id="w.1", at=AT, lead=LEAD, number=NUMBER, text="Hi"),
    OutgoingMessage(id="o.1", at=AT, lead=LEAD, number=NUMBER, text="Hi"),
    SetStage(id="s.1", at=AT, funnel="Sales", lead=LEAD, stage="Won"),
    CloseConversation(id="c.1", at=AT, lead=LEAD, number=NUMBER),
]


class TestLoneSurrogates:
    @pytest.mark.parametrize(
        ("value", "name"),
        [(value, name) for value, names in VALUES_AND_TEXT_FIELDS for name in names],
    )
    def test_every_text_field_refuses_a_lone_surrogate(self, value, name):
        """A lone surrogate in any text field of an event or host value is a TextError."""
        with pytest.raises(TextError, match="lone surrogate") as caught:
            attrs.evolve(value, **{name: LONE})

        assert isinstance(caught.value, ConvrouteError)
        assert isinstance(caught.value, ValueError)

    def test_opportunity_fields_refuse_a_lone_surrogate(self):
        """Neither a field's name nor its value may hold a lone surrogate."""
        with pytest.raises(TextError):
            Opportunity(id="o", type="T", fields={"Course": LONE})
        with pytest.raises(TextError):
            Opportunity(id="o", type="T", fields={LONE: "AI"})

    def test_the_message_says_where(self):
        """The error names the surrogate's position, escaped, never the raw character."""
        with pytest.raises(TextError) as caught:
            User(id="u-asha\ud800", name="Asha")

        assert 6 == caught.value.position
        assert "'\\ud800' at position 6" in str(caught.value)
        str(caught.value).encode("utf-8")

    def test_surrogate_pairs_joined_are_text(self):
        """Characters outside the basic plane, as Python holds them, pass."""
        assert "🙂" == IncomingMessage(id="w", at=AT, lead=LEAD, number=NUMBER, text="🙂").text


class TestCalendarEnds:
    @pytest.mark.parametrize("event", TIMED)
    @pytest.mark.parametrize(
        "at",
        [
            dt.datetime(1, 1, 1, tzinfo=dt.UTC),
            dt.datetime(1, 1, 1, 23, 59, tzinfo=dt.UTC),
            dt.datetime(1, 1, 2, 3, tzinfo=dt.timezone(dt.timedelta(hours=5))),
            dt.datetime(9999, 12, 31, tzinfo=dt.UTC),
            dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            dt.datetime(9999, 12, 30, 20, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ],
    )
    def test_a_time_within_a_day_of_the_calendars_ends_is_refused(self, event, at):
        """An event dated in the calendar's first or last day (UTC) is a TimeRangeError."""
        with pytest.raises(TimeRangeError, match="calendar") as caught:
            attrs.evolve(event, at=at)

        assert isinstance(caught.value, ConvrouteError)
        assert isinstance(caught.value, ValueError)

    @pytest.mark.parametrize(
        "at",
        [
            dt.datetime(1, 1, 2, tzinfo=dt.UTC),
            dt.datetime(1, 1, 2, 5, tzinfo=dt.timezone(dt.timedelta(hours=5))),
            dt.datetime(9999, 12, 30, 23, 59, 59, 999_999, tzinfo=dt.UTC),
            dt.datetime(9998, 12, 31, 23, tzinfo=dt.timezone(-dt.timedelta(hours=23, minutes=59))),
            dt.datetime(2, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=23, minutes=59))),
        ],
    )
    def test_the_days_between_are_accepted(self, at):
        """From the calendar's second day to its last but one, events are taken."""
        assert at == attrs.evolve(TIMED[0], at=at).at

    def test_an_opportunity_may_be_updated_on_the_calendars_first_day(self):
        """An opportunity's time is only ordered, never reckoned with: the ends are fine."""
        first = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        assert first == Opportunity(id="o", type="T", updated_at=first).updated_at

    def test_an_opportunity_update_time_is_checked_too(self):
        """An opportunity updated at a time that has no UTC value is refused."""
        with pytest.raises(TimeRangeError):
            Opportunity(
                id="o",
                type="T",
                updated_at=dt.datetime(
                    9999, 12, 31, 23, tzinfo=dt.timezone(-dt.timedelta(hours=5))
                ),
            )


EVENT_TYPES = (
    IncomingMessage,
    OutgoingMessage,
    SetStage,
    DeleteTransition,
    CloseConversation,
    UpdateUser,
    SetPresence,
    UpdateLead,
)
EVENTS = [value for value, _ in VALUES_AND_TEXT_FIELDS if isinstance(value, EVENT_TYPES)]


class TestEventIds:
    @pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
    def test_an_empty_id_is_refused(self, event):
        """An event without an id would be taken for every other one: ValueError."""
        with pytest.raises(ValueError, match="id must not be empty"):
            attrs.evolve(event, id="")
