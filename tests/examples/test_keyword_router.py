import unicodedata

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_examples import load_bot, output_of, output_of_stdin, run_bot


keyword_router = load_bot("keyword_router")

NO_KEYWORD = "Front desk (no keyword): Thanks for writing: a person will read this."
PRICING = "Sales ('preço'): Our plans start at $9 a month: reply PLANS to see them."


class TestRoutes:
    @pytest.mark.parametrize(
        ("message", "lines"),
        [
            (
                "Hi! Can I TALK TO A HUMAN please?",
                [
                    "Front desk ('talk to a human'): A person will answer in a few minutes.",
                    "  Hi! Can I [TALK TO A HUMAN] please?",
                ],
            ),
            (
                "Wo ist die STRASSE?",
                [
                    "Office ('straße'): Our address is Hauptstraße 5, Berlin.",
                    "  Wo ist die [STRASSE]?",
                ],
            ),
            (
                "O app não funciona!",
                [
                    "Support ('não funciona'): Sentimos muito! Um técnico vai responder.",
                    "  O app [não funciona]!",
                ],
            ),
            ("We ❤️ LOVE it", ["Team ('❤️ love'): Thank you! ❤️", "  We [❤️ LOVE] it"]),
            ("❤ love it", ["Team ('❤ love'): Thank you! ❤️", "  [❤ love] it"]),
        ],
    )
    def test_keyword_routes_and_is_marked(self, capsys, message, lines):
        """The keyword's team answers, and the keyword is marked where the sender typed it."""
        assert [f"> {message}", *lines] == output_of(keyword_router, capsys, message)

    def test_nfd_message(self, capsys):
        """In an NFD message the marked piece is the sender's own, combining cedilla and all."""
        message = unicodedata.normalize("NFD", "Qual o PREÇO?")
        assert [
            f"> {message} (NFD)",
            PRICING,
            f"  Qual o [{unicodedata.normalize('NFD', 'PREÇO')}]?",
        ] == output_of(keyword_router, capsys, message)

    def test_longest_keyword_wins(self, capsys):
        """Of two keywords in one message the longest wins."""
        assert (
            "Sales ('how much'): " in output_of(keyword_router, capsys, "how much is the price")[1]
        )

    def test_messages_from_standard_input(self, capsys, monkeypatch):
        """Without arguments, each line of standard input is a message."""
        lines = output_of_stdin(keyword_router, capsys, monkeypatch, "preço\r\nhello\n")
        assert ["> preço", PRICING, "  [preço]", "> hello", NO_KEYWORD] == lines


class TestHostileMessages:
    @pytest.mark.parametrize("message", ["", "   ", "\u200b", "🚀🚀🚀", "hello there", "pri ce"])
    def test_no_keyword(self, capsys, message):
        """A message without a keyword, blank or all emoji, goes to the front desk."""
        assert [f"> {message}", NO_KEYWORD] == output_of(keyword_router, capsys, message)

    def test_very_long_message(self, capsys):
        """In a very long message the keyword alone is shown, and the echo is cut to fit."""
        message = "bla " * 1000 + "REFUND please" + " bla" * 1000
        assert [
            f"> {'bla ' * 19}bla…",
            "Billing ('refund'): Refunds take 5 working days; we will confirm by email.",
            "  …[REFUND]…",
        ] == output_of(keyword_router, capsys, message)

    # capsys is read, and so emptied, by each example.
    @settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(message=st.text().filter(lambda text: text.splitlines() in ([], [text])))
    def test_any_text(self, capsys, message):
        """Whatever the message, the bot answers it, marking exactly the piece its span names."""
        hit = keyword_router.KEYWORDS.find(message)
        lines = output_of(keyword_router, capsys, message)
        if hit is None:
            assert NO_KEYWORD == lines[-1]
        elif len(message) <= keyword_router.SHOWN:
            start, end = hit.span
            assert f"  {message[:start]}[{message[start:end]}]{message[end:]}" == "\n".join(
                lines[2:]
            )


class TestAsAProgram:
    def test_run_as_shown(self):
        """`python examples/bots/keyword_router.py MESSAGE…` prints each route."""
        status, out, err = run_bot("keyword_router", "Qual o preço?", "hi")
        assert (0, "") == (status, err)
        assert ["> Qual o preço?", PRICING, "  Qual o [preço]?", "> hi", NO_KEYWORD] == (
            out.splitlines()
        )

    def test_bytes_that_are_not_utf8(self):
        """Standard input that is not UTF-8, and such an argument, are routed, not a traceback."""
        status, out, err = run_bot("keyword_router", stdin=b"\xff refund\n")
        assert (0, "") == (status, err)
        assert "  \ufffd [refund]" == out.splitlines()[2]
        status, out, err = run_bot("keyword_router", b"price \xff")
        assert (0, "") == (status, err)
        assert "  [price] \\udcff" == out.splitlines()[2]
