import ast
import importlib
import inspect
import itertools
import pathlib
import types

import pytest

import convroute
import convroute.config


PACKAGES = [
    "convroute",
    "convroute.adapters",
    "convroute.config",
    "convroute.engine",
    "convroute.funnel",
    "convroute.menus",
    "convroute.routing",
    "convroute.testing",
    "convroute.whatsapp",
]

MODULES = [
    "convroute.adapters.postgres",
    "convroute.adapters.sqlite",
    "convroute.model",
    "convroute.ports",
    "convroute.service",
    "convroute.simulate",
    "convroute.state",
    "convroute.testing.pytest_plugin",
]

# Names a module still exports where they were first, after they moved.
MOVED = {"convroute.simulate": {"EventLineError"}}

SOURCE = pathlib.Path(convroute.__file__).parent


def attribute_docstrings(paths):
    """
    The module-level names in *paths* that a string right after their assignment documents.
    """
    found = set()
    for path in paths:
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node, after in itertools.pairwise(body):
            if isinstance(node, ast.Assign):
                targets = [target.id for target in node.targets if isinstance(target, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            else:
                continue
            constant = after.value if isinstance(after, ast.Expr) else None
            text = constant.value if isinstance(constant, ast.Constant) else None
            if isinstance(text, str) and text.strip():
                found.update(targets)
    return found


DOCUMENTED_VALUES = attribute_docstrings(SOURCE.rglob("*.py"))


def undocumented(module):
    """
    The names in *module*'s __all__ without a docstring of their own.
    """
    missing = []
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value):
            doc = value.__dict__.get("__doc__")
        elif inspect.isroutine(value):
            doc = value.__doc__
        else:
            doc = "an attribute docstring" if name in DOCUMENTED_VALUES else None
        if not (doc and doc.strip()):
            missing.append(name)
    return missing


def public_home(dotted):
    """
    The public module a module name stands under: *dotted* up to its first private part.
    """
    parts = dotted.split(".")
    private = [index for index, part in enumerate(parts) if part.startswith("_")]
    return ".".join(parts[: private[0]] if private else parts)


def homeless(module):
    """
    The classes and functions *module* exports that no public module of their own exports.

    A name defined in a private module is at home when the public module above
    that private module exports it (``convroute.engine._engine.Engine`` is
    ``convroute.engine.Engine``), or when *module* itself is that public module.
    """
    found = []
    for name in module.__all__:
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isroutine(value)):
            continue
        home_name = public_home(value.__module__)
        if home_name == module.__name__:
            continue
        home = importlib.import_module(home_name)
        exported = getattr(home, "__all__", None)
        if not (name in exported if exported is not None else hasattr(home, name)):
            found.append(f"{name} ({value.__module__})")
    return found


class TestExportedMembers:
    @pytest.mark.parametrize("name", PACKAGES)
    def test_package_all_is_its_public_surface(self, name):
        """A package's __all__ lists exactly the public names its __init__ imports."""
        package = importlib.import_module(name)
        public = {
            member
            for member, value in vars(package).items()
            if not member.startswith("_") and not isinstance(value, types.ModuleType)
        }
        assert public == set(package.__all__)

    @pytest.mark.parametrize("name", MODULES)
    def test_module_all_is_what_it_defines(self, name):
        """A module's __all__ lists exactly the public names it defines, and those that moved."""
        model = importlib.import_module(name)
        defined = {
            member
            for member, value in vars(model).items()
            if not member.startswith("_") and getattr(value, "__module__", None) == model.__name__
        }
        assert defined | MOVED.get(name, set()) == set(model.__all__)

    @pytest.mark.parametrize("name", PACKAGES + MODULES)
    def test_every_exported_name_exists(self, name):
        """Each name in __all__ is there to import."""
        module = importlib.import_module(name)

        assert [] == [member for member in module.__all__ if not hasattr(module, member)]

    @pytest.mark.parametrize("name", PACKAGES + MODULES)
    def test_every_exported_name_is_documented(self, name):
        """Each class, function and value in __all__ has a docstring of its own."""
        assert [] == undocumented(importlib.import_module(name))

    @pytest.mark.parametrize("name", PACKAGES + MODULES)
    def test_every_exported_name_has_a_public_home(self, name):
        """What a module exports is defined in it, or exported where it is defined."""
        assert [] == homeless(importlib.import_module(name))


class TestMemberChecks:
    def test_a_private_definition_is_homeless(self):
        """A re-export of another package's private class is reported."""
        from convroute.adapters._memory import MemoryUnit

        module = types.ModuleType("convroute.testing")
        module.__all__ = ["MemoryUnit"]
        module.MemoryUnit = MemoryUnit

        assert ["MemoryUnit (convroute.adapters._memory)"] == homeless(module)

    def test_an_undocumented_class_is_reported(self):
        """A class without a docstring of its own is undocumented, whatever its bases say."""

        class Bare(ValueError):  # noqa: N818 - a bare subclass, the case itself
            pass

        module = types.ModuleType("convroute.example")
        module.__all__ = ["Bare", "undocumented"]
        module.Bare = Bare
        module.undocumented = undocumented

        assert ["Bare"] == undocumented(module)

    def test_a_value_without_a_docstring_is_reported(self):
        """A constant whose assignment no string follows is undocumented."""
        module = types.ModuleType("convroute.example")
        module.__all__ = ["NOT_DOCUMENTED_ANYWHERE"]
        module.NOT_DOCUMENTED_ANYWHERE = 3

        assert ["NOT_DOCUMENTED_ANYWHERE"] == undocumented(module)


class TestInternalNames:
    @pytest.mark.parametrize(
        ("name", "internal"),
        [
            ("convroute.engine", {"action_id", "new_opportunity_id"}),
            ("convroute.funnel", {"MAX_EVENT_AGE", "find_emoji", "fold", "transition_id"}),
        ],
    )
    def test_helpers_stay_inside(self, name, internal):
        """Ids, text folding and constants only convroute itself uses are not exported."""
        package = importlib.import_module(name)

        assert set() == internal & set(package.__all__)


class TestConfigReaders:
    def test_load_and_loads_config_at_the_top(self):
        """load_config, loads_config and dump_config are re-exported by convroute."""
        assert (
            convroute.config.load_config,
            convroute.config.loads_config,
            convroute.config.dump_config,
        ) == (convroute.load_config, convroute.loads_config, convroute.dump_config)
