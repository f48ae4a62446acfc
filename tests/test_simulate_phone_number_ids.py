"""
simulate and phone_number_id: incoming lines may give it, and every send carries the number's.
"""

import json

import attrs
import pytest

from convroute.simulate import simulate
from convroute.testing import MemoryStore
from example_account import routing_example


EXAMPLE = routing_example()
PLAIN = attrs.evolve(
    EXAMPLE, numbers=tuple(attrs.evolve(n, phone_number_id=None) for n in EXAMPLE.numbers)
)
LEAD = "919800000001"
OTHER_LEAD = "919800000002"
NUMBER = "918040001234"


def incoming(ident, lead=LEAD, **extra):
    line = {
        "type": "incoming",
        "id": ident,
        "at": "2026-11-02T09:00:00+00:00",
        "from": lead,
        "to": NUMBER,
        "text": "Hi",
        **extra,
    }
    return json.dumps(line)


def sends(actions):
    return [(a["event"], a.get("phone_number_id")) for a in actions if a["type"] == "send"]


class TestSendLines:
    def test_the_example_accounts_id_is_on_every_send(self):
        """The example account declares its number's id: each send line carries it."""
        actions = simulate(EXAMPLE, MemoryStore(), [incoming("wamid.1")])

        assert [("wamid.1", "106540352242922")] == sends(actions)

    def test_an_incoming_lines_id_is_carried_and_remembered(self):
        """An incoming line's phone_number_id goes on its send and on later ones without it."""
        lines = [
            incoming("wamid.1", phone_number_id="106540352242922"),
            incoming("wamid.2", lead=OTHER_LEAD),
        ]

        actions = simulate(PLAIN, MemoryStore(), lines)

        assert [("wamid.1", "106540352242922"), ("wamid.2", "106540352242922")] == sends(actions)

    def test_without_an_id_the_key_is_left_out(self):
        """No id known: a send line has no phone_number_id key."""
        actions = simulate(PLAIN, MemoryStore(), [incoming("wamid.1")])

        assert [False] == ["phone_number_id" in a for a in actions if a["type"] == "send"]

    @pytest.mark.parametrize("bad", [106540352242922, "1065-42", "", ["1"]])
    def test_a_bad_id_is_an_error_line(self, bad):
        """An id that is not a string of digits yields an error line; the run goes on."""
        lines = [incoming("wamid.1", phone_number_id=bad), incoming("wamid.2", lead=OTHER_LEAD)]

        actions = list(simulate(PLAIN, MemoryStore(), lines))

        assert ["error", "send"] == [a["type"] for a in actions]
        assert "phone_number_id" in actions[0]["error"]
