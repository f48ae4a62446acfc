"""
The ``convroute forget`` command: one JSON line of what went; bad phones and stores exit 2.

A store that fails while it runs exits 1.
"""

import datetime as dt
import json
import os
import pathlib
import sqlite3
import subprocess
import sys

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.adapters import SQLiteStore
from convroute.cli import _forget, main
from convroute.config import load_config
from convroute.engine import IncomingMessage
from convroute.errors import PhoneNumberError, StoreError
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from example_account import EXAMPLE_PATH
from strategies import written_phones


AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
NUMBER = "918040001234"
LEAD = "919812345678"
OTHER = "919800000002"


@pytest.fixture
def path(tmp_path):
    """A SQLite store where two leads wrote, the first from an Instagram trigger."""
    path = tmp_path / "convroute.db"
    with SQLiteStore(path) as store:
        service = Service(load_config(EXAMPLE_PATH), store, RecordingTransport(), clock=lambda: AT)
        for n, (lead, text) in enumerate([(LEAD, "I came from Instagram"), (OTHER, "Hi")]):
            service.handle(
                IncomingMessage(id=f"wamid.{n}", at=AT, lead=lead, number=NUMBER, text=text)
            )
    return path


def run(capsys, *argv):
    status = main(["forget", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def leads(path):
    with SQLiteStore(path) as store, store.unit_of_work() as uow:
        return [phone for phone in (LEAD, OTHER) if uow.leads.get(phone) is not None]


class TestForget:
    def test_prints_what_went_as_one_json_line(self, path, capsys):
        """The lead, its conversation and menu, its items and its record under a token."""
        status, out, err = run(capsys, "+91 98123 45678", "--store", f"sqlite:{path}")

        (line,) = [json.loads(text) for text in out.splitlines()]
        token = line.pop("token")
        expected = {
            "leads": 1,
            "conversations": 1,
            "menus": 1,
            "opportunities": 0,
            "outbox": 2,
            "funnel_records": 1,
            "unread": 0,
        }
        assert (0, expected, "") == (status, line, err)
        assert token.startswith("forgotten-")
        assert [OTHER] == leads(path)

    def test_a_phone_copied_with_direction_marks_is_found(self, path, capsys):
        """A number pasted from a phone's contacts, wrapped in invisible marks, is the lead's."""
        copied = "\N{LEFT-TO-RIGHT EMBEDDING}+91 98123 45678\N{POP DIRECTIONAL FORMATTING}"

        status, out, err = run(capsys, copied, "--store", f"sqlite:{path}")

        assert (0, 1, "") == (status, json.loads(out)["leads"], err)
        assert [OTHER] == leads(path)

    def test_a_phone_without_a_lead_prints_zero_counts(self, path, capsys):
        """A phone the store does not know: zero counts, exit 0."""
        status, out, _ = run(capsys, "919811111111", "--store", f"sqlite:{path}")

        expected = {
            "leads": 0,
            "conversations": 0,
            "menus": 0,
            "opportunities": 0,
            "outbox": 0,
            "funnel_records": 0,
            "unread": 0,
            "token": None,
        }
        assert (0, expected) == (status, json.loads(out))

    @pytest.mark.parametrize("phone", ["not-a-phone", "+91 98", "", "12", "1234567", "+1234567"])
    def test_what_is_no_phone_exits_2(self, path, capsys, phone):
        """A phone that is no phone: one line saying why, exit 2, nothing removed."""
        status, out, err = run(capsys, phone, "--store", f"sqlite:{path}")

        assert (2, "") == (status, out)
        assert err.startswith("convroute: PHONE: not a phone number")
        assert [LEAD, OTHER] == leads(path)

    def test_digits_of_a_short_full_number_are_a_phone(self, path, capsys):
        """Eight digits, the shortest full international number, are taken: zero counts, exit 0."""
        status, out, err = run(capsys, "68312345", "--store", f"sqlite:{path}")

        assert (0, 0, "") == (status, json.loads(out)["leads"], err)

    def test_a_short_phone_says_why_on_one_line(self, path, capsys):
        """Digits too few for a full number: one line naming the count and the country code."""
        status, _, err = run(capsys, "12", "--store", f"sqlite:{path}")

        expected = (
            "convroute: PHONE: not a phone number '12': it has 2 digits, fewer than a full "
            "international number's 8: give it with its country code\n"
        )
        assert (2, expected) == (status, err)

    def test_an_unreadable_row_is_removed_and_counted(self, path, capsys):
        """A conversation that is no JSON goes too: exit 0, counted unread, the lead gone."""
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE conversations SET data = '[' WHERE lead = ?", (LEAD,))
        connection.close()

        status, out, err = run(capsys, LEAD, "--store", f"sqlite:{path}")

        line = json.loads(out)
        assert (0, 0, 1, 1, "") == (
            status,
            line["conversations"],
            line["unread"],
            line["funnel_records"],
            err,
        )
        assert [OTHER] == leads(path)

    def test_a_missing_store_exits_2(self, tmp_path, capsys):
        """A store file that is not there is never made: exit 2."""
        status, out, err = run(capsys, LEAD, "--store", f"sqlite:{tmp_path / 'none.db'}")

        assert (2, "", False) == (status, out, (tmp_path / "none.db").exists())
        assert "no such file" in err

    def test_a_file_that_is_no_store_exits_2(self, tmp_path, capsys):
        """A file that is not a convroute store: a clear line, exit 2, no traceback."""
        other = tmp_path / "notes.db"
        other.write_text("not a database, at all, " * 100)

        status, out, err = run(capsys, LEAD, "--store", f"sqlite:{other}")

        assert (2, "") == (status, out)
        assert err.startswith("convroute: --store: ")
        assert "nothing was removed" in err
        assert "Traceback" not in err

    def test_a_store_failing_as_it_runs_exits_1(self, path, capsys, monkeypatch):
        """A store that fails mid-erasure (a disk error): one line, exit 1, to run again."""

        def failing(*_, **__):
            raise StoreError("SQLite store: committing: disk I/O error")

        monkeypatch.setattr(_forget, "forget", failing)
        status, out, err = run(capsys, LEAD, "--store", f"sqlite:{path}")

        assert (1, "") == (status, out)
        assert err.startswith("convroute: --store: ")
        assert "nothing was removed" in err
        assert [LEAD, OTHER] == leads(path)

    def test_a_memory_store_is_refused(self, capsys):
        """A memory store starts empty: there is nothing to forget in it."""
        status, _, err = run(capsys, LEAD, "--store", "memory")

        assert (2, True) == (status, "memory store starts empty" in err)


def typed_phones():
    """Phones as people type them, digits of any count, and text that is none."""
    return st.one_of(
        written_phones(),
        st.text(alphabet="0123456789", min_size=1, max_size=16),
        st.text(alphabet="+0123456789 -()", max_size=18),
        st.text(max_size=10),
    )


class TestAReportThatCannotBeWritten:
    """
    The erasure is committed before its report is written: losing the report is no failure of it.
    """

    @staticmethod
    def forget_into(path, stdout):
        """Run ``convroute forget`` as a shell runs it, its output buffered, into *stdout*."""
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
        return subprocess.run(
            [sys.executable, "-m", "convroute", "forget", LEAD, "--store", f"sqlite:{path}"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            check=False,
        )

    @pytest.mark.skipif(not pathlib.Path("/dev/full").exists(), reason="no /dev/full here")
    def test_a_full_disk_exits_3_saying_the_lead_is_forgotten(self, path):
        """No room for the report: exit 3 and a line saying the erasure is done, not exit 1."""
        with pathlib.Path("/dev/full").open("w", encoding="utf-8") as full:
            result = self.forget_into(path, full)

        said = (
            "convroute: the lead is forgotten (the erasure is committed), but what was removed "
            "could not be written: No space left on device; running it again would find "
            "nothing to remove\n"
        )
        assert (3, said, [OTHER]) == (result.returncode, result.stderr, leads(path))

    def test_a_reader_gone_exits_3_saying_the_lead_is_forgotten(self, path):
        """A pipe nobody reads: exit 3 and the same line, not a silent 141."""
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = self.forget_into(path, write_end)
        finally:
            os.close(write_end)

        said = "but what was removed could not be written: the reader of the output went away;"
        assert (3, 1, True, [OTHER]) == (
            result.returncode,
            len(result.stderr.splitlines()),
            said in result.stderr,
            leads(path),
        )


class TestForgetTakesWhatTheServiceTakes:
    @settings(deadline=None, max_examples=60)
    @given(typed_phones())
    def test_the_command_and_the_service_accept_the_same_phones(self, tmp_path_factory, typed):
        """Any text: the command exits 0 exactly when Service.forget takes it."""
        path = tmp_path_factory.getbasetemp() / "empty.db"
        if not path.exists():
            SQLiteStore(path).close()
        service = Service(load_config(EXAMPLE_PATH), MemoryStore(), RecordingTransport())
        try:
            service.forget(typed)
        except PhoneNumberError:
            expected = 2
        else:
            expected = 0

        assert expected == main(["forget", "--store", f"sqlite:{path}", "--", typed])
