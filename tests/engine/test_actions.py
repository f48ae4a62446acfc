"""
Actions made by their own constructors hold what the same fields given by name would.
"""

from hypothesis import given
from hypothesis import strategies as st

from convroute.engine import Assign, CreateOpportunity, TraceEntry, Unrouted
from strategies import names, opportunities, phones


TRACES = st.lists(st.builds(TraceEntry, target=names(), user=st.none() | names()), max_size=3).map(
    tuple
)


class TestActionConstructors:
    @given(lead=phones(), opportunity=opportunities(["u-asha", "u-ben"]))
    def test_create_opportunity_of(self, lead, opportunity):
        """The action creating an opportunity carries its id, type, name and fields."""
        expected = CreateOpportunity(
            lead=lead,
            id=opportunity.id,
            type=opportunity.type,
            name=opportunity.name,
            fields=opportunity.fields,
        )
        made = CreateOpportunity.of(lead, opportunity)
        assert (expected, expected.to_json()) == (made, made.to_json())

    @given(
        ends=st.tuples(phones(), phones()),
        about=st.tuples(st.none() | names(), names(), names(), names()),
        trace=TRACES,
    )
    def test_assign_conversation(self, ends, about, trace):
        """An assign action holds its conversation, user, rule, target and trace."""
        lead, number = ends
        opportunity, user, rule, target = about
        expected = Assign(
            lead=lead,
            number=number,
            opportunity=opportunity,
            user=user,
            rule=rule,
            target=target,
            trace=trace,
        )
        made = Assign.conversation(
            lead, number, opportunity=opportunity, user=user, rule=rule, target=target, trace=trace
        )
        assert expected == made

    @given(
        ends=st.tuples(phones(), phones()),
        about=st.tuples(st.none() | names(), st.none() | names()),
        trace=TRACES,
    )
    def test_unrouted_conversation(self, ends, about, trace):
        """An unrouted action holds its conversation, rule and trace."""
        lead, number = ends
        opportunity, rule = about
        expected = Unrouted(
            lead=lead, number=number, opportunity=opportunity, rule=rule, trace=trace
        )
        made = Unrouted.conversation(lead, number, opportunity=opportunity, rule=rule, trace=trace)
        assert expected == made
