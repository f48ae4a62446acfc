"""
Menus built from a number's parts worked out beforehand give what building from scratch gives.
"""

import types

import attrs
import pytest
import regex

from hypothesis import given
from hypothesis import strategies as st

from convroute._blank import is_blank
from convroute._text import fold, one_line, title_key
from convroute._whatsapp_limits import (
    MAX_BODY_TEXT,
    MAX_BUTTONS,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BUTTON,
    MAX_MENU_OPTIONS,
    MAX_ROW_DESCRIPTION,
)
from convroute.errors import MenuError
from convroute.menus import (
    BusinessNumber,
    FirstResponse,
    Menu,
    MenuKind,
    MenuOption,
    NumberMenus,
    OptionKind,
    Product,
    SecondResponse,
    _model,
    build_first_response,
    build_second_response,
    matching_opportunities,
    option_id,
)
from convroute.menus._fit import fit_text, unique_titles
from convroute.menus._merge import merge_parts, merge_values, parse_template
from convroute.menus._model import title_limit
from convroute.model import Lead, Opportunity, Phone, User
from menu_strategies import conversations, menu_numbers, menu_texts
from strategies import leads


def _ignorable(char: str) -> bool:
    """One character at a time, as Unicode's property table lists it."""
    return regex.fullmatch(r"\p{Default_Ignorable_Code_Point}", char) is not None


def built_afresh(number, lead):
    """The first response built step by step from the public rules, every lead value at hand."""
    response = number.first_response
    values = merge_values(lead=lead)
    drafts = [(OptionKind.PRODUCT, product.label, product.label) for product in number.products]
    if response.other_queries:
        drafts.append((OptionKind.OTHER_QUERIES, "", response.other_queries_label))
    layout = "list" if len(drafts) > MAX_BUTTONS else response.display
    wanted = [one_line(title) or f"Option {n}" for n, (_, _, title) in enumerate(drafts, 1)]
    titles = unique_titles(wanted, title_limit(layout))
    ids = []
    for kind, key, _ in drafts:
        base, copy = option_id(kind, key), 1
        while (candidate := base if copy == 1 else f"{base}.{copy}") in ids:
            copy += 1
        ids.append(candidate)
    options = [
        MenuOption(ident, title, kind, key)
        for (kind, key, _), title, ident in zip(drafts, titles, ids, strict=True)
    ]

    def optional(template, limit, *, line):
        if template is None:
            return None
        merged = merge_parts(parse_template(template), values)
        fitted = fit_text(one_line(merged) if line else merged.strip(), limit)
        # Invisible-only text is blank too: left out, like an empty one.
        return None if is_blank(fitted) else fitted

    body = merge_parts(parse_template(response.message), values).strip()
    return Menu(
        kind=MenuKind.FIRST_RESPONSE,
        layout=layout,
        body=fit_text(body, MAX_BODY_TEXT),
        options=options,
        list_button=fit_text(one_line(response.list_button), MAX_LIST_BUTTON),
        header=optional(response.header, MAX_HEADER_TEXT, line=True),
        footer=optional(response.footer, MAX_FOOTER_TEXT, line=False),
    )


NUMBER = BusinessNumber(
    number=Phone("918040001234"),
    products=[Product(label="AI", opportunity_type="Course", rule="Desk")],
    first_response=FirstResponse(
        message="Hi {{lead.first_name|there}}!", header="{{ lead.name }}", other_queries=True
    ),
)


class TestFirstResponseParts:
    @given(number=menu_numbers(), lead=leads([]))
    def test_menu_equals_one_built_afresh(self, number, lead):
        """The first response, built twice, equals one built step by step from the lead's values."""
        assert built_afresh(number, lead) == build_first_response(number, lead)
        assert built_afresh(number, lead) == build_first_response(number, lead)

    @given(number=menu_numbers(), one=leads([]), other=leads([]))
    def test_leads_giving_the_same_values_share_a_menu(self, number, one, other):
        """Two leads get equal menus exactly when built afresh they would."""
        same = built_afresh(number, one) == built_afresh(number, other)
        assert same == (build_first_response(number, one) == build_first_response(number, other))

    def test_the_numbers_menus_build_what_the_functions_build(self):
        """A number's menus, made once and used for many leads, build each lead's own menu."""
        ravi = Lead(phone=Phone("919800000001"), name="Ravi Kumar")
        asha = Lead(phone=Phone("919800000003"), name="Asha Rao")
        menus = NumberMenus(NUMBER)
        built = [menus.first_response(lead) for lead in (ravi, asha, ravi)]
        assert [build_first_response(NUMBER, lead) for lead in (ravi, asha, ravi)] == built
        assert ["Hi Ravi!", "Hi Asha!", "Hi Ravi!"] == [menu.body for menu in built]

    def test_an_equal_number_built_apart_gives_an_equal_menu(self):
        """An equal copy of a number builds the same menu."""
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


def second_built_afresh(number, product, lead, opportunities, owners):
    """The second response built step by step from the public rules."""
    response = number.second_response
    matching = matching_opportunities(product, opportunities)
    room = MAX_MENU_OPTIONS - 1
    lead_values = merge_values(lead=lead)
    label = parse_template(response.option_label)
    described = response.option_description
    drafts = []
    for opportunity in matching[:room]:
        owner = None if opportunity.owner is None else owners.get(opportunity.owner)
        values = {**lead_values, **merge_values(opportunity=opportunity, owner=owner)}
        description = None if described is None else merge_parts(parse_template(described), values)
        drafts.append(
            (OptionKind.OPPORTUNITY, opportunity.id, merge_parts(label, values), description)
        )
    drafts.append((OptionKind.NEW_OPPORTUNITY, "", response.new_opportunity_label, None))
    layout = "list" if len(drafts) > MAX_BUTTONS else response.display
    wanted = [one_line(title) or f"Option {n}" for n, (_, _, title, _) in enumerate(drafts, 1)]
    titles = unique_titles(wanted, title_limit(layout))
    options = []
    for (kind, key, _, wanted_description), title in zip(drafts, titles, strict=True):
        description = None
        if wanted_description is not None and layout == "list":
            fitted = fit_text(one_line(wanted_description), MAX_ROW_DESCRIPTION)
            description = None if is_blank(fitted) else fitted
        options.append(MenuOption(option_id(kind, key), title, kind, key, description))

    def optional(template, limit, *, line):
        if template is None:
            return None
        merged = merge_parts(parse_template(template), lead_values)
        fitted = fit_text(one_line(merged) if line else merged.strip(), limit)
        # Invisible-only text is blank too: left out, like an empty one.
        return None if is_blank(fitted) else fitted

    body = merge_parts(parse_template(response.message), lead_values).strip()
    return Menu(
        kind=MenuKind.SECOND_RESPONSE,
        layout=layout,
        body=fit_text(body, MAX_BODY_TEXT),
        options=options,
        list_button=fit_text(one_line(response.list_button), MAX_LIST_BUTTON),
        header=optional(response.header, MAX_HEADER_TEXT, line=True),
        footer=optional(response.footer, MAX_FOOTER_TEXT, line=False),
        left_out=[opportunity.id for opportunity in matching[room:]],
    )


SECOND = BusinessNumber(
    number=Phone("918040001234"),
    products=[
        Product(label="AI", opportunity_type="Course", rule="Desk", field="Course", values=["AI"])
    ],
    second_response=SecondResponse(
        message="Which of your enquiries, {{lead.first_name|there}}?",
        option_label="{{opportunity.name}}",
        option_description="with {{owner.name|our team}}",
    ),
)
OWNERS = {"u-asha": User(id="u-asha", name="Asha Rao")}


def enquiries(lead_number, names):
    """One AI enquiry of the given name per name, the first owned by Asha."""
    return [
        Opportunity(
            id=f"opp-{lead_number}-{n}",
            type="Course",
            name=name,
            fields={"Course": "AI"},
            owner="u-asha" if n == 0 else None,
        )
        for n, name in enumerate(names)
    ]


class TestSecondResponseParts:
    @given(data=st.data(), number=menu_numbers())
    def test_menu_equals_one_built_afresh(self, data, number):
        """The second response, built twice, equals one built step by step afresh."""
        product, lead, opportunities, owners = data.draw(conversations(number))
        for _ in range(2):
            expected = second_built_afresh(number, product, lead, opportunities, owners)
            actual = build_second_response(number, product, lead, opportunities, owners)
            assert expected == actual

    def test_leads_share_texts_but_not_ids(self):
        """Two leads with enquiries of the same names get the same texts, each their own ids."""
        [product] = SECOND.products
        ravi = Lead(phone=Phone("919800000001"), name="Ravi Kumar")
        also_ravi = Lead(phone=Phone("919800000002"), name="Ravi Shah")
        one = build_second_response(
            SECOND, product, ravi, enquiries(1, ["PG AI", "MSc AI"]), OWNERS
        )
        other = build_second_response(
            SECOND, product, also_ravi, enquiries(2, ["PG AI", "MSc AI"]), OWNERS
        )
        texts = [(option.title, option.description) for option in one.options]
        assert texts == [(option.title, option.description) for option in other.options]
        assert (one.body, one.list_button) == (other.body, other.list_button)
        assert [option.key for option in other.options] == ["opp-2-0", "opp-2-1", ""]
        assert {option.id for option in one.options[:2]}.isdisjoint(
            option.id for option in other.options[:2]
        )

    def test_the_lead_values_named_are_not_mixed_up(self):
        """Leads giving other values the texts name get their own texts, in any order."""
        [product] = SECOND.products
        ravi = Lead(phone=Phone("919800000001"), name="Ravi Kumar")
        asha = Lead(phone=Phone("919800000003"), name="Asha Rao")
        bodies = [
            build_second_response(SECOND, product, lead, enquiries(3, ["PG AI"]), {}).body
            for lead in (ravi, asha, ravi)
        ]
        expected = ["Which of your enquiries, Ravi?", "Which of your enquiries, Asha?"]
        assert [*expected, expected[0]] == bodies


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


def unchecked_menus():
    """Menus as a host might write them by hand, not checked: the attributes a check reads."""
    frame = menu_texts(30) | st.sampled_from(["", " ", "x" * 1100])
    return st.builds(
        types.SimpleNamespace,
        layout=st.sampled_from(["buttons", "list"]),
        body=frame,
        list_button=frame,
        header=st.none() | frame,
        footer=st.none() | frame,
        options=options(),
    )


class TestOptionChecks:
    @given(menu=unchecked_menus())
    def test_a_menu_is_refused_with_exactly_the_problems_found(self, menu):
        """A menu is made when the check finds no problem, and refused with those it finds."""
        found = tuple(_model._problems(menu))
        given_fields = {
            "kind": MenuKind.FIRST_RESPONSE,
            **{name: getattr(menu, name) for name in ("layout", "body", "list_button")},
            **{name: getattr(menu, name) for name in ("header", "footer", "options")},
        }
        if found:
            with pytest.raises(MenuError) as refused:
                Menu(**given_fields)
            assert found == refused.value.problems
        else:
            assert menu.options == Menu(**given_fields).options

    def test_a_bad_menu_is_refused_every_time(self):
        """A menu refused once is refused again, with the same problems."""
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

    @given(title=menu_texts())
    def test_title_key_is_fold_of_one_line(self, title):
        """The title key is the folded one-line title, ignorable characters aside."""
        visible = "".join(char for char in title if not _ignorable(char))
        assert fold(one_line(visible)) == title_key(title)

    @pytest.mark.parametrize(
        "char", ["\ufe0f", "\ufe00", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\xad"]
    )
    def test_the_invisible_characters_people_slip_in_are_ignorable(self, char):
        """Variation selectors, zero-width characters, the BOM and the soft hyphen."""
        assert _ignorable(char)
        assert title_key(f"Data{char} science") == title_key("data science")
