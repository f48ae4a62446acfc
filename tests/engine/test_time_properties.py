"""
Properties of time-driven routing over random scripts of messages, presence and ticks.
"""

import datetime as dt
import pathlib

import attrs

from hypothesis import example, given, settings
from hypothesis import strategies as st

from convroute.config import load_config
from convroute.engine import (
    CloseConversation,
    Engine,
    IncomingMessage,
    OutgoingMessage,
    SetPresence,
    Tick,
    UpdateUser,
)
from convroute.engine._routing import away_start
from convroute.menus import OptionKind, option_id
from convroute.model import Phone, User
from convroute.routing import Availability, RoutingContext, resolve
from convroute.state import ConversationStatus
from engine.state import State


BASE = load_config(pathlib.Path(__file__).parents[2] / "examples" / "account.toml")
NUMBER = Phone("918040001234")
LEADS = [Phone(f"91980000000{i}") for i in range(3)]
USERS = ["u-asha", "u-ben", "u-chen", "u-meera"]
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)

TAPS = [
    option_id(OptionKind.PRODUCT, "AI"),
    option_id(OptionKind.PRODUCT, "Data Science"),
    option_id(OptionKind.OTHER_QUERIES, ""),
    option_id(OptionKind.NEW_OPPORTUNITY, ""),
]

minutes = st.sampled_from([0, 1, 2, 5, 9, 10, 11, 15, 16, 30]) | st.just(24 * 60)
durations = st.sampled_from([None, 5, 10, 15]).map(
    lambda m: None if m is None else dt.timedelta(minutes=m)
)


@st.composite
def configs(draw):
    rules = tuple(
        attrs.evolve(
            rule,
            reassign_when_away=draw(durations),
            reply_within=draw(durations),
            max_reassignments=draw(st.integers(0, 3)),
        )
        for rule in BASE.routing_rules
    )
    return attrs.evolve(BASE, routing_rules=rules)


step = st.one_of(
    st.tuples(st.just("message"), st.sampled_from(LEADS), st.none() | st.sampled_from(TAPS)),
    st.tuples(st.just("enquiry"), st.sampled_from(LEADS), st.sampled_from(TAPS)),
    st.tuples(st.just("enquiry"), st.sampled_from(LEADS), st.sampled_from(TAPS)),
    st.tuples(
        st.just("presence"), st.sampled_from(USERS[:3]), st.sampled_from([False, False, True])
    ),
    st.tuples(st.just("presence"), st.sampled_from(USERS), st.booleans()),
    st.tuples(st.just("tick"), st.none(), st.none()),
    st.tuples(st.just("active"), st.sampled_from(USERS), st.booleans()),
    st.tuples(st.just("answer"), st.sampled_from(LEADS), st.none() | st.sampled_from(USERS)),
    st.tuples(st.just("close"), st.sampled_from(LEADS), st.none()),
    st.tuples(st.just("tick"), st.none(), st.none()),
)
scripts = st.lists(st.tuples(minutes, step), min_size=4, max_size=40)


def events_of(index, at, step, state):
    # An enquiry is a first message and, a minute on, a tap on the menu.
    kind, subject, detail = step
    if kind == "enquiry":
        return [
            event_of(f"{index}a", at, ("message", subject, None), state),
            event_of(
                f"{index}b", at + dt.timedelta(minutes=1), ("message", subject, detail), state
            ),
        ]
    return [event_of(index, at, step, state)]


def event_of(index, at, step, state):
    kind, subject, detail = step
    match kind:
        case "message":
            return IncomingMessage(
                id=f"m{index}",
                at=at,
                lead=subject,
                number=NUMBER,
                text=None if detail else "Hi",
                reply_id=detail,
            )
        case "presence":
            return SetPresence(id=f"p{index}", user=subject, available=detail, at=at)
        case "active":
            known = state.engine.all_users(state.users)[subject]
            user = User(
                id=subject,
                name=known.name,
                admin=known.admin,
                active=detail,
                max_open_conversations=known.max_open_conversations,
            )
            return UpdateUser(id=f"u{index}", user=user, at=at)
        case "answer":
            return OutgoingMessage(
                id=f"o{index}", at=at, lead=subject, number=NUMBER, text="Hello", by=detail
            )
        case "close":
            return CloseConversation(id=f"c{index}", at=at, lead=subject, number=NUMBER)
    return Tick(at)


def snapshot_for(state, event, at):
    match event:
        case IncomingMessage() | OutgoingMessage():
            return state.snapshot(event.lead, event.number, at)
        case Tick():
            due = sorted(
                (
                    c
                    for c in state.conversations.values()
                    if c.due_at is not None and c.due_at <= at
                ),
                key=lambda c: (c.due_at, c.lead, c.number),
            )
            return attrs.evolve(
                state.shared(at),
                due=tuple(state.context(c) for c in due),
                waiting=state.waiting(at),
            )
    return None


def copied(snapshot):
    # The snapshot with each mapping copied: its values are frozen already.
    return attrs.evolve(
        snapshot,
        users=dict(snapshot.users),
        presence=dict(snapshot.presence),
        open_conversations=dict(snapshot.open_conversations),
        turns=dict(snapshot.turns),
        away_since=dict(snapshot.away_since),
    )


def is_open(state, conversation, at):
    return at - conversation.last_message_at < state.engine.config.conversation_timeout


def away(state, user):
    users = state.engine.all_users(state.users)
    known = users.get(user)
    return known is not None and (not known.active or state.presence.get(user) is False)


def counts(state, at):
    found = {}
    for c in state.conversations.values():
        if c.status is ConversationStatus.ASSIGNED and is_open(state, c, at):
            found[c.assignee] = found.get(c.assignee, 0) + 1
    return found


def routable(state, conversation, at):
    # Whether the conversation's rule finds someone now, as the design says.
    rule = state.engine._compiled.rules.get(conversation.rule)
    if rule is None:
        return False
    availability = Availability(
        users=state.engine.all_users(state.users),
        presence=state.presence,
        open_conversations=counts(state, at),
        schedules=state.engine._compiled.schedules,
        at=at,
        held_before=frozenset(conversation.held_before),
    )
    opportunity = next(
        (
            o
            for o in state.opportunities.get(conversation.lead, {}).values()
            if o.id == conversation.opportunity
        ),
        None,
    )
    context = RoutingContext(
        availability,
        state.engine._compiled.groups,
        state.turns,
        state.leads.get(conversation.lead),
        opportunity,
    )
    return resolve(rule, context).routed


class TestTimeProperties:
    def decide(self, state, event, at):
        """Decide one event, twice over one snapshot (pure), and fold it in."""
        snapshot = snapshot_for(state, event, at)
        if snapshot is None:
            state.host(event, at)
            return
        before = copied(snapshot)
        first = state.engine.decide(snapshot, event, now=at)
        assert before == snapshot
        assert first == state.engine.decide(snapshot, event, now=at)
        state.run(event, snapshot, at)

    @settings(deadline=None, max_examples=300)
    @given(config=configs(), script=scripts)
    @example(
        config=attrs.evolve(
            BASE,
            routing_rules=tuple(
                attrs.evolve(rule, reassign_when_away=dt.timedelta(minutes=10))
                for rule in BASE.routing_rules
            ),
        ),
        script=[
            (0, ("enquiry", LEADS[0], TAPS[0])),
            (2, ("presence", "u-asha", False)),
            (30, ("tick", None, None)),
        ],
    )
    @example(
        # The business writing to a conversation a tick found over opens it
        # again: its reply deadline must make it due again.
        config=attrs.evolve(
            BASE,
            routing_rules=tuple(
                attrs.evolve(rule, reply_within=dt.timedelta(minutes=5), max_reassignments=1)
                for rule in BASE.routing_rules
            ),
        ),
        script=[
            (0, ("enquiry", LEADS[1], TAPS[1])),
            (1440, ("tick", None, None)),
            (0, ("answer", LEADS[1], "u-asha")),
            (1, ("tick", None, None)),
        ],
    )
    @example(
        # The business answering a conversation a tick found over opens it
        # again while its assignee is away: the away deadline must make it
        # due again.
        config=attrs.evolve(
            BASE,
            routing_rules=tuple(
                attrs.evolve(rule, reassign_when_away=dt.timedelta(minutes=5), max_reassignments=1)
                for rule in BASE.routing_rules
            ),
        ),
        script=[
            (1, ("enquiry", LEADS[0], TAPS[0])),
            (0, ("message", LEADS[2], None)),
            (1440, ("presence", "u-asha", False)),
            (1440, ("tick", None, None)),
            (1440, ("message", LEADS[1], None)),
            (1440, ("answer", LEADS[0], None)),
            (1, ("tick", None, None)),
        ],
    )
    def test_time_invariants(self, config, script):
        """Deadlines are kept, waits end when someone is free, limits hold, decide is pure."""
        state = State(Engine.from_config(config))
        rules = {rule.name: rule for rule in config.routing_rules}
        at = START
        last = None
        for index, (gap, step) in enumerate(script):
            at += dt.timedelta(minutes=gap)
            for event in events_of(index, at, step, state):
                at = max(at, getattr(event, "at", at))
                self.decide(state, event, at)
            kind, _, detail = step
            check_limits(state, rules)
            ticked = kind == "tick" and state.last_tick == at and at != last
            if kind == "tick":
                # A tick at the time of the one before does nothing.
                last = at
            if ticked:
                check_deadlines(state, rules, at)
            if ticked or (kind in {"presence", "active"} and detail):
                check_waits(state, at)


def check_limits(state, rules):
    # No conversation is reassigned more often than its rule allows.
    for conversation in state.conversations.values():
        rule = rules.get(conversation.rule)
        if rule is not None:
            assert conversation.reassignments <= rule.max_reassignments


def check_deadlines(state, rules, at):
    # After a tick, no open conversation is held past its away or reply
    # deadline while its rule allows another reassignment.
    for conversation in state.conversations.values():
        rule = rules.get(conversation.rule)
        if (
            conversation.status is not ConversationStatus.ASSIGNED
            or not is_open(state, conversation, at)
            or rule is None
            or conversation.reassignments >= rule.max_reassignments
        ):
            continue
        if rule.reassign_when_away is not None and away(state, conversation.assignee):
            since = state.away_since.get(conversation.assignee)
            assert at < away_start(conversation, since) + rule.reassign_when_away
        awaited = conversation.reply_awaited_since
        if rule.reply_within is not None and awaited is not None:
            assert at < awaited + rule.reply_within


def check_waits(state, at):
    # No open waiting conversation is left that its rule could route now.
    for conversation in state.conversations.values():
        if (
            conversation.status is ConversationStatus.UNROUTED
            and conversation.waiting_since is not None
            and is_open(state, conversation, at)
        ):
            assert not routable(state, conversation, at)
