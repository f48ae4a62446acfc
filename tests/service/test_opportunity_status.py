"""
Closed opportunities and stale choices through the service, on every store.
"""

import datetime as dt

import attrs

from convroute.engine import UpdateLead
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity
from convroute.service import Service
from service.conftest import AT, CONFIG, LEAD, message


AI = option_id(OptionKind.PRODUCT, "AI")


def service_for(store, transport, **changes):
    number = attrs.evolve(CONFIG.numbers[0], **changes)
    return Service(attrs.evolve(CONFIG, numbers=[number]), store, transport, clock=lambda: AT)


def handled(service, transport, event):
    start = len(transport.sent)
    service.handle(event)
    return [item.body for item in transport.sent[start:]]


def enquiry(ident, owner, day, status="open"):
    return Opportunity(
        id=ident,
        type="Postgraduate Course",
        name=f"PG {ident}",
        fields={"Course": "AI"},
        owner=owner,
        updated_at=dt.datetime(2026, 10, day, tzinfo=dt.UTC),
        status=status,
    )


def lead_with(ident, *opportunities):
    return UpdateLead(id=ident, lead=Lead(phone=LEAD, name="Ravi"), opportunities=opportunities)


def rows(body):
    return [row["title"] for row in body["message"]["interactive"]["action"]["sections"][0]["rows"]]


class TestClosedOpportunities:
    def test_the_no_menu_path_passes_a_won_one_over(self, store, transport):
        """Without menus, the open enquiry's owner gets it, not the newer won one's."""
        service = service_for(store, transport, first_response=None, second_response=None)
        service.handle(
            lead_with("l1", enquiry("o1", "u-asha", 1), enquiry("o2", "u-chen", 9, "won"))
        )

        (assigned,) = handled(service, transport, message("wamid.1", text="Hi"))

        assert ("o1", "u-asha") == (assigned["opportunity"], assigned["user"])

    def test_all_closed_makes_a_new_one(self, store, transport):
        """A lead whose enquiries are all lost gets a new one, as if it had none."""
        service = service_for(store, transport, first_response=None, second_response=None)
        service.handle(lead_with("l1", enquiry("o1", "u-chen", 1, "lost")))

        created, _ = handled(service, transport, message("wamid.1", text="Hi"))

        assert "create_opportunity" == created["type"]

    def test_a_tap_on_an_enquiry_won_since_gets_the_menu_built_now(self, store, transport):
        """An enquiry won after the second menu was sent is not routed to: the menu comes again."""
        service = service_for(store, transport)
        service.handle(
            lead_with(
                "l1",
                enquiry("o1", "u-asha", 1),
                enquiry("o2", "u-ben", 3),
                enquiry("o3", "u-chen", 5),
            )
        )
        handled(service, transport, message("wamid.1", text="Hi"))
        (second,) = handled(service, transport, message("wamid.2", 1, reply_id=AI))
        service.handle(lead_with("l2", enquiry("o3", "u-chen", 5, "won")))

        (again,) = handled(
            service,
            transport,
            message("wamid.3", 2, reply_id=option_id(OptionKind.OPPORTUNITY, "o3")),
        )

        assert ["PG o3", "PG o2", "PG o1", "A new enquiry"] == rows(second)
        assert ["PG o2", "PG o1", "A new enquiry"] == rows(again)
