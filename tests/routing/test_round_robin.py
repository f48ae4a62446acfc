import itertools

from collections.abc import Sequence

from hypothesis import assume, given
from hypothesis import strategies as st

from convroute.model import User
from convroute.routing import (
    Availability,
    Candidate,
    RoundRobinPick,
    SkipReason,
    TurnRecord,
    round_robin,
)
from strategies import names, turn_records


POOL = "chat_group:AI counsellors"
MEMBERS = ("u-asha", "u-ben", "u-chen")


def everyone(*user_ids: str, away: Sequence[str] = ()) -> Availability:
    """
    A snapshot in which *user_ids* are known and active, and *away* are away.
    """
    return Availability(
        users={user_id: User(id=user_id, name=user_id) for user_id in user_ids},
        presence=dict.fromkeys(away, False),
    )


def picks(
    members: Sequence[str], availability: Availability, record: TurnRecord, count: int
) -> tuple[list[str | None], TurnRecord]:
    """
    Pick *count* times in a row, storing each new record as a caller would.
    """
    picked = []
    for _ in range(count):
        pick = round_robin(members, availability, record)
        picked.append(pick.user)
        record = pick.record
    return picked, record


def longest_waiting(members: Sequence[str], available: set[str], last_turn: dict[str, int]):
    """
    The available member who waited longest, worked out from each member's last turn.

    Members without a last turn waited longest of all, in listed order.
    """
    candidates = [member for member in members if member in available]
    if not candidates:
        return None
    return min(candidates, key=lambda member: (last_turn.get(member, -1), members.index(member)))


def last_turns(record: TurnRecord) -> dict[str, int]:
    return {member: turn for turn, member in enumerate(record.assigned)}


member_lists = st.lists(names(), min_size=1, max_size=5, unique=True)


class TestOrder:
    def test_first_turns_in_listed_order(self):
        """The first turns of a pool go round the members in their listed order."""
        picked, _ = picks(MEMBERS, everyone(*MEMBERS), TurnRecord(pool=POOL), 3)

        assert ["u-asha", "u-ben", "u-chen"] == picked

    def test_goes_round_again(self):
        """After every member had a turn, the turns go round again in the same order."""
        picked, _ = picks(MEMBERS, everyone(*MEMBERS), TurnRecord(pool=POOL), 7)

        assert [*MEMBERS, *MEMBERS, "u-asha"] == picked

    def test_least_recently_assigned(self):
        """The member assigned least recently goes next."""
        record = TurnRecord(pool=POOL, assigned=("u-chen", "u-asha", "u-ben"))

        assert "u-chen" == round_robin(MEMBERS, everyone(*MEMBERS), record).user

    def test_never_assigned_first(self):
        """A member never assigned from the pool goes before those who were."""
        record = TurnRecord(pool=POOL, assigned=("u-chen", "u-asha"))

        assert "u-ben" == round_robin(MEMBERS, everyone(*MEMBERS), record).user

    def test_never_assigned_in_listed_order(self):
        """Members never assigned go in their listed order, whatever the record holds."""
        record = TurnRecord(pool=POOL, assigned=("u-ben",))

        picked, _ = picks(MEMBERS, everyone(*MEMBERS), record, 2)

        assert ["u-asha", "u-chen"] == picked

    def test_record_moves_the_pick_last(self):
        """The new record lists the picked member as the most recently assigned."""
        record = TurnRecord(pool=POOL, assigned=("u-asha", "u-ben", "u-chen"))

        pick = round_robin(MEMBERS, everyone(*MEMBERS), record)

        assert TurnRecord(pool=POOL, assigned=("u-ben", "u-chen", "u-asha")) == pick.record

    def test_first_record(self):
        """The first pick of a pool starts its record with the member picked."""
        pick = round_robin(MEMBERS, everyone(*MEMBERS), TurnRecord(pool=POOL))

        assert RoundRobinPick("u-asha", TurnRecord(pool=POOL, assigned=("u-asha",)), ()) == pick

    def test_member_listed_twice(self):
        """A member listed twice takes turns as if listed once, at their first place."""
        members = ("u-asha", "u-ben", "u-asha")

        picked, _ = picks(members, everyone(*MEMBERS), TurnRecord(pool=POOL), 4)

        assert ["u-asha", "u-ben", "u-asha", "u-ben"] == picked


class TestAvailability:
    def test_skips_unavailable(self):
        """Members who cannot take the conversation are passed over, with their reasons."""
        availability = Availability(
            users={
                "u-asha": User(id="u-asha", name="Asha", active=False),
                "u-chen": User(id="u-chen", name="Chen"),
            }
        )

        pick = round_robin(MEMBERS, availability, TurnRecord(pool=POOL))

        expected = RoundRobinPick(
            user="u-chen",
            record=TurnRecord(pool=POOL, assigned=("u-chen",)),
            skipped=(
                Candidate("u-asha", SkipReason.INACTIVE),
                Candidate("u-ben", SkipReason.UNKNOWN_USER),
            ),
        )
        assert expected == pick

    def test_skipped_in_turn_order(self):
        """Members passed over are listed in the order their turns came."""
        record = TurnRecord(pool=POOL, assigned=("u-chen", "u-asha", "u-ben"))
        availability = everyone(*MEMBERS, away=("u-chen", "u-asha"))

        pick = round_robin(MEMBERS, availability, record)

        expected = (
            Candidate("u-chen", SkipReason.UNAVAILABLE),
            Candidate("u-asha", SkipReason.UNAVAILABLE),
        )
        assert ("u-ben", expected) == (pick.user, pick.skipped)

    def test_offline_member_keeps_their_turn(self):
        """A member away when their turn came is picked first once back."""
        record = TurnRecord(pool=POOL)
        _, record = picks(MEMBERS, everyone(*MEMBERS), record, 3)

        picked_while_away, record = picks(MEMBERS, everyone(*MEMBERS, away=["u-asha"]), record, 3)
        picked_once_back, _ = picks(MEMBERS, everyone(*MEMBERS), record, 3)

        assert (["u-ben", "u-chen", "u-ben"], ["u-asha", "u-chen", "u-ben"]) == (
            picked_while_away,
            picked_once_back,
        )

    def test_removed_member_ignored(self):
        """A member removed from the pool is never picked and does not hold up the others."""
        record = TurnRecord(pool=POOL, assigned=("u-dev", "u-ben", "u-asha"))
        availability = everyone(*MEMBERS, "u-dev")

        picked, _ = picks(("u-asha", "u-ben"), availability, record, 3)

        assert ["u-ben", "u-asha", "u-ben"] == picked

    def test_nobody_available(self):
        """When nobody can take the conversation, nobody is picked and the record is unchanged."""
        record = TurnRecord(pool=POOL, assigned=("u-ben", "u-asha"))
        availability = everyone("u-asha", "u-ben", away=["u-asha", "u-ben"])

        pick = round_robin(MEMBERS, availability, record)

        expected = RoundRobinPick(
            user=None,
            record=record,
            skipped=(
                Candidate("u-chen", SkipReason.UNKNOWN_USER),
                Candidate("u-ben", SkipReason.UNAVAILABLE),
                Candidate("u-asha", SkipReason.UNAVAILABLE),
            ),
        )
        assert expected == pick

    def test_no_members(self):
        """A pool without members picks nobody and passes over nobody."""
        record = TurnRecord(pool=POOL)

        assert RoundRobinPick(None, record, ()) == round_robin((), everyone(*MEMBERS), record)


class TestProperties:
    @given(member_lists, st.integers(1, 4), st.data())
    def test_fair_shares(self, members, rounds, data):
        """With every member available, n times k turns over k members give each exactly n."""
        record = data.draw(turn_records(POOL, members))

        picked, _ = picks(members, everyone(*members), record, rounds * len(members))

        assert dict.fromkeys(members, rounds) == {
            member: picked.count(member) for member in members
        }

    @given(member_lists, st.integers(1, 6), st.data())
    def test_back_member_goes_next(self, members, time_away, data):
        """The member who waited longest, once back from being away, is picked next."""
        assume(len(members) > 1)
        record = data.draw(turn_records(POOL, members))
        waited_longest = longest_waiting(members, set(members), last_turns(record))

        picked_while_away, record = picks(
            members, everyone(*members, away=[waited_longest]), record, time_away
        )
        picked_once_back, _ = picks(members, everyone(*members), record, 1)

        assert (False, [waited_longest]) == (waited_longest in picked_while_away, picked_once_back)

    @given(member_lists, st.data())
    def test_matches_longest_waiting(self, members, data):
        """Over any run of snapshots, each pick is the available member who waited longest."""
        record = data.draw(turn_records(POOL, members))
        last_turn = last_turns(record)
        clock = len(record.assigned)
        runs = data.draw(st.lists(st.sets(st.sampled_from(members)), max_size=12))

        for available in runs:
            availability = everyone(*members, away=[m for m in members if m not in available])
            pick = round_robin(members, availability, record)

            assert longest_waiting(members, available, last_turn) == pick.user
            if pick.user is not None:
                last_turn[pick.user] = clock
                clock += 1
            record = pick.record

    @given(member_lists, st.data())
    def test_skipped_are_the_away_whose_turn_came_first(self, members, data):
        """The members passed over are exactly the away ones whose turn came before the pick."""
        record = data.draw(turn_records(POOL, members))
        away = data.draw(st.sets(st.sampled_from(members)))
        last_turn = last_turns(record)
        turn_order = sorted(members, key=lambda m: (last_turn.get(m, -1), members.index(m)))
        before_pick = list(itertools.takewhile(lambda member: member in away, turn_order))

        pick = round_robin(members, everyone(*members, away=sorted(away)), record)

        expected = [Candidate(member, SkipReason.UNAVAILABLE) for member in before_pick]
        assert expected == list(pick.skipped)

    @given(member_lists, st.data())
    def test_pool_kept(self, members, data):
        """The new record belongs to the same pool and lists each member at most once."""
        record = data.draw(turn_records(POOL, members))

        pick = round_robin(members, everyone(*members), record)

        assert (POOL, True) == (
            pick.record.pool,
            len(set(pick.record.assigned)) == len(pick.record.assigned),
        )
