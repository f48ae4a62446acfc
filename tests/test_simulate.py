import datetime as dt
import json
import pathlib
import subprocess
import sys

import attrs
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.cli import main
from convroute.config import load_config
from convroute.simulate import EventLineError, read_event_line, simulate
from convroute.testing import MemoryStore
from event_line_strategies import LEAD, NUMBER, event_lines


EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"
CONFIG = str(EXAMPLES / "account.toml")
EVENTS = str(EXAMPLES / "events.jsonl")


def run(capsys, *args):
    status = main(["simulate", *args])
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines()], captured.err


class TestSimulate:
    def test_examples_give_the_reviewed_output(self, capsys):
        """The example events give exactly the reviewed actions."""
        expected = [
            json.loads(line)
            for line in (EXAMPLES / "events.expected.jsonl").read_text("utf-8").splitlines()
        ]
        status, actions, _ = run(capsys, CONFIG, EVENTS)

        assert (0, expected) == (status, actions)

    def test_a_second_run_on_sqlite_repeats_nothing(self, capsys, tmp_path):
        """Against the same SQLite file, every event id is seen: only the malformed line speaks."""
        store = f"sqlite:{tmp_path / 'state.db'}"
        first_status, first, _ = run(capsys, CONFIG, EVENTS, "--store", store)
        second_status, second, _ = run(capsys, CONFIG, EVENTS, "--store", store)

        assert (0, 0) == (first_status, second_status)
        assert [a for a in first if a["type"] == "error"] == second
        assert len(first) > len(second)

    def test_unusable_config_exits_2(self, capsys, tmp_path):
        """A config that does not load is exit status 2 with its problems on stderr."""
        broken = tmp_path / "broken.toml"
        broken.write_text('max_reprompts = "x"\n', encoding="utf-8")
        status, actions, err = run(capsys, str(broken), EVENTS)

        assert (2, []) == (status, actions)
        assert "max_reprompts" in err

    def test_unknown_store_is_one_line(self, capsys):
        """An unknown store kind is one readable line and a non-zero exit."""
        status, _, err = run(capsys, CONFIG, EVENTS, "--store", "redis:x")

        assert 2 == status
        assert "unknown store 'redis:x'" in err


class TestEventLines:
    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("[1]", "JSON object"),
            ('{"type": "nope"}', "unknown event type"),
            (
                (
                    '{"type": "incoming", "id": "x", "at": "2026-01-01T00:00:00", '
                    '"from": "919800000001", "to": "918040001234", "text": "Hi"}'
                ),
                "offset",
            ),
            (
                (
                    '{"type": "incoming", "id": "x", "at": "2026-01-01T00:00:00+00:00", '
                    '"from": "919800000001", "to": "918040001234"}'
                ),
                "'text' or 'reply_id'",
            ),
            ('{"type": "presence", "user": "u"}', "'available'"),
            ('{"type": "lead", "phone": "abc"}', "'phone'"),
            ('{"type": "user", "id": "u", "max_open_conversations": 0}', "≥ 1"),
        ],
    )
    def test_malformed_lines_say_why(self, line, message):
        """Each malformed line is an EventLineError naming what is wrong."""
        with pytest.raises(EventLineError, match=message):
            read_event_line(line)

    def test_events_without_id_get_one_from_their_line(self):
        """The same close on another line is another event; on the same line, the same one."""
        line = json.dumps(
            {
                "type": "close",
                "lead": "919800000001",
                "number": "918040001234",
                "at": "2026-01-01T00:00:00+00:00",
            }
        )
        (one,) = read_event_line(line, 3)
        (same,) = read_event_line(line, 3)
        (other,) = read_event_line(line, 4)

        assert one.id == same.id != other.id


ACCOUNT = load_config(CONFIG)
OPPORTUNITY_LONE = {"id": "o", "type": "T", "fields": {"Course": "\udc80"}}


def incoming(at, **extra):
    """An incoming line at *at*, as JSON."""
    event = {"type": "incoming", "id": "w.1", "at": at, "from": LEAD, "to": NUMBER, "text": "Hi"}
    return json.dumps({**event, **extra})


def close(at):
    """A close line at *at*, as JSON."""
    return json.dumps({"type": "close", "lead": LEAD, "number": NUMBER, "at": at})


def errors_and_others(lines):
    """Simulate *lines* on a memory store: the error actions, and how many others."""
    actions = list(simulate(ACCOUNT, MemoryStore(), lines))
    errors = [action for action in actions if action["type"] == "error"]
    return errors, len(actions) - len(errors)


class TestAnyLine:
    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ('{"type": %s}' % ("7" * 5000), "integer"),
            ('{"type": "user", "id": "u", "max_open_conversations": %s}' % ("9" * 5000), "integer"),
            ('{"type": "user", "id": "u", "max_open_conversations": %s}' % ("9" * 30), "integer"),
            ('{"type": []}', "unknown event type"),
            ('{"type": {}}', "unknown event type"),
            (
                json.dumps(
                    {"type": "lead", "phone": LEAD, "opportunities": [{"id": 1, "type": "T"}]}
                ),
                "'id'",
            ),
            (incoming("0001-01-01T00:00:00+00:00"), "calendar"),
            (incoming("0001-01-01T12:00:00+00:00"), "calendar"),
            (incoming("9999-12-31T23:00:00-05:00"), "calendar"),
            (incoming("9999-12-31T12:00:00+00:00"), "calendar"),
            (close("9999-12-31T23:59:59+00:00"), "calendar"),
            (incoming("2026-11-02T09:00:00+05:30", id="w\ud800"), "lone surrogate"),
            (incoming("2026-11-02T09:00:00+05:30", text="Hi \udcff"), "lone surrogate"),
            ('{"type": "user", "id": "u\\ud800"}', "lone surrogate"),
            ('{"type": "user", "id": "u", "name": "A\\udfff"}', "lone surrogate"),
            (f'{{"type": "lead", "phone": "{LEAD}", "name": "\udc80"}}', "lone surrogate"),
            (f'{{"type": "lead", "phone": "{LEAD}", "owner": "\udc80"}}', "lone surrogate"),
            ('{"type": "presence", "user": "\\udc80", "available": true}', "lone surrogate"),
            ('{"type": "delete_transition", "transition": "\udc80"}', "lone surrogate"),
            (
                json.dumps({"type": "lead", "phone": LEAD, "opportunities": [OPPORTUNITY_LONE]}),
                "lone surrogate",
            ),
            ('{"type": "webhook", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}", "JSON"),
        ],
    )
    def test_a_malformed_line_is_one_error_and_the_run_goes_on(self, line, message):
        """A malformed line yields one error naming its line and why; the next line still runs."""
        errors, others = errors_and_others([line, incoming("2026-11-02T09:00:00+05:30")])

        assert [1] == [error["line"] for error in errors]
        assert message in errors[0]["error"]
        assert others > 0

    def test_invalid_utf8_is_an_error_line(self):
        """Bytes that are not UTF-8, read with surrogateescape, make an error line, not a crash."""
        raw = incoming("2026-11-02T09:00:00+05:30", text="Hi").encode().replace(b"Hi", b"H\xffi")
        line = raw.decode("utf-8", "surrogateescape")

        errors, _ = errors_and_others([line])

        assert [1] == [error["line"] for error in errors]
        assert "lone surrogate" in errors[0]["error"]

    def test_a_timeout_longer_than_the_calendar_is_no_crash(self):
        """A conversation timeout reaching back past year 1 counts every conversation."""
        account = attrs.evolve(ACCOUNT, conversation_timeout=dt.timedelta(days=800_000))

        actions = list(simulate(account, MemoryStore(), [incoming("2026-11-02T09:00:00+05:30")]))

        assert ["send"] == sorted({action["type"] for action in actions})

    @settings(deadline=None)
    @given(st.lists(event_lines(), min_size=1, max_size=4))
    def test_any_lines_give_at_most_one_error_each(self, lines):
        """Whatever the lines, simulate never raises and prints UTF-8, at most one error a line."""
        actions = list(simulate(ACCOUNT, MemoryStore(), lines))

        for action in actions:
            json.dumps(action, ensure_ascii=False).encode("utf-8")
        numbers = [action["line"] for action in actions if action["type"] == "error"]
        assert sorted(set(numbers)) == numbers
        assert set(numbers) <= set(range(1, len(lines) + 1))

    def test_the_command_line_survives_a_hostile_file(self, tmp_path):
        """The real command prints one error a bad line, exit status 0, and no traceback."""
        good = incoming("2026-11-02T09:00:00+05:30").encode()
        hostile = [
            b'{"type": %s}' % (b"7" * 5000),
            b'{"type": []}',
            b'{"type": {}}',
            incoming("0001-01-01T00:00:00+00:00").encode(),
            incoming("9999-12-31T23:59:59+00:00", id="w.2").encode(),
            b'{"type": "user", "id": "u\\ud800", "name": "x"}',
            good.replace(b"Hi", b"H\xffi").replace(b"w.1", b"w.3"),
            b"[" * 100_000,
        ]
        events = tmp_path / "events.jsonl"
        events.write_bytes(b"\n".join([*hostile, good]) + b"\n")

        result = subprocess.run(
            [sys.executable, "-m", "convroute", "simulate", CONFIG, str(events)],
            capture_output=True,
            check=False,
        )

        actions = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
        errors = [action["line"] for action in actions if action["type"] == "error"]
        assert (0, list(range(1, len(hostile) + 1))) == (result.returncode, errors)
        assert len(actions) > len(errors)
        assert b"Traceback" not in result.stderr
