"""
A Purchase stage's value through the service on every store: the host's opportunity, read back.
"""

import datetime as dt

import attrs

from convroute.engine import SetStage, UpdateOpportunity
from convroute.funnel import MetaCustomData, Stage
from convroute.model import Opportunity, OpportunityStatus
from convroute.service import Service
from convroute.testing import RecordingTransport
from service.conftest import AT, CONFIG, LEAD, message


ENROLLED = Stage(
    name="Enrolled",
    meta_event="Purchase",
    meta_custom_data=MetaCustomData(currency="INR", content_name="PG AI 2027"),
    meta_value_field="Amount",
)


def paid_account(stage=ENROLLED):
    (sales,) = CONFIG.funnels
    return attrs.evolve(CONFIG, funnels=[attrs.evolve(sales, stages=[*sales.stages, stage])])


def record(ident, amount, minutes, status=OpportunityStatus.OPEN):
    return UpdateOpportunity(
        id=f"crm.{ident}",
        lead=LEAD,
        opportunity=Opportunity(
            id=ident,
            type="Postgraduate Course",
            name=f"PG {ident}",
            fields={"Course": "AI", "Amount": amount},
            stage="Applied",
            updated_at=AT + dt.timedelta(minutes=minutes),
            status=status,
        ),
    )


def enrol(service, minutes=60):
    at = AT + dt.timedelta(minutes=minutes)
    return service.handle(
        SetStage(id="move.1", at=at, funnel="Sales", lead=LEAD, stage="Enrolled", by="u-asha")
    )


def purchases(transport):
    return [
        item.body["payload"]["data"][0]
        for item in transport.sent
        if item.body["type"] == "meta_event"
        and item.body["payload"]["data"][0]["event_name"] == "Purchase"
    ]


class TestPurchaseValueOnEachStore:
    def test_the_latest_open_opportunitys_amount_is_sent(self, store):
        """Of the stored opportunities, the latest open one's Amount is the Purchase value."""
        transport = RecordingTransport()
        clock = AT + dt.timedelta(hours=2)
        service = Service(paid_account(), store, transport, clock=lambda: clock)
        service.handle(
            message("wamid.1", text="I came from Instagram", ctwa_clid="ARAkLkA8rmlFeiCktEJQ")
        )
        service.handle(record("crm-1", "90000", 10))
        service.handle(record("crm-2", "185000.50", 30))
        service.handle(record("crm-3", "999999", 40, status=OpportunityStatus.WON))

        enrol(service)

        (purchase,) = purchases(transport)
        assert {"currency": "INR", "value": 185000.5, "content_name": "PG AI 2027"} == (
            purchase["custom_data"]
        )
        assert "ARAkLkA8rmlFeiCktEJQ" == purchase["user_data"]["ctwa_clid"]

    def test_no_amount_and_no_static_value_is_no_event_and_a_note(self, store):
        """An Amount that is no number, no static value: no Purchase, and the outcome says why."""
        transport = RecordingTransport()
        service = Service(
            paid_account(), store, transport, clock=lambda: AT + dt.timedelta(hours=2)
        )
        service.handle(
            message("wamid.1", text="I came from Instagram", ctwa_clid="ARAkLkA8rmlFeiCktEJQ")
        )
        service.handle(record("crm-1", "1.234,56", 10))

        handled = enrol(service)

        assert [] == purchases(transport)
        assert [
            (
                "no Meta event Purchase for 'Enrolled': no_value (the field 'Amount' of the "
                "lead's most recently updated open opportunity is no amount, and the stage sets "
                "no value)"
            )
        ] == [note for note in handled.notes if "Purchase" in note]

    def test_board_moves_do_not_hide_the_latest_opportunity(self, store):
        """Both enquiries move to Enrolled with the stage: the one the CRM updated last counts."""
        transport = RecordingTransport()
        service = Service(
            paid_account(), store, transport, clock=lambda: AT + dt.timedelta(hours=2)
        )
        service.handle(
            message("wamid.1", text="I came from Instagram", ctwa_clid="ARAkLkA8rmlFeiCktEJQ")
        )
        service.handle(record("crm-2", "185000.50", 30))
        service.handle(record("crm-1", "90000", 10))

        enrol(service)

        (purchase,) = purchases(transport)
        moved = [
            item.body["opportunity"]
            for item in transport.sent
            if item.body["type"] == "move_opportunity"
        ]
        assert (185000.5, ["crm-2", "crm-1"]) == (
            purchase["custom_data"]["value"],
            sorted(moved, reverse=True),
        )

    def test_the_static_value_stands_in(self, store):
        """An Amount that is no number gives the stage's static value."""
        transport = RecordingTransport()
        stage = attrs.evolve(
            ENROLLED, meta_custom_data=MetaCustomData(currency="INR", value=150000.0)
        )
        service = Service(
            paid_account(stage), store, transport, clock=lambda: AT + dt.timedelta(hours=2)
        )
        service.handle(
            message("wamid.1", text="I came from Instagram", ctwa_clid="ARAkLkA8rmlFeiCktEJQ")
        )
        service.handle(record("crm-1", "R$ 185.000", 10))

        enrol(service)

        (purchase,) = purchases(transport)
        assert {"currency": "INR", "value": 150000.0} == purchase["custom_data"]
