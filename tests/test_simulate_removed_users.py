"""
`convroute simulate` on a kept store, run again with a config that removed a user.
"""

import json

from convroute.config import Config, loads_config
from convroute.simulate import simulate
from convroute.testing import MemoryStore


DESK = """
{one}
[[users]]
id = "u2"
name = "Two"

[[chat_groups]]
name = "Desk"
members = [{members}]

[[routing_rules]]
name = "Desk"
targets = [{{ kind = "chat_group", group = "Desk" }}]
reply_within = "15m"

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""

ONE = """
[[users]]
id = "u1"
name = "One"
"""

LEAD = "919800000001"
NUMBER = "918040001234"


def desk(*, one: bool = True) -> Config:
    members = '"u1", "u2"' if one else '"u2"'
    return loads_config(DESK.format(one=ONE if one else "", members=members))


def line(**fields: object) -> str:
    return json.dumps(fields)


class TestRemovedUser:
    def test_tick_line_shows_the_reassignment(self):
        """The first tick line of a run with the new config reassigns it from the removed user."""
        store = MemoryStore()
        first = list(
            simulate(
                desk(),
                store,
                [
                    line(
                        type="incoming",
                        id="m1",
                        at="2026-11-02T09:00:00+00:00",
                        **{"from": LEAD, "to": NUMBER},
                        text="Hi",
                    )
                ],
            )
        )

        again = list(
            simulate(desk(one=False), store, [line(type="tick", at="2026-11-02T09:01:00+00:00")])
        )

        assert "u1" == first[0]["user"]
        (reassign,) = again
        assert ("reassign", "u1", "u2", "assignee_removed") == (
            reassign["type"],
            reassign["from_user"],
            reassign["user"],
            reassign["reason"],
        )

    def test_incoming_line_shows_the_reassignment(self):
        """The lead's next incoming line reassigns it from the removed user."""
        store = MemoryStore()
        incoming = {"type": "incoming", "from": LEAD, "to": NUMBER, "text": "Hi"}
        list(simulate(desk(), store, [line(id="m1", at="2026-11-02T09:00:00+00:00", **incoming)]))

        again = list(
            simulate(
                desk(one=False),
                store,
                [line(id="m2", at="2026-11-02T09:05:00+00:00", **incoming)],
            )
        )

        assert [("reassign", "assignee_removed")] == [(a["type"], a.get("reason")) for a in again]
