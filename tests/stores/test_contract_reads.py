"""
The store contract for reads inside a unit: each read gives what the unit has written so far.

PostgreSQL reads a lead's whole state, and every user's, at once, and answers the unit's later
reads from what it read; told that a lead's state, or the users' open conversations, are read
next, it reads them with the unit's next round trip, whatever that asks; and it gives a unit the
users it read in an earlier unit when nothing changed them since: these properties check that,
whatever the order of hints, reads and writes, every store answers as the in-memory store does.
"""

import contextlib
import datetime as dt

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convroute.funnel import Cause, Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.state import Conversation, ConversationStatus
from convroute.testing import MemoryStore


# The store is shared by the examples on purpose: each example rolls its unit back.
SHARED_FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEADS = (Phone("919800000001"), Phone("919800000002"))
NUMBERS = (Phone("918040001234"), Phone("918040005678"))
USERS = ("u-asha", "u-ravi")


class UndoError(Exception):
    """Raised at the end of an example's unit, so that it is rolled back."""


def _prefetch(uow, lead):
    """The service's hint that the lead's state is read next, where the store takes it."""
    hint = getattr(uow, "prefetch_lead", None)
    if hint is not None:
        hint(lead)


def _prefetch_counts(uow, users, since):
    """The service's hint that the users' open conversations are counted next."""
    hint = getattr(uow, "prefetch_open_counts", None)
    if hint is not None:
        hint(users, since)


def _readers():
    readers = []
    for lead in LEADS:
        readers += [
            lambda uow, lead=lead: _prefetch(uow, lead),
            lambda uow, lead=lead: uow.leads.get(lead),
            lambda uow, lead=lead: uow.opportunities.for_lead(lead),
            lambda uow, lead=lead: uow.conversations.for_lead(lead),
            lambda uow, lead=lead: uow.funnel_records.for_lead(lead),
        ]
        readers += [
            lambda uow, lead=lead, number=number: uow.conversations.get(lead, number)
            for number in NUMBERS
        ]
    readers += [
        lambda uow: dict(uow.users.all()),
        lambda uow: dict(uow.users.presence()),
        lambda uow: dict(uow.users.away_since()),
        # A pool's turn: a round trip, which a hint's counts go with.
        lambda uow: uow.turns.get("chat_group:AI"),
    ]
    for users, since in ((USERS, T0), (USERS[:1], T0 + dt.timedelta(minutes=3))):
        readers += [
            lambda uow, users=users, since=since: _prefetch_counts(uow, users, since),
            lambda uow, users=users, since=since: dict(uow.conversations.open_counts(users, since)),
        ]
    return readers


READERS = _readers()


def _opportunity_id(lead, key):
    return f"opp-{lead[-1]}-{key}"


def _record(lead, key):
    return Transition(
        id=f"t-{lead[-1]}-{key}",
        lead=lead,
        funnel="Sales",
        from_stage=None,
        to_stage="Enquiry",
        at=T0,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBERS[0],
    )


def _conversation(lead, number, assignee, minutes):
    return Conversation(
        lead=lead,
        number=number,
        status=ConversationStatus.ASSIGNED,
        assignee=assignee,
        last_message_at=T0 + dt.timedelta(minutes=minutes),
    )


leads = st.sampled_from(LEADS)
keys = st.integers(1, 3)

WRITES = st.one_of(
    st.builds(
        lambda lead, name: lambda uow: uow.leads.save(Lead(phone=lead, name=name)),
        leads,
        st.sampled_from(("Ravi", "Asha")),
    ),
    st.builds(
        lambda lead, key, name: (
            lambda uow: uow.opportunities.save(
                lead, Opportunity(id=_opportunity_id(lead, key), type="Course", name=name)
            )
        ),
        leads,
        keys,
        st.sampled_from(("PG AI", "MBA")),
    ),
    st.builds(
        lambda lead, key: lambda uow: uow.opportunities.remove(lead, _opportunity_id(lead, key)),
        leads,
        keys,
    ),
    st.builds(
        lambda lead, number, assignee, minutes: (
            lambda uow: uow.conversations.save(_conversation(lead, number, assignee, minutes))
        ),
        leads,
        st.sampled_from(NUMBERS),
        st.sampled_from(USERS),
        st.integers(0, 5),
    ),
    st.builds(
        lambda lead, key: lambda uow: uow.funnel_records.add(_record(lead, key)), leads, keys
    ),
    st.builds(
        lambda lead, key: lambda uow: uow.funnel_records.remove([_record(lead, key).id]),
        leads,
        keys,
    ),
    st.builds(
        lambda user, name: lambda uow: uow.users.save(User(id=user, name=name)),
        st.sampled_from(USERS),
        st.sampled_from(("Asha", "Ravi")),
    ),
    st.builds(
        lambda user, available: lambda uow: uow.users.set_presence(user, available),
        st.sampled_from(USERS),
        st.booleans(),
    ),
    st.builds(
        lambda user, since: lambda uow: uow.users.set_away_since(user, since),
        st.sampled_from(USERS),
        st.sampled_from((None, T0)),
    ),
)

# Each step: a write or none, then some reads in any order.
STEPS = st.lists(
    st.tuples(
        st.none() | WRITES,
        st.lists(st.sampled_from(range(len(READERS))), min_size=1, max_size=6),
    ),
    max_size=8,
)


def observed(store, before, steps):
    """What the reads of *steps* gave, in one unit after *before*'s writes; nothing is kept."""
    seen = []
    with contextlib.suppress(UndoError), store.unit_of_work() as uow:
        for write in before:
            write(uow)
        for write, reads in steps:
            if write is not None:
                write(uow)
            seen.append([READERS[index](uow) for index in reads])
        raise UndoError
    return seen


def committed(store, writes):
    """Every read of a new unit after one unit of *writes* committed; the leads' rows go after."""
    with store.unit_of_work() as uow:
        for write in writes:
            write(uow)
    try:
        with store.unit_of_work() as uow:
            return [reader(uow) for reader in READERS]
    finally:
        with store.unit_of_work() as uow:
            for lead in LEADS:
                uow.conversations.remove_for_lead(lead)
                for opportunity in uow.opportunities.for_lead(lead):
                    uow.opportunities.remove(lead, opportunity.id)
                uow.funnel_records.remove([one.id for one in uow.funnel_records.for_lead(lead)])
                uow.leads.remove(lead)
            for user in USERS:
                uow.users.set_away_since(user, None)


@pytest.fixture
def mirror():
    """An in-memory store shared by a test's examples, as the store under test is."""
    return MemoryStore()


class TestReadsWithinAUnit:
    """Every read gives the unit's own writes before it, whichever read came first."""

    @SHARED_FIXTURE
    @given(steps=STEPS)
    def test_reads_and_writes_in_any_order(self, store, steps):
        """Starting empty, every store's reads agree with the in-memory store's."""
        assert observed(MemoryStore(), [], steps) == observed(store, [], steps)

    @SHARED_FIXTURE
    @given(before=st.lists(WRITES, max_size=8), steps=STEPS)
    def test_reads_after_earlier_writes(self, store, before, steps):
        """After any writes earlier in the unit, the reads agree as well."""
        assert observed(MemoryStore(), before, steps) == observed(store, before, steps)


class TestWritesCommittedTogether:
    """A unit's writes, however many and in whatever order, are kept as they were made."""

    @SHARED_FIXTURE
    @given(writes=st.lists(WRITES, max_size=16))
    def test_a_unit_of_writes_then_every_read(self, store, mirror, writes):
        """What a later unit reads agrees with the in-memory store's, given the same history."""
        assert committed(mirror, writes) == committed(store, writes)
