"""
The generated workload of the benchmarks that run the engine and the service.

The account is the worked example (``examples/account.toml``); leads are
generated from fixed seeds, each with a phone of its own: their first
messages (one in three with the trigger phrase), taps on the product, and
enquiries the CRM knows of beforehand.  ``python -m bench engine`` builds
its snapshots from these; ``service`` and ``postgres`` run `conversations`.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import random
import tempfile

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import attrs

from convroute.adapters import SQLiteStore
from convroute.config import Config, load_config
from convroute.engine import Event, IncomingMessage, UpdateLead
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity, Phone
from convroute.ports import Store
from convroute.testing import MemoryStore


SEED = 20261102
ACCOUNT = pathlib.Path(__file__).resolve().parent.parent / "examples" / "account.toml"
NUMBER = Phone("918040001234")
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
AI = option_id(OptionKind.PRODUCT, "AI")
FIRST_NAMES = (
    "Ravi Kumar",
    "Asha",
    "Priya Nair",
    "Arjun Mehta",
    "Meena",
    "Sanjay Gupta",
    "Lakshmi Iyer",
    "Vikram",
    "Deepa Shah",
    "Rahul Das",
    "Ananya",
    "Kiran Rao",
)
TRIGGER = "Hi, I came from Instagram! Tell me about the AI course."
PLAIN = "Hello, I would like to know more about your courses."


@contextmanager
def sqlite_store() -> Iterator[Store]:
    """
    A new SQLite store in a folder of its own, removed afterwards.
    """
    with (
        tempfile.TemporaryDirectory() as folder,
        SQLiteStore(pathlib.Path(folder) / "convroute.db") as store,
    ):
        yield store


@contextmanager
def memory_store() -> Iterator[Store]:
    """
    A new in-memory store.
    """
    yield MemoryStore()


def account() -> Config:
    """
    The worked example's config, without its messages to the lead.

    The benchmarks time the paths they have timed from the first rounds (a
    menu, a tap, an assignment), so that their figures compare with runs of
    code from before the away and assigned messages existed; a message to
    the lead is one more text send after an assignment.
    """
    config = load_config(ACCOUNT)
    numbers = [
        attrs.evolve(number, away_message=None, assigned_message=None) for number in config.numbers
    ]
    return attrs.evolve(config, numbers=numbers)


def phone(index: int) -> Phone:
    """
    The phone of the *index*-th generated lead.
    """
    return Phone(f"9198{index:08d}")


def first_text(index: int) -> str:
    """
    The first message of the *index*-th lead: one in three has the trigger phrase.
    """
    return TRIGGER if index % 3 == 0 else PLAIN


def enquiries(index: int, owners: Sequence[str | None]) -> tuple[Opportunity, ...]:
    """
    The *index*-th lead's enquiries about the AI course, one an owner, the newest first.
    """
    return tuple(
        Opportunity(
            id=f"opp-{index}-{n}",
            type="Postgraduate Course",
            name=f"PG AI {2025 + n}",
            fields={"Course": "AI"},
            owner=owner,
            stage="Enquiry",
            updated_at=START - dt.timedelta(days=n + 1),
        )
        for n, owner in enumerate(owners)
    )


def conversations(leads: int, seed: int = SEED) -> tuple[list[Event], list[Event]]:
    """
    The host's updates (to load first) and the timed events, in time order.

    Per lead: three in four leads send a first message (the first menu),
    tap the product (an opportunity is created and assigned) and write in
    the now open conversation; one in four, known to the CRM with three
    enquiries (an `UpdateLead` among the updates), send a first message,
    tap the product (the second menu) and tap an enquiry (assigned to its
    owner).  The leads' events are interleaved in time.
    """
    rng = random.Random(seed)
    setup: list[Event] = []
    steps: list[tuple[dt.datetime, int, Event]] = []
    for index in range(leads):
        lead = phone(index)
        name = rng.choice(FIRST_NAMES)
        known = index % 4 == 3
        begin = START + dt.timedelta(seconds=index)
        if known:
            setup.append(
                UpdateLead(
                    id=f"crm.{index}",
                    lead=Lead(phone=lead, name=name, owner="u-asha"),
                    opportunities=enquiries(index, ("u-asha", "u-ben", "u-chen")),
                )
            )
            second = option_id(OptionKind.OPPORTUNITY, f"opp-{index}-1")
            replies: list[dict[str, str]] = [{"reply_id": AI}, {"reply_id": second}]
        else:
            replies = [{"reply_id": AI}, {"text": "When does the next batch start?"}]
        first = IncomingMessage(
            id=f"wamid.{index}.0",
            at=begin,
            lead=lead,
            number=NUMBER,
            text=first_text(index),
            name=name,
        )
        steps.append((begin, index, first))
        for step, fields in enumerate(replies, start=1):
            at = begin + dt.timedelta(minutes=step)
            message = IncomingMessage(
                id=f"wamid.{index}.{step}", at=at, lead=lead, number=NUMBER, **fields
            )
            steps.append((at, index, message))
    steps.sort(key=lambda step: (step[0], step[1]))
    return setup, [event for _, _, event in steps]
