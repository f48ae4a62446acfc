"""
Building first and second responses from a number and a conversation.
"""

import datetime as dt

import attrs
import pytest

from convroute import ConfigError, Lead, Opportunity, User
from convroute._whatsapp_limits import (
    MAX_BUTTON_TITLE,
    MAX_MENU_OPTIONS,
    MAX_OPTION_ID,
    MAX_ROW_TITLE,
)
from convroute.errors import PhoneNumberError
from convroute.menus import (
    BusinessNumber,
    FirstResponse,
    Menu,
    OptionKind,
    Product,
    SecondResponse,
    build_first_response,
    build_second_response,
    matching_opportunities,
    option_id,
)


LEAD = Lead(phone="919800000001", name="Ravi Kumar")


def product(label, values=("AI",)):
    return Product(
        label=label, opportunity_type="Course", rule="Desk", field="Subject", values=values
    )


def number(labels=("AI", "Robotics"), first=None, second=None):
    return BusinessNumber(
        number="918040001234",
        products=[product(label) for label in labels],
        first_response=first or FirstResponse(message="Hi {{lead.first_name|there}}!"),
        second_response=second or SecondResponse(message="Which one?", display="list"),
    )


def opportunity(ident, day=None, subject="AI", **more):
    updated = None if day is None else dt.datetime(2026, 1, day, tzinfo=dt.UTC)
    return Opportunity(
        id=ident,
        type="Course",
        name=more.pop("name", f"Course {ident}"),
        fields={"Subject": subject},
        updated_at=updated,
        **more,
    )


def titles(menu):
    return [option.title for option in menu.options]


class TestBuildFirstResponse:
    def test_products_then_other_queries(self):
        """Each product is an option, in order, then Other queries with its label."""
        first = FirstResponse(message="Hi", other_queries=True, other_queries_label="Else")
        menu = build_first_response(number(first=first), LEAD)
        expected = [
            (OptionKind.PRODUCT, "AI", "AI"),
            (OptionKind.PRODUCT, "Robotics", "Robotics"),
            (OptionKind.OTHER_QUERIES, "", "Else"),
        ]
        assert expected == [(o.kind, o.key, o.title) for o in menu.options]
        assert ("buttons", "Hi") == (menu.layout, menu.body)

    def test_four_options_are_a_list_whatever_was_asked(self):
        """Four products make a list although buttons were configured."""
        menu = build_first_response(number(labels=("A", "B", "C", "D")), LEAD)
        assert "list" == menu.layout

    def test_a_list_may_hold_few_options(self):
        """A list asked for stays a list with only two options."""
        first = FirstResponse(message="Hi", display="list")
        assert "list" == build_first_response(number(first=first), LEAD).layout

    def test_blank_header_and_footer_are_left_out(self):
        """A header or footer that merges to blank text is not sent."""
        first = FirstResponse(message="Hi", header="{{lead.first_name}}", footer="  ")
        menu = build_first_response(number(first=first), Lead(phone="919800000001"))
        assert (None, None) == (menu.header, menu.footer)

    def test_invisible_header_and_footer_are_left_out(self):
        """A header or footer of invisible characters only is blank, and not sent."""
        first = FirstResponse(message="Hi", header="\u2060", footer="\u200b\u00ad")
        menu = build_first_response(number(first=first), Lead(phone="919800000001"))
        assert (None, None) == (menu.header, menu.footer)

    def test_texts_fitted_to_their_limits(self):
        """Long titles are cut with an ellipsis to the button limit."""
        long = "Postgraduate Diploma in Artificial Intelligence"
        menu = build_first_response(number(labels=(long,)), LEAD)
        assert [long[: MAX_BUTTON_TITLE - 1] + "…"] == titles(menu)

    def test_repeated_titles_get_a_suffix(self):
        """Titles equal but for case get a suffix that still fits."""
        labels = ("Artificial Intelligence", "ARTIFICIAL INTELLIGENCE")
        menu = build_first_response(number(labels=labels), LEAD)
        assert ["Artificial Intellig…", "ARTIFICIAL INTE… (2)"] == titles(menu)
        assert all(len(title) <= MAX_BUTTON_TITLE for title in titles(menu))

    def test_blank_title_gets_a_name(self):
        """A blank label is shown as Option and its number."""
        assert ["Option 1", "AI"] == titles(build_first_response(number(labels=(" ", "AI")), LEAD))

    def test_title_that_reads_as_another_number(self):
        """A title that is another option's number is named by its own, so "1" stays clear."""
        menu = build_first_response(number(labels=("Intro", "1", "3")), LEAD)
        assert ["Intro", "1 (Option 2)", "3"] == titles(menu)

    def test_numeric_labels_in_another_order(self):
        """Labels "2" and "1" never become "2 (2)": each is named by its own number."""
        menu = build_first_response(number(labels=("2", "1")), LEAD)
        assert ["2 (Option 1)", "1 (Option 2)"] == titles(menu)

    @pytest.mark.parametrize("label", ["2.", "#2", "2)", "Option 2"])
    def test_title_in_a_typed_number_form(self, label):
        """A title that a typed reply would read as another option's number is told apart."""
        menu = build_first_response(number(labels=(label, "AI")), LEAD)
        assert [f"{label} (Option 1)", "AI"] == titles(menu)

    def test_titles_equal_but_for_a_variation_selector(self):
        """Titles that differ only by invisible characters are kept apart like repeats."""
        menu = build_first_response(number(labels=("\u2764\ufe0f Love", "\u2764 Love")), LEAD)
        assert ["\u2764\ufe0f Love", "\u2764 Love (2)"] == titles(menu)

    def test_without_first_response(self):
        """A number without a first response has no menu to build."""
        bare = BusinessNumber(number="918040001234", products=[product("AI")])
        with pytest.raises(ConfigError, match="no first response"):
            build_first_response(bare, LEAD)

    def test_too_many_options(self):
        """More products than a menu holds is a configuration error."""
        labels = [f"P{n}" for n in range(MAX_MENU_OPTIONS + 1)]
        with pytest.raises(ConfigError, match="11 options"):
            build_first_response(number(labels=labels), LEAD)

    def test_broken_template(self):
        """A template that does not hold is reported with its path, not merged."""
        first = FirstResponse(message="Hi {{lead.first_name")
        with pytest.raises(ConfigError) as caught:
            build_first_response(number(first=first), LEAD)
        assert (
            "'{{' at character 4 is never closed by '}}' @ $.first_response.message",
        ) == caught.value.errors

    def test_blank_message(self):
        """A blank message is a configuration error."""
        with pytest.raises(ConfigError, match="message must not be blank"):
            build_first_response(number(first=FirstResponse(message=" ")), LEAD)


class TestBuildSecondResponse:
    def test_matching_opportunities_then_new(self):
        """The matching opportunities, most recent first, then New opportunity."""
        found = [opportunity("a", 1), opportunity("b", 3), opportunity("c", 2, subject="Robotics")]
        menu = build_second_response(number(), product("AI"), LEAD, found, {})
        expected = [
            (OptionKind.OPPORTUNITY, "b", "Course b"),
            (OptionKind.OPPORTUNITY, "a", "Course a"),
            (OptionKind.NEW_OPPORTUNITY, "", "New opportunity"),
        ]
        assert expected == [(o.kind, o.key, o.title) for o in menu.options]

    def test_labels_and_descriptions_are_merged(self):
        """Each option's label and description are merged with its opportunity and owner."""
        second = SecondResponse(
            message="Which, {{lead.first_name}}?",
            display="list",
            option_label="{{opportunity.name}} ({{opportunity.Subject}})",
            option_description="{{owner.first_name|Nobody}} - {{opportunity.stage|new}}",
        )
        found = [opportunity("a", 1, owner="u-1", stage="Applied"), opportunity("b", 2)]
        owners = {"u-1": User(id="u-1", name="Asha Rao")}
        menu = build_second_response(number(second=second), product("AI"), LEAD, found, owners)
        expected = [
            ("Course b (AI)", "Nobody - new"),
            ("Course a (AI)", "Asha - Applied"),
            ("New opportunity", None),
        ]
        assert expected == [(o.title, o.description) for o in menu.options]
        assert "Which, Ravi?" == menu.body

    def test_invisible_descriptions_are_left_out(self):
        """A description of invisible characters only is blank, and not sent."""
        second = SecondResponse(message="Which?", display="list", option_description="\u200b")
        menu = build_second_response(
            number(second=second), product("AI"), LEAD, [opportunity("a")], {}
        )
        assert [None, None] == [o.description for o in menu.options]

    def test_buttons_carry_no_description(self):
        """With buttons, descriptions are left out: buttons cannot show them."""
        second = SecondResponse(message="Which?", option_description="{{opportunity.name}}")
        menu = build_second_response(
            number(second=second), product("AI"), LEAD, [opportunity("a")], {}
        )
        assert ("buttons", [None, None]) == (menu.layout, [o.description for o in menu.options])

    def test_too_many_keeps_the_most_recent(self):
        """Of twelve matches the nine most recent are shown, and the other three reported."""
        found = [opportunity(f"o{day:02}", day) for day in range(1, 13)]
        menu = build_second_response(number(), product("AI"), LEAD, found, {})
        shown = [o.key for o in menu.options[:-1]]
        expected = [f"o{day:02}" for day in range(12, 3, -1)]
        assert (expected, ("o03", "o02", "o01")) == (shown, menu.left_out)
        assert MAX_MENU_OPTIONS == len(menu.options)

    def test_row_titles_use_the_row_limit(self):
        """In a list, titles are cut at the row limit, not the button limit."""
        found = [opportunity("a", name="x" * 40)]
        menu = build_second_response(number(), product("AI"), LEAD, found, {})
        assert MAX_ROW_TITLE == len(menu.options[0].title)

    def test_without_second_response(self):
        """A number without a second response has no menu to build."""
        bare = attrs.evolve(number(), second_response=None)
        with pytest.raises(ConfigError, match="no second response"):
            build_second_response(bare, product("AI"), LEAD, [], {})


class TestMatchingOpportunities:
    def test_type_and_field_values(self):
        """Only opportunities of the product's type, with one of its values, match."""
        found = [
            opportunity("ai"),
            opportunity("robotics", subject="Robotics"),
            attrs.evolve(opportunity("other"), type="Loan"),
        ]
        matched = matching_opportunities(product("AI", values=("AI", "Data")), found)
        assert ["ai"] == [o.id for o in matched]

    def test_unnarrowed_product_takes_the_whole_type(self):
        """A product without a field matches every opportunity of its type."""
        whole = Product(label="Any", opportunity_type="Course", rule="Desk")
        found = [opportunity("a", subject="AI"), opportunity("b", subject="Robotics")]
        assert ["a", "b"] == [o.id for o in matching_opportunities(whole, found)]

    def test_most_recent_first_never_updated_last(self):
        """Recency orders them, naive times read as UTC, never-updated last in given order."""
        naive = attrs.evolve(opportunity("naive"), updated_at=dt.datetime(2026, 1, 2, 12))  # noqa: DTZ001
        found = [opportunity("none1"), opportunity("d1", 1), naive, opportunity("none2")]
        matched = matching_opportunities(product("AI"), [*found, opportunity("d3", 3)])
        assert ["d3", "naive", "d1", "none1", "none2"] == [o.id for o in matched]


class TestOptionId:
    def test_stable_opaque_and_short(self):
        """An id depends only on what it selects, is ASCII without spaces, and fits both layouts."""
        ident = option_id(OptionKind.OPPORTUNITY, "opp 1 — für Priya")
        assert ident == option_id(OptionKind.OPPORTUNITY, "opp 1 — für Priya")
        assert ident != option_id(OptionKind.PRODUCT, "opp 1 — für Priya")
        assert (True, False, True) == (
            ident.isascii(),
            " " in ident,
            len(ident) <= MAX_OPTION_ID,
        )

    def test_fixed_options(self):
        """Other queries and New opportunity have fixed ids."""
        assert ("other_queries", "new_opportunity") == (
            option_id(OptionKind.OTHER_QUERIES, ""),
            option_id(OptionKind.NEW_OPPORTUNITY, ""),
        )

    def test_repeated_products_get_distinct_ids(self):
        """Two products with one label (a number built by hand) still get distinct ids."""
        menu = build_first_response(number(labels=("AI", "AI")), LEAD)
        base = option_id(OptionKind.PRODUCT, "AI")
        assert [base, f"{base}.2"] == [o.id for o in menu.options]

    def test_menu_title_limit(self):
        """A menu's title limit follows its layout."""
        menus = [build_first_response(number(labels=labels), LEAD) for labels in (("A",), "ABCD")]
        assert [MAX_BUTTON_TITLE, MAX_ROW_TITLE] == [m.title_limit for m in menus]
        assert all(isinstance(m, Menu) for m in menus)


class TestBusinessNumberPhone:
    def test_number_is_normalised(self):
        """A business number given as written is kept as digits with country code."""
        assert "918040001234" == BusinessNumber(number="+91 80 4000 1234").number

    def test_number_that_is_no_phone_is_refused(self):
        """A business number that cannot be normalised raises PhoneNumberError."""
        with pytest.raises(PhoneNumberError):
            BusinessNumber(number="reception")
