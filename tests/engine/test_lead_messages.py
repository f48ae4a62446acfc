"""
The away and assigned messages: when the engine sends them, and when it does not.
"""

import datetime as dt
import pathlib

import attrs
import pytest

from convroute.config import load_config
from convroute.engine import Assign, Engine, IncomingMessage, Send, Unrouted
from convroute.engine._compiled import Compiled
from convroute.engine._lead_messages import (
    CUSTOMER_SERVICE_WINDOW,
    assigned_message,
    away_message,
)
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity, Phone, User
from convroute.state import Conversation, ConversationStatus
from engine.state import State


EXAMPLE = load_config(pathlib.Path(__file__).parents[2] / "examples" / "account.toml")
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
AI = option_id(OptionKind.PRODUCT, "AI")
EVERYONE = ("u-asha", "u-ben", "u-chen", "u-meera")
AWAY = "We are closed now. {{lead.first_name|You}} will hear from us at 9:00."
ASSIGNED = "{{user.name}} will help you with {{opportunity.name|your enquiry}}."


def with_messages(away, assigned):
    number = attrs.evolve(EXAMPLE.numbers[0], away_message=away, assigned_message=assigned)
    return attrs.evolve(EXAMPLE, numbers=[number])


CONFIG = with_messages(AWAY, ASSIGNED)
PLAIN = with_messages(None, None)


def message(ident, minutes=0.0, **kwargs):
    return IncomingMessage(
        id=ident, at=AT + dt.timedelta(minutes=minutes), lead=LEAD, number=NUMBER, **kwargs
    )


def kinds(outcome):
    return [action.to_json()["type"] for action in outcome.actions]


def text_of(send):
    assert isinstance(send, Send)
    assert (LEAD, NUMBER, "text") == (send.to, send.from_, send.message["type"])
    return send.message["text"]["body"]


@pytest.fixture
def state():
    return State(Engine.from_config(CONFIG))


@pytest.fixture
def away_state(state):
    for user in EVERYONE:
        state.presence[user] = False
    return state


class TestAssignedMessage:
    def test_sent_after_the_assign(self, state):
        """An assignment is followed by the assigned message naming the assignee."""
        state.message(message("wamid.1", text="Hi", name="Ravi Kumar"))
        outcome = state.message(message("wamid.2", 1, reply_id=AI))

        assert ["create_opportunity", "assign", "send"] == kinds(outcome)
        assert "Asha Rao will help you with AI." == text_of(outcome.actions[2])

    def test_without_an_opportunity(self, state):
        """Other queries has no opportunity: the fallback is merged."""
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, reply_id="other_queries"))

        assert ["assign", "send"] == kinds(outcome)
        assert "Meera Iyer will help you with your enquiry." == text_of(outcome.actions[1])

    def test_not_again_while_open(self, state):
        """The lead's next message in an assigned conversation sends nothing."""
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))

        assert [] == kinds(state.message(message("wamid.3", 2, text="Thanks")))

    def test_unmapped_number_has_none(self):
        """A number with no mapping, routed by the lead-level rule, has no messages to send."""
        state = State(Engine.from_config(CONFIG))
        outcome = state.message(
            attrs.evolve(message("wamid.1", text="Hi"), number=Phone("918040009999"))
        )

        assert ["assign"] == kinds(outcome)


class TestAwayMessage:
    def test_sent_when_a_wait_starts(self, away_state):
        """A conversation its rule leaves unrouted waits, and the lead gets the away message."""
        away_state.message(message("wamid.1", text="Hi", name="Ravi Kumar"))
        outcome = away_state.message(message("wamid.2", 1, reply_id=AI))

        assert ["create_opportunity", "unrouted", "send"] == kinds(outcome)
        assert "We are closed now. Ravi will hear from us at 9:00." == text_of(outcome.actions[2])
        saved = away_state.conversations[LEAD, NUMBER]
        started = AT + dt.timedelta(minutes=1)
        assert (ConversationStatus.UNROUTED, started, True, started) == (
            saved.status,
            saved.waiting_since,
            saved.away_message_sent,
            saved.last_incoming_at,
        )

    def test_once_per_wait(self, away_state):
        """The lead's next message while waiting is routed again, with no second away message."""
        away_state.message(message("wamid.1", text="Hi"))
        away_state.message(message("wamid.2", 1, reply_id=AI))
        outcome = away_state.message(message("wamid.3", 5, text="anyone?"))

        assert ["unrouted"] == kinds(outcome)
        saved = away_state.conversations[LEAD, NUMBER]
        assert (AT + dt.timedelta(minutes=1), True, AT + dt.timedelta(minutes=5)) == (
            saved.waiting_since,
            saved.away_message_sent,
            saved.last_incoming_at,
        )

    def test_a_new_wait_sends_it_again(self, away_state):
        """After the conversation timed out, the next conversation's wait is a new one."""
        away_state.message(message("wamid.1", text="Hi"))
        away_state.message(message("wamid.2", 1, reply_id=AI))
        day = EXAMPLE.conversation_timeout.total_seconds() / 60
        away_state.message(message("wamid.3", day + 1, text="Hi again"))
        outcome = away_state.message(message("wamid.4", day + 2, reply_id=AI))

        assert ["unrouted", "send"] == kinds(outcome)
        assert AT + dt.timedelta(minutes=day + 2) == (
            away_state.conversations[LEAD, NUMBER].waiting_since
        )

    def test_the_wait_ends_with_an_assignment(self, away_state):
        """Someone back: the waiting conversation is assigned, with the assigned message."""
        away_state.message(message("wamid.1", text="Hi"))
        away_state.message(message("wamid.2", 1, reply_id=AI))
        away_state.presence["u-ben"] = True
        outcome = away_state.message(message("wamid.3", 2, text="anyone?"))

        assert ["assign", "send"] == kinds(outcome)
        assert "Ben Thomas will help you with AI." == text_of(outcome.actions[1])
        saved = away_state.conversations[LEAD, NUMBER]
        assert (None, False) == (saved.waiting_since, saved.away_message_sent)

    def test_no_rule_is_no_wait(self):
        """Unrouted for want of a rule, a conversation does not wait: no away message."""
        config = attrs.evolve(CONFIG, lead_level_rule=None)
        number = attrs.evolve(config.numbers[0], other_queries_rule=None)
        state = State(Engine.from_config(attrs.evolve(config, numbers=[number])))
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, reply_id="other_queries"))

        assert ["unrouted"] == kinds(outcome)
        assert None is state.conversations[LEAD, NUMBER].waiting_since

    def test_a_late_decision_sends_nothing(self, away_state):
        """A message decided 24 hours after it was written gets no free-form message."""
        away_state.message(message("wamid.1", text="Hi"))
        late = message("wamid.2", 1, reply_id=AI)
        outcome = away_state.message(late, now=late.at + CUSTOMER_SERVICE_WINDOW)

        assert ["create_opportunity", "unrouted"] == kinds(outcome)
        assert not away_state.conversations[LEAD, NUMBER].away_message_sent


class TestNotConfigured:
    def test_no_messages_without_them(self):
        """Without away and assigned messages, assigning and waiting send nothing more."""
        state = State(Engine.from_config(PLAIN))
        state.message(message("wamid.1", text="Hi"))
        assigned = state.message(message("wamid.2", 1, reply_id=AI))
        other = State(Engine.from_config(PLAIN))
        for user in EVERYONE:
            other.presence[user] = False
        other.message(message("wamid.1", text="Hi"))
        waiting = other.message(message("wamid.2", 1, reply_id=AI))

        assert ["create_opportunity", "assign"] == kinds(assigned)
        assert ["create_opportunity", "unrouted"] == kinds(waiting)
        assert not other.conversations[LEAD, NUMBER].away_message_sent


COMPILED = Compiled.from_config(CONFIG)
RAVI = Lead(phone=LEAD, name="Ravi Kumar")
USERS = {user.id: user for user in CONFIG.users}
ENQUIRY = Opportunity(id="opp-1", type="Postgraduate Course", name="PG AI 2027", owner="u-ben")


def waiting(**fields):
    conversation = Conversation.unrouted(LEAD, NUMBER, AT, opportunity="opp-1", rule="AI desk")
    return attrs.evolve(conversation, **{"waiting_since": AT, "last_incoming_at": AT, **fields})


def held(**fields):
    conversation = Conversation.assigned(
        LEAD, NUMBER, AT, "u-asha", opportunity="opp-1", rule="AI desk"
    )
    return attrs.evolve(conversation, **{"last_incoming_at": AT, **fields})


class TestRules:
    """The two functions every path that waits or assigns asks, ticks included."""

    def test_away_message(self):
        """A waiting conversation within the window gets the away message."""
        sent = away_message(COMPILED, waiting(), RAVI, opportunity=ENQUIRY, users=USERS, at=AT)
        assert "We are closed now. Ravi will hear from us at 9:00." == text_of(sent)

    @pytest.mark.parametrize(
        "conversation",
        [
            pytest.param(waiting(away_message_sent=True), id="sent-this-wait"),
            pytest.param(waiting(last_incoming_at=None), id="lead-never-wrote"),
            pytest.param(waiting(number=Phone("918040009999")), id="unmapped-number"),
        ],
    )
    def test_no_away_message(self, conversation):
        """Sent already this wait, or no known recent lead message, or no mapping: none."""
        assert None is away_message(
            COMPILED, conversation, RAVI, opportunity=None, users=USERS, at=AT
        )

    def test_window(self):
        """24 hours after the lead's last message, free-form messages stop."""
        just_in = AT + CUSTOMER_SERVICE_WINDOW - dt.timedelta(seconds=1)
        closed = AT + CUSTOMER_SERVICE_WINDOW
        outcomes = [
            (
                away_message(COMPILED, waiting(), RAVI, opportunity=None, users=USERS, at=at),
                assigned_message(COMPILED, held(), RAVI, opportunity=None, users=USERS, at=at),
            )
            for at in (just_in, closed)
        ]
        assert [(True, True), (False, False)] == [
            (away is not None, assigned is not None) for away, assigned in outcomes
        ]

    def test_assigned_message(self):
        """The assigned message names the assignee, the opportunity and may name its owner."""
        compiled = Compiled.from_config(
            with_messages(AWAY, "{{user.first_name}} has {{opportunity.name}} ({{owner.name}}).")
        )
        sent = assigned_message(compiled, held(), RAVI, opportunity=ENQUIRY, users=USERS, at=AT)
        assert "Asha has PG AI 2027 (Ben Thomas)." == text_of(sent)

    def test_assignee_unknown(self):
        """An assignee not among the users merges to the fallbacks."""
        compiled = Compiled.from_config(with_messages(None, "{{user.name|Our team}} is here."))
        sent = assigned_message(compiled, held(), RAVI, opportunity=None, users={}, at=AT)
        assert "Our team is here." == text_of(sent)

    @pytest.mark.parametrize(
        ("config", "conversation"),
        [
            pytest.param(PLAIN, held(), id="not-configured"),
            pytest.param(CONFIG, held(assignee=None), id="no-assignee"),
            pytest.param(CONFIG, held(last_incoming_at=None), id="lead-never-wrote"),
        ],
    )
    def test_no_assigned_message(self, config, conversation):
        """Not configured, nobody assigned, or no known recent lead message: none."""
        compiled = Compiled.from_config(config)
        users = {"u-asha": User(id="u-asha", name="Asha Rao")}
        assert None is assigned_message(
            compiled, conversation, RAVI, opportunity=None, users=users, at=AT
        )

    def test_assign_action_comes_first(self, state):
        """The assign action comes before its message, so a host assigns, then sends."""
        state.message(message("wamid.1", text="Hi"))
        actions = state.message(message("wamid.2", 1, reply_id=AI)).actions
        assert [Assign, Send] == [type(action) for action in actions[1:]]
        assert not any(isinstance(action, Unrouted) for action in actions)
