"""
Conversations are made by their own constructors, field for field as keywords would make them.
"""

import datetime as dt

import attrs
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute._arguments import shown
from convroute.menus import build_first_response
from convroute.state import Conversation, ConversationStatus, OutboxItem, OutboxStatus, Removed
from engine.test_spelt_out import conversations
from menu_strategies import menu_numbers
from strategies import leads, names, not_text, phones, refusal


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


MADE = {
    Conversation: {
        "lead": "919800000001",
        "number": "918040001234",
        "status": ConversationStatus.ASSIGNED,
        "last_message_at": AT,
    },
    OutboxItem: {"id": "a-1", "event": "wamid.1", "type": "send", "body": {}, "created_at": AT},
}
TEXT_FIELDS = [
    (Conversation, "lead"),
    (Conversation, "number"),
    (Conversation, "product"),
    (Conversation, "assignee"),
    (Conversation, "opportunity"),
    (Conversation, "rule"),
    (OutboxItem, "id"),
    (OutboxItem, "event"),
    (OutboxItem, "type"),
    (OutboxItem, "last_error"),
    (OutboxItem, "lead"),
]


class TestWrongTypesNamed:
    @settings(deadline=None)
    @given(field=st.sampled_from(TEXT_FIELDS), value=not_text())
    def test_a_text_field_given_no_text_names_the_class_and_field(self, field, value):
        """Any value but a str, for a field of text, is a TypeError naming the class and field."""
        cls, name = field
        message = refusal(cls, {**MADE[cls], name: value})
        start = f"{cls.__name__}.{name} must be a str"
        assert (start, True) == (message[: len(start)], message.endswith(shown(value)))

    @pytest.mark.parametrize(
        ("cls", "fields", "message"),
        [
            (Conversation, {"status": 1}, "Conversation.status must be a ConversationStatus"),
            (Conversation, {"last_message_at": "now"}, "Conversation.last_message_at must be a"),
            (Conversation, {"due_at": 5}, "Conversation.due_at must be a datetime, not 5"),
            (Conversation, {"menu": "AI"}, "Conversation.menu must be a Menu or None"),
            (Conversation, {"reprompts": "1"}, "Conversation.reprompts must be an int, not the"),
            (Conversation, {"reassignments": True}, "Conversation.reassignments must be an int"),
            (Conversation, {"away_message_sent": 0}, "Conversation.away_message_sent must be a"),
            (Conversation, {"held_before": "u-asha"}, "Conversation.held_before must be a seq"),
            (Conversation, {"held_before": ("u", 2)}, "Conversation.held_before[1] must be a str"),
            (OutboxItem, {"body": ["send"]}, "OutboxItem.body must be a mapping, not ['send']"),
            (OutboxItem, {"created_at": None}, "OutboxItem.created_at must be a datetime"),
            (OutboxItem, {"status": 2}, "OutboxItem.status must be an OutboxStatus"),
            (OutboxItem, {"attempts": 1.0}, "OutboxItem.attempts must be an int, not 1.0"),
        ],
    )
    def test_any_field_of_the_wrong_type_is_named(self, cls, fields, message):
        """A field of another type than its own is a TypeError naming the class, field and value."""
        assert message == refusal(cls, {**MADE[cls], **fields})[: len(message)]

    def test_an_outbox_status_is_read_from_its_value(self):
        """An outbox item's status given as its value, as a store reads it, is the member."""
        item = OutboxItem(**MADE[OutboxItem], status="sent")
        assert OutboxStatus.SENT is item.status


class TestRemoved:
    def test_unread_keys_are_kept_as_a_tuple(self):
        """The keys of the rows deleted unread are held as a tuple, whatever iterable gave them."""
        assert Removed(("a",), ("k1", "k2")) == Removed(("a",), ["k1", "k2"])

    def test_values_are_kept_as_a_tuple(self):
        """The values read back are held as a tuple, whatever iterable a host's store gave."""
        assert Removed(("a", "b")) == Removed(["a", "b"])

    def test_nothing_unread_by_default(self):
        """A removal that read every row names none unread."""
        assert () == Removed(()).unread

    def test_a_key_that_is_not_text_is_refused(self):
        """An unread key is text: a row id given as a number is refused, naming the field."""
        with pytest.raises(TypeError, match=r"Removed\.unread"):
            Removed((), (7,))
