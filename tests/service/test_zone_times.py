"""
Times in a zone with rules (`zoneinfo`) count elapsed time on every store, as times in UTC do.
"""

import datetime as dt
import zoneinfo

import pytest

from convroute.config import load_config
from convroute.engine import IncomingMessage, SetPresence, Tick, UpdateUser
from convroute.menus import OptionKind, option_id
from convroute.model import Phone, User
from convroute.service import Service
from convroute.testing import RecordingTransport
from example_account import EXAMPLE_PATH
from service.conftest import KINDS, NUMBER, make_store


CONFIG = load_config(EXAMPLE_PATH)
LEAD = Phone("919812345678")
AI = option_id(OptionKind.PRODUCT, "AI")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# The day before New York's change to winter time, and 24 h 45 min later by the clock of the
# world (23 h 45 min by New York's wall clocks): past the example's one-day conversation timeout.
FIRST = dt.datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK)
NEXT_DAY = dt.datetime(2026, 11, 1, 11, 45, tzinfo=NEW_YORK)


def lived(kind, tmp_path, request, zone):
    """The actions of a lead's first message, its tap and its message the next day."""
    times = [zone(at) for at in (FIRST, FIRST + dt.timedelta(minutes=1), NEXT_DAY)]
    tmp_path.mkdir()
    store = make_store(kind, tmp_path, request)
    try:
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: times[-1])
        steps = [{"text": "Hello"}, {"reply_id": AI}, {"text": "Hello again"}]
        return [
            [
                action.type
                for action in service.handle(
                    IncomingMessage(id=f"wamid.{n}", at=at, lead=LEAD, number=NUMBER, **step)
                ).actions
            ]
            for n, (at, step) in enumerate(zip(times, steps, strict=True))
        ]
    finally:
        getattr(store, "close", lambda: None)()


class TestAcrossAChangeOfTime:
    @pytest.mark.parametrize("kind", KINDS)
    def test_a_conversation_times_out_by_elapsed_time(self, kind, tmp_path, request):
        """The next day's message starts afresh (the first menu), as with the times in UTC."""
        in_utc = lived(kind, tmp_path / "utc", request, lambda at: at.astimezone(dt.UTC))
        in_new_york = lived(kind, tmp_path / "zoned", request, lambda at: at)

        assert [["send"], ["create_opportunity", "assign"], ["send"]] == in_utc
        assert in_utc == in_new_york


class TestEventTimes:
    @pytest.mark.parametrize(
        "event",
        [
            IncomingMessage(id="m", at=NEXT_DAY, lead=LEAD, number=NUMBER, text="Hi"),
            Tick(at=NEXT_DAY),
            SetPresence(id="p", user="u-asha", available=True, at=NEXT_DAY),
            UpdateUser(id="u", user=User(id="u-asha", name="Asha"), at=NEXT_DAY),
        ],
        ids=lambda event: type(event).__name__,
    )
    def test_an_event_keeps_its_time_in_a_zone_of_its_offset(self, event):
        """An event's time is the instant and text given, its zone the offset then."""
        assert dt.timezone is type(event.at.tzinfo)
        assert (NEXT_DAY, NEXT_DAY.isoformat()) == (event.at, event.at.isoformat())
