import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from convroute.engine import (
    Assign,
    CloseConversation,
    DeleteTransition,
    Engine,
    IncomingMessage,
    OutgoingMessage,
    Send,
    SetStage,
    Unrouted,
)
from convroute.menus import OptionKind, option_id
from convroute.model import Phone
from convroute.state import ConversationStatus
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
NUMBERS = [Phone("918040001234"), Phone("918040009999")]
LEADS = [Phone(f"91980000000{i}") for i in range(3)]
USERS = ["u-asha", "u-ben", "u-chen", "u-meera"]
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)

replies = st.one_of(
    st.none(),
    st.sampled_from(
        [
            option_id(OptionKind.PRODUCT, "AI"),
            option_id(OptionKind.PRODUCT, "Data Science"),
            option_id(OptionKind.OTHER_QUERIES, ""),
            option_id(OptionKind.NEW_OPPORTUNITY, ""),
            "nonsense id",
        ]
    ),
)
texts = st.one_of(
    st.none(), st.sampled_from(["1", "2", "3", "4", "ai", "I came from Instagram", ""]), st.text()
)
steps = st.lists(
    st.tuples(
        st.sampled_from(LEADS),
        st.sampled_from(NUMBERS),
        st.integers(min_value=0, max_value=26 * 60),
        texts,
        replies,
        st.dictionaries(st.sampled_from(USERS), st.booleans(), max_size=4),
    ),
    max_size=25,
)


class TestConversationInvariants:
    @given(steps)
    def test_every_message_is_answered_once_and_assignees_are_available(self, script):
        """A message gets one menu or routing (none if open); only available users are assigned."""
        state = State(Engine.from_config(CONFIG))
        at = START
        for index, (lead, number, minutes, text, reply, presence) in enumerate(script):
            state.presence.update(presence)
            at += dt.timedelta(minutes=minutes)
            before = state.conversations.get((lead, number))
            was_open = (
                before is not None
                and before.status is ConversationStatus.ASSIGNED
                and at - before.last_message_at < CONFIG.conversation_timeout
            )
            event = IncomingMessage(
                id=f"m{index}", at=at, lead=lead, number=number, text=text, reply_id=reply
            )
            snapshot = state.snapshot(lead, number, at)
            outcome = state.run(event, snapshot, at)
            # Pure: the same snapshot and event decide the same again.
            assert outcome == state.engine.decide(snapshot, event, now=at)

            answers = [a for a in outcome.actions if isinstance(a, Send | Assign | Unrouted)]
            assert (0 if was_open else 1) == len(answers)
            for action in answers:
                if isinstance(action, Assign):
                    assert state.presence.get(action.user, True)
            after = state.conversations[lead, number]
            assert (after.status is ConversationStatus.ASSIGNED) == (after.assignee is not None)


funnel_steps = st.lists(
    st.tuples(
        st.sampled_from(["incoming", "outgoing", "set_stage", "delete", "close"]),
        st.sampled_from(LEADS),
        st.integers(min_value=0, max_value=60),
        st.sampled_from(
            ["Hi", "I came from Instagram", "Thank you for scheduling with us", "Lead Entry", "X"]
        ),
    ),
    max_size=25,
)


def funnel_event(kind, ident, at, lead, text, *, records):
    number = NUMBERS[0]
    if kind == "incoming":
        return IncomingMessage(ident, at, lead, number, text=text)
    if kind == "outgoing":
        return OutgoingMessage(ident, at, lead, number, text)
    if kind == "set_stage":
        return SetStage(ident, at, "Sales", lead, text)
    if kind == "delete":
        return DeleteTransition(ident, records[len(ident) % len(records)] if records else "tr-x")
    return CloseConversation(ident, at, lead, number)


class TestNotes:
    @given(funnel_steps)
    def test_an_event_that_changes_nothing_says_why(self, script):
        """Every event that yields no change and no action carries at least one note."""
        state = State(Engine.from_config(CONFIG))
        at = START
        for index, (kind, lead, minutes, text) in enumerate(script):
            at += dt.timedelta(minutes=minutes)
            records = [r.id for r in state.records.values()]
            event = funnel_event(kind, f"e{index}", at, lead, text, records=records)
            outcome = state.run(event, state.snapshot(lead, NUMBERS[0], at), at)

            assert outcome.changes or outcome.actions or outcome.notes, event
