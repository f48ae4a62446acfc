"""
The engine's spelt-out copies of values change what attrs.evolve would, and nothing else.
"""

import datetime as dt
import json
import types

import attrs

from hypothesis import given
from hypothesis import strategies as st

from convroute.engine import TraceEntry
from convroute.engine._actions import _plain, trace_of
from convroute.menus import build_first_response
from convroute.model import User
from convroute.routing import (
    Admin,
    Availability,
    Candidate,
    ChatGroup,
    ChatGroupTarget,
    Decision,
    RoutingContext,
    RoutingRule,
    SkipReason,
    SpecificUser,
    TraceStep,
    resolve,
)
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


class TestSpeltOut:
    @given(conversation=conversations(), at=TIMES)
    def test_seen_is_evolve(self, conversation, at):
        """A conversation seen again is the same with its latest message time."""
        latest = max(conversation.last_message_at, at)
        expected = attrs.evolve(conversation, last_message_at=latest)
        assert expected == conversation.seen_at(at)

    @given(opportunity=opportunities(["u-asha", "u-ben"]), owner=names())
    def test_owned_by_is_evolve(self, opportunity, owner):
        """An opportunity given an owner is the same with that owner."""
        assert attrs.evolve(opportunity, owner=owner) == opportunity.owned_by(owner)

    @given(
        steps=st.lists(
            st.builds(
                TraceStep,
                target=st.sampled_from([Admin(), ChatGroupTarget("AI"), SpecificUser("u-ben")]),
                user=st.none() | names(),
                reason=st.none() | st.sampled_from(list(SkipReason)),
                skipped=st.lists(
                    st.builds(Candidate, user=names(), reason=st.sampled_from(list(SkipReason))),
                    max_size=3,
                ).map(tuple),
            ),
            max_size=4,
        )
    )
    def test_trace_of_a_decision_built(self, steps):
        """An action's trace says of each step what the step says."""
        decision = Decision(rule=None, trace=tuple(steps))

        assert tuple(plain_entry(step) for step in steps) == trace_of(decision)

    @given(away=st.sets(st.sampled_from(["u-asha", "u-ben", "u-chen"])))
    def test_trace_of_a_decision_resolved(self, away):
        """A resolved decision's action trace is made from the same steps as its trace."""
        users = {name: User(id=name, name=name, admin=name == "u-chen") for name in MEMBERS}
        rule = RoutingRule(name="desk", targets=(ChatGroupTarget("AI"), Admin()))
        context = RoutingContext(
            Availability(users, dict.fromkeys(away, False)),
            {"AI": ChatGroup(name="AI", members=MEMBERS[:2])},
        )

        decision = resolve(rule, context)

        assert trace_of(decision) == tuple(plain_entry(step) for step in decision.trace)


MEMBERS = ("u-asha", "u-ben", "u-chen")


def plain_entry(step):
    # What an action's trace entry says of a step, field by field.
    return TraceEntry(
        target=step.target.label,
        user=step.user,
        reason=None if step.reason is None else step.reason.value,
        skipped=tuple((c.user, c.reason.value) for c in step.skipped),
    )


def nested_values(depth=3):
    """JSON-like values as actions hold them: tuples and read-only mappings among them."""
    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=4)
    scalars = scalars | st.floats(allow_nan=False)
    if not depth:
        return scalars
    inner = nested_values(depth - 1)
    lists = st.lists(inner, max_size=3)
    objects = st.dictionaries(st.text(max_size=3), inner, max_size=3)
    return scalars | lists | lists.map(tuple) | objects | objects.map(types.MappingProxyType)


class TestPlainCopy:
    @given(value=nested_values())
    def test_plain_is_what_json_reads_back(self, value):
        """An action's values made plain are what JSON text of them reads back as, copied."""
        expected = json.loads(json.dumps(value, default=dict))
        made = _plain(value)
        assert expected == made
        assert isinstance(value, int | float | str | bool | None) or made is not value
