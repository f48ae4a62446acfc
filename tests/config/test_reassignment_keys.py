"""
A routing rule's reassignment keys: read, checked at their paths, written back.
"""

import datetime as dt
import textwrap

import pytest

from convroute.config import dump_config, loads_config
from convroute.errors import ConfigError


RULES = """
[[users]]
id = "u-a"
name = "Asha"

[[routing_rules]]
name = "Desk"
targets = [{{ kind = "specific_user", user = "u-a" }}]
{keys}
"""


def load(keys):
    return loads_config(textwrap.dedent(RULES.format(keys=keys)))


def problems_of(keys):
    with pytest.raises(ConfigError) as caught:
        load(keys)
    return list(caught.value.errors)


class TestReassignmentKeys:
    def test_defaults(self):
        """Without the keys, nothing is reassigned and two reassignments are allowed."""
        (rule,) = load("").routing_rules
        assert (None, None, 2) == (
            rule.reassign_when_away,
            rule.reply_within,
            rule.max_reassignments,
        )

    def test_read(self):
        """The two deadlines are durations and the limit a whole number."""
        (rule,) = load(
            'reassign_when_away = "10m"\nreply_within = "1h"\nmax_reassignments = 0'
        ).routing_rules
        expected = (dt.timedelta(minutes=10), dt.timedelta(hours=1), 0)
        assert expected == (rule.reassign_when_away, rule.reply_within, rule.max_reassignments)

    def test_round_trip(self):
        """A config with the keys is written back with them, and reads the same."""
        config = load('reassign_when_away = "10m"\nreply_within = "15m"\nmax_reassignments = 3')
        assert config == loads_config(dump_config(config, "toml"))

    @pytest.mark.parametrize(
        ("keys", "expected"),
        [
            pytest.param(
                "max_reassignments = -1",
                ["must be 0 or more @ $.routing_rules[0].max_reassignments"],
                id="negative",
            ),
            pytest.param(
                'max_reassignments = "2"',
                [
                    (
                        "expected a whole number, not the text '2' "
                        "@ $.routing_rules[0].max_reassignments"
                    )
                ],
                id="text-for-int",
            ),
            pytest.param(
                'reply_within = "0m"',
                [
                    (
                        "invalid duration '0m': it must be longer than zero "
                        "@ $.routing_rules[0].reply_within"
                    )
                ],
                id="zero-duration",
            ),
            pytest.param(
                "reassign_when_away = 600",
                [
                    (
                        "expected a duration such as '90s', '15m', '24h' or '7d', "
                        "not the number 600 @ $.routing_rules[0].reassign_when_away"
                    )
                ],
                id="number-for-duration",
            ),
        ],
    )
    def test_problems_at_their_paths(self, keys, expected):
        """A wrong value is reported at its path."""
        assert expected == problems_of(keys)
