"""
The store contract for values: whatever is saved comes back equal, on both stores.
"""

import contextlib
import datetime as dt

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convroute.adapters import SQLiteStore
from convroute.menus import build_first_response, build_second_response
from convroute.state import Conversation, ConversationStatus, OutboxItem, OutboxStatus
from convroute.testing import MemoryStore
from funnel_strategies import aware_datetimes, funnel_records
from menu_strategies import conversations, menu_numbers
from strategies import leads, names, phones, turn_records, users


# The stores are shared by the examples of a property on purpose: each
# example rolls its unit back (see round_trip).
SHARED_FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def first_menus():
    return st.tuples(menu_numbers(), leads([])).map(lambda drawn: build_first_response(*drawn))


@st.composite
def second_menus(draw):
    number = draw(menu_numbers())
    product, lead, opportunities, owners = draw(conversations(number))
    return build_second_response(number, product, lead, opportunities, owners)


@st.composite
def stored_conversations(draw):
    """A conversation in any state, often with a pending menu, datetimes in any offset."""
    menu = draw(st.none() | first_menus() | second_menus())
    return Conversation(
        lead=draw(phones()),
        number=draw(phones()),
        status=draw(st.sampled_from(ConversationStatus)),
        last_message_at=draw(aware_datetimes()),
        menu=menu,
        menu_sent_at=None if menu is None else draw(aware_datetimes()),
        product=draw(st.none() | names()),
        reprompts=draw(st.integers(0, 3)),
        assignee=draw(st.none() | names()),
        opportunity=draw(st.none() | names()),
        rule=draw(st.none() | names()),
        waiting_since=draw(st.none() | aware_datetimes()),
        away_message_sent=draw(st.booleans()),
        assigned_at=draw(st.none() | aware_datetimes()),
        reply_awaited_since=draw(st.none() | aware_datetimes()),
        last_incoming_at=draw(st.none() | aware_datetimes()),
        held_before=draw(st.lists(names(), max_size=3).map(tuple)),
        reassignments=draw(st.integers(0, 5)),
        due_at=draw(st.none() | aware_datetimes()),
    )


def json_values():
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=10,
    )


outbox_items = st.builds(
    OutboxItem,
    id=names(),
    event=names(),
    type=st.sampled_from(["send", "assign", "unrouted", "meta_event"]),
    body=st.dictionaries(st.text(), json_values(), max_size=4),
    created_at=aware_datetimes(),
    status=st.sampled_from(OutboxStatus),
    attempts=st.integers(0, 5),
    last_error=st.none() | st.text(),
    claimed_until=st.none() | aware_datetimes(),
    lead=st.none() | phones(),
)


class DiscardError(Exception):
    pass


@pytest.fixture
def stores(tmp_path):
    """One store of each kind, shared by the examples of a property (each rolls back)."""
    with SQLiteStore(tmp_path / "values.db") as sqlite:
        yield {"memory": MemoryStore(), "sqlite": sqlite}


def round_trip(stores, save, read):
    """
    What read(uow) gives after save(uow), in a unit of each store.

    The unit is rolled back, so that the next example finds the stores empty;
    SQLite still writes every value through the codec and reads it back.
    """
    found = {}
    for kind, store in stores.items():
        with contextlib.suppress(DiscardError), store.unit_of_work() as uow:
            save(uow)
            found[kind] = read(uow)
            raise DiscardError
    return found


def on_both(value):
    return {"memory": value, "sqlite": value}


class TestValuesRoundTrip:
    @SHARED_FIXTURE
    @given(conversation=stored_conversations())
    def test_conversations_with_menus(self, stores, conversation):
        """A conversation, pending menu and all, comes back equal."""
        found = round_trip(
            stores,
            lambda uow: uow.conversations.save(conversation),
            lambda uow: uow.conversations.get(conversation.lead, conversation.number),
        )

        assert on_both(conversation) == found

    @SHARED_FIXTURE
    @given(drawn=menu_numbers().flatmap(conversations))
    def test_leads_opportunities_and_users(self, stores, drawn):
        """A lead, its opportunities (naive, aware or no update times), users come back equal."""
        _, lead, opportunities, owners = drawn

        def save(uow):
            uow.leads.save(lead)
            for opportunity in opportunities:
                uow.opportunities.save(lead.phone, opportunity)
            for owner in owners.values():
                uow.users.save(owner)

        def read(uow):
            stored = uow.opportunities.for_lead(lead.phone)
            return uow.leads.get(lead.phone), list(stored), dict(uow.users.all())

        # Ids may repeat: a re-save replaces the value and keeps the place.
        kept = list({opportunity.id: opportunity for opportunity in opportunities}.values())
        assert on_both((lead, kept, owners)) == round_trip(stores, save, read)

    @SHARED_FIXTURE
    @given(drawn=funnel_records())
    def test_funnel_records(self, stores, drawn):
        """Funnel records come back equal, each lead's in the order they were added."""
        _, records = drawn

        def save(uow):
            for record in records:
                uow.funnel_records.add(record)

        def read(uow):
            by_lead = {lead: list(uow.funnel_records.for_lead(lead)) for lead in leads_of}
            return by_lead, sorted(uow.funnel_records.scan(), key=repr)

        leads_of = {record.lead for record in records}
        expected = {lead: [r for r in records if r.lead == lead] for lead in leads_of}
        assert on_both((expected, sorted(records, key=repr))) == round_trip(stores, save, read)

    @SHARED_FIXTURE
    @given(drawn=st.lists(outbox_items, max_size=6, unique_by=lambda item: item.id))
    def test_outbox_items(self, stores, drawn):
        """Outbox items come back equal, oldest first, ties in insertion order."""
        found = round_trip(
            stores, lambda uow: uow.outbox.add(drawn), lambda uow: list(uow.outbox.items())
        )

        assert on_both(sorted(drawn, key=lambda item: item.created_at)) == found

    @SHARED_FIXTURE
    @given(
        records=st.lists(
            st.sampled_from(["admin", "chat_group:AI", "chat_group:Loans"]).flatmap(
                lambda pool: turn_records(pool, ["u-asha", "u-ravi", "u-meera"])
            ),
            max_size=4,
        ),
        presence=st.dictionaries(names(), st.booleans(), max_size=4),
        people=st.lists(users(), max_size=4),
    )
    def test_turns_users_and_presence(self, stores, records, presence, people):
        """The latest turn record of each pool, user and presence come back equal."""

        def save(uow):
            for record in records:
                uow.turns.save(record)
            for user in people:
                uow.users.save(user)
            for user, available in presence.items():
                uow.users.set_presence(user, available)

        def read(uow):
            return dict(uow.turns.all()), dict(uow.users.all()), dict(uow.users.presence())

        expected = (
            {record.pool: record for record in records},
            {user.id: user for user in people},
            presence,
        )
        assert on_both(expected) == round_trip(stores, save, read)


class TestOffsets:
    def test_datetimes_keep_their_offset(self, store):
        """A datetime comes back in the offset it was saved with, not only the same instant."""
        ist = dt.timezone(dt.timedelta(hours=5, minutes=30))
        at = dt.datetime(2026, 11, 2, 14, 30, tzinfo=ist)
        conversation = Conversation(
            lead="919800000001", number="918040001234", status="assigned", last_message_at=at
        )
        with store.unit_of_work() as uow:
            uow.conversations.save(conversation)
        with store.unit_of_work() as uow:
            stored = uow.conversations.get(conversation.lead, conversation.number)

        assert dt.timedelta(hours=5, minutes=30) == stored.last_message_at.utcoffset()
