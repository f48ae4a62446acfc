"""
The ``convroute prune`` command: one JSON line of counts, windows under 7 days refused.
"""

import datetime as dt
import json

import pytest

from convroute.adapters import SQLiteStore
from convroute.cli import main
from convroute.config import load_config
from convroute.engine import CloseConversation, IncomingMessage
from convroute.service import Service
from convroute.testing import RecordingTransport
from example_account import EXAMPLE_PATH


# Long before any run of these tests: whatever the wall clock says, it is older than 30 days.
AT = dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC)
NUMBER = "918040001234"
LEADS = ["919800000001", "919800000002"]


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def path(tmp_path):
    """A SQLite store where two leads wrote, and the host closed the second one's conversation."""
    path = tmp_path / "convroute.db"
    clock = Clock()
    with SQLiteStore(path) as store:
        service = Service(load_config(EXAMPLE_PATH), store, RecordingTransport(), clock=clock)
        for n, lead in enumerate(LEADS):
            service.handle(
                IncomingMessage(id=f"wamid.{n}", at=AT, lead=lead, number=NUMBER, text="Hi")
            )
        clock.now = AT + dt.timedelta(minutes=1)
        service.handle(CloseConversation(id="close", at=clock.now, lead=LEADS[1], number=NUMBER))
    return path


def outbox(path):
    with SQLiteStore(path) as store, store.unit_of_work() as uow:
        return list(uow.outbox.items())


def run(capsys, *argv):
    status = main(["prune", *argv])
    out, err = capsys.readouterr()
    return status, out, err


class TestPrune:
    def test_prints_what_each_kind_lost_as_one_json_line(self, path, capsys):
        """Every id, sent item and the closed conversation is older than 30 days: all go."""
        items = outbox(path)
        sends = sum(item.type == "send" for item in items)

        status, out, err = run(capsys, "--older-than", "30d", "--store", f"sqlite:{path}")

        expected = {"processed": 3 + sends, "sent": len(items), "closed": 1}
        assert (0, [expected], "") == (status, [json.loads(line) for line in out.splitlines()], err)
        assert [] == outbox(path)

    def test_small_batches_prune_the_same(self, path, capsys):
        """A batch of one row at a time deletes all the same."""
        status, out, _ = run(
            capsys, "--older-than", "7d", "--store", f"sqlite:{path}", "--batch", "1"
        )

        assert (0, 1) == (status, json.loads(out)["closed"])

    def test_a_second_run_finds_nothing(self, path, capsys):
        """Pruning again deletes nothing more."""
        run(capsys, "--older-than", "30d", "--store", f"sqlite:{path}")

        status, out, _ = run(capsys, "--older-than", "30d", "--store", f"sqlite:{path}")

        assert (0, {"processed": 0, "sent": 0, "closed": 0}) == (status, json.loads(out))

    def test_a_window_longer_than_the_calendar_deletes_nothing(self, path, capsys):
        """Nothing is older than a window reaching before the year 1: a prune of nothing."""
        kept = outbox(path)

        status, out, _ = run(capsys, "--older-than", "1000000d", "--store", f"sqlite:{path}")

        assert (0, {"processed": 0, "sent": 0, "closed": 0}) == (status, json.loads(out))
        assert kept == outbox(path)


class TestRefusals:
    @pytest.mark.parametrize("age", ["6d", "167h", "1s"])
    def test_a_window_under_7_days_exits_2_and_deletes_nothing(self, path, capsys, age):
        """Under 7 days is refused with the reason, before the store is touched."""
        kept = outbox(path)

        status, out, err = run(capsys, "--older-than", age, "--store", f"sqlite:{path}")

        assert (2, "") == (status, out)
        assert f"--older-than {age} is shorter than 7 days: Meta retries" in err
        assert kept == outbox(path)

    @pytest.mark.parametrize("age", ["30", "thirty days", "0d", "7w"])
    def test_an_unreadable_age_exits_2(self, path, capsys, age):
        """An age that is not a duration says so, on one line."""
        status, out, err = run(capsys, "--older-than", age, "--store", f"sqlite:{path}")

        assert (2, "", 1) == (status, out, len(err.splitlines()))
        assert err.startswith("convroute: --older-than: invalid duration")

    def test_a_missing_store_exits_2(self, tmp_path, capsys):
        """A store path with no store is refused rather than created empty."""
        missing = tmp_path / "missing.db"

        status, _, err = run(capsys, "--older-than", "30d", "--store", f"sqlite:{missing}")

        assert (2, False) == (status, missing.exists())
        assert "no store" in err

    @pytest.mark.parametrize(
        "rows",
        [
            "0",
            "-1",
            "many",
            "1000000001",
            "99999999999999999999",
            "9" * 5000,
            "+5",
            "\u0665",
            "\uff15",
            "1_000",
            " 5",
            "5 ",
            "",
        ],
    )
    def test_a_batch_that_is_no_plain_number_of_rows_exits_2(self, path, capsys, rows):
        """A batch is digits 0-9 only, 1 to a billion: not int()'s +5, 1_000 or other scripts."""
        with pytest.raises(SystemExit) as raised:
            main(["prune", "--older-than", "30d", "--store", f"sqlite:{path}", "--batch", rows])

        said = "argument --batch: must be a whole number of rows from 1 to 1000000000"
        assert (2, True) == (raised.value.code, said in capsys.readouterr().err)

    @pytest.mark.parametrize("rows", ["1", "0005", "1000000000"])
    def test_a_batch_of_ascii_digits_is_taken(self, path, capsys, rows):
        """A batch of digits 0-9, leading zeros and all, from 1 to a billion, is a batch."""
        status, out, _ = run(
            capsys, "--older-than", "7d", "--store", f"sqlite:{path}", "--batch", rows
        )

        assert (0, True) == (status, out.startswith('{"processed": '))
