import pathlib
import re
import shlex

import pytest

from bot_examples import BOTS, NAMES, run_bot


PAGE = pathlib.Path(__file__).parents[2] / "docs" / "bots.md"
PYTHON = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A command line of a console block: `$ ` and its words, continued after a backslash.
COMMAND = re.compile(r"\A\$ ((?:.*\\\n)*.*)\n", re.MULTILINE)


def runs():
    """
    Each console block of the page: the bot it runs, its arguments, and the output shown.
    """
    for block in CONSOLE.findall(PAGE.read_text(encoding="utf-8")):
        command = COMMAND.match(block)
        words = shlex.split(command.group(1).replace("\\\n", " "))
        yield pytest.param(words, block[command.end() :], id=pathlib.Path(words[1]).stem)


class TestTheBotsPage:
    @pytest.mark.parametrize("name", NAMES)
    def test_shows_each_program_whole(self, name):
        """Each bot's program is a python block of the page, character for character."""
        blocks = PYTHON.findall(PAGE.read_text(encoding="utf-8"))
        assert (BOTS / f"{name}.py").read_text(encoding="utf-8") in blocks

    def test_runs_each_program(self):
        """The page runs each of the three bots."""
        assert sorted(NAMES) == sorted(
            pathlib.Path(words[1]).stem for words, _ in (run.values for run in runs())
        )

    @pytest.mark.parametrize(("words", "shown"), list(runs()))
    def test_output_as_printed(self, words, shown):
        """Each command shown, run from the project root, prints exactly the output shown."""
        assert ["python", f"examples/bots/{pathlib.Path(words[1]).name}"] == words[:2]
        status, out, err = run_bot(pathlib.Path(words[1]).stem, *words[2:])
        assert (0, "", shown) == (status, err, out)
