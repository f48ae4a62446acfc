"""
Menus from plain strings, for bots: `simple_menu`.
"""

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute._blank import is_blank
from convroute._whatsapp_limits import (
    MAX_BODY_TEXT,
    MAX_BUTTON_TITLE,
    MAX_MENU_OPTIONS,
    MAX_OPTION_ID,
    MAX_ROW_DESCRIPTION,
)
from convroute.errors import MenuError, TextError
from convroute.menus import (
    MatchedBy,
    Menu,
    MenuKind,
    OptionKind,
    Selected,
    interpret_reply,
    render_menu,
    simple_menu,
)
from convroute.menus._build import _Draft, _options
from convroute.model import Phone


def titles(menu):
    return [option.title for option in menu.options]


class TestSimpleMenu:
    def test_buttons_from_labels(self):
        """Up to three labels are buttons, their titles the labels, with stable ids."""
        menu = simple_menu("Which plan?", ["Basic", "Pro"])
        assert (MenuKind.SIMPLE, "buttons", "Which plan?") == (menu.kind, menu.layout, menu.body)
        assert ["Basic", "Pro"] == titles(menu)
        assert [OptionKind.CHOICE] * 2 == [option.kind for option in menu.options]
        assert menu.options == simple_menu("Which plan?", ["Basic", "Pro"]).options

    def test_ids_kept_as_given(self):
        """The bot's own ids are kept as given."""
        menu = simple_menu("Which plan?", ["Basic", "Pro"], ids=["plan-basic", "plan-pro"])
        assert ["plan-basic", "plan-pro"] == [option.id for option in menu.options]

    def test_a_list_past_three_options(self):
        """Four options are a list whatever was asked, with the list button given."""
        menu = simple_menu("Pick", ["A", "B", "C", "D"], list_button="Plans")
        assert ("list", "Plans") == (menu.layout, menu.list_button)

    def test_descriptions_on_list_rows(self):
        """(label, description) pairs give list rows a description, fitted to its limit."""
        long = "x" * 100
        menu = simple_menu("Pick", [("A", "first"), "B", ("C", long)], display="list")
        described = [option.description for option in menu.options]
        assert ["first", None, "x" * (MAX_ROW_DESCRIPTION - 1) + "…"] == described

    def test_buttons_carry_no_description(self):
        """Buttons have no description, as the engine's menus."""
        menu = simple_menu("Pick", [("A", "first"), "B"])
        assert [None, None] == [option.description for option in menu.options]

    def test_texts_fitted_as_the_engines(self):
        """Titles and body are cut with an ellipsis; repeated titles get a suffix."""
        long = "Postgraduate Diploma in Artificial Intelligence"
        menu = simple_menu("b" * 2000, [long, long.upper()])
        assert ["Postgraduate Diplom…", "POSTGRADUATE DI… (2)"] == titles(menu)
        assert MAX_BODY_TEXT == len(menu.body)
        assert all(len(title) <= MAX_BUTTON_TITLE for title in titles(menu))

    def test_same_titles_as_the_engine(self):
        """The titles and ids come from the engine's own fitting."""
        labels = ["2", "1", "Love", "LOVE", "x" * 40]
        engine = _options("list", [_Draft(OptionKind.CHOICE, label, label) for label in labels])
        assert engine == simple_menu("Pick", labels).options

    def test_braces_are_text(self):
        """Braces in a plain body, header or footer are text, not merge fields."""
        menu = simple_menu("Hi {{lead.first_name}} {x}", ["A"], header="{{", footer="}}")
        assert ("Hi {{lead.first_name}} {x}", "{{", "}}") == (menu.body, menu.header, menu.footer)

    def test_blank_header_and_footer_are_left_out(self):
        """A blank header or footer is left out, not sent empty."""
        menu = simple_menu("Pick", ["A"], header=" ", footer="\u200b")
        assert (None, None) == (menu.header, menu.footer)

    def test_renders_to_a_valid_message(self, whatsapp_schema):
        """A simple menu renders to a message Meta's schema accepts."""
        menu = simple_menu("Pick", [(f"Plan {n}", "monthly") for n in range(10)], header="Plans")
        assert [] == whatsapp_schema.errors(render_menu(menu, Phone("919800000001")))

    def test_typed_reply_picks_by_full_label(self):
        """A label cut to fit is still picked by the label typed in full."""
        long = "Postgraduate Diploma in Artificial Intelligence"
        menu = simple_menu("Pick", [long, "Other"])
        assert Selected(menu.options[0], MatchedBy.TITLE) == interpret_reply(menu, text=long)


class TestSimpleMenuMisuse:
    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({"options": []}, "0 options: a menu has 1 to 10"),
            ({"options": [str(n) for n in range(11)]}, "11 options: a menu has 1 to 10"),
            ({"options": ["A", "  "]}, r"options\[1\] label is blank"),
            ({"options": ["A", ("\u200b", "d")]}, r"options\[1\] label is blank"),
            ({"options": ["A"], "ids": ["a", "b"]}, "2 ids for 1 options"),
            ({"options": ["A", "B"], "ids": ["a", "a"]}, r"ids\[1\] 'a' repeats an earlier id"),
            ({"options": ["A"], "ids": ["a b"]}, "printable ASCII without spaces"),
            ({"options": ["A"], "ids": ["x" * (MAX_OPTION_ID + 1)]}, "1 to 200 characters"),
            ({"options": ["A"], "display": "carousel"}, "display must be 'buttons' or 'list'"),
            ({"options": ["A"], "list_button": " "}, "list_button is blank"),
            ({"options": ["A"], "body": "  "}, "body is blank"),
        ],
    )
    def test_refused_with_a_clear_error(self, arguments, message):
        """Bad input is a MenuError (a ValueError) that says what is wrong."""
        arguments = {"body": "Pick", **arguments}
        with pytest.raises(MenuError, match=message) as caught:
            simple_menu(**arguments)
        assert isinstance(caught.value, ValueError)

    def test_bare_string_as_options(self):
        """A bare str where a sequence of labels is expected is a TypeError."""
        with pytest.raises(TypeError, match="a sequence of labels, not the single str 'Basic'"):
            simple_menu("Pick", "Basic")

    def test_bare_string_as_ids(self):
        """A bare str where a sequence of ids is expected is a TypeError."""
        with pytest.raises(TypeError, match="a sequence of ids, not the single str 'a'"):
            simple_menu("Pick", ["A"], ids="a")

    def test_option_of_another_type(self):
        """An option that is neither a label nor a pair is a TypeError naming it."""
        with pytest.raises(TypeError, match=r"options\[0\] must be a label"):
            simple_menu("Pick", [3])

    @pytest.mark.parametrize(
        "arguments",
        [
            {"body": "Pick \ud800", "options": ["A"]},
            {"body": "Pick", "options": ["A\udfff"]},
            {"body": "Pick", "options": [("A", "\ud800")]},
            {"body": "Pick", "options": ["A"], "header": "\ud800"},
        ],
    )
    def test_lone_surrogates(self, arguments):
        """Text holding a lone surrogate is refused with TextError (a ValueError)."""
        with pytest.raises(TextError):
            simple_menu(**arguments)


def typed_forms(number):
    return [
        str(number),
        f"{number}.",
        f"{number})",
        f"#{number}",
        f"option {number}",
        f"Option #{number}",
    ]


INVISIBLE = st.sampled_from(["\ufe0f", "\ufe0e", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
LABELS = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30
).filter(lambda label: not is_blank(label))


@st.composite
def sprinkled(draw, text):
    """*text* with variation selectors and zero-width characters inserted at random."""
    pieces = list(text)
    for _ in range(draw(st.integers(0, 4))):
        pieces.insert(draw(st.integers(0, len(pieces))), draw(INVISIBLE))
    return "".join(pieces)


class TestSimpleMenuProperties:
    @settings(deadline=None)
    @given(data=st.data(), labels=st.lists(LABELS, min_size=1, max_size=MAX_MENU_OPTIONS))
    def test_typed_number_picks_its_option(self, data, labels):
        """Typing an option's number in each accepted form picks that option."""
        menu = simple_menu("Pick", labels)
        position = data.draw(st.integers(1, len(menu.options)))
        for typed in typed_forms(position):
            expected = Selected(menu.options[position - 1], MatchedBy.NUMBER)
            assert expected == interpret_reply(menu, text=typed)

    @settings(deadline=None)
    @given(data=st.data(), labels=st.lists(LABELS, min_size=1, max_size=MAX_MENU_OPTIONS))
    def test_typed_title_picks_its_option(self, data, labels):
        """Typing an option's title, invisible characters sprinkled in, picks that option."""
        menu = simple_menu("Pick", labels)
        option = data.draw(st.sampled_from(menu.options))
        typed = data.draw(sprinkled(option.title))
        outcome = interpret_reply(menu, text=typed)
        assert isinstance(outcome, Selected)
        assert option == outcome.option


class TestPlainValues:
    def test_menu_is_a_menu(self):
        """What simple_menu gives is the same Menu the engine sends."""
        assert isinstance(simple_menu("Pick", ["A"]), Menu)
