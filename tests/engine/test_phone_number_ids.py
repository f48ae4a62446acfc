"""
Each send carries the Cloud API id of its number: the config's, the event's, or the one remembered.
"""

import datetime as dt

import attrs
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.engine import (
    Engine,
    IncomingMessage,
    OutgoingMessage,
    SavePhoneNumberId,
    Send,
    Snapshot,
)
from convroute.model import Phone
from engine.state import State
from example_account import routing_example


LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
CONFIGURED = "106540352242922"
GIVEN = "206540352242922"
STORED = "306540352242922"


def configured(phone_number_id=CONFIGURED):
    # The example account declares an id: here each test says which, or none.
    config = routing_example()
    numbers = tuple(
        attrs.evolve(n, phone_number_id=phone_number_id) if n.number == NUMBER else n
        for n in config.numbers
    )
    return Engine.from_config(attrs.evolve(config, numbers=numbers))


def message(ident="wamid.1", **kwargs):
    return IncomingMessage(id=ident, at=AT, lead=LEAD, number=NUMBER, text="Hi", **kwargs)


def sends(outcome):
    return [action for action in outcome.actions if isinstance(action, Send)]


def saved(outcome):
    return [change for change in outcome.changes if isinstance(change, SavePhoneNumberId)]


class TestSendsCarryTheId:
    def test_the_configured_id(self):
        """A number's configured phone_number_id is carried by the menu sent from it."""
        outcome = State(configured()).message(message())

        assert [CONFIGURED] == [send.phone_number_id for send in sends(outcome)]
        assert CONFIGURED == sends(outcome)[0].to_json()["phone_number_id"]

    def test_the_events_id_when_none_is_configured(self):
        """Without a configured id, the webhook's id for the number is carried and remembered."""
        outcome = State(configured(None)).message(message(phone_number_id=GIVEN))

        assert [GIVEN] == [send.phone_number_id for send in sends(outcome)]
        assert [SavePhoneNumberId(NUMBER, GIVEN)] == saved(outcome)

    def test_the_configured_id_wins_over_the_events(self):
        """A configured id wins over what a webhook says, and nothing is remembered."""
        outcome = State(configured()).message(message(phone_number_id=GIVEN))

        assert ([CONFIGURED], []) == ([s.phone_number_id for s in sends(outcome)], saved(outcome))

    def test_the_remembered_id_when_the_event_gives_none(self):
        """An id a webhook gave before is carried by the sends of an event that gives none."""
        state = State(configured(None), phone_number_ids={NUMBER: STORED})

        outcome = state.message(message())

        assert ([STORED], []) == ([s.phone_number_id for s in sends(outcome)], saved(outcome))

    def test_the_events_id_wins_over_the_remembered_one(self):
        """A webhook's id, the current one, replaces the one remembered."""
        state = State(configured(None), phone_number_ids={NUMBER: STORED})

        outcome = state.message(message(phone_number_id=GIVEN))

        assert [GIVEN] == [send.phone_number_id for send in sends(outcome)]
        assert {NUMBER: GIVEN} == state.phone_number_ids

    def test_an_id_already_remembered_is_not_saved_again(self):
        """The same id again asks nothing of the store."""
        state = State(configured(None), phone_number_ids={NUMBER: GIVEN})

        outcome = state.message(message(phone_number_id=GIVEN))

        assert [] == saved(outcome)

    def test_no_id_known_leaves_the_key_out(self):
        """Without any id known, a send has no phone_number_id, and its JSON no such key."""
        outcome = State(configured(None)).message(message())

        assert [None] == [send.phone_number_id for send in sends(outcome)]
        assert "phone_number_id" not in sends(outcome)[0].to_json()

    def test_an_echo_remembers_its_numbers_id(self):
        """A business-app echo's phone_number_id is remembered like a message's."""
        engine = configured(None)
        echo = OutgoingMessage(
            id="echo.1", at=AT, lead=LEAD, number=NUMBER, text="Hello", phone_number_id=GIVEN
        )

        outcome = engine.decide(Snapshot(), echo, now=AT)

        assert [SavePhoneNumberId(NUMBER, GIVEN)] == saved(outcome)

    @settings(deadline=None)
    @given(
        configured_id=st.sampled_from([None, CONFIGURED]),
        given_id=st.sampled_from([None, GIVEN]),
        stored_id=st.sampled_from([None, STORED]),
    )
    def test_the_order_of_precedence(self, configured_id, given_id, stored_id):
        """The config's id, else the event's, else the stored one: whichever is first known."""
        stored = {} if stored_id is None else {NUMBER: stored_id}
        state = State(configured(configured_id), phone_number_ids=stored)

        outcome = state.message(message(phone_number_id=given_id))

        expected = next((i for i in (configured_id, given_id, stored_id) if i is not None), None)
        assert [expected] == [send.phone_number_id for send in sends(outcome)]


class TestEventsHoldDigits:
    @pytest.mark.parametrize("bad", ["", "12a", "\uff11\uff12", "12 3"])
    def test_an_id_that_is_not_digits_is_refused(self, bad):
        """An event's phone_number_id names a URL path: anything but ASCII digits is refused."""
        with pytest.raises(ValueError, match="phone_number_id is 1 to 64 digits"):
            message(phone_number_id=bad)
