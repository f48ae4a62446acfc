"""
A mistyped `--account`: the reading and maintenance commands say the store holds no such account.
"""

import datetime as dt
import json
import pathlib

import pytest

from convroute.adapters import SQLiteStore
from convroute.cli import main
from convroute.cli._held_accounts import MOST_NAMED, note_unheld_account, unheld_account_note
from convroute.model import Lead, Phone
from convroute.state import OutboxItem
from convroute.testing import MemoryStore


SEED = pathlib.Path(__file__).parents[2] / "examples" / "account.toml"
T0 = dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC)
PHONE = "919812345678"
NOTE = 'convroute: the store holds no account "acmee" (it holds: "acme", "default")\n'


def item(ident):
    return OutboxItem(ident, "wamid.1", "send", {"type": "send"}, T0)


def run(capsys, *args):
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def path(tmp_path):
    """A SQLite store holding "acme" (a lead and a dead item) and "default" (a tick)."""
    path = tmp_path / "convroute.db"
    with SQLiteStore(path) as store:
        with store.unit_of_work("acme") as uow:
            uow.leads.save(Lead(phone=Phone(PHONE)))
            uow.outbox.add([item("o1")])
            uow.outbox.mark_dead("o1", "refused")
        with store.unit_of_work() as uow:
            uow.ticks.advance(T0)
    return path


@pytest.fixture
def spec(path):
    return f"sqlite:{path}"


class TestTheNote:
    def test_it_names_the_account_and_those_held_sorted(self):
        """The note quotes the name asked for and every account held, in sorted order."""
        expected = 'the store holds no account "acmee" (it holds: "Zeta", "acme", "default")'
        assert expected == unheld_account_note("acmee", frozenset({"default", "acme", "Zeta"}))

    def test_an_account_held_needs_no_note(self):
        """No note when the store holds the account."""
        assert None is unheld_account_note("acme", frozenset({"acme"}))

    def test_a_store_holding_nothing_says_so(self):
        """A store that holds no account at all says it holds none."""
        expected = 'the store holds no account "acme" (it holds none)'
        assert expected == unheld_account_note("acme", frozenset())

    def test_at_most_twenty_are_named(self):
        """Of many accounts, the first 20 in sorted order are named and the rest counted."""
        held = frozenset(f"a{index:02}" for index in range(25))
        named = ", ".join(f'"a{index:02}"' for index in range(MOST_NAMED))
        expected = f'the store holds no account "b" (it holds: {named} … and 5 more)'
        assert (20, expected) == (MOST_NAMED, unheld_account_note("b", held))

    def test_quotes_in_a_name_are_escaped(self):
        """A name holding a quote is written so that where it ends stays plain."""
        expected = 'the store holds no account "a\\"b" (it holds: "a b")'
        assert expected == unheld_account_note('a"b', frozenset({"a b"}))

    def test_odd_names_are_written_as_they_are(self):
        """Names with spaces and letters beyond ASCII are written as they are."""
        expected = 'the store holds no account "açme" (it holds: "zé shop")'
        assert expected == unheld_account_note("açme", frozenset({"zé shop"}))

    def test_a_store_without_accounts_gets_no_note(self, capsys):
        """A host's store without accounts() is not asked: nothing is printed."""

        class HostStore:
            def unit_of_work(self, account="default"):
                raise AssertionError(account)

        note_unheld_account(HostStore(), "acmee")
        assert "" == capsys.readouterr().err

    def test_a_store_with_accounts_gets_the_note(self, capsys):
        """A store with accounts() that lacks the account gets the note on standard error."""
        note_unheld_account(MemoryStore(), "acmee")
        expected = 'convroute: the store holds no account "acmee" (it holds none)\n'
        assert ("", expected) == capsys.readouterr()


class TestOutbox:
    def test_stats_of_a_mistyped_account_print_zeros_and_the_note(self, capsys, spec):
        """outbox stats --account acmee: the same JSON line of zeros, exit 0, and one note."""
        status, out, err = run(capsys, "outbox", "stats", "--store", spec, "--account", "acmee")
        zeros = {"pending": 0, "sent": 0, "dead": 0}
        assert (0, [zeros], NOTE) == (status, [json.loads(line) for line in out.splitlines()], err)

    def test_stats_of_an_account_held_print_no_note(self, capsys, spec):
        """outbox stats --account acme counts its items and prints nothing on standard error."""
        status, out, err = run(capsys, "outbox", "stats", "--store", spec, "--account", "acme")
        assert (0, {"pending": 0, "sent": 0, "dead": 1}, "") == (status, json.loads(out), err)

    def test_list_of_a_mistyped_account_prints_nothing_but_the_note(self, capsys, spec):
        """outbox list --account acmee: no item, exit 0, and the note."""
        status, out, err = run(capsys, "outbox", "list", "--store", spec, "--account", "acmee")
        assert (0, "", NOTE) == (status, out, err)

    def test_requeue_in_a_mistyped_account_exits_2_with_the_note(self, capsys, spec):
        """outbox requeue --account acmee: every id unknown, so exit 2, and the note."""
        status, out, err = run(
            capsys, "outbox", "requeue", "o1", "--store", spec, "--account", "acmee"
        )
        expected = {"requeued": [], "not_dead": {}, "unknown": ["o1"]}
        assert (2, expected, NOTE) == (status, json.loads(out), err)

    def test_requeue_in_the_account_held_prints_no_note(self, capsys, spec):
        """outbox requeue --account acme requeues its dead item, with nothing on standard error."""
        status, out, err = run(
            capsys, "outbox", "requeue", "o1", "--store", spec, "--account", "acme"
        )
        assert (0, ["o1"], "") == (status, json.loads(out)["requeued"], err)

    def test_many_accounts_are_named_twenty_at_most(self, capsys, path, spec):
        """With 25 other accounts, the note names 20 and counts the rest: still one line."""
        with SQLiteStore(path) as store:
            for index in range(23):
                with store.unit_of_work(f"shop-{index:02}") as uow:
                    uow.ticks.advance(T0)
        _, _, err = run(capsys, "outbox", "stats", "--store", spec, "--account", "acmee")
        held = sorted(["acme", "default", *(f"shop-{index:02}" for index in range(23))])
        named = ", ".join(f'"{name}"' for name in held[:20])
        expected = (
            f'convroute: the store holds no account "acmee" (it holds: {named} … and 5 more)\n'
        )
        assert expected == err


class TestReport:
    def test_a_mistyped_account_reports_empty_with_the_note(self, capsys, spec):
        """report --account acmee prints the empty reports, exits 0, and adds the note."""
        status, out, err = run(capsys, "report", str(SEED), "--store", spec, "--account", "acmee")
        _, empty_out, _ = run(capsys, "report", str(SEED), "--store", spec, "--account", "acme")
        assert (0, empty_out, NOTE) == (status, out, err)

    def test_an_account_held_gets_no_note(self, capsys, spec):
        """report --account acme (held, with no funnel record) prints nothing on standard error."""
        status, _, err = run(capsys, "report", str(SEED), "--store", spec, "--account", "acme")
        assert (0, "") == (status, err)


class TestPrune:
    def test_a_mistyped_account_prunes_nothing_with_the_note(self, capsys, spec):
        """prune --account acmee prints zero counts, exits 0, and adds the note."""
        status, out, err = run(
            capsys, "prune", "--older-than", "30d", "--store", spec, "--account", "acmee"
        )
        zeros = {"processed": 0, "sent": 0, "closed": 0}
        assert (0, zeros, NOTE) == (status, json.loads(out), err)

    def test_an_account_held_gets_no_note(self, capsys, spec):
        """prune of the default account (it holds a tick) prints nothing on standard error."""
        status, _, err = run(capsys, "prune", "--older-than", "30d", "--store", spec)
        assert (0, "") == (status, err)


class TestForget:
    def test_a_mistyped_account_forgets_nothing_exits_0_with_the_note(self, capsys, spec):
        """forget --account acmee: zero counts, exit 0 (nothing of the phone is there), the note."""
        status, out, err = run(capsys, "forget", PHONE, "--store", spec, "--account", "acmee")
        assert (0, 0, None, NOTE) == (
            status,
            json.loads(out)["leads"],
            json.loads(out)["token"],
            err,
        )

    def test_the_note_never_names_the_phone(self, capsys, spec):
        """The note of forget holds no digit of the lead's phone, however it was typed."""
        _, _, err = run(capsys, "forget", "+91 98123 45678", "--store", spec, "--account", "acmee")
        digits = "".join(character for character in err if character.isdigit())
        assert (NOTE, "") == (err, digits)

    def test_an_account_held_forgets_with_no_note(self, capsys, spec):
        """forget --account acme removes the lead and prints nothing on standard error."""
        status, out, err = run(capsys, "forget", PHONE, "--store", spec, "--account", "acme")
        assert (0, 1, "") == (status, json.loads(out)["leads"], err)


class TestCommandsThatCreateAccounts:
    def test_simulate_into_a_new_account_prints_no_note(self, capsys, tmp_path, spec):
        """simulate --account of a name the store does not hold yet makes it: no note."""
        events = tmp_path / "events.jsonl"
        event = {
            "type": "incoming",
            "id": "wamid.1",
            "at": "2026-11-02T09:00:00+05:30",
            "from": "919800000001",
            "to": "918040001234",
            "text": "Hi",
        }
        events.write_text(json.dumps(event) + "\n", encoding="utf-8")
        status, _, err = run(
            capsys, "simulate", str(SEED), str(events), "--store", spec, "--account", "zenith"
        )
        assert (0, "") == (status, err)

    def test_demo_as_a_new_account_prints_no_note(self, capsys):
        """demo --account runs on a store of its own: no note."""
        status, _, err = run(capsys, "demo", "--json", "--account", "acmee")
        assert (0, "") == (status, err)
