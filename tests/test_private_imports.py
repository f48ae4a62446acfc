"""
No package reaches into another package's private modules.
"""

import ast
import pathlib

import convroute


SOURCE = pathlib.Path(convroute.__file__).parent

# Importer -> the packages whose private modules it may import, and why.
ALLOWED = {
    # The public face of the in-memory store, whose parts share the
    # adapters' private helpers (instants, the rules of a unit of work);
    # and test files, read by the configuration's own reader and strict
    # converter, so that they are as strict as a configuration.
    "testing": {"adapters", "config"},
}


def owner(path, source):
    """
    The top-level module or package of *source* a file belongs to.
    """
    return path.relative_to(source).with_suffix("").parts[0]


def imported_modules(tree):
    """
    Every absolute module name a module's imports name.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def private_reaches(path, source=SOURCE):
    """
    The imports in *path* of a private module of another convroute package.
    """
    home = owner(path, source)
    found = []
    for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
        parts = module.split(".")
        if parts[0] != "convroute" or len(parts) < 3:
            continue
        package, inner = parts[1], parts[2:]
        private = any(part.startswith("_") for part in inner)
        if private and package not in {home} | ALLOWED.get(home, set()):
            found.append(f"{path.relative_to(source)}:{line}: {module}")
    return found


class TestPrivateImports:
    def test_no_package_imports_another_packages_private_module(self):
        """A private module is imported only from within its own package."""
        found = [reach for path in sorted(SOURCE.rglob("*.py")) for reach in private_reaches(path)]

        assert [] == found

    def test_a_reach_is_found(self, tmp_path):
        """An import of another package's private module is reported, with its line."""
        (tmp_path / "menus").mkdir()
        module = tmp_path / "menus" / "_fit.py"
        module.write_text("import os\n\nfrom convroute.funnel._text import fold\n")

        assert ["menus/_fit.py:3: convroute.funnel._text"] == private_reaches(module, tmp_path)

    def test_own_private_modules_and_shared_leaves_pass(self, tmp_path):
        """A package's own private modules and convroute's private leaves are not reaches."""
        (tmp_path / "menus").mkdir()
        module = tmp_path / "menus" / "_fit.py"
        module.write_text(
            "from convroute._text import fold\n"
            "from convroute.menus._model import Menu\n"
            "import convroute.funnel\n"
        )

        assert [] == private_reaches(module, tmp_path)
