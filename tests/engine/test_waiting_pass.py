"""
Engine.rule_passes: which rules' waiting queues a pass reads, decided from the config and who is
available, before any wait is read.
"""

import datetime as dt

import pytest

from convroute.config import loads_config
from convroute.engine import Engine, RulePass, Snapshot
from convroute.model import User


AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
ENGINE = Engine.from_config(
    loads_config(
        """
[[schedules]]
name = "Nights"
time_zone = "UTC"
[schedules.hours]
mon = ["20:00-23:00"]

[[users]]
id = "u1"
name = "One"
max_open_conversations = 1
[[users]]
id = "u-boss"
name = "Boss"
admin = true
[[users]]
id = "u-night"
name = "Night"
schedule = "Nights"

[[chat_groups]]
name = "Desk"
members = ["u1"]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "chat_group", group = "Desk" }]

[[routing_rules]]
name = "Admins"
targets = [{ kind = "admin" }]

[[routing_rules]]
name = "Night"
targets = [{ kind = "specific_user", user = "u-night" }]

[[routing_rules]]
name = "Owners"
targets = [{ kind = "opportunity_owner" }, { kind = "specific_user", user = "u-night" }]
"""
    )
)


def names(passes):
    return [p.rule for p in passes]


class TestRulePasses:
    def test_rules_reaching_someone_in_config_order(self):
        """Rules with someone available, and owner rules, come in the config's order."""
        passes = ENGINE.rule_passes(Snapshot(), AT)

        assert [
            RulePass("Desk", by_owner=False),
            RulePass("Admins", by_owner=False),
            RulePass("Owners", by_owner=True),
        ] == list(passes)

    def test_a_user_off_hours_is_not_reachable(self):
        """Within the named user's working hours, the rule is read; outside them, not."""
        evening = AT.replace(hour=21)

        assert ["Night"] == [
            n for n in names(ENGINE.rule_passes(Snapshot(), evening)) if n == "Night"
        ]

    @pytest.mark.parametrize(
        ("snapshot", "left_out"),
        [
            (Snapshot(presence={"u1": False}), "Desk"),
            (Snapshot(open_conversations={"u1": 1}), "Desk"),
            (Snapshot(presence={"u-boss": False}), "Admins"),
            (Snapshot(users={"u-boss": User(id="u-boss", name="Boss", active=False)}), "Admins"),
        ],
    )
    def test_away_full_or_inactive_users_reach_nobody(self, snapshot, left_out):
        """A rule whose only users are away, full or inactive is left out."""
        assert left_out not in names(ENGINE.rule_passes(snapshot, AT))

    def test_an_owner_rule_is_read_even_with_nobody_available(self):
        """Each conversation may have its own owner: an owner rule is always read."""
        snapshot = Snapshot(presence={"u1": False, "u-boss": False, "u-night": False})

        assert ["Owners"] == names(ENGINE.rule_passes(snapshot, AT))

    def test_a_naive_time_is_refused(self):
        """A time without a time zone is refused: ValueError."""
        with pytest.raises(ValueError, match="aware"):
            ENGINE.rule_passes(Snapshot(), AT.replace(tzinfo=None))
