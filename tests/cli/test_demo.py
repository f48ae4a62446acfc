import json
import pathlib
import subprocess
import sys

from convroute.cli._demo import seed_config
from convroute.config import load_config


ROOT = pathlib.Path(__file__).parents[2]


def convroute(*args):
    return subprocess.run(
        [sys.executable, "-m", "convroute", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


class TestDemo:
    def test_transcript_tells_the_story(self):
        """The transcript shows the entry, menus, assignments with their reasons and messages."""
        run = convroute("demo")

        assert (0, "") == (run.returncode, run.stderr)
        lines = [line.strip() for line in run.stdout.splitlines()]
        for expected in [
            "[09:00] Ravi Kumar: “Hi, I came from Instagram!”",
            "▸ funnel Sales: enters “Lead Entry” from Instagram (ad “Learn AI this winter”)",
            "└ [ AI ]  [ Data Science ]  [ Something else ]",
            "▸ new opportunity “AI” (Postgraduate Course, Course=AI)",
            "why: opportunity_owner: skipped, no owner",
            "chat_group:AI counsellors: picked Asha Rao (u-asha)",
            "│   • Priya's PG AI 2026 — with Ben Thomas",
            "▸ assigned to Ben Thomas by rule “AI desk” (Priya's PG AI 2026)",
            "why: opportunity_owner: skipped, Asha Rao (u-asha) is unavailable",
            "chat_group:AI counsellors: picked Ben Thomas (u-ben)",
            "✉ Asha Rao will help you with AI.",
            "▸ funnel Sales: Lead Entry → Scheduling (follow-up)",
            "✉ Thanks, Kiran! Our counsellors are busy just now: one will write to you soon.",
            "✉ Ben Thomas will help you with AI.",
            "▸ board: “AI” Enquiry → Scheduling",
            "Scheduling        1   100%               1",
        ]:
            assert expected in lines

    def test_json_prints_the_actions(self):
        """--json prints one action a line, each with its event."""
        run = convroute("demo", "--json")
        actions = [json.loads(line) for line in run.stdout.splitlines()]

        assert 0 == run.returncode
        assert {"send", "assign", "create_opportunity", "enter_funnel", "transition"} <= {
            action["type"] for action in actions
        }
        assert all("event" in action for action in actions)

    def test_shipped_config_is_the_example(self):
        """The config the demo ships is examples/account.toml, unchanged."""
        assert load_config(ROOT / "examples" / "account.toml") == seed_config()
        assert (ROOT / "examples" / "account.toml").read_bytes() == (
            ROOT / "src" / "convroute" / "cli" / "_data" / "account.toml"
        ).read_bytes()
