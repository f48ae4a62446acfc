"""
What ``import convroute`` gives a host, and what it costs.
"""

import ast
import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

import convroute
import convroute.engine
import convroute.service


ROOT = pathlib.Path(__file__).parent.parent

HOST_NAMES = {
    "convroute.engine": [
        "CloseConversation",
        "DeleteOpportunity",
        "DeleteTransition",
        "Engine",
        "IncomingMessage",
        "Media",
        "MediaKind",
        "OutgoingMessage",
        "SetPresence",
        "SetStage",
        "Tick",
        "UpdateLead",
        "UpdateOpportunity",
        "UpdateUser",
    ],
    "convroute.service": ["Service", "TickReport"],
}

# Extras needed for one feature each: a store, a file format, charts, the web
# examples.  The fast extra's ahocorasick_rs is not among them: the phrase
# matcher uses it whenever it is installed.
EXTRAS = ["fastapi", "flask", "matplotlib", "psycopg", "psycopg_pool", "tomli_w", "yaml"]


def docstring_example():
    """
    The code of the literal block (after ``::``) in convroute's docstring.
    """
    _, block = convroute.__doc__.split("::\n", 1)
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip() + "\n"


def imported_names(code):
    """
    Every ``module.name`` the example takes from convroute.
    """
    tree = ast.parse(code)
    modules = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update({alias.asname or alias.name: alias.name for alias in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module.startswith("convroute"):
            yield from ((node.module, alias.name) for alias in node.names)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and modules.get(node.value.id, "").startswith("convroute")
        ):
            yield modules[node.value.id], node.attr


class TestHostNames:
    @pytest.mark.parametrize(
        ("module", "name"),
        [(module, name) for module, names in HOST_NAMES.items() for name in names],
    )
    def test_importable_from_the_top(self, module, name):
        """The service, the engine and the events a host builds are convroute's own names."""
        home = sys.modules[module]

        assert getattr(home, name) is getattr(convroute, name)

    def test_config_readers_at_the_top(self):
        """Config, load_config and loads_config are importable from convroute."""
        assert {"Config", "load_config", "loads_config"} <= set(convroute.__all__)


class TestDocstringExample:
    def test_example_is_short(self):
        """The package docstring's example is a few lines a host can copy."""
        code = [line for line in docstring_example().splitlines() if line.strip()]

        assert 6 <= len(code) <= 9

    def test_example_names_import(self):
        """Every name the example takes from convroute is there."""
        names = sorted(set(imported_names(docstring_example())))
        missing = [
            f"{module}.{name}"
            for module, name in names
            if not hasattr(__import__(module, fromlist=[name]), name)
        ]

        assert ("convroute", "Service") in names
        assert [] == missing


class TestImportCost:
    def test_no_extra_imported(self):
        """``import convroute`` imports none of the optional extras."""
        probe = (
            "import json, sys\n"
            "import convroute\n"
            f"print(json.dumps(sorted(set({EXTRAS!r}) & set(sys.modules))))\n"
        )
        found = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )

        assert [] == json.loads(found.stdout)

    def test_probe_sees_an_import(self):
        """The probe's check of sys.modules sees a module that was imported."""
        probe = "import json, sys\nimport yaml\nprint(json.dumps('yaml' in sys.modules))\n"
        found = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )

        assert json.loads(found.stdout) is True
