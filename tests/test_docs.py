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
# A link of a document to a file of the repository or a heading: ``](path#heading)``.
RELATIVE_LINK = re.compile(r"\]\((?![a-z]+:)([^)\s#]*)(?:#([^)\s]*))?\)")


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


def markdown_lines(document):
    """Each line of *document*, numbered, and what it is: prose, fence, code or stray fence.

    A fence opens with any info string (```text) and closes with none: one with an info string
    inside a block is a stray, meant to open a block when the one before never closed.
    """
    fenced = False
    for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("```"):
            yield number, line, "code" if fenced else "prose"
        elif fenced and line.rstrip() != "```":
            yield number, line, "stray fence"
        else:
            fenced = not fenced
            yield number, line, "fence"


def heading_anchors(document):
    """The anchors of *document*'s headings, as GitHub makes them."""
    anchors = set()
    seen: dict[str, int] = {}
    for _, line, kind in markdown_lines(document):
        heading = re.match(r"#{1,6} (.*)", line) if kind == "prose" else None
        if heading is None:
            continue
        anchor = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        anchors.add(anchor if count == 0 else f"{anchor}-{count}")
    return anchors


def broken_links(document):
    """Each link of *document* to a file that is not there, or to a heading it lacks."""
    text = "\n".join(line for _, line, kind in markdown_lines(document) if kind == "prose")
    broken = []
    for path, heading in RELATIVE_LINK.findall(text):
        target = (document.parent / path).resolve() if path else document
        if not target.exists():
            broken.append(f"{path}: no such file")
        elif heading and target.suffix == ".md" and heading not in heading_anchors(target):
            broken.append(f"{path}#{heading}: no such heading")
    return broken


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
        "document", DOCUMENTS, ids=[str(path.relative_to(ROOT)) for path in DOCUMENTS]
    )
    def test_links_name_files_and_headings_that_are_there(self, document):
        """Every link of the README and docs to a file or a heading finds it."""
        assert [] == broken_links(document)

    @pytest.mark.parametrize(
        "document", DOCUMENTS, ids=[str(path.relative_to(ROOT)) for path in DOCUMENTS]
    )
    def test_each_fenced_block_is_closed_before_the_next_opens(self, document):
        """No fence such as ```text opens inside a block: the text between would read as code."""
        assert [] == [
            number for number, _, kind in markdown_lines(document) if kind == "stray fence"
        ]

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
