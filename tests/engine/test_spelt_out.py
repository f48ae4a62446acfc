"""
The engine's spelt-out copies of values change what attrs.evolve would, and nothing else.
"""

import datetime as dt

import attrs

from hypothesis import given
from hypothesis import strategies as st

from convroute.engine._conversation import _owned_by, _seen
from convroute.menus import build_first_response
from convroute.state import Conversation, ConversationStatus
from menu_strategies import menu_numbers
from strategies import leads, names, opportunities, phones


AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
TIMES = st.integers(-3000, 3000).map(lambda minutes: AT + dt.timedelta(minutes=minutes))


@st.composite
def conversations(draw):
    menu = draw(
        st.none()
        | st.tuples(menu_numbers(), leads([])).map(lambda drawn: build_first_response(*drawn))
    )
    return Conversation(
        lead=draw(phones()),
        number=draw(phones()),
        status=draw(st.sampled_from(list(ConversationStatus))),
        last_message_at=draw(TIMES),
        menu=menu,
        menu_sent_at=draw(st.none() | TIMES),
        product=draw(st.none() | names()),
        reprompts=draw(st.integers(0, 3)),
        assignee=draw(st.none() | names()),
        opportunity=draw(st.none() | names()),
        rule=draw(st.none() | names()),
    )


class FakeTurn:
    def __init__(self, at):
        self.event = type("Event", (), {"at": at})()


class TestSpeltOut:
    @given(conversation=conversations(), at=TIMES)
    def test_seen_is_evolve(self, conversation, at):
        """A conversation seen again is the same with its latest message time."""
        latest = max(conversation.last_message_at, at)
        expected = attrs.evolve(conversation, last_message_at=latest)
        assert expected == _seen(conversation, FakeTurn(at))

    @given(opportunity=opportunities(["u-asha", "u-ben"]), owner=names())
    def test_owned_by_is_evolve(self, opportunity, owner):
        """An opportunity given an owner is the same with that owner."""
        assert attrs.evolve(opportunity, owner=owner) == _owned_by(opportunity, owner)
