"""
Which of a lead's opportunities a conversation is about, with menus and without.
"""

import datetime as dt

import attrs

from convroute.engine import (
    Assign,
    CloseConversation,
    CreateOpportunity,
    Engine,
    IncomingMessage,
    Snapshot,
)
from convroute.menus import OptionKind, Product, option_id
from convroute.model import Opportunity, Phone
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
NEXT_DAY = 24 * 60 + 30
COURSE = "Postgraduate Course"
AI, DS = CONFIG.numbers[0].products
TECH = Product(
    label="Tech", opportunity_type=COURSE, rule="DS desk", field="Course", values=["AI", "Robotics"]
)


def message(ident: str, minutes: float = 0, **kwargs: object) -> IncomingMessage:
    return IncomingMessage(
        id=ident,
        at=AT + dt.timedelta(minutes=minutes),
        lead=LEAD,
        number=NUMBER,
        **kwargs,  # type: ignore[arg-type]
    )


def kinds(outcome) -> list[str]:
    return [action.to_json()["type"] for action in outcome.actions]


def with_number(**changes: object) -> State:
    number = attrs.evolve(CONFIG.numbers[0], **changes)
    return State(Engine.from_config(attrs.evolve(CONFIG, numbers=[number])))


def without_menus(**changes: object) -> State:
    return with_number(first_response=None, second_response=None, **changes)


def close(state: State, minutes: float) -> None:
    event = CloseConversation(
        id=f"close.{minutes}", at=AT + dt.timedelta(minutes=minutes), lead=LEAD, number=NUMBER
    )
    state.run(event, Snapshot(conversation=state.conversations[LEAD, NUMBER]), event.at)


def enquiry(ident: str, owner: str | None, day: int, **fields: str) -> Opportunity:
    return Opportunity(
        id=ident,
        type=COURSE,
        name=f"PG {ident}",
        fields=fields,
        owner=owner,
        updated_at=dt.datetime(2026, 10, day, tzinfo=dt.UTC),
    )


def routed(outcome) -> tuple[str, str | None, str, str]:
    (assigned,) = outcome.actions
    assert isinstance(assigned, Assign)
    return (assigned.rule, assigned.opportunity, assigned.user, assigned.target)


class TestWithoutMenus:
    def test_the_created_opportunity_goes_to_its_owner_next_time(self):
        """The opportunity created on the first conversation is routed to its owner on the next."""
        state = without_menus()
        first = state.message(message("wamid.1", text="Hi"))
        created = first.actions[0]
        assert isinstance(created, CreateOpportunity)
        assert {} == dict(created.fields)
        close(state, 1)

        outcome = state.message(message("wamid.2", NEXT_DAY, text="Hello again"))

        assert ("AI desk", created.id, "u-asha", "opportunity_owner") == routed(outcome)
        assert [created.id] == list(state.opportunities[LEAD])

    def test_an_unset_field_takes_the_first_matching_product_in_config_order(self):
        """An enquiry without a Course matches every product: the first one's rule routes it."""
        state = without_menus(products=[DS, AI])
        state.opportunities[LEAD] = {"o1": enquiry("o1", "u-ben", 1)}

        outcome = state.message(message("wamid.1", text="Hi"))

        assert ("DS desk", "o1", "u-ben", "opportunity_owner") == routed(outcome)

    def test_a_blank_field_is_unset(self):
        """A field the CRM sends blank matches like a missing one."""
        state = without_menus()
        state.opportunities[LEAD] = {"o1": enquiry("o1", "u-ben", 1, Course="")}

        assert ("AI desk", "o1", "u-ben", "opportunity_owner") == routed(
            state.message(message("wamid.1", text="Hi"))
        )

    def test_another_value_does_not_match(self):
        """An enquiry about Robotics is no product's: a new one is created."""
        state = without_menus()
        state.opportunities[LEAD] = {"o1": enquiry("o1", "u-ben", 1, Course="Robotics")}

        assert ["create_opportunity", "assign"] == kinds(
            state.message(message("wamid.1", text="Hi"))
        )

    def test_the_most_recent_match_is_routed(self):
        """Of the matching enquiries, the most recent is routed, with its product's rule."""
        state = without_menus()
        state.opportunities[LEAD] = {
            "o1": enquiry("o1", "u-asha", 5, Course="AI"),
            "o2": enquiry("o2", "u-chen", 7),
            "o3": enquiry("o3", "u-ben", 9, Course="Robotics"),
        }

        assert ("AI desk", "o2", "u-chen", "opportunity_owner") == routed(
            state.message(message("wamid.1", text="Hi"))
        )

    def test_a_number_without_products_matches_its_default_type(self):
        """Without products, one of the default type is found; create_new_rule routes it."""
        state = without_menus(products=[])
        state.opportunities[LEAD] = {
            "o1": enquiry("o1", "u-chen", 1, Course="Robotics"),
            "o2": attrs.evolve(enquiry("o2", "u-ben", 3), type="Loan"),
        }

        assert ("AI desk", "o1", "u-chen", "opportunity_owner") == routed(
            state.message(message("wamid.1", text="Hi"))
        )

    def test_a_number_without_products_finds_what_it_created(self):
        """With no products, the opportunity created first goes to its owner next time."""
        state = without_menus(products=[])
        created = state.message(message("wamid.1", text="Hi")).actions[0]
        close(state, 1)

        outcome = state.message(message("wamid.2", NEXT_DAY, text="Hello again"))

        assert ("AI desk", created.id, "u-asha", "opportunity_owner") == routed(outcome)

    def test_a_several_values_product_finds_what_was_created(self):
        """A product of several values: the opportunity created without menus is found by it."""
        state = without_menus(products=[TECH])
        created = state.message(message("wamid.1", text="Hi")).actions[0]
        close(state, 1)

        outcome = state.message(message("wamid.2", NEXT_DAY, text="Hello again"))

        assert ("DS desk", created.id, "u-asha", "opportunity_owner") == routed(outcome)

    def test_a_default_type_no_product_has_finds_what_was_created(self):
        """Created of a type no product has, the opportunity is found by that type next time."""
        state = without_menus(default_opportunity_type="Short Course")
        created = state.message(message("wamid.1", text="Hi")).actions[0]
        close(state, 1)

        outcome = state.message(message("wamid.2", NEXT_DAY, text="Hello again"))

        assert ("AI desk", created.id, "u-asha", "opportunity_owner") == routed(outcome)
        assert [created.id] == list(state.opportunities[LEAD])


class TestWithMenus:
    def test_a_several_values_product_finds_its_own_opportunity(self):
        """A choice of a several-values product finds the opportunity the last choice created."""
        state = with_number(products=[TECH, DS])
        tech = option_id(OptionKind.PRODUCT, "Tech")
        state.message(message("wamid.1", text="Hi"))
        first = state.message(message("wamid.2", 1, reply_id=tech))
        created = first.actions[0]
        assert isinstance(created, CreateOpportunity)
        assert {} == dict(created.fields)
        close(state, 2)

        state.message(message("wamid.3", NEXT_DAY, text="Hi"))
        outcome = state.message(message("wamid.4", NEXT_DAY + 1, reply_id=tech))

        assert ("DS desk", created.id, "u-chen", "opportunity_owner") == routed(outcome)
        assert [created.id] == list(state.opportunities[LEAD])

    def test_an_unset_field_is_offered_for_every_product_of_its_type(self):
        """An enquiry without a Course is one of the AI enquiries in the second menu."""
        state = with_number()
        state.opportunities[LEAD] = {
            "o1": enquiry("o1", "u-asha", 1, Course="AI"),
            "o2": enquiry("o2", "u-chen", 3),
            "o3": enquiry("o3", "u-ben", 5, Course="Data Science"),
        }
        state.message(message("wamid.1", text="Hi"))
        (sent,) = state.message(
            message("wamid.2", 1, reply_id=option_id(OptionKind.PRODUCT, "AI"))
        ).actions

        rows = sent.message["interactive"]["action"]["sections"][0]["rows"]
        assert ["PG o2", "PG o1", "A new enquiry"] == [row["title"] for row in rows]
