"""
Reading a lead's reply against the menu it answers.
"""

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.errors import MenuError
from convroute.menus import (
    InvalidReason,
    InvalidReply,
    MatchedBy,
    Menu,
    MenuKind,
    MenuOption,
    OptionKind,
    Selected,
    distinct_titles,
    interpret_reply,
    simple_menu,
)


OPTIONS = [
    MenuOption(id="product.a", title="Data Science", kind=OptionKind.PRODUCT, key="Data Science"),
    MenuOption(id="product.b", title="Straße 2027", kind=OptionKind.PRODUCT, key="Straße 2027"),
    MenuOption(id="other_queries", title="Something else", kind=OptionKind.OTHER_QUERIES),
]
MENU = Menu(
    kind=MenuKind.FIRST_RESPONSE, layout="buttons", body="Which?", options=OPTIONS, list_button="x"
)


class TestInterpretReply:
    @pytest.mark.parametrize(
        ("reply", "expected"),
        [
            pytest.param({"reply_id": "product.b"}, Selected(OPTIONS[1], MatchedBy.ID), id="id"),
            pytest.param({"text": "3"}, Selected(OPTIONS[2], MatchedBy.NUMBER), id="number"),
            pytest.param({"text": " 1 \n"}, Selected(OPTIONS[0], MatchedBy.NUMBER), id="spaces"),
            pytest.param(
                {"text": "\N{ARABIC-INDIC DIGIT TWO}"},
                Selected(OPTIONS[1], MatchedBy.NUMBER),
                id="arabic-digit",
            ),
            pytest.param(
                {"text": "  data science "}, Selected(OPTIONS[0], MatchedBy.TITLE), id="title"
            ),
            pytest.param(
                {"text": "STRASSE  2027"}, Selected(OPTIONS[1], MatchedBy.TITLE), id="casefold"
            ),
            pytest.param(
                {"reply_id": "other_queries", "text": "1"},
                Selected(OPTIONS[2], MatchedBy.ID),
                id="id-wins",
            ),
        ],
    )
    def test_selects(self, reply, expected):
        """A tap selects by id; typed text by number or by title, case and spacing aside."""
        assert expected == interpret_reply(MENU, **reply)

    @pytest.mark.parametrize(
        ("reply", "expected"),
        [
            pytest.param(
                {"reply_id": "product.z"},
                InvalidReply(InvalidReason.UNKNOWN_ID, "product.z"),
                id="unknown-id",
            ),
            pytest.param({}, InvalidReply(InvalidReason.EMPTY, ""), id="nothing"),
            pytest.param({"text": "  "}, InvalidReply(InvalidReason.EMPTY, "  "), id="blank"),
            pytest.param(
                {"text": "4"}, InvalidReply(InvalidReason.OUT_OF_RANGE, "4"), id="out-of-range"
            ),
            pytest.param({"text": "0"}, InvalidReply(InvalidReason.OUT_OF_RANGE, "0"), id="zero"),
            pytest.param(
                {"text": "9" * 5000},
                InvalidReply(InvalidReason.NO_MATCH, "9" * 5000),
                id="too-many-digits",
            ),
            pytest.param(
                {"text": "Data"}, InvalidReply(InvalidReason.NO_MATCH, "Data"), id="partial"
            ),
            pytest.param(
                {"text": "2.5"}, InvalidReply(InvalidReason.NO_MATCH, "2.5"), id="decimal"
            ),
            pytest.param(
                {"text": "options 2"},
                InvalidReply(InvalidReason.NO_MATCH, "options 2"),
                id="another-word",
            ),
        ],
    )
    def test_invalid(self, reply, expected):
        """Anything else is an invalid reply that says why, never an exception."""
        assert expected == interpret_reply(MENU, **reply)

    def test_number_out_of_range_may_be_a_title(self):
        """A title that is a number beyond the options is still picked by its title."""
        options = [
            MenuOption(id="product.a", title="2027", kind=OptionKind.PRODUCT, key="2027"),
            MenuOption(id="product.b", title="2028", kind=OptionKind.PRODUCT, key="2028"),
        ]
        menu = Menu(
            kind=MenuKind.FIRST_RESPONSE, layout="list", body="?", options=options, list_button="x"
        )
        assert Selected(options[1], MatchedBy.TITLE) == interpret_reply(menu, text="2028")


class TestTypedNumberForms:
    @pytest.mark.parametrize(
        "text",
        ["2.", "2)", "#2", "# 2", "option 2", "Option #2", "OPTION 2.", " 2 ) ", "option2"],
    )
    def test_forms_people_type(self, text):
        """A number followed by a dot or bracket, after a hash or the number word, picks it."""
        assert Selected(OPTIONS[1], MatchedBy.NUMBER) == interpret_reply(MENU, text=text)

    def test_translated_word(self):
        """The translated number word reads a number too, in any case."""
        expected = Selected(OPTIONS[1], MatchedBy.NUMBER)
        assert expected == interpret_reply(MENU, text="opção 2", number_words=("Opção", "Option"))

    @pytest.mark.parametrize("text", ["4.", "#0", "option 9"])
    def test_forms_out_of_range(self, text):
        """A number in any accepted form beyond the options is out of range."""
        assert InvalidReply(InvalidReason.OUT_OF_RANGE, text) == interpret_reply(MENU, text=text)


class TestTitlesIgnoreInvisibles:
    def test_variation_selector(self):
        """A heart typed without its emoji variation selector picks the heart with one."""
        options = [
            MenuOption(id="a", title="\u2764\ufe0f Love", kind=OptionKind.PRODUCT, key="a"),
            MenuOption(id="b", title="Hate", kind=OptionKind.PRODUCT, key="b"),
        ]
        menu = Menu(
            kind=MenuKind.FIRST_RESPONSE,
            layout="buttons",
            body="?",
            options=options,
            list_button="x",
        )
        assert Selected(options[0], MatchedBy.TITLE) == interpret_reply(menu, text="\u2764 love")

    @pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
    def test_zero_width_characters(self, invisible):
        """Zero-width characters typed inside a title do not keep it from matching."""
        typed = f"Data{invisible} Sci{invisible}ence"
        assert Selected(OPTIONS[0], MatchedBy.TITLE) == interpret_reply(MENU, text=typed)


KEYCAP = "\ufe0f\u20e3"  # a digit, the emoji variation selector, the keycap mark: 2️⃣
TEN = "\N{KEYCAP TEN}"
TEN_OPTIONS = [
    MenuOption(id=f"product.{n}", title=f"Course {n}", kind=OptionKind.PRODUCT, key=f"Course {n}")
    for n in "ABCDEFGHIJ"
]
TEN_MENU = Menu(
    kind=MenuKind.FIRST_RESPONSE, layout="list", body="?", options=TEN_OPTIONS, list_button="x"
)


def keycap_menu(*titles, layout="buttons"):
    options = [
        MenuOption(id=f"product.{at}", title=title, kind=OptionKind.PRODUCT, key=title)
        for at, title in enumerate(titles)
    ]
    return Menu(
        kind=MenuKind.FIRST_RESPONSE, layout=layout, body="?", options=options, list_button="x"
    )


class TestKeycapNumbers:
    @pytest.mark.parametrize(
        "text",
        [
            f"2{KEYCAP}",
            "2\u20e3",
            f" 2{KEYCAP} ",
            f"2{KEYCAP}.",
            f"2{KEYCAP})",
            f"#2{KEYCAP}",
            f"# 2{KEYCAP}",
            f"option 2{KEYCAP}",
            f"Option #2{KEYCAP}",
            f"option2{KEYCAP}",
            f"0{KEYCAP}2{KEYCAP}",
            "2\u200b\u20e3",
        ],
    )
    def test_forms_people_type(self, text):
        """A keycap digit picks by number in every form a typed digit does."""
        assert Selected(OPTIONS[1], MatchedBy.NUMBER) == interpret_reply(MENU, text=text)

    def test_translated_word(self):
        """A keycap digit after the translated number word picks by number."""
        expected = Selected(OPTIONS[1], MatchedBy.NUMBER)
        actual = interpret_reply(MENU, text=f"Opção 2{KEYCAP}", number_words=("Opção", "Option"))
        assert expected == actual

    @pytest.mark.parametrize(
        "text",
        [TEN, f"1{KEYCAP}0{KEYCAP}", "1\u20e30\u20e3", f"#{TEN}", f"option {TEN}", f"{TEN}."],
    )
    def test_ten(self, text):
        """The keycap ten, or keycaps one and zero, pick the tenth option."""
        assert Selected(TEN_OPTIONS[9], MatchedBy.NUMBER) == interpret_reply(TEN_MENU, text=text)

    @pytest.mark.parametrize(
        "text", [f"4{KEYCAP}", f"0{KEYCAP}", TEN, f"#9{KEYCAP}", f"1{KEYCAP}2{KEYCAP}"]
    )
    def test_out_of_range(self, text):
        """A keycap number with no option is out of range, as the same digits are."""
        assert InvalidReply(InvalidReason.OUT_OF_RANGE, text) == interpret_reply(MENU, text=text)

    @pytest.mark.parametrize(
        "text",
        [
            f"2{KEYCAP} please",
            f"1{KEYCAP} 2{KEYCAP}",
            f"1{KEYCAP}2",
            f"1{TEN}",
            f"{TEN}{TEN}",
            f"({TEN})",
            f"2{KEYCAP}.5",
            f"#{KEYCAP}2{KEYCAP}",
            f"*{KEYCAP}",
            f"#{KEYCAP}",
            "\N{ARABIC-INDIC DIGIT TWO}\u20e3",
        ],
    )
    def test_not_numbers(self, text):
        """Keycaps read only where the same digits would: with words, split or mixed, no number."""
        assert InvalidReply(InvalidReason.NO_MATCH, text) == interpret_reply(MENU, text=text)


class TestKeycapTitles:
    def test_number_of_a_keycap_title(self):
        """Options titled with keycaps in their own order: the keycap picks its option by number."""
        menu = keycap_menu(f"1{KEYCAP} Sales", f"2{KEYCAP} Support", f"3{KEYCAP} Other")
        assert Selected(menu.options[1], MatchedBy.NUMBER) == interpret_reply(
            menu, text=f"2{KEYCAP}"
        )

    @pytest.mark.parametrize("text", [f"2{KEYCAP} support", "2\u20e3 SUPPORT"])
    def test_keycap_title_typed_whole(self, text):
        """A title starting with a keycap, typed whole, with or without its selector, picks it."""
        menu = keycap_menu(f"1{KEYCAP} Sales", f"2{KEYCAP} Support", f"3{KEYCAP} Other")
        assert Selected(menu.options[1], MatchedBy.TITLE) == interpret_reply(menu, text=text)

    def test_keycap_title_in_its_place(self):
        """A title that is its own number in keycaps is accepted and picked by number."""
        menu = keycap_menu(f"1{KEYCAP}", f"2{KEYCAP}", TEN)
        assert Selected(menu.options[1], MatchedBy.NUMBER) == interpret_reply(
            menu, text=f"2{KEYCAP}"
        )

    def test_keycap_title_of_another_number_refused(self):
        """A menu built by hand whose keycap title reads as another option's number is refused."""
        with pytest.raises(MenuError, match="reads as another option's number"):
            keycap_menu(f"2{KEYCAP}", f"1{KEYCAP}")

    def test_simple_menu_names_keycap_titles_by_their_number(self):
        """Keycap labels out of order are shown with their own number: a number never disagrees."""
        menu = simple_menu("?", [f"2{KEYCAP}", f"1{KEYCAP}"])
        expected = (
            (f"2{KEYCAP} (Option 1)", f"1{KEYCAP} (Option 2)"),
            Selected(menu.options[1], MatchedBy.NUMBER),
        )
        actual = (
            tuple(option.title for option in menu.options),
            interpret_reply(menu, text=f"2{KEYCAP}"),
        )
        assert expected == actual

    def test_stored_keycap_titles_are_told_apart(self):
        """A stored menu's keycap titles that read as other numbers now get their own number."""
        options = [
            MenuOption(id="a", title=f"2{KEYCAP}", kind=OptionKind.CHOICE, key="a"),
            MenuOption(id="b", title=f"1{KEYCAP}", kind=OptionKind.CHOICE, key="b"),
        ]
        expected = (f"2{KEYCAP} (Option 1)", f"1{KEYCAP} (Option 2)")
        assert expected == tuple(option.title for option in distinct_titles(options, "buttons"))


def as_keycaps(draw, digits):
    """*digits* as keycaps, each with or without its selector; ten also as the one keycap ten."""
    if digits == "10" and draw(st.booleans()):
        return TEN
    return "".join(digit + draw(st.sampled_from(["\u20e3", KEYCAP])) for digit in digits)


@st.composite
def typed_numbers(draw):
    """A number typed in one of the accepted forms, in ASCII digits and in keycaps."""
    digits = draw(st.text("0123456789", min_size=1, max_size=3) | st.just("10"))
    before = draw(st.sampled_from(["", " ", "#", "# ", "option ", "Option #", "OPTION"]))
    after = draw(st.sampled_from(["", " ", ".", ")", " . ", "x", " please"]))
    return before + digits + after, before + as_keycaps(draw, digits) + after


def outcome_of(outcome):
    """What a reply picked or why not, the text received aside."""
    return outcome.option if isinstance(outcome, Selected) else outcome.reason


class TestKeycapOracle:
    @settings(deadline=None)
    @given(count=st.integers(1, 10), typed=typed_numbers())
    def test_keycaps_read_as_digits(self, count, typed):
        """A reply in keycaps reads as the same reply written with ASCII digits."""
        ascii_digits, keycaps = typed
        menu = simple_menu("?", [f"Course {chr(65 + at)}" for at in range(count)], display="list")
        expected = outcome_of(interpret_reply(menu, text=ascii_digits))
        assert expected == outcome_of(interpret_reply(menu, text=keycaps))
