"""
The commands the operations guides show, run as written on a store a service wrote to.

Each ``convroute`` line of a ``sh`` block followed by the JSON line it prints (a ``# {…}``
comment, maybe over several lines) is run on a SQLite file, in place of the guide's store; it
must exit 0 and print a line with the keys the guide shows.
"""

import datetime as dt
import json
import pathlib
import re
import shlex

import pytest

from convroute.adapters import SQLiteStore
from convroute.cli import main
from convroute.config import load_config
from convroute.engine import IncomingMessage
from convroute.service import Service
from convroute.testing import RecordingTransport
from example_account import EXAMPLE_PATH


ROOT = pathlib.Path(__file__).parents[2]
GUIDES = [ROOT / "docs" / "deployment.md", ROOT / "docs" / "privacy.md"]
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A store a guide names: a SQLite path, a PostgreSQL URL, or the variable that holds one.
GUIDE_STORE = re.compile(r"^(sqlite:\S+|postgresql://\S+|\$CONVROUTE_DATABASE)$")
# An outbox item id a guide shortens: act-1d59…
SHORTENED_ID = re.compile(r"^act-[0-9a-f]+…$")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEAD = "919812345678"  # the "+91 98123 45678" of the guides
OTHER = "919800000002"
NUMBER = "918040001234"
TEXT = "Hi, I came from Instagram!"


def documented_commands():
    """Each guide's command with a JSON output: its arguments and the keys it shows."""
    for guide in GUIDES:
        for block in SH_BLOCK.findall(guide.read_text(encoding="utf-8")):
            lines = block.splitlines()
            for number, line in enumerate(lines):
                output = []
                for comment in lines[number + 1 :]:
                    if not comment.startswith("# ") or (not output and comment[2:3] != "{"):
                        break
                    output.append(comment[2:])
                if line.startswith("convroute ") and output:
                    keys = re.findall(r'"(\w+)": ', " ".join(output))
                    # A "…," among the keys stands for those left out.
                    whole = not re.search(r"[{,] …,", " ".join(output))
                    yield pytest.param(
                        shlex.split(line, comments=True)[1:],
                        keys,
                        whole,
                        id=f"{guide.name}: {line}",
                    )


@pytest.fixture(scope="module")
def store_and_dead(tmp_path_factory):
    """A store two accounts wrote to, two leads in each; each account's dead items' ids."""
    path = tmp_path_factory.mktemp("documented") / "state.db"
    dead = {}
    with SQLiteStore(path) as store:
        for account in ("default", "acme"):
            transport = RecordingTransport(fail=lambda item: item.type == "send")
            service = Service(
                load_config(EXAMPLE_PATH),
                store,
                transport,
                clock=lambda: AT,
                account=account,
                max_attempts=1,
            )
            dead[account] = [
                item
                for ident, lead in (("wamid.1", LEAD), ("wamid.2", OTHER))
                for item, _ in service.handle(
                    IncomingMessage(id=ident, at=AT, lead=lead, number=NUMBER, text=TEXT)
                ).failed_deliveries
            ]
    return f"sqlite:{path}", dead


@pytest.mark.parametrize(("arguments", "keys", "whole"), list(documented_commands()))
def test_a_documented_command_prints_what_the_guide_shows(
    capsys, store_and_dead, arguments, keys, whole
):
    """The command runs as the guide writes it, and prints a JSON line with the guide's keys."""
    store, dead = store_and_dead
    account = arguments[arguments.index("--account") + 1] if "--account" in arguments else None
    ids = iter(dead[account or "default"])
    argv = [
        store if GUIDE_STORE.match(one) else next(ids) if SHORTENED_ID.match(one) else one
        for one in arguments
    ]

    status = main(argv)
    [first, *_] = capsys.readouterr().out.splitlines()

    found = list(json.loads(first))
    assert (0, keys) == (status, found if whole else [key for key in found if key in keys])


def test_there_are_documented_commands():
    """The guides do show commands with their output."""
    assert len(list(documented_commands())) >= 6
