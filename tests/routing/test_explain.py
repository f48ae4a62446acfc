import datetime as dt
import doctest

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import (
    Admin,
    Availability,
    Candidate,
    ChatGroup,
    ChatGroupTarget,
    Decision,
    Interval,
    LeadOwner,
    OpportunityOwner,
    RoutingContext,
    RoutingRule,
    Schedule,
    SkipReason,
    SpecificUser,
    TraceStep,
    Weekday,
    _resolve,
    resolve,
)
from strategies import group_directories, routing_contexts, routing_rules, user_directories


USERS = {
    "u-asha": User("u-asha", "Asha", admin=True),
    "u-ravi": User("u-ravi", "Ravi", max_open_conversations=1),
    "u-meera": User("u-meera", "Meera"),
    "u-gone": User("u-gone", "Gone", active=False),
    "u-night": User("u-night", "Night", schedule="nights"),
}
GROUPS = {"Sales": ChatGroup("Sales", ("u-asha", "u-ravi", "u-meera"))}
MONDAY_NOON = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
NIGHTS = Schedule("nights", "UTC", {Weekday.MON: (Interval(dt.time(22), dt.time(23)),)})
LEAD = Lead(Phone("919800000001"), "Priya")


def context(**kwargs):
    availability = kwargs.pop("availability", {})
    return RoutingContext(
        Availability(USERS, schedules={"nights": NIGHTS}, at=MONDAY_NOON, **availability),
        GROUPS,
        **kwargs,
    )


def explain(targets, names=None, **kwargs):
    return resolve(RoutingRule("rule", tuple(targets)), context(**kwargs)).explain(names)


class TestExplainReasons:
    def test_picked(self):
        """A target that assigned names the user picked, with their display name when given."""
        assert "specific_user:u-meera: picked Meera (u-meera)" == explain(
            [SpecificUser("u-meera")], {"u-meera": "Meera"}
        )

    def test_picked_without_names(self):
        """Without display names a user is shown by id."""
        assert "specific_user:u-meera: picked u-meera" == explain([SpecificUser("u-meera")])

    def test_no_opportunity(self):
        """An opportunity owner target without an opportunity says so."""
        assert "opportunity_owner: skipped, no opportunity" == explain([OpportunityOwner()])

    def test_no_owner(self):
        """An opportunity without an owner says so."""
        opportunity = Opportunity("o-1", "Course")
        assert "opportunity_owner: skipped, no owner" == explain(
            [OpportunityOwner()], opportunity=opportunity
        )

    def test_no_lead(self):
        """A lead owner target without a lead says so."""
        assert "lead_owner: skipped, no lead" == explain([LeadOwner()])

    def test_owner_unavailable(self):
        """An owner who is away is named, with the reason."""
        lead = Lead(Phone("919800000001"), "Priya", owner="u-meera")
        assert "lead_owner: skipped, u-meera is unavailable" == explain(
            [LeadOwner()], lead=lead, availability={"presence": {"u-meera": False}}
        )

    def test_unknown_user(self):
        """A specific user nobody knows is an unknown user."""
        assert "specific_user:u-nobody: skipped, u-nobody is an unknown user" == explain(
            [SpecificUser("u-nobody")]
        )

    def test_inactive(self):
        """An inactive user is said to be inactive."""
        assert "specific_user:u-gone: skipped, u-gone is inactive" == explain(
            [SpecificUser("u-gone")]
        )

    def test_off_hours(self):
        """A user whose schedule is closed is off hours."""
        assert "specific_user:u-night: skipped, Night (u-night) is off hours" == explain(
            [SpecificUser("u-night")], {"u-night": "Night"}
        )

    def test_at_capacity(self):
        """A user who holds their maximum of conversations is at capacity."""
        assert "specific_user:u-ravi: skipped, u-ravi is at capacity" == explain(
            [SpecificUser("u-ravi")], availability={"open_conversations": {"u-ravi": 1}}
        )

    def test_held_before(self):
        """A user moved off the conversation before is said to have held it."""
        assert "specific_user:u-meera: skipped, u-meera held this conversation before" == explain(
            [SpecificUser("u-meera")], availability={"held_before": frozenset({"u-meera"})}
        )

    def test_unknown_group(self):
        """A chat group nobody knows is an unknown chat group."""
        assert "chat_group:Ghosts: skipped, unknown chat group" == explain(
            [ChatGroupTarget("Ghosts")]
        )

    def test_chat_group_with_nobody_available(self):
        """A chat group whose members all are away lists each member and why."""
        expected = (
            "chat_group:Sales: skipped, no member available"
            " (Asha (u-asha) unavailable, u-ravi at capacity, u-meera unavailable)"
        )
        actual = explain(
            [ChatGroupTarget("Sales")],
            {"u-asha": "Asha"},
            availability={
                "presence": {"u-asha": False, "u-meera": False},
                "open_conversations": {"u-ravi": 1},
            },
        )
        assert expected == actual

    def test_chat_group_picks_past_members_away(self):
        """A round robin that picked names the members it passed over."""
        expected = (
            "chat_group:Sales: picked u-meera, passed over u-asha unavailable, u-ravi inactive"
        )
        decision = Decision(
            None,
            "u-meera",
            ChatGroupTarget("Sales"),
            (
                TraceStep(
                    ChatGroupTarget("Sales"),
                    "u-meera",
                    None,
                    (
                        Candidate("u-asha", SkipReason.UNAVAILABLE),
                        Candidate("u-ravi", SkipReason.INACTIVE),
                    ),
                ),
            ),
        )
        assert expected == decision.explain()

    def test_admin_with_nobody_available(self):
        """An admin target with every admin away says no admin is available."""
        assert "admin: skipped, no admin available (u-asha unavailable)" == explain(
            [Admin()], availability={"presence": {"u-asha": False}}
        )

    def test_fallbacks_one_line_each(self):
        """Each target tried gets its line, in order, down to the one that picked."""
        expected = (
            "opportunity_owner: skipped, no opportunity\n"
            "admin: skipped, no admin available (u-asha unavailable)\n"
            "chat_group:Sales: picked u-ravi, passed over u-asha unavailable"
        )
        actual = explain(
            [OpportunityOwner(), Admin(), ChatGroupTarget("Sales"), SpecificUser("u-meera")],
            availability={"presence": {"u-asha": False}},
        )
        assert expected == actual

    def test_no_rule(self):
        """A decision that tried no target explains itself as nothing."""
        assert "" == Decision(None).explain()

    def test_every_reason_has_words(self):
        """Every reason reads as words, never as its raw value."""
        for reason in SkipReason:
            step = TraceStep(SpecificUser("ux"), None, reason, (Candidate("uy", reason),))
            line = Decision(None, trace=(step,)).explain()
            assert "_" not in line.removeprefix("specific_user:ux: ")

    def test_docstring_example(self):
        """The example in the docstring of `Decision.explain` runs as written."""
        failed, tried = doctest.testmod(_resolve)
        assert (0, True) == (failed, tried > 0)


@st.composite
def decisions(draw):
    users = draw(user_directories(min_size=1))
    groups = draw(group_directories(list(users)))
    rule = draw(routing_rules(list(groups), list(users)))
    return resolve(rule, draw(routing_contexts(users, groups)))


class TestExplainProperties:
    @settings(deadline=None)
    @given(decisions(), st.booleans())
    def test_one_line_per_step_and_the_pick(self, decision, with_names):
        """Explain has exactly one line per trace step, and the last names the user picked."""
        names = {user: f"Name of {user}" for step in decision.trace if (user := step.user)}
        lines = decision.explain(names if with_names else None).split("\n")
        assert len(decision.trace) == len(lines)
        if decision.assignee is not None:
            shown = f"{names[decision.assignee]} ({decision.assignee})"
            assert f"picked {shown if with_names else decision.assignee}" in lines[-1]
            assert "picked" not in "\n".join(lines[:-1])


# Every character str.splitlines breaks a line at.
LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


class TestExplainOnOneLine:
    @given(st.sampled_from(LINE_BREAKS))
    def test_display_name_with_a_line_break(self, line_break):
        """A display name holding a line break is shown on its step's line, the break a space."""
        expected = ["specific_user:u-meera: picked Meera Iyer (u-meera)"]
        actual = explain(
            [SpecificUser("u-meera")], names={"u-meera": f"Meera{line_break}Iyer"}
        ).splitlines()
        assert expected == actual

    def test_group_and_members_with_line_breaks(self):
        """A chat group's name and the members passed over keep to the group's one line."""
        users = {"u-a": User("u-a", "A"), "u-b": User("u-b", "B")}
        groups = {"Sales\nteam": ChatGroup("Sales\nteam", ("u-a", "u-b"))}
        availability = Availability(users, presence={"u-a": False})
        decision = resolve(
            RoutingRule("rule", (ChatGroupTarget("Sales\nteam"),)),
            RoutingContext(availability, groups),
        )
        expected = ["chat_group:Sales team: picked Bee (u-b), passed over Ay (u-a) unavailable"]
        assert expected == decision.explain({"u-a": "\nAy", "u-b": "Bee\r\n"}).splitlines()

    @settings(deadline=None)
    @given(decisions(), st.text())
    def test_one_line_per_step_whatever_the_names(self, decision, name):
        """Whatever text the display names hold, explain has one line per trace step."""
        names = dict.fromkeys((step.user for step in decision.trace if step.user), name)
        assert len(decision.trace) == len(decision.explain(names).splitlines())


class TestExplainNames:
    @pytest.mark.parametrize(
        ("key", "shown"), [(1, "1"), (None, "None"), (("u-meera",), "('u-meera',)")]
    )
    def test_a_key_that_is_no_user_id(self, key, shown):
        """A display name keyed by anything but a user id is refused, not silently unused."""
        with pytest.raises(TypeError) as caught:
            explain([SpecificUser("u-meera")], names={key: "Meera"})
        assert f"names' key {shown} must be a user id (a str)" == str(caught.value)
