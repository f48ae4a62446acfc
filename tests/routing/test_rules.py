import attrs
import pytest

from convroute.routing import (
    TARGET_KINDS,
    Admin,
    ChatGroup,
    ChatGroupTarget,
    LeadOwner,
    OpportunityOwner,
    RoutingRule,
    SpecificUser,
)


class TestTargets:
    @pytest.mark.parametrize(
        ("target", "label"),
        [
            (OpportunityOwner(), "opportunity_owner"),
            (LeadOwner(), "lead_owner"),
            (ChatGroupTarget(group="AI counsellors"), "chat_group:AI counsellors"),
            (Admin(), "admin"),
            (SpecificUser(user="u-meera"), "specific_user:u-meera"),
        ],
    )
    def test_label(self, target, label):
        """Each target's label is its kind, and its name when it has one."""
        assert label == target.label

    def test_kinds(self):
        """Every target class is known by its kind tag."""
        assert {
            "opportunity_owner": OpportunityOwner,
            "lead_owner": LeadOwner,
            "chat_group": ChatGroupTarget,
            "admin": Admin,
            "specific_user": SpecificUser,
        } == TARGET_KINDS

    def test_hashable(self):
        """Targets are values: equal ones hash alike."""
        assert {ChatGroupTarget(group="A"), ChatGroupTarget(group="A"), Admin()} == {
            ChatGroupTarget(group="A"),
            Admin(),
        }


class TestRuleObjects:
    def test_collections_frozen(self):
        """Lists given to rules and groups are stored as tuples."""
        rule = RoutingRule(name="R", targets=[Admin()])
        group = ChatGroup(name="G", members=["u-a"])
        assert (Admin(),) == rule.targets
        assert ("u-a",) == group.members
        assert hash(rule) == hash(RoutingRule(name="R", targets=(Admin(),)))

    def test_labels(self):
        """A rule's labels are its targets' labels, in order, also once evolved."""
        rule = RoutingRule(name="R", targets=[ChatGroupTarget(group="A"), Admin()])
        evolved = attrs.evolve(rule, targets=(SpecificUser(user="u-a"),))

        assert (("chat_group:A", "admin"), ("specific_user:u-a",)) == (rule.labels, evolved.labels)

    def test_labels_are_no_part_of_the_value(self):
        """The labels are worked out, not given: equality and repr are the name and targets."""
        rule = RoutingRule(name="R", targets=[Admin()])

        assert "RoutingRule(name='R', targets=(Admin(),))" == repr(rule)
        assert ["name", "targets"] == [f.name for f in attrs.fields(RoutingRule) if f.init]
