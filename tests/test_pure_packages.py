"""
The pure packages do no I/O and read no clock, as far as their source shows.
"""

import ast
import pathlib

import pytest

import convroute


SOURCE = pathlib.Path(convroute.__file__).parent
PURE = ("routing", "menus", "funnel", "engine")

# Modules whose whole purpose is I/O, a clock, randomness or the process's
# surroundings; imported only for type checking, they are fine.
FORBIDDEN_MODULES = {
    "asyncio",
    "glob",
    "http",
    "importlib",
    "logging",
    "os",
    "random",
    "secrets",
    "select",
    "shutil",
    "socket",
    "sqlite3",
    "ssl",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "time",
    "urllib.request",
    "uuid",
}
# Calls that do I/O or read the clock, by the name called.
FORBIDDEN_CALLS = {
    "Path",  # pathlib.Path may touch the file system; PurePath cannot
    "ZoneInfo",  # reads the time zone database
    "breakpoint",
    "getenv",
    "input",
    "now",
    "open",
    "print",
    "read_bytes",
    "read_text",
    "today",
    "utcnow",
    "write_bytes",
    "write_text",
}
# (file, call) -> why it stays.
ALLOWED = {
    ("routing/_hours.py", "ZoneInfo"): "a schedule names its zone: read when it is built",
}


def runtime_nodes(tree):
    """
    Every node of a module, leaving out what runs only under ``TYPE_CHECKING``.
    """
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            checked = isinstance(child, ast.If) and ast.unparse(child.test).endswith(
                "TYPE_CHECKING"
            )
            if checked:
                stack.extend(child.orelse)
            else:
                stack.append(child)


def called_name(call):
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def forbidden(module):
    return any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN_MODULES)


def impurities(path, source=SOURCE):
    """
    The imports and calls in *path* that do I/O or read the clock, as ``file:line: what``.
    """
    where = path.relative_to(source).as_posix()
    found = []
    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            modules = []
        found += [
            f"{where}:{node.lineno}: import {module}" for module in modules if forbidden(module)
        ]
        if isinstance(node, ast.Call):
            name = called_name(node)
            if name in FORBIDDEN_CALLS and (where, name) not in ALLOWED:
                found.append(f"{where}:{node.lineno}: {name}()")
    return found


class TestPurePackages:
    @pytest.mark.parametrize("package", PURE)
    def test_no_io_and_no_clock(self, package):
        """A pure package imports no I/O module and calls nothing doing I/O or reading the clock."""
        paths = sorted((SOURCE / package).rglob("*.py"))
        assert [] == [found for path in paths for found in impurities(path)]

    def test_the_allowed_are_still_there(self):
        """Each allowed call is still made where it is allowed: the list holds no stale excuse."""
        assert [] == [
            (file, call)
            for file, call in ALLOWED
            if f"{call}(" not in (SOURCE / file).read_text(encoding="utf-8")
        ]

    def test_impurities_are_found(self, tmp_path):
        """Imports of I/O modules, clock reads and file calls are reported with their lines."""
        (tmp_path / "funnel").mkdir()
        module = tmp_path / "funnel" / "_bad.py"
        module.write_text(
            "import datetime as dt\n"
            "import os.path\n"
            "from time import monotonic\n"
            "stamp = dt.datetime.now(dt.UTC)\n"
            "text = open('x').read()\n"
            "print(text)\n"
        )
        assert [
            "funnel/_bad.py:2: import os.path",
            "funnel/_bad.py:3: import time",
            "funnel/_bad.py:4: now()",
            "funnel/_bad.py:5: open()",
            "funnel/_bad.py:6: print()",
        ] == sorted(impurities(module, tmp_path))

    def test_type_checking_imports_and_pure_calls_pass(self, tmp_path):
        """Imports for type checking only, PurePath and in-memory streams are not I/O."""
        (tmp_path / "funnel").mkdir()
        module = tmp_path / "funnel" / "_good.py"
        module.write_text(
            "import io\n"
            "import pathlib\n"
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    import os\n"
            "suffix = pathlib.PurePath('a.png').suffix\n"
            "buffer = io.BytesIO()\n"
        )
        assert [] == impurities(module, tmp_path)
