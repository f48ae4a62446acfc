"""
The menus' caches give what building from scratch gives.
"""

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.errors import MenuError
from convroute.funnel import fold
from convroute.menus import (
    BusinessNumber,
    FirstResponse,
    Menu,
    MenuKind,
    MenuOption,
    OptionKind,
    Product,
    _build,
    _model,
    build_first_response,
)
from convroute.menus._fit import one_line, title_key
from convroute.menus._merge import merge_values
from convroute.model import Lead, Phone
from menu_strategies import menu_numbers, menu_texts
from strategies import leads


def built_afresh(number, lead):
    """The first response as built before any cache: every lead value at hand."""
    drafts = list(_build._first_drafts(number))
    values = merge_values(lead=lead)
    return _build._compose(MenuKind.FIRST_RESPONSE, number.first_response, values, drafts)


NUMBER = BusinessNumber(
    number=Phone("918040001234"),
    products=[Product(label="AI", opportunity_type="Course", rule="Desk")],
    first_response=FirstResponse(
        message="Hi {{lead.first_name|there}}!", header="{{ lead.name }}", other_queries=True
    ),
)


class TestFirstResponseCache:
    @given(number=menu_numbers(), lead=leads([]))
    def test_cached_menu_equals_one_built_afresh(self, number, lead):
        """The first response, cached or not, equals one built from all the lead's values."""
        assert built_afresh(number, lead) == build_first_response(number, lead)
        assert built_afresh(number, lead) == build_first_response(number, lead)

    @given(number=menu_numbers(), one=leads([]), other=leads([]))
    def test_leads_giving_the_same_values_share_a_menu(self, number, one, other):
        """Two leads get equal menus exactly when built afresh they would."""
        same = built_afresh(number, one) == built_afresh(number, other)
        assert same == (build_first_response(number, one) == build_first_response(number, other))

    def test_same_values_give_the_same_menu_object(self):
        """Leads with the same name share one menu; another first name gets its own."""
        ravi = Lead(phone=Phone("919800000001"), name="Ravi Kumar")
        also_ravi = Lead(phone=Phone("919800000002"), name="Ravi Kumar")
        asha = Lead(phone=Phone("919800000003"), name="Asha Rao")
        menu = build_first_response(NUMBER, ravi)
        assert menu is build_first_response(NUMBER, also_ravi)
        assert ("Hi Ravi!", "Hi Asha!") == (menu.body, build_first_response(NUMBER, asha).body)

    def test_an_equal_number_built_apart_gives_an_equal_menu(self):
        """Numbers are told apart by identity in the cache: an equal copy builds the same menu."""
        lead = Lead(phone=Phone("919800000001"), name="Ravi Kumar")
        copy = attrs.evolve(NUMBER)
        assert copy is not NUMBER
        assert build_first_response(NUMBER, lead) == build_first_response(copy, lead)

    def test_a_changed_number_is_not_served_the_old_menu(self):
        """A number evolved with a new message builds its own menu."""
        lead = Lead(phone=Phone("919800000001"), name="Ravi Kumar")
        build_first_response(NUMBER, lead)
        changed = attrs.evolve(
            NUMBER, first_response=attrs.evolve(NUMBER.first_response, message="Hello!")
        )
        assert "Hello!" == build_first_response(changed, lead).body

    def test_the_prepared_numbers_stay_bounded(self):
        """However many numbers pass, the table of prepared numbers keeps at most its bound."""
        lead = Lead(phone=Phone("919800000001"), name="Ravi Kumar")
        for _ in range(3 * _build._MAX_PREPARED):
            build_first_response(attrs.evolve(NUMBER), lead)
        assert len(_build._PREPARED) <= _build._MAX_PREPARED


def options():
    """Options as a host might write them by hand: blank, long, repeated, odd ids."""
    texts = menu_texts(30) | st.sampled_from(["1", "2", " AI", "AI", "ai", ""])
    ids = st.sampled_from(["product.1", "product.2", "a b", "é", "", "x" * 201, "\x00"]) | texts
    option = st.builds(
        MenuOption,
        id=ids,
        title=texts,
        kind=st.sampled_from(list(OptionKind)),
        key=st.just(""),
        description=st.none() | texts,
    )
    return st.lists(option, max_size=11).map(tuple)


class TestOptionChecks:
    @given(layout=st.sampled_from(["buttons", "list"]), given_options=options())
    def test_quick_check_agrees_with_the_problems_found(self, layout, given_options):
        """Options hold exactly when the full check finds no problem."""
        found = _model._describe_option_problems(layout, given_options)
        assert (not found) == _model._options_hold(layout, given_options)

    @given(layout=st.sampled_from(["buttons", "list"]), given_options=options())
    def test_cached_problems_equal_problems_found_afresh(self, layout, given_options):
        """The cached check says what the full check says, the first time and after."""
        found = _model._describe_option_problems(layout, given_options)
        assert found == _model._option_problems(layout, given_options)
        assert found == _model._option_problems(layout, given_options)

    def test_a_cached_check_still_refuses_a_bad_menu(self):
        """A menu whose options were checked before is refused again, with the same problems."""
        options = (MenuOption("product.1", "AI", OptionKind.PRODUCT, "AI"),) * 2
        for _ in range(2):
            with pytest.raises(MenuError, match="repeats an earlier title"):
                Menu(
                    kind=MenuKind.FIRST_RESPONSE,
                    layout="buttons",
                    body="Which?",
                    options=options,
                    list_button="Options",
                )

    def test_the_checked_options_stay_bounded(self):
        """However many menus are checked, the table of checked options keeps at most its bound."""
        for index in range(2 * _model._MAX_CHECKED):
            _model._option_problems("list", (MenuOption(f"opportunity.{index}", "A", "product"),))
        assert len(_model._CHECKED) <= _model._MAX_CHECKED

    @given(title=menu_texts())
    def test_title_key_is_fold_of_one_line(self, title):
        """The cached title key is the folded one-line title."""
        assert fold(one_line(title)) == title_key(title)
