import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_examples import load_bot, output_of, output_of_stdin, run_bot


routing_script = load_bot("routing_script")

COMMANDS = "the commands are route, away, back, release, status, check"


class TestRouting:
    def test_round_robin_then_fallbacks(self, capsys):
        """Sales takes turns; with nobody left in it, the admin; each decision explained."""
        assert [
            "> route sales",
            "assigned to Asha (u-asha)",
            "  chat_group:Sales: picked Asha (u-asha)",
            "> route sales",
            "assigned to Ben (u-ben)",
            "  chat_group:Sales: picked Ben (u-ben)",
            "> away u-asha",
            "Asha (u-asha) is away",
            "> route sales",
            "assigned to Meera (u-meera)",
            (
                "  chat_group:Sales: skipped, no member available"
                " (Asha (u-asha) unavailable, Ben (u-ben) at capacity)"
            ),
            "  admin: picked Meera (u-meera)",
        ] == output_of(
            routing_script, capsys, "route sales", "route sales", "away u-asha", "route sales"
        )

    def test_owner_back_after_release(self, capsys):
        """A lead's owner at capacity is passed over until one of their conversations closes."""
        lines = output_of(
            routing_script,
            capsys,
            "route sales",
            "route sales",
            "route returning owner u-ben",
            "release u-ben",
            "route returning owner u-ben",
        )
        assert [
            "> route returning owner u-ben",
            "assigned to Asha (u-asha)",
            "  lead_owner: skipped, Ben (u-ben) is at capacity",
            "  chat_group:Sales: picked Asha (u-asha)",
            "> release u-ben",
            "Ben (u-ben) closed a conversation",
            "> route returning owner u-ben",
            "assigned to Ben (u-ben)",
            "  lead_owner: picked Ben (u-ben)",
        ] == lines[6:]

    def test_specific_user_away_then_back(self, capsys):
        """Support's own user, away, falls back to the group; back, is picked again."""
        lines = output_of(
            routing_script,
            capsys,
            "away u-carlos",
            "route support",
            "back u-carlos",
            "route support",
        )
        assert [
            "> away u-carlos",
            "Carlos (u-carlos) is away",
            "> route support",
            "assigned to Asha (u-asha)",
            "  specific_user:u-carlos: skipped, Carlos (u-carlos) is unavailable",
            "  chat_group:Support: picked Asha (u-asha), passed over Carlos (u-carlos) unavailable",
            "> back u-carlos",
            "Carlos (u-carlos) is back",
            "> route support",
            "assigned to Carlos (u-carlos)",
            "  specific_user:u-carlos: picked Carlos (u-carlos)",
        ] == lines

    def test_check_and_status(self, capsys):
        """check says what is wrong with the rules; status who holds what."""
        assert [
            "> route vip",
            "assigned to Meera (u-meera)",
            "  specific_user:u-zed: skipped, u-zed is an unknown user",
            "  admin: picked Meera (u-meera)",
            "> status",
            "open conversations: Meera 1",
            "last turns: admin Meera",
            "> check",
            "unknown user 'u-zed' @ $.routing_rules[3].targets[0].user",
        ] == output_of(routing_script, capsys, "route vip", "status", "check")

    def test_commands_from_standard_input(self, capsys, monkeypatch):
        """Without arguments, each line of standard input is a command; blanks, # lines skipped."""
        lines = output_of_stdin(
            routing_script, capsys, monkeypatch, "# a comment\n\n  status  \r\n"
        )
        assert ["> status", "open conversations: none", "last turns: none"] == lines


class TestHostileCommands:
    @pytest.mark.parametrize(
        ("command", "answer"),
        [
            ("fly away", f"error: not a command: 'fly away'; {COMMANDS}"),
            ("route", f"error: not a command: 'route'; {COMMANDS}"),
            ("route sales owner", f"error: not a command: 'route sales owner'; {COMMANDS}"),
            ("route gold", "error: no rule 'gold'; the rules are sales, support, returning, vip"),
            ("away u-zed", "error: unknown user 'u-zed'"),
            ("release u-asha", "error: user 'u-asha' holds no open conversation to release"),
            ("away 🚀", "error: unknown user '🚀'"),
        ],
    )
    def test_mistakes_are_said(self, capsys, command, answer):
        """A command that cannot be carried out says why, and the script goes on."""
        assert [f"> {command}", answer, "> status"] == output_of(
            routing_script, capsys, command, "status"
        )[:3]

    def test_very_long_command(self, capsys):
        """A very long command is echoed cut to fit."""
        command = "route " + "x" * 5000
        assert [
            f"> route {'x' * 73}…",
            f"error: no rule {'x' * 5000!r}; the rules are sales, support, returning, vip",
        ] == output_of(routing_script, capsys, command)

    # capsys is read, and so emptied, by each example.
    @settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        commands=st.lists(
            st.lists(
                st.sampled_from(["route", "away", "back", "release", "status", "check", "owner"])
                | st.sampled_from(["sales", "support", "returning", "vip", "u-asha", "u-ben"])
                | st.text(min_size=1),
                max_size=4,
            ).map(" ".join),
            min_size=1,
            max_size=8,
        )
    )
    def test_any_commands(self, capsys, commands):
        """Whatever the commands, the script carries them out or says why, and never raises."""
        assert 0 == routing_script.main(commands)
        assert "" == capsys.readouterr().err


class TestAsAProgram:
    def test_run_as_shown(self):
        """`python examples/bots/routing_script.py COMMAND…` prints each decision explained."""
        status, out, err = run_bot("routing_script", "route sales", "away u-zed")
        assert (0, "") == (status, err)
        assert [
            "> route sales",
            "assigned to Asha (u-asha)",
            "  chat_group:Sales: picked Asha (u-asha)",
            "> away u-zed",
            "error: unknown user 'u-zed'",
        ] == out.splitlines()

    def test_bytes_that_are_not_utf8(self):
        """Standard input that is not UTF-8, and such an owner, are told, not a traceback."""
        status, out, err = run_bot("routing_script", stdin=b"away \xff\n")
        assert (0, "") == (status, err)
        assert ["> away \ufffd", "error: unknown user '\ufffd'"] == out.splitlines()
        status, out, err = run_bot("routing_script", b"route returning owner \xff")
        assert (0, "") == (status, err)
        assert out.splitlines()[1].startswith("error: not Unicode text: a lone surrogate")
