"""
Closed opportunities and stale choices through the service, on every store.
"""

import datetime as dt

import attrs

from convroute.engine import CloseConversation, DeleteOpportunity, UpdateLead, UpdateOpportunity
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity
from convroute.service import Service
from service.conftest import AT, CONFIG, LEAD, NUMBER, message


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


def crm_record(ident, owner="u-chen"):
    return Opportunity(
        id=ident,
        type="Postgraduate Course",
        name="PG AI 2027",
        fields={"Course": "AI"},
        owner=owner,
        updated_at=AT + dt.timedelta(minutes=10),
    )


class TestHostRecords:
    def test_a_replacement_routes_the_next_conversation_to_the_record_s_owner(
        self, store, transport
    ):
        """The CRM's record for a created opportunity takes its place: no second menu next time."""
        service = service_for(store, transport)
        handled(service, transport, message("wamid.1", text="Hi"))
        created, _ = handled(service, transport, message("wamid.2", 1, reply_id=AI))
        service.handle(
            UpdateOpportunity(
                id="crm.1",
                lead=LEAD,
                opportunity=crm_record("crm-1"),
                replaces=created["opportunity"]["id"],
            )
        )
        service.handle(
            CloseConversation(
                id="close.1", at=AT + dt.timedelta(minutes=2), lead=LEAD, number=NUMBER
            )
        )

        handled(service, transport, message("wamid.3", 3, text="Hi"))
        (assigned,) = handled(service, transport, message("wamid.4", 4, reply_id=AI))

        assert ("assign", "crm-1", "u-chen") == (
            assigned["type"],
            assigned["opportunity"],
            assigned["user"],
        )
        with store.unit_of_work() as uow:
            assert ["crm-1"] == [o.id for o in uow.opportunities.for_lead(LEAD)]
            assert "crm-1" == uow.conversations.get(LEAD, NUMBER).opportunity

    def test_a_removal_forgets_the_opportunity(self, store, transport):
        """A removal by id alone forgets the opportunity; an unknown id is a note."""
        service = service_for(store, transport)
        service.handle(lead_with("l1", enquiry("o1", "u-asha", 1)))

        removed = service.handle(DeleteOpportunity(id="r1", opportunity="o1"))
        unknown = service.handle(DeleteOpportunity(id="r2", opportunity="o1"))

        with store.unit_of_work() as uow:
            assert [] == list(uow.opportunities.for_lead(LEAD))
        assert ((), ("opportunity o1 is unknown: nothing removed",)) == (
            removed.notes,
            unknown.notes,
        )
