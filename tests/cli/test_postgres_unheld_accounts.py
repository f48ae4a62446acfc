"""
A mistyped `--account` on a PostgreSQL store: the commands say which accounts the schema holds.
"""

import datetime as dt
import json

import pytest

from convroute.cli import main
from convroute.model import Lead, Phone
from convroute.state import OutboxItem


psycopg = pytest.importorskip("psycopg")

from convroute.adapters.postgres import PostgresStore  # noqa: E402 - after the extra is known


pytestmark = pytest.mark.postgres

T0 = dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC)
PHONE = "919812345678"
NOTE = 'convroute: the store holds no account "acmee" (it holds: "acme", "zenith")\n'


def run(capsys, *args):
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def spec(postgres_url, postgres_schema):
    """A PostgreSQL store holding "acme" (a lead, a dead item) and "zenith" (a tick)."""
    with PostgresStore(postgres_url, schema=postgres_schema) as store:
        with store.unit_of_work("acme") as uow:
            uow.leads.save(Lead(phone=Phone(PHONE)))
            uow.outbox.add([OutboxItem("o1", "wamid.1", "send", {"type": "send"}, T0)])
            uow.outbox.mark_dead("o1", "refused")
        with store.unit_of_work("zenith") as uow:
            uow.ticks.advance(T0)
    return f"{postgres_url}?schema={postgres_schema}"


class TestOnPostgres:
    def test_outbox_stats_of_a_mistyped_account_print_zeros_and_the_note(self, capsys, spec):
        """outbox stats --account acmee: the JSON line of zeros, exit 0, and the note."""
        status, out, err = run(capsys, "outbox", "stats", "--store", spec, "--account", "acmee")
        zeros = {"pending": 0, "sent": 0, "dead": 0}
        assert (0, zeros, NOTE) == (status, json.loads(out), err)

    def test_forget_in_a_mistyped_account_notes_it_without_the_phone(self, capsys, spec):
        """forget --account acmee exits 0 with zero counts, and its note holds no phone."""
        status, out, err = run(capsys, "forget", PHONE, "--store", spec, "--account", "acmee")
        assert (0, 0, NOTE) == (status, json.loads(out)["leads"], err)

    def test_an_account_held_gets_no_note(self, capsys, spec):
        """outbox list --account acme lists its dead item, with nothing on standard error."""
        status, out, err = run(capsys, "outbox", "list", "--store", spec, "--account", "acme")
        assert (0, ["o1"], "") == (
            status,
            [json.loads(line)["id"] for line in out.splitlines()],
            err,
        )
