"""
Actions made by their own constructors hold what the same fields given by name would.
"""

from hypothesis import given
from hypothesis import strategies as st

from convroute.engine import (
    Assign,
    CreateOpportunity,
    Reassign,
    ReassignReason,
    TraceEntry,
    Unassign,
    Unrouted,
    UnroutedReason,
)
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
        reason=st.sampled_from(UnroutedReason),
    )
    def test_unrouted_conversation(self, ends, about, trace, reason):
        """An unrouted action holds its conversation, rule, trace and reason."""
        lead, number = ends
        opportunity, rule = about
        expected = Unrouted(
            lead=lead, number=number, opportunity=opportunity, rule=rule, trace=trace, reason=reason
        )
        made = Unrouted.conversation(
            lead, number, opportunity=opportunity, rule=rule, trace=trace, reason=reason
        )
        assert expected == made


class TestTimeActionsJson:
    def test_assign_after_a_wait(self):
        """An assign that ends a wait says how long, in seconds, a whole number when whole."""
        made = Assign("1", "2", None, "u-a", "Desk", "admin", (), waited=600.0)
        assert 600 == made.to_json()["waited"]

    def test_assign_without_a_wait(self):
        """An assign that ends no wait has no waited key."""
        made = Assign("1", "2", None, "u-a", "Desk", "admin", ())
        assert "waited" not in made.to_json()

    def test_unrouted_reason(self):
        """An unrouted action names its reason."""
        made = Unrouted("1", "2", None, None, (), UnroutedReason.NO_RULE)
        assert "no_rule" == made.to_json()["reason"]

    def test_reassign_keys(self):
        """A reassign action holds exactly the keys of the contract."""
        made = Reassign("1", "2", "opp-1", "u-a", "u-b", "Desk", "admin", ReassignReason.AWAY, ())
        expected = {
            "type": "reassign",
            "lead": "1",
            "number": "2",
            "opportunity": "opp-1",
            "from_user": "u-a",
            "user": "u-b",
            "rule": "Desk",
            "target": "admin",
            "reason": "away",
            "trace": [],
        }
        assert expected == made.to_json()

    def test_unassign_keys(self):
        """An unassign action holds exactly the keys of the contract."""
        made = Unassign("1", "2", None, "u-a", "Desk", ReassignReason.NO_REPLY, ())
        expected = {
            "type": "unassign",
            "lead": "1",
            "number": "2",
            "opportunity": None,
            "from_user": "u-a",
            "rule": "Desk",
            "reason": "no_reply",
            "trace": [],
        }
        assert expected == made.to_json()
