"""
Reading a lead's reply against the menu it answers.
"""

import pytest

from convroute.menus import (
    InvalidReason,
    InvalidReply,
    MatchedBy,
    Menu,
    MenuKind,
    MenuOption,
    OptionKind,
    Selected,
    interpret_reply,
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
