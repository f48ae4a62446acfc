import datetime as dt
import json
import pathlib
import re
import subprocess
import sys

import attrs
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.config import load_config
from convroute.errors import StoreError
from convroute.simulate import EventLineError, read_event_line, simulate
from convroute.testing import MemoryStore
from event_line_strategies import LEAD, NUMBER, event_lines


EXAMPLES = pathlib.Path(__file__).parents[1] / "examples"
CONFIG = str(EXAMPLES / "account.toml")


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
                "'text', 'reply_id' or 'media'",
            ),
            ('{"type": "presence", "user": "u"}', "'available'"),
            ('{"type": "lead", "phone": "abc"}', "'phone'"),
            ('{"type": "user", "id": "u", "max_open_conversations": 0}', "≥ 1"),
            ('{"type": "user", "id": "u", "schedule": 5}', "'schedule'"),
        ],
    )
    def test_malformed_lines_say_why(self, line, message):
        """Each malformed line is an EventLineError naming what is wrong."""
        with pytest.raises(EventLineError, match=message):
            read_event_line(line)

    def test_user_line_carries_the_schedule(self):
        """A user line's schedule is the user's; without one the user has none."""
        (named,) = read_event_line('{"type": "user", "id": "u", "schedule": "India office"}')
        (unnamed,) = read_event_line('{"type": "user", "id": "u"}')

        assert ("India office", None) == (named.user.schedule, unnamed.user.schedule)

    @pytest.mark.parametrize(
        "line",
        [
            '{"type": "lead", "id": "", "phone": "919800000001"}',
            '{"type": "delete_transition", "id": " ", "transition": "tr-1"}',
        ],
    )
    def test_an_empty_id_is_an_error_line(self, line):
        """An id given empty is an error line, not an internal error."""
        with pytest.raises(EventLineError) as caught:
            read_event_line(line)

        kind = json.loads(line)["type"]
        assert f"{kind}: 'id' must be a non-empty string" == str(caught.value)

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            (
                '{"type": "user", "id": "u-ben", "avaliable": false}',
                (
                    "user: unknown key 'avaliable'; known: active, admin, at, available, id, "
                    "max_open_conversations, name, schedule, type"
                ),
            ),
            (
                '{"type": "tick", "at": "2026-01-01T00:00:00+00:00", "when": "now", "why": 1}',
                "tick: unknown keys 'when', 'why'; known: at, id, type",
            ),
            (
                (
                    '{"type": "outgoing", "id": "o", "at": "2026-01-01T00:00:00+00:00", '
                    '"from": "918040001234", "to": "919800000001", "text": "Hi", "By": "u-ben"}'
                ),
                (
                    "outgoing: unknown key 'By'; known: at, by, from, id, phone_number_id, text, "
                    "to, type"
                ),
            ),
            (
                (
                    '{"type": "lead", "phone": "919800000001", "opportunities": '
                    '[{"id": "o1", "type": "T", "opportunity_type": "T"}]}'
                ),
                (
                    "lead: opportunities[0]: unknown key 'opportunity_type'; known: fields, id, "
                    "name, owner, stage, status, type, updated_at"
                ),
            ),
        ],
    )
    def test_an_unknown_key_is_an_error_line(self, line, message):
        """A misspelt key is an error line naming it, never a value silently left out."""
        with pytest.raises(EventLineError) as caught:
            read_event_line(line)

        assert message == str(caught.value)

    @pytest.mark.parametrize(
        ("item", "message"),
        [
            ('{"id": "o2", "type": 5}', "'type' must be a non-empty string"),
            (
                '{"id": "o2", "type": "T", "status": "done"}',
                "'status' must be one of open, won, lost",
            ),
            (
                '{"id": "o2", "type": "T", "updated_at": "soon"}',
                "'updated_at': 'soon' is not an ISO 8601 time",
            ),
            ('{"id": "o2", "type": "T", "fields": [1]}', "'fields' must map names to strings"),
            ("7", "must be an object"),
        ],
    )
    def test_a_leads_opportunity_is_named_in_its_error(self, item, message):
        """A lead line's opportunity at fault is named by its place, not as an opportunity line."""
        line = (
            '{"type": "lead", "phone": "919800000001", "opportunities": '
            f'[{{"id": "o1", "type": "T"}}, {item}]}}'
        )

        with pytest.raises(EventLineError) as caught:
            read_event_line(line)

        assert f"lead: opportunities[1]: {message}" == str(caught.value)

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            (
                (
                    '{"type": "outgoing", "id": "o", "at": "2026-01-01T00:00:00+00:00", '
                    '"from": "918040001234", "to": "919800000001", "text": "Hi", "by": ""}'
                ),
                "outgoing: 'by' must be a non-empty string",
            ),
            (
                '{"type": "user", "id": "u", "schedule": " "}',
                "user: 'schedule' must be a non-empty string",
            ),
            (
                '{"type": "lead", "phone": "919800000001", "owner": ""}',
                "lead: 'owner' must be a non-empty string",
            ),
            (
                (
                    '{"type": "opportunity", "lead": "919800000001", "id": "o", '
                    '"opportunity_type": "T", "stage": ""}'
                ),
                "opportunity: 'stage' must be a non-empty string",
            ),
        ],
    )
    def test_an_optional_text_given_blank_is_an_error_line(self, line, message):
        """A field left blank is refused as its message says, not taken as a name nobody has."""
        with pytest.raises(EventLineError) as caught:
            read_event_line(line)

        assert message == str(caught.value)

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            (
                '{"type": "lead", "phone": "919800000001", "name": 5}',
                "lead: 'name' must be a string",
            ),
            (
                (
                    '{"type": "outgoing", "id": "o", "at": "2026-01-01T00:00:00+00:00", '
                    '"from": "918040001234", "to": "919800000001", "text": []}'
                ),
                "outgoing: 'text' must be a string",
            ),
        ],
    )
    def test_text_that_may_be_empty_asks_only_for_a_string(self, line, message):
        """A field that may be empty is not said to need text, only to be a string."""
        with pytest.raises(EventLineError) as caught:
            read_event_line(line)

        assert message == str(caught.value)

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


class TestEventTimes:
    def test_a_jump_forward_is_never_refused(self):
        """Each event is decided at its own time: a jump of centuries ahead is not refused."""
        from convroute.config import load_config
        from convroute.simulate import simulate
        from convroute.testing import MemoryStore

        def incoming(ident, at, text):
            return json.dumps(
                {
                    "type": "incoming",
                    "id": ident,
                    "at": at,
                    "from": "919800000001",
                    "to": "918040001234",
                    "text": text,
                }
            )

        lines = [
            incoming("m1", "2026-11-02T09:00:00+00:00", "Hi"),
            incoming("m2", "2400-01-01T00:00:00+00:00", "Hi"),
            incoming("m3", "9000-01-01T00:00:00+00:00", "Hi"),
        ]
        actions = list(simulate(load_config(CONFIG), MemoryStore(), lines))

        assert ["send", "send", "send"] == [action["type"] for action in actions]


def media_line(media, **extra):
    return json.dumps(
        {
            "type": "incoming",
            "id": "wamid.1",
            "at": "2026-11-02T09:00:00+00:00",
            "from": "919800000001",
            "to": "918040001234",
            "media": media,
            **extra,
        }
    )


class TestMediaLines:
    @pytest.mark.parametrize(
        ("media", "expected"),
        [
            ({"type": "image", "caption": "AI"}, ("image", "AI")),
            ({"type": "document"}, ("document", None)),
            ({"type": "audio"}, ("audio", None)),
            ({"type": "location"}, ("location", None)),
        ],
    )
    def test_media_in_place_of_text(self, media, expected):
        """An incoming line may carry media, with its caption, in place of text."""
        (event,) = read_event_line(media_line(media))

        assert expected == (event.media.kind, event.media.caption)
        assert (None, expected[1]) == (event.text, event.text_or_caption)

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            (media_line("image"), "incoming: 'media' must be an object with a 'type'"),
            (media_line({"caption": "Hi"}), "incoming: 'media.type' must be one of audio, "),
            (media_line({"type": "gif"}), "incoming: 'media.type' must be one of audio, "),
            (media_line({"type": ["image"]}), "incoming: 'media.type' must be one of audio, "),
            (media_line({"type": "image", "caption": 5}), "incoming: 'media.caption' must be "),
            (
                media_line({"type": "audio", "caption": "Hi"}),
                "incoming: 'media.caption' is only for image, video and document",
            ),
            (
                media_line({"type": "image", "captoin": "Hi"}),
                "incoming: 'media': unknown key 'captoin'; known: caption, type",
            ),
            (media_line({"type": "image"}, text="Hi"), "give 'text' or 'media', not both"),
        ],
    )
    def test_malformed_media_says_why(self, line, message):
        """Media must be an object with a known type, and a caption only where one fits."""
        with pytest.raises(EventLineError, match=re.escape(message)):
            read_event_line(line)

    def test_a_voice_note_reprompts_a_pending_menu(self):
        """Run through simulate: an image opens with the menu, a voice note gets it again."""
        from convroute.config import load_config
        from convroute.simulate import simulate
        from convroute.testing import MemoryStore

        lines = [
            media_line({"type": "image"}),
            media_line({"type": "audio"}, id="wamid.2", at="2026-11-02T09:01:00+00:00"),
            media_line(
                {"type": "image", "caption": "AI"}, id="wamid.3", at="2026-11-02T09:02:00+00:00"
            ),
        ]
        actions = list(simulate(load_config(CONFIG), MemoryStore(), lines))

        assert ["send", "send", "create_opportunity", "assign", "send"] == [
            a["type"] for a in actions
        ]


class TestPhones:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ('{"type": "lead", "phone": "98000 00001"}', "919800000001"),
            ('{"type": "lead", "phone": "919800000001"}', "919800000001"),
            ('{"type": "lead", "phone": "+44 (0) 20 7946 0958"}', "442079460958"),
        ],
    )
    def test_read_in_the_default_country(self, line, expected):
        """Typed phones are read in the account's country; a + or 00 number as international."""
        (event,) = read_event_line(line, country_code="91")

        assert expected == event.lead.phone

    @pytest.mark.parametrize("phone", ["", 919800000001, None])
    def test_a_phone_that_is_no_text_is_said_once(self, phone):
        """A phone field that is not text names its event and field once."""
        line = json.dumps({"type": "lead", "phone": phone})
        with pytest.raises(EventLineError) as caught:
            read_event_line(line)

        assert "lead: 'phone' must be a non-empty string" == str(caught.value)

    def test_national_number_without_default_country_refused(self):
        """Without a default country, a national number is not read as another country's."""
        with pytest.raises(EventLineError, match=r"lead: 'phone': .*\+98"):
            read_event_line('{"type": "lead", "phone": "98000 00001"}')

    def test_webhook_numbers_taken_as_given(self):
        """A webhook's numbers are WhatsApp's: kept as they are, whatever the default country."""
        value = {
            "metadata": {"display_phone_number": "918040001234", "phone_number_id": "1"},
            "messages": [
                {
                    "from": "9800000001",
                    "id": "wamid.1",
                    "timestamp": "1762074000",
                    "type": "text",
                    "text": {"body": "Hi"},
                }
            ],
        }
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
        line = json.dumps({"type": "webhook", "payload": payload})
        (event,) = read_event_line(line, country_code="44")

        assert ("9800000001", "918040001234") == (event.lead, event.number)

    def test_simulate_reads_with_the_configs_country(self):
        """simulate reads the event file's numbers in the config's default country."""
        config = attrs.evolve(load_config(CONFIG), default_country_code="91")
        line = json.dumps(
            {
                "type": "incoming",
                "id": "wamid.1",
                "at": "2026-11-02T09:00:00+00:00",
                "from": "98000 00001",
                "to": "080 4000 1234",
                "text": "Hello",
            }
        )
        actions = list(simulate(config, MemoryStore(), [line]))

        assert [("send", "919800000001", "918040001234")] == [
            (a["type"], a["to"], a["from"]) for a in actions
        ]


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
    @given(st.lists(event_lines(), min_size=1, max_size=4), st.booleans())
    def test_any_lines_give_at_most_one_error_each(self, lines, notes):
        """Whatever the lines, simulate never raises and prints UTF-8, at most one error a line."""
        actions = list(simulate(ACCOUNT, MemoryStore(), lines, notes=notes))

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


class _FailingStore:
    """A memory store whose units of work fail once *healthy* of them have begun."""

    def __init__(self, healthy):
        self.inner = MemoryStore()
        self.healthy = healthy

    def unit_of_work(self, account="default"):
        if self.healthy <= 0:
            raise StoreError("the database is not answering")
        self.healthy -= 1
        return self.inner.unit_of_work(account)


def _messages(count):
    return [
        json.dumps(
            {
                "type": "incoming",
                "id": f"wamid.{n}",
                "at": "2026-11-02T09:00:00+05:30",
                "from": f"91980000{n:04d}",
                "to": "918040001234",
                "text": "Hi",
            }
        )
        for n in range(count)
    ]


class TestStoreFailures:
    def test_a_failing_store_stops_the_run(self):
        """A store that fails raises StoreError, after the lines before it, never an error line."""
        store = _FailingStore(healthy=8)
        seen = []

        with pytest.raises(StoreError, match="not answering"):
            seen.extend(simulate(load_config(CONFIG), store, _messages(10)))

        assert ([], True) == ([one for one in seen if one["type"] == "error"], len(seen) > 0)

    def test_the_run_goes_on_from_there(self):
        """A second run on the mended store gives what the failed run left out, once."""
        store = _FailingStore(healthy=8)
        config = load_config(CONFIG)
        first = []
        with pytest.raises(StoreError):
            first.extend(simulate(config, store, _messages(10)))
        store.healthy = 1_000
        second = list(simulate(config, store, _messages(10)))

        alone = list(simulate(config, MemoryStore(), _messages(10)))
        assert sorted(map(json.dumps, alone)) == sorted(map(json.dumps, first + second))
