"""
simulate on business-app echoes: a webhook line's echoes are the business's messages.
"""

import json
import pathlib

from convroute.config import load_config
from convroute.simulate import simulate
from convroute.testing import MemoryStore


CONFIG = load_config(pathlib.Path(__file__).parents[1] / "examples" / "account.toml")
LEAD = "919800000001"
NUMBER = "918040001234"


def echo_line(body, ident="wamid.echo.1"):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "106540352242922"},
        "message_echoes": [
            {
                "from": NUMBER,
                "to": LEAD,
                "id": ident,
                "timestamp": "1793610060",
                "type": "text",
                "text": {"body": body},
            }
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "smb_message_echoes", "value": value}]}],
    }
    return json.dumps({"type": "webhook", "payload": payload})


class TestEchoLines:
    def test_an_echo_moves_the_lead_like_an_outgoing_line(self):
        """A webhook line's echo with a follow-up moves the lead, as an outgoing line does."""
        lines = [
            json.dumps(
                {
                    "type": "incoming",
                    "id": "wamid.1",
                    "at": "2026-11-02T09:00:00+00:00",
                    "from": LEAD,
                    "to": NUMBER,
                    "text": "I came from Instagram",
                }
            ),
            echo_line("Thank you for scheduling with us!"),
        ]

        moved = [a for a in simulate(CONFIG, MemoryStore(), lines) if a["type"] == "transition"]

        assert [("wamid.echo.1", "Lead Entry", "Scheduling", "follow_up")] == [
            (a["event"], a["from"], a["to"], a["cause"]) for a in moved
        ]
