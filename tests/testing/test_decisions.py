from convroute._decisions import decision_of
from convroute.routing import (
    Admin,
    Candidate,
    ChatGroupTarget,
    Decision,
    LeadOwner,
    RoutingRule,
    SkipReason,
    SpecificUser,
    TraceStep,
)


RULE = RoutingRule("Desk", (LeadOwner(), ChatGroupTarget("Sales"), Admin(), SpecificUser("u-x")))
TRACE = [
    {"target": "lead_owner", "reason": "no_owner"},
    {
        "target": "chat_group:Sales",
        "reason": "no_member_available",
        "skipped": [{"user": "u-a", "reason": "off_hours"}],
    },
    {"target": "admin", "user": "u-m", "skipped": [{"user": "u-b", "reason": "at_capacity"}]},
]
STEPS = (
    TraceStep(LeadOwner(), None, SkipReason.NO_OWNER),
    TraceStep(
        ChatGroupTarget("Sales"),
        None,
        SkipReason.NO_MEMBER_AVAILABLE,
        (Candidate("u-a", SkipReason.OFF_HOURS),),
    ),
    TraceStep(Admin(), "u-m", None, (Candidate("u-b", SkipReason.AT_CAPACITY),)),
)


class TestDecisionOf:
    def test_assigned(self):
        """An assignment's trace reads back as the decision, its rule found by name."""
        expected = Decision(RULE, "u-m", Admin(), STEPS)
        assert expected == decision_of({"rule": "Desk", "trace": TRACE}, {"Desk": RULE})

    def test_unrouted_by_a_removed_rule(self):
        """An unrouted trace assigns nobody; a rule no longer in the config is left out."""
        expected = Decision(None, None, None, STEPS[:2])
        assert expected == decision_of({"rule": "Gone", "trace": TRACE[:2]}, {"Desk": RULE})

    def test_specific_user(self):
        """A specific user's label reads back as that user's target."""
        trace = [{"target": "specific_user:u-x", "user": "u-x", "reason": "unavailable"}]
        decision = decision_of({"rule": None, "trace": trace}, {})
        assert (SpecificUser("u-x"), None) == (decision.trace[0].target, decision.rule)
