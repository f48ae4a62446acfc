"""
Simulate runs with time: tick lines, outgoing messages by a user, timed presence.
"""

import json
import textwrap

import pytest

from convroute.config import loads_config
from convroute.engine import OutgoingMessage, SetPresence, Tick, UpdateUser
from convroute.simulate import EventLineError, read_event_line, simulate
from convroute.testing import MemoryStore


CONFIG = loads_config(
    textwrap.dedent(
        """
        [[users]]
        id = "u-a"
        name = "Asha"

        [[users]]
        id = "u-b"
        name = "Ben"

        [[chat_groups]]
        name = "Team"
        members = ["u-a", "u-b"]

        [[routing_rules]]
        name = "Desk"
        targets = [{ kind = "chat_group", group = "Team" }]
        reassign_when_away = "10m"
        reply_within = "15m"

        [[numbers]]
        number = "918040001234"
        create_new_rule = "Desk"
        """
    )
)

LEAD = "919800000001"
NUMBER = "918040001234"


def time(minute):
    return f"2026-11-02T09:{minute:02d}:00+00:00"


def line(kind, **fields):
    return json.dumps({"type": kind, **fields})


def incoming(ident, minute):
    return line("incoming", id=ident, at=time(minute), to=NUMBER, text="Hi", **{"from": LEAD})


def run(lines, **kwargs):
    return list(simulate(CONFIG, MemoryStore(), lines, **kwargs))


def brief(action):
    keys = ("type", "user", "from_user", "reason", "waited")
    return {key: action[key] for key in keys if key in action}


class TestTickLines:
    def test_waiting_then_presence_then_reassignment(self):
        """A wait ends when someone comes back; a tick reassigns what was not answered."""
        lines = [
            line("presence", user="u-a", available=False, at=time(0)),
            line("presence", user="u-b", available=False, at=time(0)),
            incoming("m1", 1),
            line("presence", user="u-b", available=True, at=time(8)),
            line("presence", user="u-a", available=True, at=time(9)),
            line("tick", at=time(23)),
        ]

        actions = run(lines)

        assert [
            {"type": "unrouted", "reason": "no_target_available"},
            {"type": "assign", "user": "u-b", "waited": 420},
            {"type": "reassign", "from_user": "u-b", "user": "u-a", "reason": "no_reply"},
        ] == [brief(action) for action in actions]

    def test_tick_actions_name_the_key_they_serve(self):
        """A tick's actions carry, as their event, the conversation and due time served."""
        actions = run([incoming("m1", 0), line("tick", at=time(15))])

        assert f"tick:{LEAD}:{NUMBER}:2026-11-02T09:15:00+00:00" == actions[-1]["event"]

    def test_an_answer_by_the_assignee_stops_the_clock(self):
        """An outgoing message by the assignee answers the lead: the tick reassigns nothing."""
        lines = [
            incoming("m1", 0),
            line(
                "outgoing", id="o1", at=time(5), to=LEAD, text="Hello", by="u-a", **{"from": NUMBER}
            ),
            line("tick", at=time(15)),
        ]

        assert ["assign"] == [action["type"] for action in run(lines)]

    def test_an_answer_by_someone_else_does_not(self):
        """An outgoing message by another user is no answer."""
        lines = [
            incoming("m1", 0),
            line(
                "outgoing", id="o1", at=time(5), to=LEAD, text="Hello", by="u-b", **{"from": NUMBER}
            ),
            line("tick", at=time(15)),
        ]

        assert ["assign", "reassign"] == [action["type"] for action in run(lines)]

    def test_an_absence_is_timed_from_the_presence_line(self):
        """Away since the presence line's time: reassigned reassign_when_away after it."""
        lines = [
            incoming("m1", 0),
            line("outgoing", id="o1", at=time(1), to=LEAD, text="Hi", **{"from": NUMBER}),
            line("presence", user="u-a", available=False, at=time(2)),
            line("tick", at=time(11)),
            line("tick", at=time(12)),
        ]

        actions = run(lines)

        assert [{"type": "reassign", "from_user": "u-a", "user": "u-b", "reason": "away"}] == [
            brief(action) for action in actions if action["type"] != "assign"
        ]

    def test_stale_tick_is_a_note(self):
        """A tick at or before the last one does nothing, and the notes say so."""
        lines = [line("tick", at=time(5)), line("tick", at=time(5))]

        notes = [action for action in run(lines, notes=True) if action["type"] == "note"]

        assert 1 == len(notes)
        assert "not after the last tick" in notes[0]["note"]
        assert "tick:2026-11-02T09:05:00+00:00" == notes[0]["event"]


class TestTimeLines:
    def test_tick_line(self):
        """A tick line is a Tick at its time."""
        (event,) = read_event_line(line("tick", at=time(5)))

        assert isinstance(event, Tick)
        assert time(5) == event.at.isoformat()

    def test_outgoing_by(self):
        """An outgoing line's by is who sent it."""
        text = line(
            "outgoing", id="o1", at=time(5), to=LEAD, text="Hi", by="u-a", **{"from": NUMBER}
        )

        (event,) = read_event_line(text)

        assert isinstance(event, OutgoingMessage)
        assert "u-a" == event.by

    def test_user_and_presence_at(self):
        """User and presence lines carry their time when given, and none otherwise."""
        (user,) = read_event_line(line("user", id="u-a", name="Asha", at=time(5)))
        (bare,) = read_event_line(line("presence", user="u-a", available=False))

        assert isinstance(user, UpdateUser)
        assert isinstance(bare, SetPresence)
        assert (time(5), None) == (user.at.isoformat(), bare.at)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (line("tick"), "tick: 'at' must be a non-empty string"),
            (line("tick", at="2026-11-02T09:00:00"), "needs an offset"),
            (line("tick", at=5), "tick: 'at' must be a non-empty string"),
            (
                line("outgoing", id="o", at=time(0), to=LEAD, text="x", by=5, **{"from": NUMBER}),
                "outgoing: 'by' must be a non-empty string",
            ),
            (line("user", id="u", name="U", at="soon"), "user: 'at': 'soon' is not an ISO 8601"),
            (line("presence", user="u", available=True, at=[1]), "presence: 'at' must be"),
        ],
    )
    def test_malformed_time_lines_say_why(self, text, message):
        """A malformed tick, by or at is an error naming what is wrong."""
        with pytest.raises(EventLineError, match=message):
            read_event_line(text)

    def test_malformed_tick_is_an_error_line_and_the_run_goes_on(self):
        """A tick line without a time yields an error line, and the next line runs."""
        actions = run([line("tick"), incoming("m1", 0)])

        assert ["error", "assign"] == [action["type"] for action in actions]
