"""
A Purchase stage's value through `convroute simulate`: from the host's opportunity to Meta's event.
"""

import json
import pathlib

from convroute.config import loads_config
from convroute.simulate import simulate
from convroute.testing import MemoryStore


EXAMPLE = pathlib.Path(__file__).parents[1] / "examples" / "account.toml"
ENROLLED = """
[[funnels.stages]]
name = "Enrolled"
meta_event = "Purchase"
meta_value_field = "Amount"
meta_custom_data = {{ currency = "inr", content_name = "PG AI 2027"{static} }}
"""
LEAD = "919800000001"
NUMBER = "918040001234"


def account(static=""):
    return loads_config(EXAMPLE.read_text() + ENROLLED.format(static=static))


def line(kind, **fields):
    return json.dumps({"type": kind, **fields})


def events(amount):
    return [
        line(
            "incoming",
            id="wamid.1",
            at="2026-11-02T09:00:00+00:00",
            text="Hi, I came from Instagram",
            ctwa_clid="ARAkLkA8rmlFeiCktEJQ",
            **{"from": LEAD, "to": NUMBER},
        ),
        line(
            "opportunity",
            lead=LEAD,
            id="crm-77",
            opportunity_type="Postgraduate Course",
            name="PG AI 2027",
            fields={"Course": "AI", "Amount": amount},
            stage="Applied",
            updated_at="2026-11-02T09:30:00+00:00",
        ),
        line(
            "set_stage",
            funnel="Sales",
            lead=LEAD,
            stage="Enrolled",
            by="u-asha",
            at="2026-11-02T10:00:00+00:00",
        ),
    ]


def meta_events(actions):
    return [a["payload"]["data"][0] for a in actions if a["type"] == "meta_event"]


class TestPurchaseValue:
    def test_the_opportunitys_amount_goes_to_meta(self):
        """An opportunity line with Amount, then a move to Enrolled: Purchase with that value."""
        actions = list(simulate(account(), MemoryStore(), events("185000.50")))

        entry, purchase = meta_events(actions)
        assert ("LeadSubmitted", "Purchase") == (entry["event_name"], purchase["event_name"])
        assert {"currency": "INR", "value": 185000.5, "content_name": "PG AI 2027"} == (
            purchase["custom_data"]
        )
        assert "ARAkLkA8rmlFeiCktEJQ" == purchase["user_data"]["ctwa_clid"]

    def test_no_amount_falls_back_to_the_static_value(self):
        """'R$ 185.000' is no amount: the stage's own value goes out."""
        actions = list(simulate(account(", value = 150000.0"), MemoryStore(), events("R$ 185.000")))

        (_, purchase) = meta_events(actions)
        assert 150000.0 == purchase["custom_data"]["value"]

    def test_no_amount_and_no_static_value_sends_nothing_and_says_why(self):
        """Without any value no Purchase is sent, and a note says why."""
        actions = list(simulate(account(), MemoryStore(), events("TBD"), notes=True))

        assert ["LeadSubmitted"] == [event["event_name"] for event in meta_events(actions)]
        notes = [a["note"] for a in actions if a["type"] == "note"]
        assert [
            (
                "no Meta event Purchase for 'Enrolled': no_value (the field 'Amount' of the lead's "
                "most recently updated open opportunity is no amount, and the stage sets no value)"
            )
        ] == [note for note in notes if "Purchase" in note]
