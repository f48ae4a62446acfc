"""
The menu model: checked when built, and storable as plain data.
"""

import attrs
import cattrs
import pytest

from hypothesis import given

from convroute import ConvrouteError
from convroute.menus import (
    Menu,
    MenuError,
    MenuKind,
    MenuOption,
    OptionKind,
    build_first_response,
    distinct_titles,
)
from menu_strategies import menu_numbers
from strategies import leads


def option(number, **changes):
    fields = {"id": f"product.{number}", "title": f"Course {number}", "kind": OptionKind.PRODUCT}
    return MenuOption(**{**fields, **changes})


def menu(options, **changes):
    fields = {
        "kind": MenuKind.FIRST_RESPONSE,
        "layout": "list",
        "body": "Which?",
        "options": options,
        "list_button": "Courses",
    }
    return Menu(**{**fields, **changes})


class TestMenuChecks:
    @pytest.mark.parametrize(
        ("options", "changes", "problem"),
        [
            pytest.param([], {}, "0 options: a menu has 1 to 10", id="no-options"),
            pytest.param(
                [option(n) for n in range(11)], {}, "11 options: a menu has 1 to 10", id="eleven"
            ),
            pytest.param(
                [option(n) for n in range(4)],
                {"layout": "buttons"},
                "4 options cannot be buttons: at most 3",
                id="four-buttons",
            ),
            pytest.param([option(1)], {"body": " "}, "body is blank", id="blank-body"),
            pytest.param(
                [option(1)],
                {"header": "x" * 61},
                "header has 61 characters, more than 60",
                id="long-header",
            ),
            pytest.param(
                [option(1, title="x" * 21)],
                {"layout": "buttons"},
                "options[0].title has 21 characters, more than 20",
                id="long-button-title",
            ),
            pytest.param(
                [option(1), option(2, title="COURSE 1")],
                {},
                "options[1].title 'COURSE 1' repeats an earlier title",
                id="repeated-title",
            ),
            pytest.param(
                [option(1, title="2"), option(2)],
                {},
                "options[0].title '2' reads as another option's number",
                id="title-is-a-number",
            ),
            pytest.param(
                [option(1, title=" Course 1")],
                {},
                "options[0].title has surrounding spaces",
                id="spaces-around-title",
            ),
            pytest.param(
                [option(1, id="product 1")],
                {},
                "options[0].id 'product 1' must be printable ASCII without spaces",
                id="id-with-space",
            ),
            pytest.param(
                [option(1), option(2, id="product.1")],
                {},
                "options[1].id 'product.1' repeats an earlier id",
                id="repeated-id",
            ),
            pytest.param(
                [option(1, id="x" * 201)],
                {},
                "options[0].id must have 1 to 200 characters",
                id="long-id",
            ),
            pytest.param(
                [option(1, description="soon")],
                {"layout": "buttons"},
                "options[0].description: buttons have no description",
                id="button-description",
            ),
        ],
    )
    def test_invalid_menus_are_refused(self, options, changes, problem):
        """A menu WhatsApp would refuse cannot be built, and the error says why."""
        with pytest.raises(MenuError) as caught:
            menu(options, **changes)
        assert (problem,) == caught.value.problems
        assert isinstance(caught.value, ConvrouteError)

    def test_menus_are_frozen(self):
        """A menu cannot be changed, only evolved (and checked again)."""
        built = menu([option(1)])
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.body = "Changed"
        with pytest.raises(MenuError):
            attrs.evolve(built, body="")


class TestStorage:
    @given(number=menu_numbers(), lead=leads([]))
    def test_cattrs_round_trip(self, number, lead):
        """A built menu unstructures to plain data and structures back equal."""
        converter = cattrs.Converter()
        built = build_first_response(number, lead)
        data = converter.unstructure(built)
        assert built == converter.structure(data, Menu)
        assert isinstance(data["options"][0]["kind"], str)


class TestDistinctTitles:
    def test_a_later_repeat_gets_a_suffix_and_keeps_its_id(self):
        """Titles that repeat an earlier one by today's comparison are told apart; ids stay."""
        stored = [option(1, title="AI"), option(2, title="ai\u200b"), option(3, title="AI\xad")]

        options = distinct_titles(stored, "buttons")

        assert ["AI", "ai\u200b (2)", "AI\xad (3)"] == [o.title for o in options]
        assert [o.id for o in stored] == [o.id for o in options]
        assert menu(options, layout="buttons").options == options

    @given(number=menu_numbers(), lead=leads([]))
    def test_a_menu_built_today_is_left_as_it_is(self, number, lead):
        """The options of a menu a builder makes come back unchanged."""
        built = build_first_response(number, lead)

        assert built.options == distinct_titles(built.options, built.layout)

    def test_a_suffixed_title_still_fits_its_layout(self):
        """A suffix cuts the title so that both fit a button's 20 characters."""
        long = "Data Science 2027 P"

        options = distinct_titles(
            [option(1, title=long), option(2, title=long + "\u200b")], "buttons"
        )

        assert ["Data Science 2027 P", "Data Science 20… (2)"] == [o.title for o in options]
