"""
`--account NAME` on simulate, report, outbox, prune and demo: each command works on one account.
"""

import datetime as dt
import io
import json
import pathlib

import pytest

from convroute.adapters import SQLiteStore
from convroute.cli import main
from convroute.cli._demo import run_demo
from convroute.state import OutboxItem, OutboxStatus


SEED = pathlib.Path(__file__).parents[2] / "examples" / "account.toml"
NUMBER = "918040001234"
T0 = dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC)


def incoming(ident, lead, at="2026-11-02T09:00:00+05:30"):
    return json.dumps(
        {
            "type": "incoming",
            "id": ident,
            "at": at,
            "from": lead,
            "to": NUMBER,
            "text": "Hi, I came from Instagram!",
        }
    )


def simulate(capsys, path, account, events):
    """Run `convroute simulate --store sqlite:PATH --account ACCOUNT`, its actions parsed."""
    events_file = path.parent / f"events-{account}.jsonl"
    events_file.write_text("\n".join(events) + "\n", encoding="utf-8")
    status = main(
        [
            "simulate",
            str(SEED),
            str(events_file),
            "--store",
            f"sqlite:{path}",
            "--account",
            account,
        ]
    )
    out, _ = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def path(tmp_path):
    """An empty SQLite store."""
    path = tmp_path / "convroute.db"
    with SQLiteStore(path):
        pass
    return path


class TestSimulate:
    def test_each_account_runs_its_events_as_if_alone(self, capsys, path):
        """The same event ids in two accounts of one store are each processed, in each account."""
        first = simulate(capsys, path, "acme", [incoming("wamid.1", "919800000001")])
        second = simulate(capsys, path, "zenith", [incoming("wamid.1", "919800000001")])
        again = simulate(capsys, path, "acme", [incoming("wamid.1", "919800000001")])
        assert (0, True, first[1]) == (first[0], len(first[1]) > 0, second[1])
        assert (0, []) == again

    def test_a_bad_account_exits_2(self, capsys):
        """A blank or overlong --account is a usage error, before any event is read."""
        statuses = []
        for name in ["  ", "x" * 65]:
            with pytest.raises(SystemExit) as stopped:
                main(["simulate", str(SEED), str(SEED), "--account", name])
            statuses.append(stopped.value.code)
        err = capsys.readouterr().err
        assert ([2, 2], True) == (statuses, "not an account name" in err)


class TestReport:
    def test_a_report_counts_its_accounts_leads_only(self, capsys, path):
        """report --account reads that account's funnel records, never another's."""
        simulate(capsys, path, "acme", [incoming("wamid.1", "919800000001")])
        simulate(
            capsys,
            path,
            "zenith",
            [incoming("wamid.1", "919800000001"), incoming("wamid.2", "919800000002")],
        )
        outs = {}
        for account in ("acme", "zenith", "default"):
            status = main(["report", str(SEED), "--store", f"sqlite:{path}", "--account", account])
            outs[account] = (status, capsys.readouterr().out)
        firsts = {account: out.splitlines()[0] for account, (_, out) in outs.items()}
        assert {
            "acme": "Funnel 'Sales': 1 lead entered",
            "zenith": "Funnel 'Sales': 2 leads entered",
            "default": "Funnel 'Sales': 0 leads entered",
        } == firsts
        assert {0} == {status for status, _ in outs.values()}


def outbox_item(ident):
    return OutboxItem(ident, "wamid.1", "send", {"type": "send"}, T0)


class TestOutboxAndPrune:
    def test_outbox_stats_list_and_requeue_per_account(self, capsys, path):
        """outbox --account counts, lists and requeues that account's items only."""
        with SQLiteStore(path) as store:
            for account in ("acme", "zenith"):
                with store.unit_of_work(account) as uow:
                    uow.outbox.add([outbox_item("o1")])
                    uow.outbox.mark_dead("o1", "refused")
            with store.unit_of_work("zenith") as uow:
                uow.outbox.add([outbox_item("o2")])
        store_spec = f"sqlite:{path}"
        main(["outbox", "requeue", "o1", "--store", store_spec, "--account", "acme"])
        requeued = json.loads(capsys.readouterr().out)
        stats = {}
        for account in ("acme", "zenith"):
            main(["outbox", "stats", "--store", store_spec, "--account", account])
            stats[account] = json.loads(capsys.readouterr().out)
        main(["outbox", "list", "--store", store_spec, "--account", "zenith"])
        listed = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
        assert ["o1"] == requeued["requeued"]
        assert {
            "acme": {"pending": 1, "sent": 0, "dead": 0},
            "zenith": {"pending": 1, "sent": 0, "dead": 1},
        } == stats
        assert ["o1", "o2"] == listed

    def test_prune_deletes_its_accounts_rows_only(self, capsys, path):
        """prune --account deletes that account's old sent items and keeps another's."""
        with SQLiteStore(path) as store:
            for account in ("acme", "zenith"):
                with store.unit_of_work(account) as uow:
                    uow.outbox.add([outbox_item("o1")])
                    uow.outbox.mark_sent("o1")
        status = main(
            ["prune", "--older-than", "30d", "--store", f"sqlite:{path}", "--account", "acme"]
        )
        printed = json.loads(capsys.readouterr().out)
        with SQLiteStore(path) as store:
            left = {}
            for account in ("acme", "zenith"):
                with store.unit_of_work(account) as uow:
                    left[account] = dict(uow.outbox.counts()).get(OutboxStatus.SENT, 0)
        assert (0, 1, {"acme": 0, "zenith": 1}) == (status, printed["sent"], left)

    @pytest.mark.parametrize("command", [["outbox", "stats"], ["prune", "--older-than", "30d"]])
    def test_a_bad_account_exits_2(self, capsys, path, command):
        """A name with a control character is refused with exit status 2."""
        with pytest.raises(SystemExit) as stopped:
            main([*command, "--store", f"sqlite:{path}", "--account", "a\tb"])
        assert (2, True) == (stopped.value.code, "--account" in capsys.readouterr().err)


class TestDemo:
    def test_the_demo_runs_as_the_account_named(self):
        """demo --account runs the same story, and says which account it ran as."""
        default, acme = io.StringIO(), io.StringIO()
        run_demo(default)
        run_demo(acme, account="acme")
        first_lines = [text.getvalue().splitlines() for text in (default, acme)]
        assert (True, first_lines[0][2:]) == (
            "as the account 'acme'" in first_lines[1][1],
            first_lines[1][2:],
        )

    def test_the_demo_json_is_the_same_in_any_account(self, capsys):
        """demo --json --account prints the actions the default account's demo prints."""
        outputs = []
        for extra in ([], ["--account", "acme"]):
            assert 0 == main(["demo", "--json", *extra])
            outputs.append(capsys.readouterr().out)
        assert outputs[0] == outputs[1]
