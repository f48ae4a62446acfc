import datetime as dt

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.config import Config, find_problems
from convroute.model import Lead, User
from convroute.routing import (
    Admin,
    Availability,
    ChatGroup,
    ChatGroupTarget,
    LeadOwner,
    Router,
    RoutingRule,
    SkipReason,
    SpecificUser,
    TurnRecord,
    round_robin,
)


USERS = [
    User(id="u-asha", name="Asha"),
    User(id="u-ben", name="Ben", max_open_conversations=1),
    User(id="u-meera", name="Meera", admin=True),
]
SALES = ChatGroup(name="Sales", members=("u-asha", "u-ben", "u-meera"))
TO_SALES = RoutingRule(name="sales", targets=(ChatGroupTarget(group="Sales"), Admin()))


class TestBuild:
    def test_values_or_mappings(self):
        """Users and groups may come as values or as mappings by id and name."""
        by_values = Router(USERS, [SALES])
        by_keys = Router({user.id: user for user in USERS}, {"Sales": SALES})

        assert (by_values.users, by_values.groups) == (by_keys.users, by_keys.groups)

    def test_users_keyed_by_name(self):
        """A users mapping whose keys are not the users' ids is refused."""
        with pytest.raises(ValueError, match="the key 'Meera' holds the User id 'u-meera'"):
            Router({"Meera": USERS[2]})

    def test_groups_keyed_by_other_name(self):
        """A groups mapping whose keys are not the groups' names is refused."""
        with pytest.raises(ValueError, match="the key 'sales' holds the ChatGroup name 'Sales'"):
            Router(USERS, {"sales": SALES})

    def test_repeated_user(self):
        """Two users with one id are refused."""
        with pytest.raises(ValueError, match="two share the id 'u-asha'"):
            Router([USERS[0], User(id="u-asha", name="Other")])

    def test_not_users(self):
        """Something other than users is refused with a clear error."""
        with pytest.raises(TypeError, match=r"users\[0\] must be a User, not the str 'u-asha'"):
            Router(["u-asha"])  # type: ignore[list-item]

    def test_not_users_by_id(self):
        """A mapping's value that is no user is named by its key."""
        with pytest.raises(TypeError, match=r"users\['u-asha'\] must be a User, not None"):
            Router({"u-asha": None})  # type: ignore[dict-item]


class TestRoute:
    def test_round_robin_goes_round(self):
        """Each route takes the next member's turn, as the engine's round robin does."""
        router = Router(USERS, [SALES])

        picks = [router.route(TO_SALES).assignee for _ in range(3)]

        assert ["u-asha", "u-ben", "u-meera"] == picks
        assert (
            TurnRecord("chat_group:Sales", ("u-asha", "u-ben", "u-meera"))
            == (router.turns["chat_group:Sales"])
        )

    def test_counts_open_conversations(self):
        """An assignee at capacity is passed over until a conversation is released."""
        router = Router(USERS, [ChatGroup(name="Ben", members=("u-ben",))])
        rule = RoutingRule(name="ben", targets=(ChatGroupTarget(group="Ben"),))

        first, second = router.route(rule), router.route(rule)
        router.release("u-ben")
        third = router.route(rule)

        assert ("u-ben", None, "u-ben") == (first.assignee, second.assignee, third.assignee)
        assert (SkipReason.AT_CAPACITY,) == tuple(c.reason for c in second.trace[0].skipped)

    def test_away_and_back(self):
        """A user away is passed over and keeps their turn once back."""
        router = Router(USERS, [SALES])

        router.away("u-asha")
        while_away = router.route(TO_SALES).assignee
        router.back("u-asha")
        once_back = router.route(TO_SALES).assignee

        assert ("u-ben", "u-asha") == (while_away, once_back)

    def test_lead_owner(self):
        """The lead passed in is the one whose owner is tried."""
        rule = RoutingRule(name="owner", targets=(LeadOwner(), SpecificUser(user="u-meera")))

        decision = Router(USERS).route(rule, lead=Lead(phone="919876543210", owner="u-asha"))

        assert "u-asha" == decision.assignee

    def test_unrouted(self):
        """Nobody available is an unrouted decision, and nothing is counted."""
        router = Router(USERS, [SALES])
        for user in ("u-asha", "u-ben", "u-meera"):
            router.away(user)

        decision = router.route(TO_SALES)

        assert (None, {}, {}) == (
            decision.assignee,
            dict(router.turns),
            dict(router.open_conversations),
        )

    @pytest.mark.parametrize("method", ["away", "back", "release"])
    def test_unknown_user(self, method):
        """Naming a user the router does not know is an error."""
        with pytest.raises(ValueError, match="unknown user 'u-zed'"):
            getattr(Router(USERS), method)("u-zed")

    def test_release_with_nothing_open(self):
        """Releasing more conversations than a user holds is an error."""
        with pytest.raises(ValueError, match="holds no open conversation"):
            Router(USERS).release("u-asha")

    @settings(deadline=None)
    @given(
        st.lists(
            st.one_of(
                st.just(("route", "")),
                st.tuples(st.sampled_from(["away", "back"]), st.sampled_from(SALES.members)),
            ),
            max_size=40,
        )
    )
    def test_same_picks_as_round_robin(self, steps):
        """Leads routed through a group with people away and back get round robin's picks."""
        router = Router([User(id=u, name=u) for u in SALES.members], [SALES])
        rule = RoutingRule(name="sales", targets=(ChatGroupTarget(group="Sales"),))
        users = {u: User(id=u, name=u) for u in SALES.members}
        presence: dict[str, bool] = {}
        record = TurnRecord("chat_group:Sales")
        expected, actual = [], []
        for step, user in steps:
            if step == "route":
                pick = round_robin(SALES.members, Availability(users, presence), record)
                record = pick.record
                expected.append(pick.user)
                actual.append(router.route(rule).assignee)
            else:
                presence[user] = step == "back"
                getattr(router, step)(user)

        assert expected == actual


class TestCheck:
    def test_config_check_messages(self):
        """The problems are the configuration check's, with its paths."""
        users = [*USERS, User(id="u-blank", name=" ")]
        groups = [SALES, ChatGroup(name="Empty", members=())]
        rules = [
            TO_SALES,
            RoutingRule(
                name="broken", targets=(ChatGroupTarget(group="Nope"), SpecificUser(user="u-x"))
            ),
            RoutingRule(name="SALES", targets=()),
        ]

        problems = Router(users, groups).check(rules)

        assert (
            find_problems(Config(users=users, chat_groups=groups, routing_rules=rules)) == problems
        )
        assert [
            "a user's name must not be blank @ $.users[3].name",
            "a chat group needs at least one member @ $.chat_groups[1].members",
            "duplicate rule name 'SALES', first at $.routing_rules[0] @ $.routing_rules[2].name",
            "unknown chat group 'Nope' @ $.routing_rules[1].targets[0].group",
            "unknown user 'u-x' @ $.routing_rules[1].targets[1].user",
            "a routing rule needs at least one target @ $.routing_rules[2].targets",
        ] == problems

    def test_durations_not_longer_than_zero(self):
        """A rule's duration of zero or less is a problem, as a configuration's would be."""
        router = Router([User("u-a", "A", admin=True)])
        rule = RoutingRule(
            "desk",
            (Admin(),),
            reassign_when_away=dt.timedelta(0),
            reply_within=dt.timedelta(minutes=-5),
        )
        assert [
            "must be longer than zero @ $.routing_rules[0].reassign_when_away",
            "must be longer than zero @ $.routing_rules[0].reply_within",
        ] == router.check([rule])

    def test_fine(self):
        """Rules that fit the users and groups have no problems."""
        assert [] == Router(USERS, [SALES]).check([TO_SALES])

    def test_one_rule(self):
        """One rule where a list is expected is refused."""
        with pytest.raises(TypeError, match="one RoutingRule"):
            Router(USERS).check(TO_SALES)  # type: ignore[arg-type]
