import pathlib
import re

import pytest


ROOT = pathlib.Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks():
    for document in DOCUMENTS:
        for number, code in enumerate(BLOCK.findall(document.read_text(encoding="utf-8"))):
            yield pytest.param(code, id=f"{document.name}-{number}")


class TestDocumentation:
    @pytest.mark.parametrize("code", list(blocks()))
    def test_python_blocks_run(self, code, monkeypatch):
        """Every python block of the README and docs runs as written, from the project root."""
        monkeypatch.chdir(ROOT)
        exec(compile(code, "<doc>", "exec"), {})  # noqa: S102 - our own documentation

    def test_there_are_blocks(self):
        """The documents do have python blocks to run."""
        assert len(list(blocks())) >= 3
