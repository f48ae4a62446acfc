"""
Any input, however deep, large or repeated, gives a Config or a ConfigError.
"""

import json

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.config import Config, dump_config, load_config, loads_config, parse_duration
from convroute.errors import ConfigError


def problems_of(text, fmt):
    with pytest.raises(ConfigError) as caught:
        loads_config(text, format=fmt)
    return list(caught.value.errors)


DEEP = 50_000


class TestDuplicateKeys:
    def test_json_top_level(self):
        """A key given twice at the top of a JSON file is an error, not last-wins."""
        assert ["duplicate key 'max_reprompts' @ $.max_reprompts"] == problems_of(
            '{"max_reprompts": 1, "max_reprompts": 2}', "json"
        )

    def test_json_nested(self):
        """A key given twice deep inside a JSON file is reported with its path."""
        text = json.dumps({"users": [{"id": "u", "name": "U"}]}).replace(
            '"name": "U"', '"name": "U", "name": "V"'
        )
        assert ["duplicate key 'name' @ $.users[0].name"] == problems_of(text, "json")

    def test_json_duplicates_beside_other_problems(self):
        """Duplicate keys are reported together with the file's other problems."""
        text = '{"users": [{"id": "u", "id": "u", "name": " "}], "max_reprompts": -1}'
        assert [
            "duplicate key 'id' @ $.users[0].id",
            "must be 0 or more @ $.max_reprompts",
            "a user's name must not be blank @ $.users[0].name",
        ] == problems_of(text, "json")

    def test_yaml(self):
        """A key given twice in a YAML mapping is reported with its path."""
        text = "users:\n  - id: u\n    name: U\n    name: V\nmax_reprompts: 1\nmax_reprompts: 1\n"
        assert [
            "duplicate key 'max_reprompts' @ $.max_reprompts",
            "duplicate key 'name' @ $.users[0].name",
        ] == problems_of(text, "yaml")

    def test_yaml_merge_keys_may_override(self):
        """A YAML merge key's values may be overridden: that is not a repeated key."""
        text = "users:\n  - &base {id: u, name: U}\n  - <<: *base\n    id: v\n"
        assert ("u", "v") == tuple(user.id for user in loads_config(text, format="yaml").users)

    def test_toml(self):
        """TOML refuses a repeated key itself."""
        (problem,) = problems_of("max_reprompts = 1\nmax_reprompts = 2\n", "toml")
        assert problem.startswith("invalid TOML: ")


class TestLimits:
    @pytest.mark.parametrize(
        ("text", "fmt"),
        [
            pytest.param('{"users": ' + "[" * DEEP + "]" * DEEP + "}", "json", id="json"),
            pytest.param("users = " + "[" * DEEP + "]" * DEEP, "toml", id="toml-arrays"),
            pytest.param("x = " + "{a = " * DEEP + "1" + "}" * DEEP, "toml", id="toml-tables"),
            pytest.param("users: " + "[" * DEEP + "]" * DEEP, "yaml", id="yaml"),
        ],
    )
    def test_deep_nesting(self, text, fmt):
        """A file nested 50 000 deep is one problem, not a RecursionError."""
        assert [f"invalid {fmt.upper()}: nested too deeply @ $"] == problems_of(text, fmt)

    @pytest.mark.parametrize(
        ("text", "fmt"),
        [
            pytest.param('{"max_reprompts": ' + "9" * 5000 + "}", "json", id="json"),
            pytest.param("max_reprompts = " + "9" * 5000, "toml", id="toml"),
            pytest.param("max_reprompts: " + "9" * 5000, "yaml", id="yaml"),
        ],
    )
    def test_integer_of_5000_digits(self, text, fmt):
        """An integer too long for Python to read is one problem, not a ValueError."""
        (problem,) = problems_of(text, fmt)
        assert problem.startswith(f"invalid {fmt.upper()}: ")
        assert "digits" in problem

    def test_huge_integer_in_a_mapping(self):
        """A mapping holding an integer of any size is reported at its path."""
        with pytest.raises(ConfigError) as caught:
            load_config({"lead_level_rule": 10**5000, "max_reprompts": -(10**5000)})
        assert (
            "expected a whole number, not one outside the signed 64-bit range @ $.max_reprompts",
            (
                "expected text, not a whole number outside the signed 64-bit range "
                "@ $.lead_level_rule"
            ),
        ) == caught.value.errors

    @pytest.mark.parametrize(
        "duration",
        [pytest.param("1000000000d", id="days"), pytest.param("9" * 5000 + "s", id="digits")],
    )
    def test_duration_too_long(self, duration):
        """A duration longer than a timedelta holds is a problem at its path."""
        assert [
            f"invalid duration {duration!r}: it is longer than 999999999d @ $.menu_timeout"
        ] == problems_of(json.dumps({"menu_timeout": duration}), "json")

    def test_parse_duration_too_long(self):
        """parse_duration refuses a duration too long with ConfigError, not OverflowError."""
        with pytest.raises(ConfigError) as caught:
            parse_duration("1000000000d")
        assert ("invalid duration '1000000000d': it is longer than 999999999d",) == (
            caught.value.errors
        )

    def test_longest_duration(self):
        """The longest duration a timedelta holds is read."""
        assert 999_999_999 == loads_config('menu_timeout = "999999999d"').menu_timeout.days

    def test_largest_64_bit_integer(self):
        """The largest signed 64-bit integer is a whole number like any other."""
        assert 2**63 - 1 == loads_config(f"max_reprompts = {2**63 - 1}").max_reprompts

    def test_file_over_16_mib_refused_unread(self, tmp_path):
        """A file over 16 MiB is refused by its size, without reading it."""
        path = tmp_path / "huge.toml"
        with path.open("wb") as file:
            file.truncate(16 * 1024 * 1024 + 1)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert (
            "the file holds 16777217 bytes; a configuration holds at most 16 MiB (16777216) @ $",
        ) == caught.value.errors

    def test_file_of_16_mib_read(self, tmp_path):
        """A file of exactly 16 MiB is read."""
        path = tmp_path / "big.toml"
        path.write_bytes(b"#" + b" " * (16 * 1024 * 1024 - 2) + b"\n")
        assert Config() == load_config(path)

    def test_lone_surrogate(self):
        """Text holding a lone surrogate is a problem at its path."""
        assert [
            "text holding a lone surrogate ('\\ud800') is not valid Unicode @ $.lead_level_rule"
        ] == problems_of('{"lead_level_rule": "\\ud800"}', "json")

    def test_keys_of_any_kind(self):
        """Unknown keys that are not text (YAML allows them) are reported, not a TypeError."""
        assert ["unknown key(s): 1, None, colour @ $"] == problems_of(
            "1: a\nnull: b\ncolour: c\n", "yaml"
        )


_KEYS = st.sampled_from(
    [
        "users",
        "chat_groups",
        "routing_rules",
        "opportunity_types",
        "numbers",
        "funnels",
        "id",
        "name",
        "members",
        "targets",
        "kind",
        "group",
        "user",
        "stages",
        "fields",
        "number",
        "products",
        "triggers",
        "phrase",
        "source",
        "follow_ups",
        "meta",
        "max_reprompts",
        "menu_timeout",
        "lead_level_rule",
        "label",
        "first_response",
    ]
) | st.text(max_size=3)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**70)
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(["u", "Desk", "918040001234", "24h", "chat_group", "admin", "\ud800"])
)
_RAW = st.recursive(
    _LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=30,
)


class TestAnyMapping:
    @given(raw=st.dictionaries(_KEYS, _RAW, max_size=5))
    def test_config_or_config_error(self, raw):
        """Whatever a mapping holds, loading it gives a Config or a ConfigError."""
        problems = []
        try:
            config = load_config(raw)
        except ConfigError as error:
            problems = list(error.errors)
        else:
            assert config == loads_config(dump_config(config, "json"), format="json")
        assert [] == [problem for problem in problems if " @ $" not in problem]
