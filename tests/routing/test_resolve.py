import copy
import datetime as dt
import pickle

from collections.abc import Sequence

import attrs
import pytest

from hypothesis import given
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
    Target,
    TraceStep,
    TurnRecord,
    Weekday,
    resolve,
)
from strategies import (
    group_directories,
    names,
    routing_contexts,
    routing_rules,
    turn_records,
    user_directories,
)


# The seed's example: an AI desk whose enquiries go to the opportunity's
# owner, else to the AI counsellors in turn, else to an admin.
USERS = {
    "u-asha": User(id="u-asha", name="Asha"),
    "u-ben": User(id="u-ben", name="Ben"),
    "u-chen": User(id="u-chen", name="Chen"),
    "u-meera": User(id="u-meera", name="Meera", admin=True),
}
COUNSELLORS = ChatGroup(name="AI counsellors", members=("u-asha", "u-ben"))
AI_DESK = RoutingRule(
    name="AI desk", targets=(OpportunityOwner(), ChatGroupTarget("AI counsellors"), Admin())
)
LEAD = Lead(phone=Phone("5511912345678"), name="Priya Nair")
AI_ENQUIRY = Opportunity(
    id="op-1", type="Postgraduate Course", name="PG AI 2027", owner="u-chen", stage="Enquiry"
)
COUNSELLORS_POOL = "chat_group:AI counsellors"
OFFICE = Schedule(
    name="Office",
    time_zone="Asia/Kolkata",
    hours={day: [Interval.parse("09:00-18:00")] for day in Weekday if day <= Weekday.FRI},
)
SATURDAY_NOON = dt.datetime(2026, 11, 7, 6, 30, tzinfo=dt.UTC)


def desk(
    *,
    away: Sequence[str] = (),
    users: dict[str, User] = USERS,
    open_conversations: dict[str, int] | None = None,
    turns: dict[str, TurnRecord] | None = None,
    lead: Lead | None = LEAD,
    opportunity: Opportunity | None = AI_ENQUIRY,
) -> RoutingContext:
    """
    The AI desk's context, with *away* reported away by the host.
    """
    return RoutingContext(
        availability=Availability(
            users=users,
            presence=dict.fromkeys(away, False),
            open_conversations={} if open_conversations is None else open_conversations,
        ),
        groups={COUNSELLORS.name: COUNSELLORS},
        turns={} if turns is None else turns,
        lead=lead,
        opportunity=opportunity,
    )


def only(target: Target) -> RoutingRule:
    return RoutingRule(name="only", targets=(target,))


def with_user(**changes) -> dict[str, User]:
    """
    The desk's users, with one user's fields changed: ``u_chen={"active": False}``.
    """
    users = dict(USERS)
    for key, fields in changes.items():
        user_id = key.replace("_", "-")
        users[user_id] = attrs.evolve(users[user_id], **fields)
    return users


def owner_away_decision():
    """What resolving AI_DESK gives with the owner u-chen away: the first counsellor."""
    return Decision(
        rule=AI_DESK,
        assignee="u-asha",
        target=ChatGroupTarget("AI counsellors"),
        trace=(
            TraceStep(OpportunityOwner(), user="u-chen", reason=SkipReason.UNAVAILABLE),
            TraceStep(ChatGroupTarget("AI counsellors"), user="u-asha"),
        ),
        turn=TurnRecord(pool=COUNSELLORS_POOL, assigned=("u-asha",)),
    )


class TestOpportunityOwner:
    def test_assigns_owner(self):
        """The opportunity's owner gets the conversation when available."""
        decision = resolve(only(OpportunityOwner()), desk())

        expected = Decision(
            rule=only(OpportunityOwner()),
            assignee="u-chen",
            target=OpportunityOwner(),
            trace=(TraceStep(OpportunityOwner(), user="u-chen"),),
        )
        assert expected == decision

    def test_no_opportunity(self):
        """Without an opportunity the target is skipped as no_opportunity."""
        decision = resolve(only(OpportunityOwner()), desk(opportunity=None))

        assert (TraceStep(OpportunityOwner(), reason=SkipReason.NO_OPPORTUNITY),) == decision.trace

    def test_no_owner(self):
        """An opportunity nobody owns is skipped as no_owner."""
        opportunity = attrs.evolve(AI_ENQUIRY, owner=None)

        decision = resolve(only(OpportunityOwner()), desk(opportunity=opportunity))

        assert (TraceStep(OpportunityOwner(), reason=SkipReason.NO_OWNER),) == decision.trace

    def test_owner_unavailable(self):
        """An owner who is away is skipped as unavailable, naming them."""
        decision = resolve(only(OpportunityOwner()), desk(away=["u-chen"]))

        expected = (TraceStep(OpportunityOwner(), user="u-chen", reason=SkipReason.UNAVAILABLE),)
        assert expected == decision.trace

    def test_owner_unknown(self):
        """An owner who is not among the users is skipped as unknown_user."""
        opportunity = attrs.evolve(AI_ENQUIRY, owner="u-gone")

        decision = resolve(only(OpportunityOwner()), desk(opportunity=opportunity))

        expected = (TraceStep(OpportunityOwner(), user="u-gone", reason=SkipReason.UNKNOWN_USER),)
        assert expected == decision.trace

    def test_owner_inactive(self):
        """An inactive owner is skipped as inactive."""
        context = desk(users=with_user(u_chen={"active": False}))

        decision = resolve(only(OpportunityOwner()), context)

        expected = (TraceStep(OpportunityOwner(), user="u-chen", reason=SkipReason.INACTIVE),)
        assert expected == decision.trace

    def test_owner_at_capacity(self):
        """An owner holding their maximum of conversations is skipped as at_capacity."""
        users = with_user(u_chen={"max_open_conversations": 2})
        context = desk(users=users, open_conversations={"u-chen": 2})

        decision = resolve(only(OpportunityOwner()), context)

        expected = (TraceStep(OpportunityOwner(), user="u-chen", reason=SkipReason.AT_CAPACITY),)
        assert expected == decision.trace

    def test_lead_owner_irrelevant(self):
        """The opportunity's owner is assigned even when the lead has another owner."""
        lead = attrs.evolve(LEAD, owner="u-asha")

        assert "u-chen" == resolve(only(OpportunityOwner()), desk(lead=lead)).assignee


class TestLeadOwner:
    def test_assigns_owner(self):
        """The lead's owner gets the conversation when available."""
        lead = attrs.evolve(LEAD, owner="u-ben")

        decision = resolve(only(LeadOwner()), desk(lead=lead))

        assert ("u-ben", (TraceStep(LeadOwner(), user="u-ben"),)) == (
            decision.assignee,
            decision.trace,
        )

    def test_no_lead(self):
        """Without a lead the target is skipped as no_lead."""
        decision = resolve(only(LeadOwner()), desk(lead=None))

        assert (TraceStep(LeadOwner(), reason=SkipReason.NO_LEAD),) == decision.trace

    def test_no_owner(self):
        """A lead nobody owns is skipped as no_owner."""
        decision = resolve(only(LeadOwner()), desk())

        assert (TraceStep(LeadOwner(), reason=SkipReason.NO_OWNER),) == decision.trace

    def test_owner_unavailable(self):
        """A lead owner who is away is skipped as unavailable, naming them."""
        lead = attrs.evolve(LEAD, owner="u-ben")

        decision = resolve(only(LeadOwner()), desk(lead=lead, away=["u-ben"]))

        expected = (TraceStep(LeadOwner(), user="u-ben", reason=SkipReason.UNAVAILABLE),)
        assert expected == decision.trace


class TestSpecificUser:
    def test_assigns_user(self):
        """The named user gets the conversation when available."""
        decision = resolve(only(SpecificUser("u-ben")), desk())

        assert ("u-ben", SpecificUser("u-ben")) == (decision.assignee, decision.target)

    def test_unknown_user(self):
        """A user who is not among the users is skipped as unknown_user."""
        decision = resolve(only(SpecificUser("u-gone")), desk())

        expected = (TraceStep(SpecificUser("u-gone"), "u-gone", SkipReason.UNKNOWN_USER),)
        assert expected == decision.trace

    def test_inactive(self):
        """An inactive user is skipped as inactive."""
        context = desk(users=with_user(u_ben={"active": False}))

        decision = resolve(only(SpecificUser("u-ben")), context)

        expected = (TraceStep(SpecificUser("u-ben"), "u-ben", SkipReason.INACTIVE),)
        assert expected == decision.trace

    def test_unavailable(self):
        """A user who is away is skipped as unavailable."""
        decision = resolve(only(SpecificUser("u-ben")), desk(away=["u-ben"]))

        expected = (TraceStep(SpecificUser("u-ben"), "u-ben", SkipReason.UNAVAILABLE),)
        assert expected == decision.trace

    def test_at_capacity(self):
        """A user holding their maximum of conversations is skipped as at_capacity."""
        users = with_user(u_ben={"max_open_conversations": 0})

        decision = resolve(only(SpecificUser("u-ben")), desk(users=users))

        expected = (TraceStep(SpecificUser("u-ben"), "u-ben", SkipReason.AT_CAPACITY),)
        assert expected == decision.trace


class TestOffHours:
    def test_owner_off_hours_falls_back_to_the_group(self):
        """An owner outside their schedule is skipped as off_hours and the group assigns."""
        users = with_user(u_chen={"schedule": "Office"})
        context = desk(users=users)
        context = attrs.evolve(
            context,
            availability=attrs.evolve(
                context.availability, schedules={"Office": OFFICE}, at=SATURDAY_NOON
            ),
        )

        decision = resolve(AI_DESK, context)

        expected = (
            TraceStep(OpportunityOwner(), user="u-chen", reason=SkipReason.OFF_HOURS),
            TraceStep(ChatGroupTarget("AI counsellors"), user="u-asha"),
        )
        assert expected == decision.trace

    def test_member_off_hours_passed_over(self):
        """A group member outside their schedule is passed over as off_hours."""
        users = with_user(u_asha={"schedule": "Office"})
        context = desk(users=users)
        context = attrs.evolve(
            context,
            availability=attrs.evolve(
                context.availability, schedules={"Office": OFFICE}, at=SATURDAY_NOON
            ),
        )

        decision = resolve(only(ChatGroupTarget("AI counsellors")), context)

        assert "u-ben" == decision.assignee
        assert (Candidate("u-asha", SkipReason.OFF_HOURS),) == decision.trace[0].skipped


class TestChatGroupTarget:
    def test_assigns_first_member(self):
        """A group's first conversation goes to its first listed member, recording the turn."""
        target = ChatGroupTarget("AI counsellors")

        decision = resolve(only(target), desk())

        expected = Decision(
            rule=only(target),
            assignee="u-asha",
            target=target,
            trace=(TraceStep(target, user="u-asha"),),
            turn=TurnRecord(pool=COUNSELLORS_POOL, assigned=("u-asha",)),
        )
        assert expected == decision

    def test_uses_stored_turns(self):
        """The group's stored turn record decides whose turn it is."""
        turns = {COUNSELLORS_POOL: TurnRecord(COUNSELLORS_POOL, ("u-asha",))}

        decision = resolve(only(ChatGroupTarget("AI counsellors")), desk(turns=turns))

        assert ("u-ben", TurnRecord(COUNSELLORS_POOL, ("u-asha", "u-ben"))) == (
            decision.assignee,
            decision.turn,
        )

    def test_turns_of_other_pools_irrelevant(self):
        """The admins' turn record does not affect a group's turns."""
        turns = {"admin": TurnRecord("admin", ("u-asha",))}

        decision = resolve(only(ChatGroupTarget("AI counsellors")), desk(turns=turns))

        assert "u-asha" == decision.assignee

    def test_skipped_members_traced(self):
        """Members passed over are listed in the step that assigned, with their reasons."""
        target = ChatGroupTarget("AI counsellors")

        decision = resolve(only(target), desk(away=["u-asha"]))

        expected = (
            TraceStep(target, user="u-ben", skipped=(Candidate("u-asha", SkipReason.UNAVAILABLE),)),
        )
        assert expected == decision.trace

    def test_unknown_group(self):
        """A group that is not among the groups is skipped as unknown_group."""
        target = ChatGroupTarget("Loans")

        decision = resolve(only(target), desk())

        assert (TraceStep(target, reason=SkipReason.UNKNOWN_GROUP),) == decision.trace

    def test_no_member_available(self):
        """A group none of whose members is available is skipped, listing them all."""
        target = ChatGroupTarget("AI counsellors")
        context = desk(users=with_user(u_asha={"active": False}), away=["u-ben"])

        decision = resolve(only(target), context)

        expected = TraceStep(
            target,
            reason=SkipReason.NO_MEMBER_AVAILABLE,
            skipped=(
                Candidate("u-asha", SkipReason.INACTIVE),
                Candidate("u-ben", SkipReason.UNAVAILABLE),
            ),
        )
        assert ((expected,), None) == (decision.trace, decision.turn)


class TestAdmin:
    def test_round_robin_in_users_order(self):
        """Admins take turns in the order of the users mapping."""
        users = {
            "u-zed": User(id="u-zed", name="Zed", admin=True),
            "u-asha": User(id="u-asha", name="Asha"),
            "u-meera": User(id="u-meera", name="Meera", admin=True),
        }
        picked = []
        turns: dict[str, TurnRecord] = {}
        for _ in range(3):
            decision = resolve(only(Admin()), desk(users=users, turns=turns))
            picked.append(decision.assignee)
            assert decision.turn is not None
            turns = {"admin": decision.turn}

        assert (["u-zed", "u-meera", "u-zed"], TurnRecord("admin", ("u-meera", "u-zed"))) == (
            picked,
            turns["admin"],
        )

    def test_skips_unavailable_admins(self):
        """Admins who cannot take the conversation are passed over with their reasons."""
        users = {
            **USERS,
            "u-ola": User(id="u-ola", name="Ola", admin=True, active=False),
            "u-raj": User(id="u-raj", name="Raj", admin=True),
        }

        decision = resolve(only(Admin()), desk(users=users, away=["u-meera"]))

        expected = (
            TraceStep(
                Admin(),
                user="u-raj",
                skipped=(
                    Candidate("u-meera", SkipReason.UNAVAILABLE),
                    Candidate("u-ola", SkipReason.INACTIVE),
                ),
            ),
        )
        assert expected == decision.trace

    def test_no_admin(self):
        """Without admins the target is skipped as no_member_available, passing over nobody."""
        users = with_user(u_meera={"admin": False})

        decision = resolve(only(Admin()), desk(users=users))

        assert (TraceStep(Admin(), reason=SkipReason.NO_MEMBER_AVAILABLE),) == decision.trace


class TestDecision:
    def test_unrouted(self):
        """When every target is skipped the decision is unrouted, tracing every target."""
        rule = RoutingRule(name="nobody", targets=(LeadOwner(), SpecificUser("u-gone")))

        decision = resolve(rule, desk())

        expected = Decision(
            rule=rule,
            trace=(
                TraceStep(LeadOwner(), reason=SkipReason.NO_OWNER),
                TraceStep(SpecificUser("u-gone"), "u-gone", SkipReason.UNKNOWN_USER),
            ),
        )
        assert (expected, False) == (decision, decision.routed)

    def test_rule_without_targets(self):
        """A rule without targets is unrouted with an empty trace."""
        rule = RoutingRule(name="empty", targets=())

        assert Decision(rule=rule) == resolve(rule, desk())

    def test_stops_at_first_assignment(self):
        """Targets after the one that assigned are not tried."""
        rule = RoutingRule(name="two", targets=(SpecificUser("u-ben"), Admin()))

        decision = resolve(rule, desk())

        assert ((TraceStep(SpecificUser("u-ben"), user="u-ben"),), True) == (
            decision.trace,
            decision.routed,
        )

    def test_no_turn_for_single_users(self):
        """A decision that assigned without a round robin carries no turn record."""
        assert None is resolve(AI_DESK, desk()).turn

    def test_resolved_decision_is_like_one_built(self):
        """A resolved decision compares, hashes, prints and copies as one built by hand."""
        built = owner_away_decision()
        made = [lambda: resolve(AI_DESK, desk(away=["u-chen"])) for _ in range(7)]

        assert built == made[0]()
        assert hash(built) == hash(made[1]())
        assert repr(built) == repr(made[2]())
        assert attrs.asdict(built) == attrs.asdict(made[3]())
        assert built == attrs.evolve(made[4]())
        assert built == pickle.loads(pickle.dumps(made[5]()))  # noqa: S301 - bytes of our own
        assert built == copy.deepcopy(made[6]())

    def test_a_decision_is_its_fields(self):
        """A decision's attributes are its five fields; others raise AttributeError."""
        decision = resolve(AI_DESK, desk())

        assert ["rule", "assignee", "target", "trace", "turn"] == [
            field.name for field in attrs.fields(Decision)
        ]
        with pytest.raises(AttributeError, match="steps"):
            decision.steps  # noqa: B018 - the read is the test

    def test_a_step_unpacks(self):
        """A trace step unpacks as its target, user, reason and skipped members."""
        decision = resolve(AI_DESK, desk(away=["u-chen"]))

        (target, user, reason, skipped), _ = decision.trace

        assert (OpportunityOwner(), "u-chen", SkipReason.UNAVAILABLE, ()) == (
            target,
            user,
            reason,
            skipped,
        )
        assert "TraceStep(target=Admin(), user='u-a', reason=None, skipped=())" == repr(
            TraceStep(Admin(), "u-a")
        )

    def test_a_rule_evolved_is_walked_anew(self):
        """A rule evolved with other targets walks those, not the targets it was made from."""
        resolve(AI_DESK, desk())
        admin_only = attrs.evolve(AI_DESK, targets=(Admin(),))

        assert "u-meera" == resolve(admin_only, desk()).assignee

    def test_trace_values_are_the_trace(self):
        """A resolved decision's plain trace values are its steps."""
        decision = resolve(AI_DESK, desk(away=["u-chen", "u-ben"]))

        values = decision.trace_values()

        assert [(s.target, s.user, s.reason, s.skipped) for s in decision.trace] == values

    def test_trace_values_of_a_decision_built(self):
        """A decision built with a trace gives that trace's values."""
        built = owner_away_decision()

        assert [(s.target, s.user, s.reason, s.skipped) for s in built.trace] == (
            built.trace_values()
        )
        assert [] == Decision(rule=None).trace_values()

    def test_step_assigned(self):
        """A trace step tells whether it assigned."""
        decision = resolve(AI_DESK, desk(away=["u-chen"]))

        assert [False, True] == [step.assigned for step in decision.trace]


class TestAIDesk:
    def test_owner_available(self):
        """An AI enquiry goes to the opportunity's owner when they are available."""
        decision = resolve(AI_DESK, desk())

        assert ("u-chen", OpportunityOwner()) == (decision.assignee, decision.target)

    def test_owner_unavailable_goes_to_counsellors_in_turn(self):
        """With the owner away, AI enquiries go round the counsellors: Asha, Ben, Asha."""
        picked = []
        turns: dict[str, TurnRecord] = {}
        for _ in range(3):
            decision = resolve(AI_DESK, desk(away=["u-chen"], turns=turns))
            picked.append(decision.assignee)
            assert decision.turn is not None
            turns = {decision.turn.pool: decision.turn}

        assert ["u-asha", "u-ben", "u-asha"] == picked

    def test_owner_unavailable_trace(self):
        """The decision traces the owner skipped as unavailable, then the counsellor assigned."""
        decision = resolve(AI_DESK, desk(away=["u-chen"]))

        expected = owner_away_decision()
        assert expected == decision

    def test_no_counsellor_goes_to_admin(self):
        """With the owner and every counsellor away, the enquiry goes to the admin Meera."""
        decision = resolve(AI_DESK, desk(away=["u-chen", "u-asha", "u-ben"]))

        expected = Decision(
            rule=AI_DESK,
            assignee="u-meera",
            target=Admin(),
            trace=(
                TraceStep(OpportunityOwner(), user="u-chen", reason=SkipReason.UNAVAILABLE),
                TraceStep(
                    ChatGroupTarget("AI counsellors"),
                    reason=SkipReason.NO_MEMBER_AVAILABLE,
                    skipped=(
                        Candidate("u-asha", SkipReason.UNAVAILABLE),
                        Candidate("u-ben", SkipReason.UNAVAILABLE),
                    ),
                ),
                TraceStep(Admin(), user="u-meera"),
            ),
            turn=TurnRecord(pool="admin", assigned=("u-meera",)),
        )
        assert expected == decision

    def test_nobody_available(self):
        """With everybody away the enquiry is unrouted, every target traced."""
        decision = resolve(AI_DESK, desk(away=list(USERS)))

        assert (None, None, 3) == (decision.assignee, decision.target, len(decision.trace))


# Properties, each checked against an oracle written here from the design's
# rules, independently of the resolver.


@st.composite
def routing_cases(draw) -> tuple[RoutingRule, RoutingContext]:
    """
    A rule and a context that may name unknown users and unknown groups.
    """
    users = draw(user_directories(min_size=1))
    ghosts = draw(
        st.lists(names(), max_size=2, unique=True).filter(lambda ids: not {*ids} & {*users})
    )
    user_ids = [*users, *ghosts]
    groups = draw(group_directories(user_ids))
    ghost_groups = draw(st.lists(names(), max_size=1).filter(lambda gs: not {*gs} & {*groups}))
    rule = draw(routing_rules([*groups, *ghost_groups], user_ids))
    context = draw(routing_contexts(users, groups, owner_ids=user_ids))
    return rule, context


def oracle_available(context: RoutingContext, user_id: str) -> bool:
    snapshot = context.availability
    if user_id not in snapshot.users:
        return False
    user = snapshot.users[user_id]
    limit = user.max_open_conversations
    return (
        user_id not in snapshot.held_before
        and user.active
        and snapshot.presence.get(user_id) is not False
        and (
            snapshot.at is None
            or user.schedule not in snapshot.schedules
            or snapshot.schedules[user.schedule].is_open(snapshot.at)
        )
        and (limit is None or snapshot.open_conversations.get(user_id, 0) < limit)
    )


def oracle_candidates(target: Target, context: RoutingContext) -> tuple[str | None, list[str]]:
    """
    The pool a target takes turns in (or ``None``), and its candidates in turn order.
    """
    if isinstance(target, OpportunityOwner):
        owner = context.opportunity.owner if context.opportunity else None
        return None, [] if owner is None else [owner]
    if isinstance(target, LeadOwner):
        owner = context.lead.owner if context.lead else None
        return None, [] if owner is None else [owner]
    if isinstance(target, SpecificUser):
        return None, [target.user]
    if isinstance(target, Admin):
        pool = "admin"
        members = [user.id for user in context.availability.users.values() if user.admin]
    else:
        pool = f"chat_group:{target.group}"
        group = context.groups.get(target.group)
        members = list(dict.fromkeys(group.members)) if group else []
    record = context.turns.get(pool, TurnRecord(pool))
    last_turn = {member: turn for turn, member in enumerate(record.assigned)}
    return pool, sorted(members, key=lambda m: (last_turn.get(m, -1), members.index(m)))


def oracle_decision(rule: RoutingRule, context: RoutingContext) -> tuple[int, str | None]:
    """
    The index of the first target with an eligible candidate, and who it assigns.
    """
    for index, target in enumerate(rule.targets):
        _, candidates = oracle_candidates(target, context)
        eligible = [user for user in candidates if oracle_available(context, user)]
        if eligible:
            return index, eligible[0]
    return len(rule.targets), None


def snapshot_of(context: RoutingContext) -> tuple[dict, ...]:
    availability = context.availability
    return (
        dict(availability.users),
        dict(availability.presence),
        dict(availability.open_conversations),
        dict(context.groups),
        dict(context.turns),
    )


class TestProperties:
    @given(routing_cases())
    def test_first_target_with_an_eligible_candidate(self, case):
        """The assignee comes from the first target, in order, with an eligible candidate."""
        rule, context = case
        index, assignee = oracle_decision(rule, context)

        decision = resolve(rule, context)

        assert assignee == decision.assignee
        assert len(rule.targets[: index + 1]) == len(decision.trace)
        assert list(rule.targets[: index + 1]) == [step.target for step in decision.trace]
        assert [True] * index == [step.reason is not None for step in decision.trace[:index]]
        if assignee is not None:
            assert rule.targets[index] == decision.target

    @given(routing_cases())
    def test_only_available_users_assigned(self, case):
        """Nobody unavailable, inactive, unknown or at capacity is ever assigned."""
        rule, context = case

        decision = resolve(rule, context)

        assert decision.assignee is None or oracle_available(context, decision.assignee)

    @given(routing_cases())
    def test_skipped_candidates_unavailable(self, case):
        """Every member passed over, and every user a skipped step names, is unavailable."""
        rule, context = case

        decision = resolve(rule, context)

        passed_over = [c.user for step in decision.trace for c in step.skipped]
        passed_over += [step.user for step in decision.trace if step.user and not step.assigned]
        assert [False] * len(passed_over) == [oracle_available(context, u) for u in passed_over]

    @given(routing_cases())
    def test_turn_recorded_for_round_robin_only(self, case):
        """A decision carries the new turn record of the pool that picked, and only then."""
        rule, context = case

        decision = resolve(rule, context)

        pool = None if decision.target is None else oracle_candidates(decision.target, context)[0]
        expected = None if pool is None else (pool, decision.assignee)
        actual = None if decision.turn is None else (decision.turn.pool, decision.turn.assigned[-1])
        assert expected == actual

    @given(routing_cases())
    def test_trace_values_match_the_trace(self, case):
        """The plain trace values of any decision are its trace's steps, in order."""
        rule, context = case

        decision = resolve(rule, context)

        values = decision.trace_values()
        assert [(s.target, s.user, s.reason, s.skipped) for s in decision.trace] == values

    @given(routing_cases())
    def test_pure(self, case):
        """Resolving changes nothing it is given and always decides the same."""
        rule, context = case
        before = snapshot_of(context)

        first = resolve(rule, context)
        second = resolve(rule, context)
        third = resolve(attrs.evolve(rule), attrs.evolve(context))

        assert (before, first, first) == (snapshot_of(context), second, third)

    @given(st.lists(names(), min_size=1, max_size=5, unique=True), st.integers(1, 4), st.data())
    def test_fair_shares_through_decisions(self, members, rounds, data):
        """Feeding each decision's turn back, n times k conversations give k members n each."""
        users = {member: User(id=member, name=member) for member in members}
        group = ChatGroup(name="team", members=members)
        rule = only(ChatGroupTarget("team"))
        turns = {}
        record = data.draw(st.none() | turn_records("chat_group:team", members))
        if record is not None:
            turns[record.pool] = record
        picked = []

        for _ in range(rounds * len(members)):
            context = RoutingContext(Availability(users), groups={"team": group}, turns=turns)
            decision = resolve(rule, context)
            picked.append(decision.assignee)
            assert decision.turn is not None
            turns = {decision.turn.pool: decision.turn}

        assert dict.fromkeys(members, rounds) == {m: picked.count(m) for m in members}

    @given(user_directories(min_size=1), st.integers(1, 3))
    def test_admins_fair_shares(self, users, rounds):
        """With every admin available, the admins share n times k conversations n each."""
        users = {
            user_id: attrs.evolve(user, active=True, max_open_conversations=None)
            for user_id, user in users.items()
        }
        admins = [user.id for user in users.values() if user.admin]
        turns: dict[str, TurnRecord] = {}
        picked = []

        for _ in range(rounds * len(admins)):
            decision = resolve(only(Admin()), RoutingContext(Availability(users), turns=turns))
            picked.append(decision.assignee)
            assert decision.turn is not None
            turns = {"admin": decision.turn}

        assert dict.fromkeys(admins, rounds) == {a: picked.count(a) for a in admins}
