import importlib
import types

import pytest

import convroute
import convroute.config


PACKAGES = [
    "convroute",
    "convroute.config",
    "convroute.engine",
    "convroute.funnel",
    "convroute.menus",
    "convroute.routing",
    "convroute.whatsapp",
]

# Names a module still exports where they were first, after they moved.
MOVED = {"convroute.simulate": {"EventLineError"}}


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

    @pytest.mark.parametrize(
        "name",
        [
            "convroute.model",
            "convroute.ports",
            "convroute.service",
            "convroute.simulate",
            "convroute.state",
        ],
    )
    def test_module_all_is_what_it_defines(self, name):
        """A module's __all__ lists exactly the public names it defines, and those that moved."""
        model = importlib.import_module(name)
        defined = {
            member
            for member, value in vars(model).items()
            if not member.startswith("_") and getattr(value, "__module__", None) == model.__name__
        }
        assert defined | MOVED.get(name, set()) == set(model.__all__)


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
