import ast
import collections
import pathlib

import pytest

import convroute


SOURCE = pathlib.Path(convroute.__file__).parent
SECTIONS = ("Args:", "Attributes:", "Returns:", "Raises:", "Yields:")


def documented(path):
    """
    The name and docstring of each class and function in the module at *path*.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            text = ast.get_docstring(node)
            if text:
                yield node.name, text


class TestDocstrings:
    @pytest.mark.parametrize("path", sorted(SOURCE.rglob("*.py")), ids=str)
    def test_each_section_appears_once(self, path):
        """A docstring names each of its sections (Args, Attributes, ...) once."""
        repeated = {
            name: section
            for name, text in documented(path)
            for section, count in collections.Counter(
                line.strip() for line in text.splitlines()
            ).items()
            if section in SECTIONS and count > 1
        }

        assert {} == repeated
