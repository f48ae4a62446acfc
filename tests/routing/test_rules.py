import datetime as dt

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

    def test_named_labels_follow_the_name(self):
        """A target's label is worked out when it is made, and again when evolved."""
        group, user = ChatGroupTarget(group="A"), SpecificUser(user="u-a")

        assert ("chat_group:B", "specific_user:u-b") == (
            attrs.evolve(group, group="B").label,
            attrs.evolve(user, user="u-b").label,
        )

    def test_labels_are_no_part_of_the_value(self):
        """A label is worked out, not given: equality and repr are the named group or user."""
        assert "ChatGroupTarget(group='A')" == repr(ChatGroupTarget(group="A"))
        assert [["group"], ["user"]] == [
            [field.name for field in attrs.fields(cls) if field.init]
            for cls in (ChatGroupTarget, SpecificUser)
        ]

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


class TestRuleFieldTypes:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            (
                {"reply_within": "30m"},
                "RoutingRule.reply_within must be a timedelta or None, not the str '30m'",
            ),
            (
                {"reassign_when_away": 900},
                "RoutingRule.reassign_when_away must be a timedelta or None, not 900",
            ),
            (
                {"max_reassignments": "2"},
                "RoutingRule.max_reassignments must be an int, not the str '2'",
            ),
            ({"max_reassignments": True}, "RoutingRule.max_reassignments must be an int, not True"),
        ],
    )
    def test_wrong_types_refused(self, changes, message):
        """A rule's durations and count of the wrong type are refused when it is made."""
        with pytest.raises(TypeError) as caught:
            RoutingRule(name="R", targets=(Admin(),), **changes)
        assert message == str(caught.value)

    def test_right_types_kept(self):
        """Durations as timedeltas and the count as an int are kept as given."""
        rule = RoutingRule(
            name="R",
            targets=(Admin(),),
            reassign_when_away=dt.timedelta(minutes=15),
            reply_within=dt.timedelta(minutes=30),
            max_reassignments=0,
        )
        assert (dt.timedelta(minutes=15), dt.timedelta(minutes=30), 0) == (
            rule.reassign_when_away,
            rule.reply_within,
            rule.max_reassignments,
        )
