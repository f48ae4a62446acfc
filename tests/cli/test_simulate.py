import contextlib
import json
import pathlib

from convroute.adapters import SQLiteStore
from convroute.cli import main
from convroute.errors import StoreError


EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"
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


ENTRY = {
    "type": "incoming",
    "id": "wamid.1",
    "at": "2026-11-02T09:00:00+05:30",
    "from": "919800000001",
    "to": "918040001234",
    "text": "I came from Instagram",
}
MOVE = {
    "type": "set_stage",
    "id": "m1",
    "funnel": "Sales",
    "lead": "919800000001",
    "stage": "Scheduling",
    "at": "2026-11-02T10:00:00+05:30",
}


def write_events(tmp_path, *events):
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return str(path)


class TestDeletions:
    def test_a_deletion_prints_where_the_lead_stands(self, capsys, tmp_path):
        """Deleting a move, then the entry, prints transition_deleted with the stage left."""
        _, actions, _ = run(capsys, CONFIG, write_events(tmp_path, ENTRY, MOVE))
        entry = next(a["transition"] for a in actions if a["type"] == "enter_funnel")
        move = next(a["transition"] for a in actions if a["type"] == "transition")
        events = write_events(
            tmp_path,
            ENTRY,
            MOVE,
            {"type": "delete_transition", "id": "d1", "transition": move},
            {"type": "delete_transition", "id": "d2", "transition": entry},
        )
        status, actions, _ = run(capsys, CONFIG, events)

        expected = [
            {
                "type": "transition_deleted",
                "funnel": "Sales",
                "lead": "919800000001",
                "transition": move,
                "stage": "Lead Entry",
                "event": "d1",
            },
            {
                "type": "transition_deleted",
                "funnel": "Sales",
                "lead": "919800000001",
                "transition": entry,
                "stage": None,
                "event": "d2",
            },
        ]
        assert (0, expected) == (status, actions[-2:])


THREE_STAGES = (EXAMPLES / "account.toml").read_text("utf-8") + (
    '\n[[funnels.stages]]\nname = "Applied"\nfollow_ups = ["application received"]\n'
)


NO_FUNNELS = """
[[users]]
id = "u-asha"
name = "Asha Rao"

[[routing_rules]]
name = "Desk"
targets = [{ kind = "specific_user", user = "u-asha" }]

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""


def outgoing(ident, text, at="2026-11-02T11:00:00+05:30"):
    return {
        "type": "outgoing",
        "id": ident,
        "at": at,
        "from": "918040001234",
        "to": "919800000001",
        "text": text,
    }


class TestNotes:
    def test_notes_say_why_events_changed_nothing(self, capsys, tmp_path):
        """With --notes, each event that changed nothing prints a note saying why."""
        config = tmp_path / "account.toml"
        config.write_text(THREE_STAGES, encoding="utf-8")
        events = write_events(
            tmp_path,
            outgoing("out.0", "Thank you for scheduling with us"),
            ENTRY,
            {**MOVE, "id": "m0", "stage": "Scheduled"},
            outgoing("out.1", "The application received, thanks"),
            outgoing("out.2", "Thank you for scheduling with us"),
            ENTRY,
            {"type": "delete_transition", "id": "d1", "transition": "tr-nope"},
        )
        status, actions, _ = run(capsys, str(config), events, "--notes")
        notes = [(a["event"], a["note"]) for a in actions if a["type"] == "note"]

        expected = [
            ("out.0", "funnel 'Sales': the lead is not in the funnel (not_in_funnel)"),
            ("wamid.1", "no Meta event LeadSubmitted for 'Lead Entry': no_click"),
            (
                "m0",
                (
                    "set_stage 'Sales' → 'Scheduled': the funnel has no stage of that name "
                    "(unknown_stage)"
                ),
            ),
            (
                "out.2",
                (
                    "funnel 'Sales': the follow-up 'Thank you for scheduling with us' names a "
                    "stage behind the lead's, and automatic moves never go backwards "
                    "(earlier_stage)"
                ),
            ),
            ("wamid.1", "the event was processed before: nothing done"),
            ("d1", "transition tr-nope is unknown: nothing deleted"),
        ]
        assert (0, expected) == (status, notes)

    def test_an_outgoing_message_without_funnels_is_noted(self, capsys, tmp_path):
        """An outgoing message of an account without funnels, keeping nothing open, says why."""
        config = tmp_path / "account.toml"
        config.write_text(NO_FUNNELS, encoding="utf-8")
        incoming = {**ENTRY, "text": "Hi"}
        events = write_events(
            tmp_path,
            outgoing("out.0", "Hello"),
            incoming,
            outgoing("out.1", "Hello", at="2026-11-02T08:00:00+05:30"),
            outgoing("out.2", "Hello"),
        )
        status, actions, _ = run(capsys, str(config), events, "--notes")
        notes = [(a["event"], a["note"]) for a in actions if a["type"] == "note"]

        nothing = "the account has no funnels, and no open conversation was kept open: nothing done"
        assert (0, [("out.0", nothing), ("out.1", nothing)]) == (status, notes)

    def test_notes_follow_their_event_s_actions(self, capsys, tmp_path):
        """A note is printed after the actions of its event, before the next event's."""
        events = write_events(tmp_path, ENTRY, outgoing("out.1", "Hello"))
        _, actions, _ = run(capsys, CONFIG, events, "--notes")

        assert ["wamid.1", "wamid.1", "wamid.1", "out.1"] == [a["event"] for a in actions]
        assert ["enter_funnel", "send", "note", "note"] == [a["type"] for a in actions]

    def test_without_notes_nothing_is_noted(self, capsys, tmp_path):
        """Without --notes, events that changed nothing print nothing."""
        events = write_events(tmp_path, outgoing("out.0", "Hello"))

        assert (0, []) == run(capsys, CONFIG, events)[:2]


SCHEDULED = """
[[schedules]]
name = "India office"
time_zone = "Asia/Kolkata"
holidays = ["2026-11-03"]

[schedules.hours]
mon = ["09:00-18:00"]
tue = ["09:00-18:00"]

[[users]]
id = "u-asha"
name = "Asha"
schedule = "India office"

[[users]]
id = "u-ben"
name = "Ben"

[[chat_groups]]
name = "Desk"
members = ["u-asha", "u-ben"]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "chat_group", group = "Desk" }]

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
creates_new_opportunity = false
"""


def incoming(ident, at, lead="919800000001"):
    return {
        "type": "incoming",
        "id": ident,
        "at": at,
        "from": lead,
        "to": "918040001234",
        "text": "Hello",
    }


def assignments(actions):
    return [
        (action["user"], [step.get("skipped", []) for step in action["trace"]])
        for action in actions
        if action["type"] == "assign"
    ]


class TestSchedules:
    def run_scheduled(self, capsys, tmp_path, *events):
        config = tmp_path / "account.toml"
        config.write_text(SCHEDULED, encoding="utf-8")
        status, actions, err = run(capsys, str(config), write_events(tmp_path, *events))
        assert (0, "") == (status, err)
        return actions

    def test_message_outside_hours_skips_the_user(self, capsys, tmp_path):
        """Before 09:00 in Kolkata Asha is passed over as off_hours; at 10:00 she takes the next."""
        actions = self.run_scheduled(
            capsys,
            tmp_path,
            incoming("wamid.1", "2026-11-02T08:00:00+05:30"),
            incoming("wamid.2", "2026-11-02T10:00:00+05:30", lead="919800000002"),
        )

        expected = [
            ("u-ben", [[{"user": "u-asha", "reason": "off_hours"}]]),
            ("u-asha", [[]]),
        ]
        assert expected == assignments(actions)

    def test_holiday_skips_the_user(self, capsys, tmp_path):
        """On a holiday Asha is off hours all day."""
        actions = self.run_scheduled(
            capsys, tmp_path, incoming("wamid.1", "2026-11-03T10:00:00+05:30")
        )

        assert [("u-ben", [[{"user": "u-asha", "reason": "off_hours"}]])] == assignments(actions)

    def test_user_event_sets_a_schedule(self, capsys, tmp_path):
        """A user event naming the schedule puts Ben on it: before hours nobody is available."""
        actions = self.run_scheduled(
            capsys,
            tmp_path,
            {"type": "user", "id": "u-ben", "name": "Ben", "schedule": "India office"},
            incoming("wamid.1", "2026-11-02T08:00:00+05:30"),
        )

        unrouted = [action for action in actions if action["type"] == "unrouted"]
        skipped = [step["skipped"] for step in unrouted[0]["trace"]]
        expected = [
            [
                {"user": "u-asha", "reason": "off_hours"},
                {"user": "u-ben", "reason": "off_hours"},
            ]
        ]
        assert expected == skipped

    def test_user_event_naming_an_unknown_schedule(self, capsys, tmp_path):
        """A schedule the config lacks is taken as none: the user works at any hour."""
        actions = self.run_scheduled(
            capsys,
            tmp_path,
            {"type": "user", "id": "u-asha", "name": "Asha", "schedule": "Night desk"},
            incoming("wamid.1", "2026-11-02T08:00:00+05:30"),
        )

        assert [("u-asha", [[]])] == assignments(actions)


class TestConfigChanges:
    def test_a_run_with_an_edited_config_sends_the_menu_again(self, capsys, tmp_path):
        """A run on the store with the AI product removed sends the menu of now, and says why."""
        store = f"sqlite:{tmp_path / 'state.db'}"
        text = (EXAMPLES / "account.toml").read_text("utf-8")
        start = text.index("[[numbers.products]]              # one quick-response option each")
        end = text.index('[[numbers.products]]\nlabel = "Data Science"')
        edited = tmp_path / "edited.toml"
        edited.write_text(text[:start] + text[end:], encoding="utf-8")
        run(capsys, CONFIG, write_events(tmp_path, {**ENTRY, "text": "Hi"}), "--store", store)
        reply = {**ENTRY, "id": "wamid.2", "at": "2026-11-02T09:01:00+05:30", "text": "AI"}

        status, actions, _ = run(
            capsys, str(edited), write_events(tmp_path, reply), "--store", store, "--notes"
        )

        (sent,) = [a for a in actions if a["type"] == "send"]
        titles = [b["reply"]["title"] for b in sent["message"]["interactive"]["action"]["buttons"]]
        notes = [a["note"] for a in actions if a["type"] == "note"]
        assert (0, ["Data Science", "Something else"]) == (status, titles)
        assert "product 'AI' is no longer offered: the menu is sent again" == notes[0]


class TestStoreFailures:
    def test_a_store_that_fails_mid_run_exits_1(self, capsys, monkeypatch, tmp_path):
        """A store failing mid-run exits 1 with one line saying so, not an error line a line."""
        store = SQLiteStore(tmp_path / "state.db")
        units = iter(range(12))
        inner = store.unit_of_work

        def unit_of_work(account="default"):
            if next(units, None) is None:
                raise StoreError("disk I/O error")
            return inner(account)

        monkeypatch.setattr(store, "unit_of_work", unit_of_work)
        monkeypatch.setattr(
            "convroute.cli._simulate.open_store", lambda _: contextlib.nullcontext(store)
        )
        status, actions, err = run(capsys, CONFIG, EVENTS, "--store", "sqlite:state.db")

        errors = [one for one in actions if one["type"] == "error"]
        assert (1, "convroute: disk I/O error\n") == (status, err)
        assert ([], True) == (errors, len(actions) > 0)
