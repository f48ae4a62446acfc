"""
Time-driven routing in the engine: waits, reassignment at ticks, presence and closes.
"""

import datetime as dt
import textwrap

import attrs
import pytest

from convroute.config import loads_config
from convroute.engine import (
    AdvanceTick,
    Assign,
    CloseConversation,
    Engine,
    IncomingMessage,
    OutgoingMessage,
    Reassign,
    ReassignReason,
    SaveAwaySince,
    Send,
    SetPresence,
    Snapshot,
    Tick,
    Unassign,
    Unrouted,
    UnroutedReason,
    UpdateUser,
)
from convroute.model import Phone, User
from convroute.routing import SkipReason
from convroute.state import ConversationStatus
from engine.state import State


CONFIG = """
[[users]]
id = "u-a"
name = "Asha"

[[users]]
id = "u-b"
name = "Ben"

[[users]]
id = "u-c"
name = "Chen"
max_open_conversations = 1

[[chat_groups]]
name = "Team"
members = ["u-a", "u-b"]

[[routing_rules]]
name = "Desk"
targets = [{{ kind = "chat_group", group = "Team" }}]
reassign_when_away = "10m"
reply_within = "15m"
{limit}

[[routing_rules]]
name = "Chen"
targets = [{{ kind = "specific_user", user = "u-c" }}]

[[numbers]]
number = "918040001234"
create_new_rule = "{rule}"

[[numbers]]
number = "918040009999"
create_new_rule = "Chen"
"""

NUMBER = Phone("918040001234")
CHEN_NUMBER = Phone("918040009999")
LEAD = Phone("919800000001")
OTHER = Phone("919800000002")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def engine(rule: str = "Desk", limit: str = "") -> Engine:
    text = textwrap.dedent(CONFIG.format(rule=rule, limit=limit))
    return Engine.from_config(loads_config(text))


def at(minutes: float) -> dt.datetime:
    return AT + dt.timedelta(minutes=minutes)


def message(ident: str, minutes: float, lead: Phone = LEAD, number: Phone = NUMBER):
    return IncomingMessage(id=ident, at=at(minutes), lead=lead, number=number, text="Hi")


def presence(ident: str, user: str, available: bool, minutes: float) -> SetPresence:
    return SetPresence(id=ident, user=user, available=available, at=at(minutes))


def of_type(outcome, kind):
    return [action for action in outcome.actions if isinstance(action, kind)]


@pytest.fixture
def state():
    return State(engine())


class TestWaiting:
    def test_unrouted_conversation_waits(self, state):
        """A conversation its rule leaves unrouted waits from the message, due at its expiry."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))

        outcome = state.message(message("m1", 0))

        (unrouted,) = of_type(outcome, Unrouted)
        conversation = state.conversations[LEAD, NUMBER]
        assert (UnroutedReason.NO_TARGET_AVAILABLE, at(0), at(24 * 60)) == (
            unrouted.reason,
            conversation.waiting_since,
            conversation.due_at,
        )

    def test_tick_after_expiry_ends_the_wait(self, state):
        """The tick serving a wait past its expiry ends it, with a note and no action."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))

        outcome = state.tick(at(24 * 60 + 1), waiting=False)

        conversation = state.conversations[LEAD, NUMBER]
        assert ((), None, None) == (
            outcome.actions,
            conversation.waiting_since,
            conversation.due_at,
        )
        assert any("stops waiting" in note for note in outcome.notes)

    def test_message_keeps_the_earlier_due_time(self, state):
        """A message to a waiting conversation moves its expiry on, but not its due time."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))

        state.message(message("m2", 60))

        assert at(24 * 60) == state.conversations[LEAD, NUMBER].due_at

    def test_tick_before_expiry_sets_the_exact_due_time(self, state):
        """A tick serving a wait still open leaves it waiting, due at its real expiry."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))
        state.message(message("m2", 60))

        outcome = state.tick(at(24 * 60), waiting=False)

        conversation = state.conversations[LEAD, NUMBER]
        assert ((), at(0), at(25 * 60)) == (
            outcome.actions,
            conversation.waiting_since,
            conversation.due_at,
        )

    def test_presence_routes_what_waits(self, state):
        """Someone coming back takes the oldest waiting conversation, with how long it waited."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))

        outcome = state.host(presence("p3", "u-b", True, 7), at(7))

        (assign,) = of_type(outcome, Assign)
        conversation = state.conversations[LEAD, NUMBER]
        assert ("u-b", 420, None) == (assign.user, assign.to_json()["waited"], None)
        assert (ConversationStatus.ASSIGNED, None, at(7)) == (
            conversation.status,
            conversation.waiting_since,
            conversation.assigned_at,
        )

    def test_lead_message_retries_and_keeps_the_wait(self, state):
        """The lead's next message tries the rule again; the wait started at the first."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))
        state.presence["u-a"] = True  # back, unheard: only the message finds out

        outcome = state.message(message("m2", 3))

        (assign,) = of_type(outcome, Assign)
        assert ("u-a", 180) == (assign.user, assign.to_json()["waited"])

    def test_no_rule_does_not_wait(self):
        """A number without a mapping and no lead-level rule is unrouted for want of a rule."""
        state = State(engine())

        outcome = state.message(message("m1", 0, number=Phone("918040005555")))

        (unrouted,) = of_type(outcome, Unrouted)
        conversation = state.conversations[LEAD, Phone("918040005555")]
        assert (UnroutedReason.NO_RULE, None) == (unrouted.reason, conversation.waiting_since)

    def test_rule_removed_ends_the_wait(self, state):
        """A waiting conversation whose rule left the config stops waiting, and says why."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))
        conversation = state.conversations[LEAD, NUMBER]
        state.conversations[LEAD, NUMBER] = attrs.evolve(conversation, rule="Gone")

        outcome = state.host(presence("p3", "u-a", True, 5), at(5))

        (unrouted,) = of_type(outcome, Unrouted)
        assert (UnroutedReason.RULE_REMOVED, None) == (
            unrouted.reason,
            state.conversations[LEAD, NUMBER].waiting_since,
        )

    def test_failed_retry_is_silent(self, state):
        """A presence change that frees nobody the rule reaches leaves the wait as it is."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))

        outcome = state.host(presence("p3", "u-c", True, 5), at(5))

        assert () == outcome.actions
        assert at(0) == state.conversations[LEAD, NUMBER].waiting_since

    def test_expired_wait_is_not_routed(self, state):
        """A wait over with its conversation (no message for the timeout) is not routed."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))

        outcome = state.host(presence("p3", "u-a", True, 25 * 60), at(25 * 60))

        assert () == outcome.actions

    def test_close_frees_a_slot_for_what_waits(self):
        """Closing a conversation of a full user gives their slot to what waits."""
        state = State(engine())
        state.message(message("m1", 0, lead=LEAD, number=CHEN_NUMBER))
        state.message(message("m2", 1, lead=OTHER, number=CHEN_NUMBER))
        assert None is not state.conversations[OTHER, CHEN_NUMBER].waiting_since

        close = CloseConversation(id="c1", at=at(2), lead=LEAD, number=CHEN_NUMBER)
        outcome = state.host(close, at(2))

        (assign,) = of_type(outcome, Assign)
        assert ("u-c", OTHER, 60) == (assign.user, assign.lead, assign.waited)


class TestReassignment:
    def test_away_assignee_reassigned(self, state):
        """An assignee away for reassign_when_away loses the conversation to the next member."""
        state.message(message("m1", 0))
        assert "u-a" == state.conversations[LEAD, NUMBER].assignee
        state.host(presence("p1", "u-a", False, 2), at(2))
        assert at(12) == state.conversations[LEAD, NUMBER].due_at

        early = state.tick(at(11))
        outcome = state.tick(at(12))

        assert () == early.actions
        (reassign,) = outcome.actions
        assert isinstance(reassign, Reassign)
        assert ("u-a", "u-b", ReassignReason.AWAY) == (
            reassign.from_user,
            reassign.user,
            reassign.reason,
        )
        conversation = state.conversations[LEAD, NUMBER]
        assert (("u-a",), 1, at(12)) == (
            conversation.held_before,
            conversation.reassignments,
            conversation.assigned_at,
        )

    def test_unanswered_assignee_reassigned(self, state):
        """An assignee who does not answer within reply_within loses the conversation."""
        state.message(message("m1", 0))

        outcome = state.tick(at(15))

        (reassign,) = of_type(outcome, Reassign)
        assert ("u-a", "u-b", ReassignReason.NO_REPLY) == (
            reassign.from_user,
            reassign.user,
            reassign.reason,
        )

    def test_answer_stops_the_reply_clock(self, state):
        """The assignee's answer stops the clock: the deadline passes and nothing happens."""
        state.message(message("m1", 0))
        answer = OutgoingMessage(
            id="o1", at=at(5), lead=LEAD, number=NUMBER, text="Hello", by="u-a"
        )
        state.run(answer, state.snapshot(LEAD, NUMBER, at(5)), at(5))

        outcome = state.tick(at(15))

        assert () == outcome.actions
        assert None is state.conversations[LEAD, NUMBER].reply_awaited_since

    def test_someone_elses_message_is_no_answer(self, state):
        """A message sent by another user does not answer for the assignee."""
        state.message(message("m1", 0))
        other = OutgoingMessage(id="o1", at=at(5), lead=LEAD, number=NUMBER, text="Hi", by="u-b")
        state.run(other, state.snapshot(LEAD, NUMBER, at(5)), at(5))

        outcome = state.tick(at(15))

        assert [ReassignReason.NO_REPLY] == [a.reason for a in of_type(outcome, Reassign)]

    def test_lead_message_after_an_answer_restarts_the_clock(self, state):
        """A lead message following an answer starts the reply clock again, from it."""
        state.message(message("m1", 0))
        answer = OutgoingMessage(id="o1", at=at(5), lead=LEAD, number=NUMBER, text="Hello")
        state.run(answer, state.snapshot(LEAD, NUMBER, at(5)), at(5))
        state.message(message("m2", 20))

        assert () == state.tick(at(15)).actions
        assert at(35) == state.conversations[LEAD, NUMBER].due_at
        assert () == state.tick(at(34)).actions
        assert 1 == len(of_type(state.tick(at(35)), Reassign))

    def test_nobody_else_unassigns_and_waits(self, state):
        """With nobody else available the conversation is unassigned and waits."""
        state.message(message("m1", 0))
        state.host(presence("p1", "u-b", False, 1), at(1))

        outcome = state.tick(at(15))

        (unassign,) = outcome.actions
        assert isinstance(unassign, Unassign)
        conversation = state.conversations[LEAD, NUMBER]
        assert (ConversationStatus.UNROUTED, at(15), ("u-a",), 1) == (
            conversation.status,
            conversation.waiting_since,
            conversation.held_before,
            conversation.reassignments,
        )
        trace = unassign.to_json()["trace"]
        assert [
            {"user": "u-b", "reason": "unavailable"},
            {"user": "u-a", "reason": "held_before"},
        ] == trace[0]["skipped"]

    def test_unassigned_waits_skipping_held_before(self, state):
        """An unassigned conversation is not routed back to the user it was taken from."""
        state.message(message("m1", 0))
        state.host(presence("p1", "u-b", False, 1), at(1))
        state.tick(at(15))

        outcome = state.host(presence("p2", "u-b", True, 16), at(16))

        (assign,) = of_type(outcome, Assign)
        assert ("u-b", 60) == (assign.user, assign.waited)

    def test_max_reassignments(self):
        """After max_reassignments, the conversation stays with its assignee."""
        state = State(engine(limit="max_reassignments = 1"))
        state.message(message("m1", 0))
        state.tick(at(15))
        assert ("u-b", 1) == (
            state.conversations[LEAD, NUMBER].assignee,
            state.conversations[LEAD, NUMBER].reassignments,
        )

        outcome = state.tick(at(31))

        assert () == outcome.actions
        assert at(24 * 60) == state.conversations[LEAD, NUMBER].due_at

    def test_zero_reassignments(self):
        """max_reassignments = 0 never reassigns, and due times only mark the expiry."""
        state = State(engine(limit="max_reassignments = 0"))
        state.message(message("m1", 0))

        assert at(24 * 60) == state.conversations[LEAD, NUMBER].due_at
        assert () == state.tick(at(15)).actions

    def test_at_capacity_is_not_away(self):
        """A full assignee is not away: nothing is reassigned for that."""
        state = State(engine(rule="Chen"))
        state.message(message("m1", 0, number=CHEN_NUMBER))

        assert () == state.tick(at(60)).actions

    def test_reassignment_frees_capacity(self):
        """The old assignee's slot is free at once: what waits may go to them."""
        state = State(engine())
        state.users["u-a"] = User(id="u-a", name="Asha", max_open_conversations=1)
        state.host(presence("p0", "u-b", False, -1), at(-1))
        state.message(message("m1", 0))
        state.message(message("m2", 1, lead=OTHER))
        assert None is not state.conversations[OTHER, NUMBER].waiting_since

        outcome = state.tick(at(15))

        assert [(Unassign, LEAD, "u-a"), (Assign, OTHER, "u-a")] == [
            (type(a), a.lead, a.from_user if isinstance(a, Unassign) else a.user)
            for a in outcome.actions
        ]

    def test_owner_unchanged(self, state):
        """Reassigning does not change the opportunity's owner."""
        state.message(message("m1", 0))

        state.tick(at(15))

        assert {} == state.opportunities.get(LEAD, {})

    def test_round_robin_counts_the_pick(self, state):
        """The reassignment's pick is a turn: the next conversation goes to the other member."""
        state.message(message("m1", 0))
        state.tick(at(15))

        outcome = state.message(message("m2", 16, lead=OTHER))

        (assign,) = of_type(outcome, Assign)
        assert "u-a" == assign.user

    def test_later_routings_see_earlier_ones(self):
        """Within one tick, a slot taken by one routing is full for the next."""
        state = State(engine(rule="Chen"))
        state.host(presence("p0", "u-c", False, -1), at(-1))
        state.message(message("m1", 0, number=CHEN_NUMBER))
        state.message(message("m2", 1, lead=OTHER, number=CHEN_NUMBER))
        state.presence["u-c"] = True

        outcome = state.tick(at(2))

        assert [LEAD] == [a.lead for a in of_type(outcome, Assign)]


class TestNewConversation:
    def test_history_ends_with_the_conversation(self, state):
        """After a close, the lead's next conversation may go to anyone who held the last."""
        state.message(message("m1", 0))
        state.tick(at(15))
        assert ("u-a",) == state.conversations[LEAD, NUMBER].held_before
        state.host(CloseConversation(id="c1", at=at(16), lead=LEAD, number=NUMBER), at(16))

        state.message(message("m2", 17))

        conversation = state.conversations[LEAD, NUMBER]
        assert ((), 0, "u-a") == (
            conversation.held_before,
            conversation.reassignments,
            conversation.assignee,
        )

    def test_a_wait_past_the_timeout_starts_anew(self, state):
        """A lead writing after a wait outlived the timeout starts a new conversation and wait."""
        state.host(presence("p1", "u-a", False, -5), at(-5))
        state.host(presence("p2", "u-b", False, -5), at(-5))
        state.message(message("m1", 0))

        state.message(message("m2", 25 * 60))

        assert at(25 * 60) == state.conversations[LEAD, NUMBER].waiting_since

    def test_close_clears_the_due_time(self, state):
        """A closed conversation is never due."""
        state.message(message("m1", 0))

        state.host(CloseConversation(id="c1", at=at(1), lead=LEAD, number=NUMBER), at(1))

        assert None is state.conversations[LEAD, NUMBER].due_at


class TestTicks:
    def test_stale_tick_changes_nothing(self, state):
        """A tick at or before the last one changes nothing, and says so."""
        state.tick(at(5))

        outcome = state.tick(at(5))

        assert ((), ()) == (outcome.changes, outcome.actions)
        assert 1 == len(outcome.notes)
        assert "not after the last tick" in outcome.notes[0]

    def test_tick_advances(self, state):
        """A tick records its time as the latest."""
        outcome = state.tick(at(5))

        assert [AdvanceTick(at(5))] == list(outcome.changes)

    def test_actions_serve_keys(self, state):
        """A tick's actions each serve the key of their conversation and due time."""
        state.message(message("m1", 0))
        due = state.conversations[LEAD, NUMBER].due_at

        outcome = state.tick(at(15))

        assert (f"tick:{LEAD}:{NUMBER}:{due.isoformat()}",) == outcome.keys

    def test_expiry_frees_and_clears(self, state):
        """A conversation past its timeout is over at the tick: not due again, a slot freed."""
        state.message(message("m1", 0))
        answer = OutgoingMessage(id="o1", at=at(1), lead=LEAD, number=NUMBER, text="Hi")
        state.run(answer, state.snapshot(LEAD, NUMBER, at(1)), at(1))

        outcome = state.tick(at(24 * 60 + 1))

        assert (None, True) == (state.conversations[LEAD, NUMBER].due_at, outcome.frees_someone)

    def test_early_due_time_is_set_exactly(self, state):
        """A tick that finds nothing to do sets the exact next due time."""
        state.message(message("m1", 0))
        state.conversations[LEAD, NUMBER] = attrs.evolve(
            state.conversations[LEAD, NUMBER], due_at=at(1)
        )

        assert () == state.tick(at(2)).actions
        assert at(15) == state.conversations[LEAD, NUMBER].due_at


class TestAbsences:
    def test_away_since_recorded_and_cleared(self, state):
        """Going away records since when, from the event's time; coming back clears it."""
        gone = state.host(presence("p1", "u-a", False, 3), at(9))
        back = state.host(presence("p2", "u-a", True, 4), at(9))

        assert [SaveAwaySince("u-a", at(3))] == [
            c for c in gone.changes if isinstance(c, SaveAwaySince)
        ]
        assert [SaveAwaySince("u-a", None)] == [
            c for c in back.changes if isinstance(c, SaveAwaySince)
        ]

    def test_presence_without_time_uses_now(self, state):
        """A presence report with no time is timed by the time the engine is given."""
        event = SetPresence(id="p1", user="u-a", available=False)

        state.host(event, at(6))

        assert {"u-a": at(6)} == state.away_since

    def test_inactive_user_is_away(self, state):
        """A user update making the user inactive starts an absence, due by the rule."""
        state.message(message("m1", 0))
        update = UpdateUser(id="u1", user=User(id="u-a", name="Asha", active=False), at=at(1))

        state.host(update, at(1))

        assert at(11) == state.conversations[LEAD, NUMBER].due_at

    def test_away_before_assignment_counts_from_assignment(self, state):
        """An absence recorded before the assignment counts from the assignment."""
        state.message(message("m1", 0))
        state.away_since["u-a"] = at(-60)
        state.presence["u-a"] = False
        conversation = state.conversations[LEAD, NUMBER]
        state.conversations[LEAD, NUMBER] = attrs.evolve(conversation, due_at=at(0))

        assert () == state.tick(at(9)).actions
        assert [ReassignReason.AWAY] == [a.reason for a in of_type(state.tick(at(10)), Reassign)]


class TestPurity:
    def test_decide_leaves_its_inputs(self, state):
        """Deciding a tick twice over one snapshot gives one outcome."""
        state.message(message("m1", 0))
        due = state.context(state.conversations[LEAD, NUMBER])
        snapshot = attrs.evolve(state.shared(at(15)), due=(due,))
        before = attrs.evolve(snapshot)

        first = state.engine.decide(snapshot, Tick(at(15)), now=at(15))
        second = state.engine.decide(snapshot, Tick(at(15)), now=at(15))

        assert (before, first) == (snapshot, second)

    def test_empty_snapshot(self):
        """A tick over nothing only advances."""
        outcome = engine().decide(Snapshot(), Tick(AT), now=AT)

        assert (AdvanceTick(AT),) == outcome.changes

    def test_skip_reason(self):
        """Routing again passes over a user who held the conversation, as held_before."""
        assert "held_before" == str(SkipReason.HELD_BEFORE)


SCHEDULED = """
[[schedules]]
name = "Office"
time_zone = "UTC"

[schedules.hours]
mon = ["09:00-10:00", "11:00-12:00"]

[[users]]
id = "u-a"
name = "Asha"
schedule = "Office"

[[users]]
id = "u-b"
name = "Ben"

[[chat_groups]]
name = "Team"
members = ["u-a", "u-b"]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "chat_group", group = "Team" }]
reassign_when_away = "10m"

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""


@pytest.fixture
def scheduled():
    return State(Engine.from_config(loads_config(SCHEDULED)))


class TestSchedules:
    def test_closing_makes_the_conversation_due(self, scheduled):
        """An assignee with working hours is due reassign_when_away after they close."""
        scheduled.message(message("m1", 0))

        assert at(70) == scheduled.conversations[LEAD, NUMBER].due_at

    def test_off_hours_assignee_reassigned(self, scheduled):
        """Off hours count as away: the tick after the deadline reassigns."""
        scheduled.message(message("m1", 0))

        early = scheduled.tick(at(69))
        outcome = scheduled.tick(at(70))

        assert () == early.actions
        assert [("u-a", "u-b", ReassignReason.AWAY)] == [
            (a.from_user, a.user, a.reason) for a in of_type(outcome, Reassign)
        ]

    def test_opening_frees_someone(self, scheduled):
        """A tick that passes a schedule's opening says someone may take what waits."""
        scheduled.tick(at(90))

        assert scheduled.tick(at(121)).frees_someone

    def test_no_opening_frees_nobody(self, scheduled):
        """A tick with nothing opened, closed or freed since the last says so."""
        scheduled.tick(at(90))

        assert not scheduled.tick(at(100)).frees_someone

    def test_opening_routes_what_waits(self, scheduled):
        """A conversation waiting for the only member is routed by the tick after she opens."""
        scheduled.host(presence("p1", "u-b", False, 60), at(60))
        scheduled.message(message("m1", 65))
        assert None is not scheduled.conversations[LEAD, NUMBER].waiting_since

        outcome = scheduled.tick(at(120))

        assert [("u-a", 55 * 60)] == [(a.user, a.waited) for a in of_type(outcome, Assign)]

    def test_off_hours_are_not_recorded(self, scheduled):
        """Coming back outside working hours records no absence: the schedule says it."""
        scheduled.host(presence("p1", "u-a", False, 90), at(90))
        scheduled.host(presence("p2", "u-a", True, 95), at(95))

        assert {} == scheduled.away_since


class TestTickChanges:
    def test_advance_comes_last(self, state):
        """The tick's time is the last change: a shared store holds its row only briefly."""
        state.message(message("m1", 0))

        outcome = state.tick(at(15))

        assert isinstance(outcome.changes[-1], AdvanceTick)
        assert 1 < len(outcome.changes)


WITH_MESSAGES = CONFIG.replace(
    'create_new_rule = "{rule}"',
    'create_new_rule = "{rule}"\n'
    'away_message = "Nobody is free yet."\n'
    'assigned_message = "{{{{user.name}}}} will help you."',
)


@pytest.fixture
def messages():
    text = textwrap.dedent(WITH_MESSAGES.format(rule="Desk", limit=""))
    return State(Engine.from_config(loads_config(text)))


def texts(outcome):
    return [
        action.message["text"]["body"]
        for action in outcome.actions
        if isinstance(action, Send) and action.message["type"] == "text"
    ]


class TestMessagesToTheLead:
    def test_reassignment_tells_the_lead(self, messages):
        """A reassignment is followed by the assigned message naming the new assignee."""
        messages.message(message("m1", 0))

        outcome = messages.tick(at(15))

        assert ["reassign", "send"] == [a.to_json()["type"] for a in outcome.actions]
        assert ["Ben will help you."] == texts(outcome)

    def test_unassignment_starts_a_wait_with_its_message(self, messages):
        """An unassignment starts a new wait: the away message goes out once."""
        messages.message(message("m1", 0))
        messages.host(presence("p1", "u-b", False, 1), at(1))

        outcome = messages.tick(at(15))

        assert ["unassign", "send"] == [a.to_json()["type"] for a in outcome.actions]
        assert ["Nobody is free yet."] == texts(outcome)
        assert messages.conversations[LEAD, NUMBER].away_message_sent

    def test_presence_assignment_tells_the_lead(self, messages):
        """A waiting conversation taken at a presence change gets the assigned message."""
        messages.host(presence("p1", "u-a", False, -5), at(-5))
        messages.host(presence("p2", "u-b", False, -5), at(-5))
        first = messages.message(message("m1", 0))

        outcome = messages.host(presence("p3", "u-b", True, 7), at(7))

        assert ["Nobody is free yet."] == texts(first)
        assert ["Ben will help you."] == texts(outcome)

    def test_no_message_after_the_window(self, messages):
        """A tick more than 24 hours after the lead's last message sends nothing to the lead."""
        messages.message(message("m1", 0))
        conversation = messages.conversations[LEAD, NUMBER]
        answer = OutgoingMessage(id="o1", at=at(24 * 60 - 1), lead=LEAD, number=NUMBER, text="x")
        messages.run(answer, messages.snapshot(LEAD, NUMBER, at(24 * 60 - 1)), at(24 * 60 - 1))
        messages.conversations[LEAD, NUMBER] = attrs.evolve(
            messages.conversations[LEAD, NUMBER],
            reply_awaited_since=conversation.assigned_at,
            due_at=at(15),
        )

        outcome = messages.tick(at(24 * 60 + 1))

        assert ["reassign"] == [a.to_json()["type"] for a in outcome.actions]
