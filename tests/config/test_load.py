import json
import pathlib

import pytest

from convroute.config import Config, dump_config, load_config
from convroute.errors import ConfigError, MissingExtraError
from convroute.funnel import Funnel, Stage, Trigger
from convroute.model import OpportunityType, User
from convroute.routing import Admin, ChatGroup, ChatGroupTarget, OpportunityOwner, RoutingRule


EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"
SEED = EXAMPLES / "account.toml"


@pytest.fixture(scope="module")
def seed():
    return load_config(SEED)


class TestSeedExample:
    def test_loads(self, seed):
        """The design's example configuration loads as written."""
        assert ("u-asha", "u-ben", "u-chen", "u-meera") == tuple(u.id for u in seed.users)
        assert User(id="u-asha", name="Asha Rao", max_open_conversations=25) == seed.users[0]
        assert User(id="u-meera", name="Meera Iyer", admin=True) == seed.users[3]
        assert (
            ChatGroup(
                name="AI counsellors",
                members=("u-asha", "u-ben"),
                description="Postgraduate AI enquiries",
            )
            == seed.chat_groups[0]
        )
        assert (
            RoutingRule(
                name="AI desk",
                targets=(OpportunityOwner(), ChatGroupTarget(group="AI counsellors"), Admin()),
            )
            == seed.routing_rules[0]
        )
        assert (
            OpportunityType(
                name="Postgraduate Course",
                stages=("Enquiry", "Scheduling", "Applied", "Enrolled"),
                fields={"Course": ("AI", "Data Science", "Robotics")},
            )
            == seed.opportunity_types[0]
        )

    def test_numbers_and_menus(self, seed):
        """Numbers, products and both menus come through with their defaults."""
        number = seed.numbers[0]
        assert "918040001234" == number.number
        assert ("AI", "Data Science") == tuple(p.label for p in number.products)
        assert ("AI",) == number.products[0].values
        assert number.first_response is not None
        assert "buttons" == number.first_response.display
        assert "Something else" == number.first_response.other_queries_label
        assert number.second_response is not None
        assert "with {{owner.name|our team}}" == number.second_response.option_description

    def test_funnel(self, seed):
        """The funnel's stages, trigger and follow-up come through."""
        assert (
            Funnel(
                name="Sales",
                stages=(
                    Stage(
                        name="Lead Entry",
                        meta_event="LeadSubmitted",
                        triggers=(
                            Trigger(
                                phrase="I came from Instagram",
                                number="918040001234",
                                source="Instagram",
                            ),
                        ),
                    ),
                    Stage(name="Scheduling", follow_ups=("Thank you for scheduling with us",)),
                ),
            )
            == seed.funnels[0]
        )

    def test_durations(self, seed):
        """Durations are read as timedeltas."""
        assert 24 * 3600 == seed.conversation_timeout.total_seconds()
        assert 24 * 3600 == seed.menu_timeout.total_seconds()

    @pytest.mark.parametrize("fmt", ["toml", "json", "yaml"])
    def test_round_trip(self, seed, fmt):
        """Dumping and loading again gives an equal configuration."""
        assert seed == load_config(dump_config(seed, fmt), format=fmt)

    def test_summary(self, seed):
        """The summary counts every section."""
        assert (
            "4 users, 2 chat groups, 3 routing rules, 1 opportunity type, 1 number, 1 funnel"
            == seed.summary()
        )


class TestSources:
    def test_path_string(self):
        """A one-line string ending in .toml is a path."""
        assert load_config(SEED) == load_config(str(SEED))

    def test_text(self):
        """A string with newlines is the text of a TOML file."""
        assert load_config(SEED) == load_config(SEED.read_text(encoding="utf-8"))

    def test_json_text(self, seed):
        """Text starting with a brace is JSON."""
        assert seed == load_config(dump_config(seed, "json"))

    def test_json_file(self, seed, tmp_path):
        """A .json file is read as JSON."""
        path = tmp_path / "account.json"
        path.write_text(dump_config(seed, "json"), encoding="utf-8")
        assert seed == load_config(path)

    def test_yaml_file(self, seed, tmp_path):
        """A .yml file is read as YAML."""
        path = tmp_path / "account.yml"
        path.write_text(dump_config(seed, "yaml"), encoding="utf-8")
        assert seed == load_config(path)

    def test_mapping(self, seed):
        """An already-parsed mapping is structured directly."""
        assert seed == load_config(json.loads(dump_config(seed, "json")))

    def test_empty(self):
        """An empty file is a valid, empty configuration."""
        assert Config() == load_config("")

    def test_unknown_suffix(self, tmp_path):
        """A file with an unknown suffix and no format is an error that says so."""
        path = tmp_path / "account.ini"
        path.write_text("", encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert ("cannot tell the format of 'account.ini': use .toml, .json or .yaml @ $",) == (
            caught.value.errors
        )

    def test_explicit_format(self, seed, tmp_path):
        """The format argument reads a file whatever its suffix."""
        path = tmp_path / "account.conf"
        path.write_text(dump_config(seed, "json"), encoding="utf-8")
        assert seed == load_config(path, format="json")

    def test_missing_file(self, tmp_path):
        """A missing file raises the OSError it is."""
        with pytest.raises(FileNotFoundError):
            load_config(tmp_path / "missing.toml")

    def test_top_level_not_a_table(self):
        """A JSON list at the top is reported, not a traceback."""
        with pytest.raises(ConfigError) as caught:
            load_config("[1, 2]", format="json")
        assert ("expected a table of settings at the top @ $",) == caught.value.errors


class TestDump:
    def test_defaults_left_out(self):
        """Keys left at their defaults are not written."""
        assert "{}\n" == dump_config(Config(), "json")

    def test_unknown_format(self, seed):
        """An unknown format is a ValueError naming the choices."""
        with pytest.raises(ValueError, match="use 'toml', 'json' or 'yaml'"):
            dump_config(seed, "ini")  # type: ignore[arg-type]

    def test_toml_without_extra(self, seed, monkeypatch):
        """Without tomli-w, writing TOML names the extra to install."""
        monkeypatch.setitem(__import__("sys").modules, "tomli_w", None)
        with pytest.raises(MissingExtraError) as caught:
            dump_config(seed)
        assert "toml" == caught.value.extra

    def test_yaml_without_extra(self, monkeypatch):
        """Without PyYAML, reading YAML names the extra to install."""
        monkeypatch.setitem(__import__("sys").modules, "yaml", None)
        with pytest.raises(MissingExtraError, match=r"pip install 'convroute\[yaml\]'"):
            load_config("users: []", format="yaml")

    def test_targets_tagged(self, seed):
        """Targets are written with their kind tag first."""
        data = json.loads(dump_config(seed, "json"))
        assert [
            {"kind": "opportunity_owner"},
            {"kind": "chat_group", "group": "AI counsellors"},
            {"kind": "admin"},
        ] == data["routing_rules"][0]["targets"]
