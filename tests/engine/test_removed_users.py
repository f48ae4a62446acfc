"""
Conversations held by a user the config no longer has: taken at the next message, or a tick.
"""

import datetime as dt
import textwrap

import attrs
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.config import loads_config
from convroute.engine import (
    ConversationContext,
    Engine,
    IncomingMessage,
    Reassign,
    ReassignReason,
    SaveConversation,
    Send,
    SetPresence,
    Tick,
    Unassign,
)
from convroute.model import Phone, User
from convroute.state import ConversationStatus
from engine.state import State


CONFIG = """
{asha}

[[users]]
id = "u-b"
name = "Ben"
max_open_conversations = 1

[[chat_groups]]
name = "Team"
members = [{members}]

[[routing_rules]]
name = "Desk"
targets = [{{ kind = "chat_group", group = "Team" }}]

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
{away}
"""

ASHA = """
[[users]]
id = "u-a"
name = "Asha"
"""

NUMBER = Phone("918040001234")
LEAD = Phone("919800000001")
OTHER = Phone("919800000002")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def engine(*, asha: bool = True, away: str = "") -> Engine:
    members = '"u-a", "u-b"' if asha else '"u-b"'
    text = CONFIG.format(asha=ASHA if asha else "", members=members, away=away)
    return Engine.from_config(loads_config(textwrap.dedent(text)))


def at(minutes: float) -> dt.datetime:
    return AT + dt.timedelta(minutes=minutes)


def message(ident: str, minutes: float, lead: Phone = LEAD) -> IncomingMessage:
    return IncomingMessage(id=ident, at=at(minutes), lead=lead, number=NUMBER, text="Hi")


def of_type(outcome, kind):
    return [action for action in outcome.actions if isinstance(action, kind)]


def held_by_asha() -> State:
    """A state whose one conversation Asha holds, under a config that has since removed her."""
    state = State(engine())
    state.message(message("m1", 0))
    assert "u-a" == state.conversations[LEAD, NUMBER].assignee
    state.engine = engine(asha=False)
    return state


def tick_over_held(state: State, minutes: float, user: str = "u-a"):
    """A tick serving the conversations *user* holds, as the service asks after a removal."""
    held = [
        c
        for c in state.conversations.values()
        if c.status is ConversationStatus.ASSIGNED and c.assignee == user
    ]
    snapshot = attrs.evolve(
        state.shared(at(minutes)),
        due=tuple(ConversationContext(c, None, ()) for c in held),
    )
    return state.run(Tick(at(minutes)), snapshot, at(minutes))


class TestAtTheLeadsMessage:
    def test_removed_assignee_is_replaced(self):
        """The lead's next message routes the conversation again: a reassign from them."""
        state = held_by_asha()

        outcome = state.message(message("m2", 5))

        (reassign,) = of_type(outcome, Reassign)
        assert ("u-a", "u-b", ReassignReason.ASSIGNEE_REMOVED, "Desk") == (
            reassign.from_user,
            reassign.user,
            reassign.reason,
            reassign.rule,
        )
        conversation = state.conversations[LEAD, NUMBER]
        assert ("u-b", at(5), at(5), (), 0) == (
            conversation.assignee,
            conversation.assigned_at,
            conversation.last_message_at,
            conversation.held_before,
            conversation.reassignments,
        )

    def test_nobody_else_unassigns_and_waits(self):
        """With nobody to take it, the conversation is unassigned and waits from the message."""
        state = held_by_asha()
        state.presence["u-b"] = False

        outcome = state.message(message("m2", 5))

        (unassign,) = of_type(outcome, Unassign)
        assert ("u-a", ReassignReason.ASSIGNEE_REMOVED) == (unassign.from_user, unassign.reason)
        conversation = state.conversations[LEAD, NUMBER]
        assert (ConversationStatus.UNROUTED, None, at(5)) == (
            conversation.status,
            conversation.assignee,
            conversation.waiting_since,
        )

    def test_unassigned_wait_sends_the_away_message(self):
        """The wait that follows is an ordinary one: the number's away message goes out."""
        state = State(engine(away='away_message = "We are away."'))
        state.message(message("m1", 0))
        state.engine = engine(asha=False, away='away_message = "We are away."')
        state.presence["u-b"] = False

        outcome = state.message(message("m2", 5))

        assert ["unassign", "send"] == [a.to_json()["type"] for a in outcome.actions]
        assert isinstance(outcome.actions[1], Send)

    def test_trace_says_why_the_removed_user_was_passed_over(self):
        """A target that still names the removed user skips them as unknown_user."""
        state = State(engine())
        state.message(message("m1", 0))
        state.message(message("m2", 1, lead=OTHER))
        # Asha's turn comes next, and the new config's group still lists her.
        config = engine(asha=False).config
        config = attrs.evolve(
            config, chat_groups=[attrs.evolve(config.chat_groups[0], members=("u-a", "u-b"))]
        )
        state.engine = Engine.from_config(config)

        outcome = state.message(message("m3", 5))

        (unassign,) = of_type(outcome, Unassign)
        (entry,) = unassign.trace
        assert (("u-a", "unknown_user"), ("u-b", "at_capacity")) == entry.skipped

    def test_user_stored_by_the_host_keeps_it(self):
        """A user the host stored is known: the conversation stays with them."""
        state = held_by_asha()
        state.users["u-a"] = User(id="u-a", name="Asha")

        outcome = state.message(message("m2", 5))

        assert () == outcome.actions
        assert "u-a" == state.conversations[LEAD, NUMBER].assignee

    def test_user_added_back_keeps_it(self):
        """A user removed and added back before the next message keeps the conversation."""
        state = held_by_asha()
        state.engine = engine()

        outcome = state.message(message("m2", 5))

        assert () == outcome.actions
        assert "u-a" == state.conversations[LEAD, NUMBER].assignee

    def test_capacity_counts_the_new_assignee(self):
        """Ben, whose one slot the conversation takes, is full for the next lead."""
        state = held_by_asha()
        state.message(message("m2", 5))

        outcome = state.message(message("m3", 6, lead=OTHER))

        assert "no_target_available" == outcome.actions[0].to_json()["reason"]

    def test_rule_removed_too_starts_over(self):
        """Without the conversation's rule either, the message starts a new conversation."""
        state = held_by_asha()
        config = attrs.evolve(state.engine.config, routing_rules=[])
        config = attrs.evolve(
            config, numbers=[attrs.evolve(config.numbers[0], create_new_rule=None)]
        )
        state.engine = Engine.from_config(config)

        outcome = state.message(message("m2", 5))

        assert ["unrouted"] == [a.to_json()["type"] for a in outcome.actions]
        assert "no_rule" == outcome.actions[0].to_json()["reason"]
        assert None is state.conversations[LEAD, NUMBER].assignee


class TestAtATick:
    def test_tick_reassigns(self):
        """A tick serving the conversation reassigns it, whatever its due time."""
        state = held_by_asha()

        outcome = tick_over_held(state, 5)

        (reassign,) = of_type(outcome, Reassign)
        assert ("u-a", "u-b", ReassignReason.ASSIGNEE_REMOVED) == (
            reassign.from_user,
            reassign.user,
            reassign.reason,
        )
        assert (f"tick:{LEAD}:{NUMBER}:{at(24 * 60).isoformat()}",) == outcome.keys[:1]
        conversation = state.conversations[LEAD, NUMBER]
        assert ("u-b", at(5), 0) == (
            conversation.assignee,
            conversation.assigned_at,
            conversation.reassignments,
        )

    def test_due_time_served_checks_the_assignee(self):
        """A tick at the conversation's own due time takes it from the removed user too."""
        state = held_by_asha()
        state.conversations[LEAD, NUMBER] = attrs.evolve(
            state.conversations[LEAD, NUMBER], due_at=at(3)
        )

        outcome = state.tick(at(4))

        assert ["reassign"] == [a.to_json()["type"] for a in outcome.actions]

    def test_tick_unassigns_when_nobody_can_take_it(self):
        """With nobody available, the tick unassigns it and it waits."""
        state = held_by_asha()
        state.presence["u-b"] = False

        outcome = tick_over_held(state, 5)

        (unassign,) = of_type(outcome, Unassign)
        assert ReassignReason.ASSIGNEE_REMOVED == unassign.reason
        conversation = state.conversations[LEAD, NUMBER]
        assert (ConversationStatus.UNROUTED, at(5)) == (
            conversation.status,
            conversation.waiting_since,
        )

    def test_the_wait_is_routed_when_someone_comes(self):
        """The wait so started is routed when Ben becomes available."""
        state = held_by_asha()
        state.presence["u-b"] = False
        tick_over_held(state, 5)

        outcome = state.host(SetPresence(id="p1", user="u-b", available=True, at=at(6)), at(6))

        assert ["assign"] == [a.to_json()["type"] for a in outcome.actions]
        assert "u-b" == state.conversations[LEAD, NUMBER].assignee

    def test_tick_without_the_rule_unassigns_and_ends(self):
        """Without its rule, the tick unassigns it and it does not wait."""
        state = held_by_asha()
        config = attrs.evolve(state.engine.config, routing_rules=[])
        config = attrs.evolve(
            config, numbers=[attrs.evolve(config.numbers[0], create_new_rule=None)]
        )
        state.engine = Engine.from_config(config)

        outcome = tick_over_held(state, 5)

        (unassign,) = of_type(outcome, Unassign)
        assert ("u-a", "Desk", ()) == (unassign.from_user, unassign.rule, unassign.trace)
        conversation = state.conversations[LEAD, NUMBER]
        assert (ConversationStatus.UNROUTED, None, None, None) == (
            conversation.status,
            conversation.assignee,
            conversation.waiting_since,
            conversation.rule,
        )

    def test_known_assignee_is_left(self):
        """A tick serving a conversation whose assignee is known changes only its due time."""
        state = held_by_asha()
        state.engine = engine()

        outcome = tick_over_held(state, 5)

        assert () == outcome.actions
        assert "u-a" == state.conversations[LEAD, NUMBER].assignee
        assert all(not isinstance(c, SaveConversation) for c in outcome.changes)


class TestReason:
    def test_value(self):
        """The new reason reads assignee_removed in actions."""
        assert "assignee_removed" == str(ReassignReason.ASSIGNEE_REMOVED)


@pytest.mark.parametrize("minutes", [1, 60])
def test_reassign_json(minutes):
    """The reassign action says assignee_removed in its JSON form."""
    state = held_by_asha()

    outcome = state.message(message("m2", minutes))

    assert "assignee_removed" == outcome.actions[0].to_json()["reason"]


TEAM = ("u-1", "u-2", "u-3")


def team_engine(members: tuple[str, ...]) -> Engine:
    users = "".join(f'[[users]]\nid = "{user}"\nname = "{user}"\n' for user in members)
    listed = ", ".join(f'"{user}"' for user in members)
    text = (
        f'{users}\n[[chat_groups]]\nname = "Team"\nmembers = [{listed}]\n\n'
        '[[routing_rules]]\nname = "Desk"\n'
        'targets = [{ kind = "chat_group", group = "Team" }]\n\n'
        '[[numbers]]\nnumber = "918040001234"\ncreate_new_rule = "Desk"\n'
    )
    return Engine.from_config(loads_config(text))


class TestProperties:
    @settings(deadline=None)
    @given(
        leads=st.integers(min_value=1, max_value=6),
        removed=st.sets(st.sampled_from(TEAM)),
        by_tick=st.booleans(),
    )
    def test_nobody_unknown_keeps_a_conversation(self, leads, removed, by_tick):
        """After a message or a tick, each conversation is held by a known user or waits."""
        state = State(team_engine(TEAM))
        phones = [Phone(f"9198000000{index:02d}") for index in range(leads)]
        for index, phone in enumerate(phones):
            state.message(message(f"m{index}", 0, lead=phone))
        before = {key: c.assignee for key, c in state.conversations.items()}
        kept = tuple(user for user in TEAM if user not in removed)
        if kept:
            state.engine = team_engine(kept)
        else:
            # Nobody of the team is left: the one newcomer is away.
            state.engine = team_engine(("u-x",))
            kept = ("u-x",)
            state.presence["u-x"] = False

        for user in sorted(removed):
            if by_tick:
                tick_over_held(state, 5 + sorted(removed).index(user), user)
        if not by_tick:
            for index, phone in enumerate(phones):
                state.message(message(f"n{index}", 5, lead=phone))

        for key, conversation in state.conversations.items():
            # The oracle: an assignee kept keeps it; one removed loses it
            # to someone known, or it waits.
            if before[key] not in removed:
                assert before[key] == conversation.assignee
            elif conversation.status is ConversationStatus.ASSIGNED:
                assert conversation.assignee in kept
            else:
                assert (ConversationStatus.UNROUTED, None) == (
                    conversation.status,
                    conversation.assignee,
                )
