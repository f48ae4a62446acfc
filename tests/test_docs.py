import pathlib
import re

import pytest

from mypy import api as mypy_api


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
# One line of mypy's output: the file, the line, and what it says there.
MYPY_LINE = re.compile(r"^(?P<file>[^:\n]+\.py):(?P<line>\d+): (?P<message>.*)$", re.MULTILINE)
# A citation of the design document, which users do not have.
DESIGN_CITATION = re.compile(r"DESIGN|§|\b[Dd]esign,? section\b")


def python_blocks():
    """Each `python` block of the documents: its document, number there, first line and code."""
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for number, match in enumerate(BLOCK.finditer(text)):
            yield document, number, text.count("\n", 0, match.start(1)) + 1, match.group(1)


def blocks():
    for document, number, _, code in python_blocks():
        yield pytest.param(code, id=f"{document.name}-{number}")


def excerpts():
    for document in DOCUMENTS:
        for number, code in enumerate(EXCERPT.findall(document.read_text(encoding="utf-8"))):
            yield pytest.param(code, id=f"{document.name}-{number}")


def type_errors(python_blocks, folder):
    """What `mypy --strict` finds in *python_blocks*, as `page:line: message`, in one run."""
    sources = {}
    for document, number, first_line, code in python_blocks:
        module = folder / "blocks" / f"{document.stem.replace('-', '_')}_{number}.py"
        module.parent.mkdir(exist_ok=True)
        module.write_text(code, encoding="utf-8")
        sources[module.name] = (document.relative_to(ROOT), first_line)
    config = folder / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    output, errors, status = mypy_api.run(
        [
            "--config-file",
            str(config),
            "--cache-dir",
            str(folder / "cache"),
            "--strict",
            "--enable-error-code",
            "ignore-without-code",
            "--show-error-codes",
            "--no-pretty",
            "--no-error-summary",
            str(folder / "blocks"),
        ]
    )
    found = [
        f"{document}:{first_line + int(match['line']) - 1}: {match['message']}"
        for match in MYPY_LINE.finditer(output)
        for document, first_line in [sources[pathlib.Path(match["file"]).name]]
    ]
    # A failure mypy did not report line by line (a crash, a bad option) is shown whole.
    return found or ([output + errors] if status or errors else [])


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

    def test_python_blocks_type_check(self, tmp_path):
        """Every python block of the README and docs passes `mypy --strict`, each on its own.

        Each block runs on its own (see above), so each is its own module here; all are checked
        in one mypy run. Blocks marked `python notest` are fragments of a host's program (its
        `service`, `store`, `request`…) and are neither run nor type-checked; `py` excerpts are
        checked where they come from, in examples/.
        """
        assert [] == type_errors(python_blocks(), tmp_path)

    def test_type_errors_name_the_page_and_line(self, tmp_path):
        """A type error in a block is reported at its line of the page, not of the block."""
        page = ROOT / "docs" / "routing.md"
        block = "import convroute\n\nphone: int = convroute.normalize_phone('+91 98000 00001')\n"
        found = type_errors([(page, 3, 40, block)], tmp_path)
        expected = ["docs/routing.md:42: error: Incompatible types in assignment"]
        assert expected == [line.split(" (expression")[0] for line in found]

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
