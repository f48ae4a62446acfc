"""
The team's workflow in docs/testing-rules.md prints what the page shows.
"""

import re

from convroute.cli import main
from example_account import EXAMPLE_PATH


PAGE = EXAMPLE_PATH.parents[1] / "docs" / "testing-rules.md"
# A block the page marks with <!-- workflow: NAME --> just before it.
MARKED = re.compile(
    r"^<!-- workflow: (?P<name>\w+) -->\n```\w+\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL
)
DS_DESK = re.compile(
    r'^\[\[routing_rules\]\]\nname = "DS desk"\ntargets = \[\n.*?^\]\n', re.MULTILINE | re.DOTALL
)


def blocks():
    return {found["name"]: found["body"] for found in MARKED.finditer(PAGE.read_text("utf-8"))}


def shown_run(block, capsys, folder):
    """Run the block's command in *folder*: its exit status, the lines shown, the lines printed."""
    command, *shown = block.splitlines()
    arguments = command.removeprefix("$ convroute ").split()
    status = main(
        [str(folder / argument) if "." in argument else argument for argument in arguments]
    )
    return status, shown, capsys.readouterr().out.splitlines()


class TestWorkflow:
    def test_the_pages_blocks(self):
        """The page holds the four blocks of the workflow."""
        assert ["case", "failing", "change", "passing"] == list(blocks())

    def test_failing_then_passing(self, capsys, tmp_path):
        """The case fails as shown, and passes as shown once the configuration is changed."""
        found = blocks()
        account = EXAMPLE_PATH.read_text("utf-8")
        (tmp_path / "account.toml").write_text(account, "utf-8")
        (tmp_path / "ds-fallback.convroute.toml").write_text(found["case"], "utf-8")
        status, shown, printed = shown_run(found["failing"], capsys, tmp_path)
        assert (1, shown) == (status, printed)
        assert DS_DESK.search(account) is not None
        (tmp_path / "account.toml").write_text(DS_DESK.sub(found["change"], account), "utf-8")
        status, shown, printed = shown_run(found["passing"], capsys, tmp_path)
        assert (0, shown) == (status, printed)
