import pathlib
import re

import pytest


ROOT = pathlib.Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
# What users read: the documents, and the docstrings and comments of the
# code, the examples and the benchmarks.
READ_BY_USERS = [
    *DOCUMENTS,
    ROOT / "CHANGELOG.md",
    *sorted(
        path
        for folder in ("src", "examples", "bench")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".md", ".toml", ".jsonl"}
    ),
]
# A citation of the design document, which users do not have.
DESIGN_CITATION = re.compile(r"DESIGN|§|\b[Dd]esign,? section\b")


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

    @pytest.mark.parametrize(
        "path", READ_BY_USERS, ids=[str(path.relative_to(ROOT)) for path in READ_BY_USERS]
    )
    def test_no_citation_of_the_design(self, path):
        """No document, docstring or example cites the design document or its sections."""
        text = path.read_text(encoding="utf-8")
        cited = [
            f"{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), start=1)
            if DESIGN_CITATION.search(line)
        ]
        assert [] == cited
