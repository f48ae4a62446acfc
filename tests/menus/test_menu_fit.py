"""
Fitting text to WhatsApp's limits by code points, with an ellipsis.
"""

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.menus import fit_text
from menu_strategies import menu_texts


FLAG = "\N{REGIONAL INDICATOR SYMBOL LETTER I}\N{REGIONAL INDICATOR SYMBOL LETTER N}"


class TestFitText:
    def test_text_that_fits_is_unchanged(self):
        """Text within the limit comes back as it is, trailing spaces and all."""
        assert "Data Science " == fit_text("Data Science ", 20)

    def test_cut_with_an_ellipsis(self):
        """Longer text keeps limit - 1 code points and ends with an ellipsis."""
        assert "Artificial Intellig…" == fit_text("Artificial Intelligence", 20)

    def test_cut_drops_trailing_spaces(self):
        """No space is left before the ellipsis."""
        assert "Data…" == fit_text("Data    Science and more", 9)

    def test_flag_is_never_split(self):
        """A flag (two code points) is kept whole or left out whole."""
        assert "ab…" == fit_text("ab" + FLAG + "cd", 4)

    def test_accent_stays_with_its_letter(self):
        """A combining accent is never cut from its letter."""
        assert "ab…" == fit_text("abe\N{COMBINING ACUTE ACCENT}fg", 4)

    def test_giant_cluster_is_cut_inside(self):
        """One cluster longer than the limit is cut by code points, not dropped."""
        zalgo = "a" + "\N{COMBINING DIAERESIS}" * 30
        assert zalgo[:9] + "…" == fit_text(zalgo, 10)

    @given(text=menu_texts(), limit=st.integers(2, 80))
    def test_always_fits(self, text, limit):
        """The result never exceeds the limit, and is text's own start when cut."""
        fitted = fit_text(text, limit)
        assert len(fitted) <= limit
        if fitted != text:
            assert fitted.endswith("…")
            assert text.startswith(fitted[:-1])


class TestFitTextMisuse:
    @pytest.mark.parametrize("limit", [0, -1, -100])
    def test_limit_below_one(self, limit):
        """A limit that leaves no room for even the ellipsis is refused, never a longer text."""
        with pytest.raises(ValueError, match=rf"limit must be 1 or more, not {limit}"):
            fit_text("héllo", limit)

    @given(st.text(), st.integers(min_value=1, max_value=50))
    def test_never_longer_than_the_limit(self, text, limit):
        """Whatever the text, the result holds at most limit code points."""
        assert True is (len(fit_text(text, limit)) <= limit)

    def test_text_not_a_str(self):
        """Text that is not a str names the argument."""
        with pytest.raises(TypeError, match=r"text must be a str, not None"):
            fit_text(None, 3)  # type: ignore[arg-type]

    def test_limit_not_an_int(self):
        """A limit that is not a whole number names the argument."""
        with pytest.raises(TypeError, match=r"limit must be an int, not the str '3'"):
            fit_text("héllo", "3")  # type: ignore[arg-type]

    def test_limit_a_bool(self):
        """True is an int to Python, but no limit: it is refused, named."""
        with pytest.raises(TypeError, match=r"limit must be an int, not True"):
            fit_text("héllo", True)
