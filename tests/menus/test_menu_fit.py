"""
Fitting text to WhatsApp's limits by code points, with an ellipsis.
"""

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
