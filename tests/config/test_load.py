import datetime as dt
import json
import pathlib

import pytest

from convroute.config import Config, dump_config, load_config, loads_config
from convroute.errors import ConfigError, MissingExtraError
from convroute.funnel import AdSource, Funnel, Stage, Trigger
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
        assert (
            User(id="u-meera", name="Meera Iyer", admin=True, schedule="India office")
            == seed.users[3]
        )
        assert ("India office", "Asia/Kolkata") == (
            seed.schedules[0].name,
            seed.schedules[0].time_zone,
        )
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
                reply_within=dt.timedelta(minutes=30),
                reassign_when_away=dt.timedelta(minutes=15),
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
        """The funnel's stages, trigger, ad sources and follow-up come through."""
        assert (
            Funnel(
                name="Sales",
                stages=(
                    Stage(
                        name="Lead Entry",
                        meta_event="LeadSubmitted",
                        ads_source="Meta Ads",
                        ad_sources=(AdSource("120210000000000001", "Black Friday ad"),),
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
        assert seed == loads_config(dump_config(seed, fmt), format=fmt)

    def test_summary(self, seed):
        """The summary counts every section."""
        assert (
            "4 users, 2 chat groups, 3 routing rules, 1 opportunity type, 1 number, 1 funnel"
            == seed.summary()
        )


class TestSources:
    def test_path_string(self):
        """A string given to load_config is a path."""
        assert load_config(SEED) == load_config(str(SEED))

    def test_path_string_any_suffix(self, seed, tmp_path):
        """A string path with an unknown suffix is read as a file, its format told by content."""
        path = tmp_path / "account.conf"
        path.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
        assert seed == load_config(str(path))

    def test_text_is_not_a_path(self):
        """Configuration text given to load_config is a file that cannot be opened, not parsed."""
        with pytest.raises(OSError, match="File name too long"):
            load_config(SEED.read_text(encoding="utf-8"))

    def test_path_with_nul(self):
        """A path holding a NUL character is a missing file, not a ValueError from the OS."""
        with pytest.raises(FileNotFoundError):
            load_config("account\0.toml")

    def test_text(self):
        """loads_config reads the text of a TOML file."""
        assert load_config(SEED) == loads_config(SEED.read_text(encoding="utf-8"))

    def test_json_text(self, seed):
        """Text starting with a brace is JSON."""
        assert seed == loads_config(dump_config(seed, "json"))

    def test_one_line_text_ending_in_a_suffix(self):
        """loads_config never takes its text for a path, even one that looks like one."""
        assert Config() == loads_config("# account.toml")

    @pytest.mark.parametrize("given", [{}, b"", pathlib.Path("account.toml")])
    def test_loads_config_reads_only_text(self, given):
        """loads_config given a mapping, bytes or a path says what it reads instead."""
        with pytest.raises(TypeError, match="loads_config reads text, not "):
            loads_config(given)

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
        assert Config() == loads_config("")

    @pytest.mark.parametrize(("text", "fmt"), [("[[users]\n", "toml"), ('{"users": [', "json")])
    def test_unknown_suffix_told_by_content(self, tmp_path, text, fmt):
        """A file with an unknown suffix is JSON when it starts with a brace, TOML otherwise."""
        path = tmp_path / "account.ini"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert caught.value.errors[0].startswith(f"invalid {fmt.upper()}: ")

    def test_explicit_format(self, seed, tmp_path):
        """The format argument reads a file whatever its suffix."""
        path = tmp_path / "account.toml"
        path.write_text(dump_config(seed, "json"), encoding="utf-8")
        assert seed == load_config(path, format="json")

    def test_unknown_format(self, tmp_path):
        """An unknown format is a ValueError naming the choices, for text and files alike."""
        path = tmp_path / "account.toml"
        path.write_text("", encoding="utf-8")
        with pytest.raises(ValueError, match="use 'toml', 'json' or 'yaml'"):
            loads_config("", format="ini")
        with pytest.raises(ValueError, match="use 'toml', 'json' or 'yaml'"):
            load_config(path, format="ini")

    def test_missing_file(self, tmp_path):
        """A missing file raises the OSError it is."""
        with pytest.raises(FileNotFoundError):
            load_config(tmp_path / "missing.toml")

    def test_top_level_not_a_table(self):
        """A JSON list at the top is reported, not a traceback."""
        with pytest.raises(ConfigError) as caught:
            loads_config("[1, 2]", format="json")
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
            loads_config("users: []", format="yaml")

    def test_targets_tagged(self, seed):
        """Targets are written with their kind tag first."""
        data = json.loads(dump_config(seed, "json"))
        assert [
            {"kind": "opportunity_owner"},
            {"kind": "chat_group", "group": "AI counsellors"},
            {"kind": "admin"},
        ] == data["routing_rules"][0]["targets"]
