"""
The ids convroute derives are stable: stored, and seen by hosts.
"""

import hashlib

import pytest

from convroute._ids import action_id, event_key, line_id, new_opportunity_id, transition_id
from convroute.menus import OptionKind, option_id
from convroute.simulate import read_event_line


class TestKnownIds:
    @pytest.mark.parametrize(
        ("event_id", "index", "expected"),
        [
            ("wamid.HBgM", 0, "act-ba3b9fde7e67901470d80360757e8e7e"),
            ('wamid.ñ"x', 3, "act-17ab69488ee1bbebbc1dc3230f5e2a65"),
            ("e\ud800", 1, "act-8073182ed97c5dce429c180d060f164b"),
        ],
    )
    def test_action_id(self, event_id, index, expected):
        """An action's id is the one it has always been."""
        assert expected == action_id(event_id, index)

    @pytest.mark.parametrize(
        ("event_id", "expected"),
        [
            ("wamid.HBgM", "opp-649a6eabd185790aae267a43"),
            ("é\ud800", "opp-17e563838e0c8b1a4420a8db"),
        ],
    )
    def test_new_opportunity_id(self, event_id, expected):
        """A new opportunity's id is the one it has always been."""
        assert expected == new_opportunity_id(event_id)

    @pytest.mark.parametrize(
        ("parts", "expected"),
        [
            (("wamid.HBgM", "sales", "+5511999990000"), "tr-32b3e27ed5659460eaab29266364e69b"),
            (("ñ", "ventas «A»", "+34600000000"), "tr-a5e45bda16638d3f76a5008d714fa80e"),
        ],
    )
    def test_transition_id(self, parts, expected):
        """A transition's id is the one it has always been."""
        assert expected == transition_id(*parts)

    @pytest.mark.parametrize(
        ("kind", "key", "expected"),
        [
            (OptionKind.PRODUCT, "Plan Pro", "product.8da2f6f37da5e1233a9a"),
            (OptionKind.OPPORTUNITY, "Café \ud800", "opportunity.97095705977415f0f7d5"),
            (OptionKind.NEW_OPPORTUNITY, "", "new_opportunity"),
        ],
    )
    def test_option_id(self, kind, key, expected):
        """A menu option's id is the one it has always been."""
        assert expected == option_id(kind, key)

    @pytest.mark.parametrize(
        ("event_id", "expected"),
        [
            ("wamid.HBgM", "90c6af45e176122d9253aafe870a0c55d69972655eef455a4a0375735c6e4a08"),
            ("x\udcff", "a114b1443ddfd57e770428388b059444f1da2f8cf60c66ac4477436fabe3efc1"),
        ],
    )
    def test_event_key(self, event_id, expected):
        """A processed event's stored key is the one it has always been."""
        assert expected == event_key(event_id).hex()

    @pytest.mark.parametrize(
        ("line", "number", "expected"),
        [
            (
                '{"type": "presence", "user": "ana", "available": true}  ',
                7,
                "line-7-cf1963cabd62b6a0",
            ),
        ],
    )
    def test_line_id(self, line, number, expected):
        """An event without an id gets the one its line has always given it."""
        assert expected == read_event_line(line, number)[0].id

    def test_line_id_of_a_lone_surrogate(self):
        """A line holding a lone surrogate is digested as it is, as in every other id."""
        line = '{"type": "presence", "user": "ana", "available": true, "x": "\\ud800"}'

        assert "line-8-b884ea73ff7bc48a" == line_id(8, line)


class TestLoneSurrogates:
    def test_every_text_has_a_transition_id(self):
        """A lone surrogate is digested as it is, as in every other id."""
        expected = (
            "tr-"
            + hashlib.sha256(
                '["convroute.transition.v1", "e\ud800", "Sales", "+34600000000"]'.encode(
                    "utf-8", "surrogatepass"
                )
            ).hexdigest()[:32]
        )
        assert expected == transition_id("e\ud800", "Sales", "+34600000000")
