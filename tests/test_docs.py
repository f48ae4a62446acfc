import pathlib
import re

import pytest


ROOT = pathlib.Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A block marked `py` is an excerpt of a program in examples/, which its own tests run.
EXCERPT = re.compile(r"^```py\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
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


def excerpts():
    for document in DOCUMENTS:
        for number, code in enumerate(EXCERPT.findall(document.read_text(encoding="utf-8"))):
            yield pytest.param(code, id=f"{document.name}-{number}")


def stripped_lines(text):
    # Blank lines and indents differ once an excerpt is dedented and formatted.
    return [line.strip() for line in text.splitlines() if line.strip()]


def holds(lines, part):
    """Whether *part* is a run of consecutive lines of *lines*."""
    return any(lines[start : start + len(part)] == part for start in range(len(lines)))


class TestDocumentation:
    @pytest.mark.parametrize("code", list(blocks()))
    def test_python_blocks_run(self, code, monkeypatch):
        """Every python block of the README and docs runs as written, from the project root."""
        monkeypatch.chdir(ROOT)
        exec(compile(code, "<doc>", "exec"), {})  # noqa: S102 - our own documentation

    @pytest.mark.parametrize("code", list(excerpts()))
    def test_excerpts_are_from_the_examples(self, code):
        """Every `py` block is a run of lines of a program in examples/, give or take indents."""
        part = stripped_lines(code)
        sources = [
            path.name for path in EXAMPLES if holds(stripped_lines(path.read_text("utf-8")), part)
        ]
        assert sources, f"not found in any of examples/*.py:\n{code}"

    def test_there_are_excerpts(self):
        """The web recipes are shown as excerpts of the tested examples."""
        assert len(list(excerpts())) >= 4

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
