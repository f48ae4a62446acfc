import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_examples import load_bot, output_of, output_of_stdin, run_bot


plan_picker = load_bot("plan_picker")

MENU = [
    "to 15557654321: a list of 4 options",
    "  Plans",
    "  Which plan suits you? {Prices in USD}",
    "  1. Basic: One seat, email support, $9 a month",
    "  2. Pro: Priority support, $29 a month",
    "  3. Team: Up to 20 seats, $99 a month",
    "  4. ☎️ Talk to us",
    "  Pay monthly, cancel any time.",
    "  [See plans]",
]


class TestPicks:
    def test_menu_first(self, capsys, monkeypatch):
        """The bot shows its list of plans, descriptions and braces as written, before any reply."""
        assert MENU == output_of_stdin(plan_picker, capsys, monkeypatch, "")

    @pytest.mark.parametrize(
        ("reply", "answer"),
        [
            ("2.", "Pro (plan-pro), picked by number"),
            ("2)", "Pro (plan-pro), picked by number"),
            ("#3", "Team (plan-team), picked by number"),
            ("option 1", "Basic (plan-basic), picked by number"),
            ("tap:plan-team", "Team (plan-team), picked by id"),
            ("  pro  ", "Pro (plan-pro), picked by title"),
            ("☎ talk to us", "☎️ Talk to us (human), picked by title: a person will answer"),
            ("tap:human", "☎️ Talk to us (human), picked by id: a person will answer"),
        ],
    )
    def test_reply_picks(self, capsys, reply, answer):
        """A tap, a number as people type one, or a title picks the plan, by the bot's own id."""
        assert [f"> {reply}", answer] == output_of(plan_picker, capsys, reply)[len(MENU) :]

    def test_replies_from_standard_input(self, capsys, monkeypatch):
        """Without arguments, each line of standard input is a reply."""
        lines = output_of_stdin(plan_picker, capsys, monkeypatch, "3\r\nbasic\n")
        assert [
            "> 3",
            "Team (plan-team), picked by number",
            "> basic",
            "Basic (plan-basic), picked by title",
        ] == lines[len(MENU) :]


class TestHostileReplies:
    @pytest.mark.parametrize(
        ("reply", "answer"),
        [
            ("", "not understood (empty): ''; reply 1 to 4, or a plan's name"),
            ("7", "not understood (out_of_range): '7'; reply 1 to 4, or a plan's name"),
            (
                "tap:plan-gold",
                "not understood (unknown_id): 'plan-gold'; reply 1 to 4, or a plan's name",
            ),
            ("🚀🚀", "not understood (no_match): '🚀🚀'; reply 1 to 4, or a plan's name"),
            ("Platinum", "not understood (no_match): 'Platinum'; reply 1 to 4, or a plan's name"),
        ],
    )
    def test_not_understood(self, capsys, reply, answer):
        """A reply that picks nothing is answered with why, and how to pick."""
        assert [f"> {reply}", answer] == output_of(plan_picker, capsys, reply)[len(MENU) :]

    def test_very_long_reply_echoed_cut(self, capsys):
        """A very long reply is echoed cut to 40 code points, never inside an emoji."""
        reply = "🇧🇷" * 5000
        echoed = "🇧🇷" * 19 + "…"
        assert [
            f"> {echoed}",
            f"not understood (no_match): {echoed!r}; reply 1 to 4, or a plan's name",
        ] == output_of(plan_picker, capsys, reply)[len(MENU) :]

    # capsys is read, and so emptied, by each example.
    @settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        replies=st.lists(st.text().filter(lambda text: "\n" not in text), min_size=1, max_size=5)
    )
    def test_any_text(self, capsys, replies):
        """Whatever the lead types, the bot answers each reply on two lines and never raises."""
        assert 0 == plan_picker.main(replies)
        captured = capsys.readouterr()
        assert (len(MENU) + 2 * len(replies), "") == (captured.out.count("\n"), captured.err)


class TestAsAProgram:
    def test_run_as_shown(self):
        """`python examples/bots/plan_picker.py REPLY…` prints the menu and the answers."""
        status, out, err = run_bot("plan_picker", "2.", "7")
        assert (0, "") == (status, err)
        assert [
            *MENU,
            "> 2.",
            "Pro (plan-pro), picked by number",
            "> 7",
            "not understood (out_of_range): '7'; reply 1 to 4, or a plan's name",
        ] == out.splitlines()

    def test_bytes_that_are_not_utf8(self):
        """Standard input that is not UTF-8, and such an argument, are answered, not a traceback."""
        status, out, err = run_bot("plan_picker", stdin=b"\xff\xfe pro\n1\n")
        assert (0, "") == (status, err)
        assert ["> \ufffd\ufffd pro", "> 1"] == out.splitlines()[len(MENU) :: 2]
        status, out, err = run_bot("plan_picker", b"\xff")
        assert (0, "") == (status, err)
        assert "> \\udcff" == out.splitlines()[len(MENU)]
