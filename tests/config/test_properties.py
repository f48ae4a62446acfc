"""
Properties of loading and dumping generated configurations.
"""

import attrs
import pytest

from hypothesis import assume, given
from hypothesis import strategies as st

from convroute._blank import is_blank
from convroute.config import dump_config, find_problems, loads_config
from convroute.config._check import name_key
from convroute.funnel import Funnel, Stage
from convroute.routing import ChatGroup
from strategies import configs


class TestRoundTrip:
    @given(config=configs())
    def test_generated_configs_are_valid(self, config):
        """The strategy draws configurations the checker accepts."""
        assert [] == find_problems(config)

    @pytest.mark.parametrize("fmt", ["toml", "json", "yaml"])
    @given(config=configs())
    def test_load_dump(self, fmt, config):
        """load(dump(c)) == c in every format."""
        assert config == loads_config(dump_config(config, fmt), format=fmt)


class TestChecksOnGeneratedConfigs:
    @given(config=configs(), data=st.data())
    def test_unknown_member_reported_at_its_path(self, config, data):
        """A member id nobody has is reported at exactly its place in the group."""
        known = {user.id for user in config.users}
        stranger = data.draw(
            st.text(min_size=1, max_size=8).filter(lambda i: not is_blank(i) and i not in known)
        )
        group = ChatGroup(name="Strangers", members=[stranger])
        assume("strangers" not in {name_key(g.name) for g in config.chat_groups})
        broken = attrs.evolve(config, chat_groups=(*config.chat_groups, group))
        index = len(config.chat_groups)
        assert [f"unknown user {stranger!r} @ $.chat_groups[{index}].members[0]"] == (
            find_problems(broken)
        )

    @given(config=configs())
    def test_rule_without_targets_reported(self, config):
        """Emptying any rule is reported at that rule's targets."""
        rules = list(config.routing_rules)
        rules[-1] = attrs.evolve(rules[-1], targets=())
        broken = attrs.evolve(config, routing_rules=rules)
        expected = (
            f"a routing rule needs at least one target @ $.routing_rules[{len(rules) - 1}].targets"
        )
        assert expected in find_problems(broken)

    @given(config=configs())
    def test_phrase_for_another_source_in_another_funnel_reported(self, config):
        """Each trigger repeated in a new funnel for another source is reported at its phrase."""
        entries = [funnel.stages[0] for funnel in config.funnels]
        triggers = [trigger for stage in entries for trigger in stage.triggers]
        assume(triggers)
        renamed = [
            attrs.evolve(trigger, source=trigger.source + " (other)") for trigger in triggers
        ]
        copy = Funnel(name="Copied triggers", stages=[Stage(name="Entry", triggers=renamed)])
        assume("copied triggers" not in {name_key(funnel.name) for funnel in config.funnels})
        broken = attrs.evolve(config, funnels=(*config.funnels, copy))
        at = f"$.funnels[{len(config.funnels)}].stages[0].triggers"
        assert [f"{at}[{k}].phrase" for k in range(len(renamed))] == [
            problem.rpartition(" @ ")[2] for problem in find_problems(broken)
        ]
