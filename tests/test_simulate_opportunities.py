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

        assert "lead: opportunities[0]: 'status' must be one of open, won, lost" == str(
            caught.value
        )


def close(minute):
    return line("close", lead=LEAD, number=NUMBER, at=f"2026-11-02T09:{minute:02d}:00+00:00")


def record(**extra):
    return line(
        "opportunity",
        lead=LEAD,
        id="crm-1",
        opportunity_type=COURSE,
        name="PG AI 2027",
        fields={"Course": "AI"},
        owner="u-chen",
        stage="Enquiry",
        status="open",
        updated_at="2026-11-02T09:03:00+00:00",
        **extra,
    )


class TestHostRecords:
    def test_a_replacement_routes_the_record_to_its_owner(self):
        """A record replacing the created one, then a conversation: its owner, no second menu."""
        first = run([hello("wamid.1", 0), tap("wamid.2", 1, AI)])
        (created,) = [a for a in first if a["type"] == "create_opportunity"]
        replaced = created["opportunity"]["id"]

        actions = run(
            [
                hello("wamid.1", 0),
                tap("wamid.2", 1, AI),
                close(2),
                record(replaces=replaced),
                hello("wamid.3", 4),
                tap("wamid.4", 5, AI),
            ],
        )

        assert [("crm-1", "u-chen")] == [
            (a["opportunity"], a["user"]) for a in actions[len(first) :] if a["type"] == "assign"
        ]

    def test_a_removal_of_an_unknown_id_is_a_note(self):
        """opportunity_removed of an id nobody holds prints a note with --notes, no error."""
        actions = run([line("opportunity_removed", id="crm-9")], notes=True)

        assert ["opportunity crm-9 is unknown: nothing removed"] == [
            a["note"] for a in actions if a["type"] == "note"
        ]

    def test_a_removed_opportunity_is_not_routed_to(self):
        """After opportunity_removed, the next conversation creates a new enquiry."""
        actions = run(
            [
                record(),
                line("opportunity_removed", id="crm-1"),
                hello("wamid.1", 4),
                tap("wamid.2", 5, AI),
            ]
        )

        (created,) = [a for a in actions if a["type"] == "create_opportunity"]
        assert [created["opportunity"]["id"]] == [
            a["opportunity"] for a in actions if a["type"] == "assign"
        ]

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            (line("opportunity", lead=LEAD, id="o"), "'opportunity_type' must be a non-empty"),
            (
                line("opportunity", lead=LEAD, id="o", opportunity_type=""),
                "'opportunity_type' must be a non-empty",
            ),
            (line("opportunity", id="o", opportunity_type="T"), "'lead' must be"),
            (line("opportunity", lead=LEAD, opportunity_type="T"), "'id' must be"),
            (
                line("opportunity", lead=LEAD, id="o", opportunity_type="T", status="done"),
                "'status' must be one of open, won, lost",
            ),
            (
                line("opportunity", lead=LEAD, id="o", opportunity_type="T", replaces=""),
                "opportunity: 'replaces' must be a non-empty string",
            ),
            (
                line("opportunity", lead=LEAD, id="o", opportunity_type="T", replaces=5),
                "'replaces' must be a non-empty string",
            ),
            (line("opportunity_removed"), "opportunity_removed: 'id' must be a non-empty"),
            (line("opportunity_removed", id=7), "opportunity_removed: 'id' must be a non-empty"),
        ],
    )
    def test_bad_lines_say_why(self, written, message):
        """A malformed opportunity or opportunity_removed line is an error line naming the field."""
        (error,) = run([written])

        assert ("error", 1) == (error["type"], error["line"])
        assert message in error["error"]
