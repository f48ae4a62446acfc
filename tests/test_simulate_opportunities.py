"""
The opportunities a CRM keeps, through `convroute simulate`: status and the host's records.
"""

import json
import pathlib

import pytest

from convroute.config import load_config
from convroute.menus import OptionKind, option_id
from convroute.simulate import EventLineError, read_event_line, simulate
from convroute.testing import MemoryStore


ACCOUNT = load_config(pathlib.Path(__file__).parents[1] / "examples" / "account.toml")
LEAD = "919800000001"
NUMBER = "918040001234"
COURSE = "Postgraduate Course"
AI = option_id(OptionKind.PRODUCT, "AI")


def line(kind, **fields):
    return json.dumps({"type": kind, **fields})


def tap(ident, minute, reply_id):
    at = f"2026-11-02T09:{minute:02d}:00+00:00"
    return line("incoming", id=ident, at=at, **{"from": LEAD, "to": NUMBER, "reply_id": reply_id})


def hello(ident, minute):
    at = f"2026-11-02T09:{minute:02d}:00+00:00"
    return line("incoming", id=ident, at=at, text="Hi", **{"from": LEAD, "to": NUMBER})


def enquiry(ident, owner, day, **extra):
    return {
        "id": ident,
        "type": COURSE,
        "name": f"PG {ident}",
        "fields": {"Course": "AI"},
        "owner": owner,
        "updated_at": f"2026-10-{day:02d}T00:00:00+00:00",
        **extra,
    }


def run(lines, *, notes=False):
    return list(simulate(ACCOUNT, MemoryStore(), lines, notes=notes))


class TestLeadStatus:
    def test_a_won_enquiry_is_passed_over(self):
        """A lead's won enquiry is neither offered nor routed to: the open one is."""
        actions = run(
            [
                line(
                    "lead",
                    phone=LEAD,
                    opportunities=[
                        enquiry("o1", "u-asha", 1),
                        enquiry("o2", "u-chen", 9, status="won"),
                    ],
                ),
                hello("wamid.1", 0),
                tap("wamid.2", 1, AI),
            ]
        )

        assert [("o1", "u-asha")] == [
            (a["opportunity"], a["user"]) for a in actions if a["type"] == "assign"
        ]

    def test_status_defaults_to_open(self):
        """An opportunity of a lead line without a status is open."""
        (event,) = read_event_line(line("lead", phone=LEAD, opportunities=[enquiry("o", "u", 1)]))

        assert "open" == event.opportunities[0].status

    @pytest.mark.parametrize("status", ["closed", 1, None, ""])
    def test_an_unknown_status_is_an_error(self, status):
        """A status that is not open, won or lost is an error line naming the three."""
        written = line("lead", phone=LEAD, opportunities=[enquiry("o", "u", 1, status=status)])

        with pytest.raises(EventLineError) as caught:
            read_event_line(written)

        assert "opportunity: 'status' must be one of open, won, lost" == str(caught.value)
