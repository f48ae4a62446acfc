"""
The away and assigned messages end to end, through simulate on the example account.
"""

import json
import pathlib

import attrs
import pytest

from convroute._ids import line_id
from convroute.adapters import SQLiteStore
from convroute.config import load_config
from convroute.menus import OptionKind, option_id
from convroute.simulate import simulate
from convroute.testing import MemoryStore


EXAMPLE = load_config(pathlib.Path(__file__).parents[1] / "examples" / "account.toml")
LEAD = "919800000001"
NUMBER = "918040001234"
AI = option_id(OptionKind.PRODUCT, "AI")


def with_messages(away, assigned):
    number = attrs.evolve(EXAMPLE.numbers[0], away_message=away, assigned_message=assigned)
    return attrs.evolve(EXAMPLE, numbers=[number])


def line(**event):
    return json.dumps(event)


def incoming(ident, minute, **content):
    at = f"2026-11-02T09:{minute:02d}:00+00:00"
    return line(type="incoming", id=ident, at=at, to=NUMBER, **{"from": LEAD}, **content)


def presence(user, minute, *, available):
    return line(
        type="presence", user=user, available=available, at=f"2026-11-02T09:{minute:02d}:00+00:00"
    )


def sends(actions):
    """The (event, kind, text) of each send: the menus' kind, the texts' body."""
    found = []
    for action in actions:
        if action["type"] == "send":
            message = action["message"]
            body = message["text"]["body"] if message["type"] == "text" else message["type"]
            found.append((action["event"], body))
    return found


LINES = [
    *[presence(user, 0, available=False) for user in ("u-asha", "u-ben", "u-meera")],
    incoming("wamid.1", 1, text="Hi", name="Ravi Kumar"),
    incoming("wamid.2", 2, reply_id=AI),
    incoming("wamid.3", 3, text="Anyone there?"),
    presence("u-ben", 4, available=True),
    incoming("wamid.4", 5, text="Hello?"),
]


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    if request.param == "memory":
        yield MemoryStore()
        return
    with SQLiteStore(tmp_path / "convroute.db") as sqlite:
        yield sqlite


class TestSimulateLeadMessages:
    def test_a_wait_then_an_assignment(self, store):
        """The away message once when the wait starts, the assigned message when Ben is back."""
        config = with_messages(
            "We are closed now. {{lead.first_name|You}} will hear from us at 9:00.",
            "{{user.name}} will help you with {{opportunity.name|your enquiry}}.",
        )
        actions = list(simulate(config, store, LINES))

        assert [
            ("wamid.1", "interactive"),
            ("wamid.2", "We are closed now. Ravi will hear from us at 9:00."),
            # Ben coming back (line 7) takes the waiting conversation at once.
            (line_id(7, LINES[6]), "Ben Thomas will help you with AI."),
        ] == sends(actions)
        for action in actions:
            if action["type"] == "send":
                assert (LEAD, NUMBER) == (action["to"], action["from"])
        assert ["unrouted", "unrouted", "assign"] == [
            action["type"] for action in actions if action["type"] in {"assign", "unrouted"}
        ]

    def test_without_messages_the_run_is_as_before(self, store):
        """Without them, the same events send the menu alone."""
        actions = list(simulate(with_messages(None, None), store, LINES))

        assert [("wamid.1", "interactive")] == sends(actions)
