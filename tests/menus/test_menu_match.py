"""
Which opportunities belong to a product, or to a number.
"""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from convroute.menus import (
    BusinessNumber,
    NumberMatch,
    Product,
    latest_match,
    matching_opportunities,
    opportunity_matches,
)
from convroute.model import Opportunity, OpportunityStatus


NUMBER = "918040001234"
AI = Product(label="AI", opportunity_type="Course", rule="AI desk", field="Subject", values=["AI"])
TECH = Product(
    label="Tech",
    opportunity_type="Course",
    rule="Tech desk",
    field="Subject",
    values=["AI", "Bots"],
)
ANY_COURSE = Product(label="Any", opportunity_type="Course", rule="Desk")


def course(ident, day=None, kind="Course", status="open", **fields):
    updated = None if day is None else dt.datetime(2026, 1, day, tzinfo=dt.UTC)
    return Opportunity(id=ident, type=kind, fields=fields, updated_at=updated, status=status)


class TestOpportunityMatches:
    def test_one_of_the_values_matches(self):
        """A value among the product's values matches."""
        assert [True, True, False] == [
            opportunity_matches(course("a", Subject="AI"), AI),
            opportunity_matches(course("b", Subject="Bots"), TECH),
            opportunity_matches(course("c", Subject="Bots"), AI),
        ]

    def test_an_unset_field_matches_any_product_of_its_type(self):
        """A missing or blank value may be any: it matches every product of the type."""
        unset = [course("a"), course("b", Subject=""), course("c", Level="MSc")]
        assert [True] * 6 == [opportunity_matches(o, p) for o in unset for p in (AI, TECH)]

    def test_the_type_must_be_the_same(self):
        """An opportunity of another type never matches, with or without the field."""
        assert [False, False, False] == [
            opportunity_matches(course("a", kind="Loan"), AI),
            opportunity_matches(course("b", kind="Loan", Subject="AI"), AI),
            opportunity_matches(course("c", kind="Loan"), ANY_COURSE),
        ]

    def test_a_product_without_field_takes_the_whole_type(self):
        """A product without a field matches every opportunity of its type."""
        assert opportunity_matches(course("a", Subject="Bots"), ANY_COURSE)

    def test_closed_ones_never_match(self):
        """A won or lost opportunity matches no product, however well it fits."""
        assert [False, False, True] == [
            opportunity_matches(course(status, status=status, Subject="AI"), AI)
            for status in ("won", "lost", "open")
        ]


class TestLatestMatch:
    def test_the_most_recent_with_its_first_product_in_order(self):
        """The most recent match is reported with the first product it matches."""
        number = BusinessNumber(number=NUMBER, products=[TECH, AI])
        found = [course("old", 1, Subject="AI"), course("new", 5), course("other", 9, Subject="X")]

        assert NumberMatch(found[1], TECH) == latest_match(number, found)

    def test_a_number_without_products_takes_its_default_type(self):
        """Without products, any opportunity of the default type matches, with no product."""
        number = BusinessNumber(number=NUMBER, default_opportunity_type="Course")
        found = [course("loan", 9, kind="Loan"), course("course", 1, Subject="X")]

        assert NumberMatch(found[1], None) == latest_match(number, found)

    def test_a_number_with_products_takes_its_default_type_too(self):
        """An opportunity of the default type that no product takes matches, with no product."""
        number = BusinessNumber(number=NUMBER, products=[AI], default_opportunity_type="Enquiry")
        found = [course("ai", 1, Subject="AI"), course("enquiry", 5, kind="Enquiry")]

        assert NumberMatch(found[1], None) == latest_match(number, found)

    def test_the_default_type_of_a_product_is_narrowed_by_it(self):
        """When a product has the default type, its field decides, not the type."""
        number = BusinessNumber(number=NUMBER, products=[AI], default_opportunity_type="Course")
        found = [course("bots", 5, Subject="Bots")]

        assert None is latest_match(number, found)

    def test_closed_ones_are_passed_over(self):
        """The newest open match is found, newer closed ones (of a product, of the type) aside."""
        number = BusinessNumber(number=NUMBER, products=[AI], default_opportunity_type="Enquiry")
        found = [
            course("open", 1, Subject="AI"),
            course("won", 5, status="won", Subject="AI"),
            course("lost", 9, kind="Enquiry", status="lost"),
        ]

        assert NumberMatch(found[0], AI) == latest_match(number, found)

    def test_only_closed_ones_are_none(self):
        """A lead whose matching opportunities are all closed has no match."""
        number = BusinessNumber(number=NUMBER, default_opportunity_type="Course")
        found = [course("won", 5, status="won"), course("lost", 9, status="lost")]

        assert None is latest_match(number, found)

    def test_nothing_matches(self):
        """No opportunity of the number's products or type: no match."""
        bare = BusinessNumber(number=NUMBER)
        with_product = BusinessNumber(number=NUMBER, products=[AI])
        found = [course("loan", 1, kind="Loan"), course("bots", 2, Subject="Bots")]

        assert [None, None] == [latest_match(bare, found), latest_match(with_product, found)]


# Few names, so that types, fields and values often coincide.
TYPES = st.sampled_from(["Course", "Loan"])
FIELDS = st.sampled_from(["Subject", "Level"])
VALUES = st.sampled_from(["AI", "Bots", "MSc", ""])

products = st.builds(
    Product,
    label=st.sampled_from(["P1", "P2", "P3"]),
    opportunity_type=TYPES,
    rule=st.sampled_from(["R1", "R2"]),
    field=st.none() | FIELDS,
    values=st.lists(VALUES.filter(bool), max_size=3, unique=True),
)
opportunities = st.builds(
    Opportunity,
    id=st.sampled_from(["o1", "o2", "o3", "o4"]),
    type=TYPES,
    fields=st.dictionaries(FIELDS, VALUES, max_size=2),
    updated_at=st.none()
    | st.sampled_from([dt.datetime(2026, 1, d, tzinfo=dt.UTC) for d in (1, 2)]),
    status=st.sampled_from(OpportunityStatus),
)


def belongs(opportunity, product):
    # The rule, as plainly as it can be said.
    if opportunity.status != "open" or opportunity.type != product.opportunity_type:
        return False
    if product.field is None:
        return True
    value = opportunity.fields.get(product.field, "")
    return value == "" or value in product.values


def newest_first(pairs):
    # Most recent first, never updated last, ties in given order.
    indexed = list(enumerate(pairs))
    indexed.sort(
        key=lambda item: (
            item[1][0].updated_at is None,
            -(item[1][0].updated_at or dt.datetime.min.replace(tzinfo=dt.UTC)).timestamp(),
            item[0],
        )
    )
    return [pair for _, pair in indexed]


class TestMatchingProperties:
    @given(opportunity=opportunities, product=products)
    def test_the_rule_agrees_with_the_oracle(self, opportunity, product):
        """opportunity_matches says what the plain statement of the rule says."""
        assert belongs(opportunity, product) == opportunity_matches(opportunity, product)

    @given(found=st.lists(opportunities, max_size=6), product=products)
    def test_matching_opportunities_are_those_that_belong_newest_first(self, found, product):
        """matching_opportunities keeps those that belong, most recent first."""
        expected = newest_first([(o, None) for o in found if belongs(o, product)])
        assert [o for o, _ in expected] == list(matching_opportunities(product, found))

    @given(
        found=st.lists(opportunities, max_size=6),
        numbered=st.lists(products, max_size=4),
        default=st.none() | TYPES,
    )
    def test_latest_match_is_the_newest_with_its_first_product(self, found, numbered, default):
        """latest_match is the newest of a product or of a default type no product has."""
        number = BusinessNumber(number=NUMBER, products=numbered, default_opportunity_type=default)
        pairs = []
        types = {p.opportunity_type for p in numbered}
        for opportunity in found:
            first = [p for p in numbered if belongs(opportunity, p)][:1]
            if first:
                pairs.append((opportunity, first[0]))
            elif opportunity.type == default and default not in types and opportunity.is_open:
                pairs.append((opportunity, None))
        expected = [NumberMatch(*pair) for pair in newest_first(pairs)[:1]]

        actual = latest_match(number, found)

        assert expected == ([] if actual is None else [actual])
