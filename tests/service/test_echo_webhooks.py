"""
Business-app echoes through the service: the business's own messages move the funnel and answer.
"""

import datetime as dt
import json

from convroute.config import loads_config
from convroute.engine import IncomingMessage
from convroute.service import Service
from service.conftest import AT, DESK_TEAM, LEAD, NUMBER


REPLY_WITHIN = loads_config(
    DESK_TEAM
    + """
reply_within = "15m"

[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""
)


def seconds(offset):
    return str(int(AT.timestamp()) + offset)


def delivery(field, key, *items):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "106540352242922"},
        key: list(items),
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": field, "value": value}]}],
    }
    return json.dumps(body).encode()


def lead_says(wamid, text, offset=0):
    message = {
        "from": LEAD,
        "id": wamid,
        "timestamp": seconds(offset),
        "type": "text",
        "text": {"body": text},
    }
    return delivery("messages", "messages", message)


def echo(wamid, body, offset=0, **changes):
    item = {
        "from": NUMBER,
        "to": f"+{LEAD}",
        "id": wamid,
        "timestamp": seconds(offset),
        "type": "text",
        "text": {"body": body},
        **changes,
    }
    return {key: value for key, value in item.items() if value is not None}


def echoes(*items):
    return delivery("smb_message_echoes", "message_echoes", *items)


def types(handled):
    return [[item.type for item in one.actions] for one in handled.handled]


class TestEchoesMoveTheFunnel:
    def test_follow_up_sent_from_the_app_moves_the_lead(self, service, store):
        """A follow-up phrase typed in the business app moves the lead to its stage."""
        service.handle_webhook(lead_says("wamid.in.1", "Hi, I came from Instagram!"), verify=False)

        handled = service.handle_webhook(
            echoes(echo("wamid.echo.1", "Thank you for scheduling with us! See you at 3 PM", 60)),
            verify=False,
        )

        (moved,) = handled.handled[0].actions
        with store.unit_of_work() as uow:
            stages = sorted(r.to_stage for r in uow.funnel_records.for_lead(LEAD))
        assert (
            {"from": "Lead Entry", "to": "Scheduling", "cause": "follow_up"},
            ["Lead Entry", "Scheduling"],
        ) == (
            {key: moved.body[key] for key in ("from", "to", "cause")},
            stages,
        )

    def test_redelivered_echo_changes_nothing(self, service):
        """Meta's redelivery of an echo is passed over as processed."""
        service.handle_webhook(lead_says("wamid.in.1", "Hi, I came from Instagram!"), verify=False)
        body = echoes(echo("wamid.echo.1", "Thank you for scheduling with us!", 60))
        service.handle_webhook(body, verify=False)

        again = service.handle_webhook(body, verify=False)

        assert [[]] == types(again)

    def test_bad_echoes_are_passed_over_and_the_rest_handled(self, service):
        """Echoes without to or text, or of unknown types, are skipped; a good one still moves."""
        service.handle_webhook(lead_says("wamid.in.1", "Hi, I came from Instagram!"), verify=False)

        handled = service.handle_webhook(
            echoes(
                echo("wamid.echo.1", "Thank you for scheduling with us!", 60, to=None),
                echo("wamid.echo.2", "x", 60, text=None),
                echo("wamid.echo.3", "x", 60, type="carousel"),
                echo("wamid.echo.4", "Thank you for scheduling with us!", 61),
            ),
            verify=False,
        )

        assert (["no_recipient", "malformed", "unsupported_type"], [["transition"]]) == (
            [item.reason for item in handled.batch.skipped],
            types(handled),
        )

    def test_echoes_not_a_list(self, service):
        """A message_echoes that is not a list is one skipped item, and no error."""
        body = json.loads(echoes())
        body["entry"][0]["changes"][0]["value"]["message_echoes"] = {"id": "wamid.echo.1"}

        handled = service.handle_webhook(json.dumps(body).encode(), verify=False)

        assert (["malformed"], ()) == (
            [item.reason for item in handled.batch.skipped],
            handled.handled,
        )


class Clock:
    def __init__(self):
        self.now = AT

    def __call__(self):
        return self.now


class TestEchoesAnswer:
    def test_an_echo_stops_the_reply_clock(self, store, transport):
        """The business answering from the app counts: no reassignment for want of a reply."""
        clock = Clock()
        service = Service(REPLY_WITHIN, store, transport, clock=clock)
        service.handle(IncomingMessage("wamid.in.1", AT, LEAD, NUMBER, "Hi"))
        clock.now = AT + dt.timedelta(minutes=2)
        service.handle_webhook(
            echoes(echo("wamid.echo.1", "Hello! How can we help?", 120)), verify=False
        )
        clock.now = AT + dt.timedelta(minutes=15)

        assert () == service.tick(AT + dt.timedelta(minutes=15)).actions

    def test_without_the_echo_the_lead_is_reassigned(self, store, transport):
        """The same conversation left unanswered is reassigned at the deadline."""
        clock = Clock()
        service = Service(REPLY_WITHIN, store, transport, clock=clock)
        service.handle(IncomingMessage("wamid.in.1", AT, LEAD, NUMBER, "Hi"))
        clock.now = AT + dt.timedelta(minutes=15)

        report = service.tick(AT + dt.timedelta(minutes=15))

        assert ["reassign"] == [item.type for item in report.actions]
