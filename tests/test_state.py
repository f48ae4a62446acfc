"""
Conversations are made by their own constructors, field for field as keywords would make them.
"""

import datetime as dt

import attrs

from hypothesis import given
from hypothesis import strategies as st

from convroute.menus import build_first_response
from convroute.state import Conversation, ConversationStatus
from engine.test_spelt_out import conversations
from menu_strategies import menu_numbers
from strategies import leads, names, phones


AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
TIMES = st.integers(-3000, 3000).map(lambda minutes: AT + dt.timedelta(minutes=minutes))
MENUS = st.tuples(menu_numbers(), leads([])).map(lambda drawn: build_first_response(*drawn))


class TestConversationConstructors:
    @given(lead=phones(), number=phones(), menu=MENUS, at=TIMES, product=st.none() | names())
    def test_menu_sent(self, lead, number, menu, at, product):
        """A menu sent waits for its reply, sent and last seen at the same time."""
        expected = Conversation(
            lead=lead,
            number=number,
            status=ConversationStatus.MENU,
            last_message_at=at,
            menu=menu,
            menu_sent_at=at,
            product=product,
        )
        assert expected == Conversation.menu_sent(lead, number, menu, at, product=product)

    @given(
        lead=phones(),
        number=phones(),
        at=TIMES,
        assignee=names(),
        about=st.tuples(st.none() | names(), names()),
    )
    def test_assigned(self, lead, number, at, assignee, about):
        """An assigned conversation holds its assignee, opportunity and rule; its clock starts."""
        opportunity, rule = about
        expected = Conversation(
            lead=lead,
            number=number,
            status=ConversationStatus.ASSIGNED,
            last_message_at=at,
            assignee=assignee,
            opportunity=opportunity,
            rule=rule,
            assigned_at=at,
            reply_awaited_since=at,
            last_incoming_at=at,
        )
        made = Conversation.assigned(lead, number, at, assignee, opportunity=opportunity, rule=rule)
        assert expected == made

    @given(
        ends=st.tuples(phones(), phones()),
        at=TIMES,
        held=st.lists(names(), max_size=2).map(tuple),
        reassignments=st.integers(0, 3),
        due=st.none() | TIMES,
    )
    def test_assigned_after_a_wait(self, ends, at, held, reassignments, due):
        """An assignment ending a wait carries on its history, with the due time given."""
        lead, number = ends
        expected = Conversation(
            lead=lead,
            number=number,
            status=ConversationStatus.ASSIGNED,
            last_message_at=at,
            assignee="u-a",
            rule="Desk",
            assigned_at=at,
            reply_awaited_since=at,
            last_incoming_at=at,
            held_before=held,
            reassignments=reassignments,
            due_at=due,
        )
        made = Conversation.assigned(
            lead,
            number,
            at,
            "u-a",
            opportunity=None,
            rule="Desk",
            held_before=held,
            reassignments=reassignments,
            due_at=due,
        )
        assert expected == made

    @given(
        lead=phones(),
        number=phones(),
        at=TIMES,
        opportunity=st.none() | names(),
        rule=st.none() | names(),
    )
    def test_unrouted(self, lead, number, at, opportunity, rule):
        """An unrouted conversation holds its opportunity and rule, and nobody."""
        expected = Conversation(
            lead=lead,
            number=number,
            status=ConversationStatus.UNROUTED,
            last_message_at=at,
            opportunity=opportunity,
            rule=rule,
            last_incoming_at=at,
        )
        made = Conversation.unrouted(lead, number, at, opportunity=opportunity, rule=rule)
        assert expected == made

    @given(conversation=conversations(), at=TIMES, awaited=st.none() | TIMES, due=st.none() | TIMES)
    def test_heard_at(self, conversation, at, awaited, due):
        """A lead's message moves the last message and incoming times on, never back."""
        incoming = conversation.last_incoming_at
        expected = attrs.evolve(
            conversation,
            last_message_at=max(conversation.last_message_at, at),
            last_incoming_at=at if incoming is None else max(incoming, at),
            reply_awaited_since=awaited,
            due_at=due,
        )
        assert expected == conversation.heard_at(at, awaited, due)

    @given(conversation=conversations(), at=TIMES)
    def test_reprompted_at(self, conversation, at):
        """A menu sent again counts one reprompt more, sent and last seen at that time."""
        expected = attrs.evolve(
            conversation,
            reprompts=conversation.reprompts + 1,
            menu_sent_at=at,
            last_message_at=at,
        )
        assert expected == conversation.reprompted_at(at)
