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

    @pytest.mark.parametrize("layout", ["carousel", None, "Buttons"])
    def test_an_unknown_layout_is_refused(self, layout):
        """A layout other than buttons or list is refused, not rendered as a list."""
        with pytest.raises(MenuError) as caught:
            menu([option(1)], layout=layout)
        assert (f"layout must be 'buttons' or 'list', not {layout!r}",) == caught.value.problems

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


class TestMenuTypes:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"body": None}, "Menu.body must be a str, not None"),
            ({"list_button": 5}, "Menu.list_button must be a str, not 5"),
            ({"header": 5}, "Menu.header must be a str or None, not 5"),
            ({"footer": b"x"}, "Menu.footer must be a str or None, not b'x'"),
            (
                {"options": "AI"},
                (
                    "Menu.options must be an iterable of MenuOption values, not the single str "
                    "'AI': write ['AI']"
                ),
            ),
            ({"options": ["AI"]}, "Menu.options[0] must be a MenuOption, not the str 'AI'"),
            ({"kind": 1}, "Menu.kind must be a MenuKind or its value, not 1"),
        ],
    )
    def test_a_menu_field_of_the_wrong_type(self, changes, message):
        """A menu put together by hand names the field of the wrong type, never failing inside."""
        fields = {"options": [option(1)], **changes}
        with pytest.raises(TypeError) as caught:
            menu(**fields)
        assert message == str(caught.value)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"id": 5}, "MenuOption.id must be a str, not 5"),
            ({"title": 5}, "MenuOption.title must be a str, not 5"),
            ({"key": None}, "MenuOption.key must be a str, not None"),
            ({"description": 5}, "MenuOption.description must be a str or None, not 5"),
            ({"kind": None}, "MenuOption.kind must be an OptionKind or its value, not None"),
        ],
    )
    def test_an_option_field_of_the_wrong_type(self, changes, message):
        """An option of the wrong type names its field, never failing inside the menu's check."""
        with pytest.raises(TypeError) as caught:
            option(1, **changes)
        assert message == str(caught.value)

    def test_kinds_by_their_values(self):
        """A kind may be given as its value, as the model's enums may."""
        built = menu([option(1, kind="choice")], kind="simple")
        assert (MenuKind.SIMPLE, MenuKind, OptionKind.CHOICE, OptionKind) == (
            built.kind,
            type(built.kind),
            built.options[0].kind,
            type(built.options[0].kind),
        )

    def test_an_unknown_kind(self):
        """Text that is no kind's value is a ValueError listing the kinds."""
        with pytest.raises(ValueError, match="unknown option kind 'button'; known: product"):
            option(1, kind="button")
