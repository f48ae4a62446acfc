"""
Bad values are described in error messages in one wording, short and safe.
"""

import types

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute._describe import described, kind_of, quoted


class TestDescribed:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("5", "the text '5'"),
            (5, "the number 5"),
            (1.9, "the number 1.9"),
            (True, "the boolean true"),
            (2**63, "a whole number outside the signed 64-bit range"),
            (-(2**63) - 1, "a whole number outside the signed 64-bit range"),
            pytest.param(10**5000, "a whole number outside the signed 64-bit range", id="huge"),
            ({"a": 1}, "an object"),
            (types.MappingProxyType({}), "an object"),
            ([1], "a list"),
            ((1,), "a list"),
            (None, "null"),
            (b"x", "a bytes"),
        ],
    )
    def test_each_kind(self, value, expected):
        """Text, numbers and booleans are shown; anything else by its kind."""
        assert expected == described(value)

    def test_long_text_is_cut_short(self):
        """Long text shows its first 40 characters and its length."""
        assert "the text '" + "a" * 40 + "'… (5000 characters)" == described("a" * 5000)

    def test_text_of_escapes_is_cut_by_its_quote(self):
        """Characters shown escaped count by their escapes: the quote stays short."""
        text = "00000000\x1f\x1f\x1f\U00012544\U00012544\U00018cd6\U00018cd6\U00018d09" * 2
        assert (True, True) == (
            len(described(text)) <= 100,
            described(text).endswith("(32 characters)"),
        )

    @given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists))
    def test_never_long(self, value):
        """A description stays short, whatever the value."""
        assert len(described(value)) <= 100


class TestKindOf:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("secret text", "text"),
            (16505551234, "a number"),
            (False, "a boolean"),
            ({}, "an object"),
            ([], "a list"),
            (None, "null"),
        ],
    )
    def test_kind_only(self, value, expected):
        """Only the kind is named, never the value itself."""
        assert expected == kind_of(value)


class TestQuoted:
    def test_short_text_is_quoted_whole(self):
        """Short text is quoted as Python writes it."""
        assert repr("it's") == quoted("it's")

    def test_long_text_is_cut_short(self):
        """Long text shows its first 40 characters and its length."""
        assert "'" + "b" * 40 + "'… (41 characters)" == quoted("b" * 41)
