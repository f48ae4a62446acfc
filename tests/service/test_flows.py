import datetime as dt
import json

import attrs

from convroute.engine import OutgoingMessage, SetPresence, UpdateLead
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Opportunity, Phone, normalize_phone
from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, LEAD, NUMBER, message


AI = option_id(OptionKind.PRODUCT, "AI")


def sent_since(transport, start):
    return [item.body for item in transport.sent[start:]]


def types(bodies):
    return [body["type"] for body in bodies]


def enquiries(*owners_days):
    return [
        Opportunity(
            id=f"o{index}",
            type="Postgraduate Course",
            name=f"PG AI {index}",
            fields={"Course": "AI"},
            owner=owner,
            stage="Enquiry",
            updated_at=dt.datetime(2026, 10, day, tzinfo=dt.UTC),
        )
        for index, (owner, day) in enumerate(owners_days, 1)
    ]


def known_lead(service, opportunities, ident="crm.1"):
    lead = Lead(phone=LEAD, name="Ravi Kumar", owner="u-asha")
    service.handle(UpdateLead(id=ident, lead=lead, opportunities=opportunities))


def choose(service, transport, *, reply_id=None, text=None, ident="wamid.2", minutes=1):
    start = len(transport.sent)
    service.handle(message(ident, minutes, reply_id=reply_id, text=text))
    return sent_since(transport, start)


class TestPathsThroughTheService:
    def test_no_menus_creates_new(self, store, transport):
        """Without a first response, a new opportunity is created and routed by create_new_rule."""
        number = CONFIG.numbers[0]
        bare = attrs.evolve(number, first_response=None, second_response=None)
        service = Service(attrs.evolve(CONFIG, numbers=[bare]), store, transport, clock=lambda: AT)
        service.handle(message("wamid.1", text="Hi"))

        created, assigned = (item.body for item in transport.sent)
        assert ("create_opportunity", "Postgraduate Course") == (
            created["type"],
            created["opportunity"]["type"],
        )
        assert ("assign", "AI desk", "u-asha") == (
            assigned["type"],
            assigned["rule"],
            assigned["user"],
        )

    def test_product_with_no_opportunity_is_created_and_round_robined(self, service, transport):
        """First menu, AI, no enquiry: created with Course=AI, owner skipped, group's turn."""
        service.handle(message("wamid.1", text="Hi"))
        created, assigned = choose(service, transport, reply_id=AI)

        assert {"Course": "AI"} == created["opportunity"]["fields"]
        assert [
            {"target": "opportunity_owner", "reason": "no_owner"},
            {"target": "chat_group:AI counsellors", "user": "u-asha"},
        ] == assigned["trace"]

    def test_one_matching_opportunity_goes_to_its_owner(self, service, transport):
        """One AI enquiry: straight to its owner, no second menu."""
        known_lead(service, enquiries(("u-chen", 1)))
        service.handle(message("wamid.1", text="Hi"))
        (assigned,) = choose(service, transport, reply_id=AI)

        assert ("u-chen", "o1") == (assigned["user"], assigned["opportunity"])

    def test_three_opportunities_get_the_second_menu(self, service, transport):
        """Three enquiries: the second menu; the sibling's enquiry chosen goes to its owner."""
        known_lead(service, enquiries(("u-asha", 1), ("u-ben", 3), ("u-chen", 2)))
        service.handle(message("wamid.1", text="Hi"))
        (menu,) = choose(service, transport, reply_id=AI)
        rows = menu["message"]["interactive"]["action"]["sections"][0]["rows"]
        (assigned,) = choose(service, transport, reply_id=rows[2]["id"], ident="wamid.3")

        assert ("u-asha", "o1") == (assigned["user"], assigned["opportunity"])

    def test_other_queries(self, service, transport):
        """Other queries routes with its rule and no opportunity."""
        service.handle(message("wamid.1", text="Hi"))
        (assigned,) = choose(service, transport, text="something else")

        assert ("Lead owner", None) == (assigned["rule"], assigned["opportunity"])

    def test_new_opportunity(self, service, transport):
        """New opportunity in the second menu creates one and routes it."""
        known_lead(service, enquiries(("u-chen", 1), ("u-chen", 2)))
        service.handle(message("wamid.1", text="Hi"))
        choose(service, transport, reply_id=AI)
        new = option_id(OptionKind.NEW_OPPORTUNITY, "")

        assert ["create_opportunity", "assign"] == types(
            choose(service, transport, reply_id=new, ident="wamid.3")
        )

    def test_owner_unavailable_falls_back(self, service, transport):
        """The owner away: skipped with the reason, the group takes it."""
        known_lead(service, enquiries(("u-chen", 1)))
        service.handle(SetPresence(id="p1", user="u-chen", available=False))
        service.handle(message("wamid.1", text="Hi"))
        (assigned,) = choose(service, transport, reply_id=AI)

        assert {"target": "opportunity_owner", "user": "u-chen", "reason": "unavailable"} == (
            assigned["trace"][0]
        )
        assert "chat_group:AI counsellors" == assigned["target"]

    def test_nobody_available_is_unrouted(self, service, transport):
        """Everybody away: unrouted, with every target in the trace."""
        for user in ("u-asha", "u-ben", "u-chen", "u-meera"):
            service.handle(SetPresence(id=f"p-{user}", user=user, available=False))
        service.handle(message("wamid.1", text="Hi"))
        (_, unrouted) = choose(service, transport, reply_id=AI)

        assert ("unrouted", "AI desk") == (unrouted["type"], unrouted["rule"])
        assert 3 == len(unrouted["trace"])

    def test_invalid_reply_reprompts_then_falls_back(self, service, transport):
        """An invalid reply resends the menu; the next one falls back to Other queries' rule."""
        service.handle(message("wamid.1", text="Hi"))

        assert ["send"] == types(choose(service, transport, text="??"))
        (assigned,) = choose(service, transport, text="??", ident="wamid.3", minutes=2)
        assert "Lead owner" == assigned["rule"]

    def test_open_conversation_routes_nothing_and_timeout_starts_over(self, store, transport):
        """Inside the open conversation nothing is routed; a day later the menu comes again."""
        # The clock at the last message: none may be dated after it.
        service = Service(CONFIG, store, transport, clock=lambda: AT + dt.timedelta(hours=25))
        service.handle(message("wamid.1", text="Hi"))
        choose(service, transport, reply_id=AI)

        assert [] == choose(service, transport, text="fees?", ident="wamid.3", minutes=30)
        assert ["send"] == types(
            choose(service, transport, text="Hi", ident="wamid.4", minutes=25 * 60)
        )


class TestSeedFunnel:
    def test_entry_follow_up_board_move_and_meta_event(self, store):
        """The seed: an ad click from Instagram enters Sales, scheduling moves lead and enquiry."""
        transport = RecordingTransport()
        service = Service(CONFIG, store, transport, clock=lambda: AT + dt.timedelta(hours=1))
        service.handle(
            message("wamid.1", text="Hi, I came from Instagram!", ctwa_clid="ARAkLkA8rmlFeiCktEJQ")
        )
        service.handle(message("wamid.2", 1, reply_id=AI))
        start = len(transport.sent)
        service.handle(
            OutgoingMessage(
                id="out.1",
                at=AT + dt.timedelta(minutes=5),
                lead=LEAD,
                number=NUMBER,
                text="Thank you for scheduling with us! Your time is: 3:00 PM",
            )
        )

        first = [item.body for item in transport.sent[:start]]
        assert ["enter_funnel", "meta_event", "send", "create_opportunity", "assign"] == types(
            first
        )
        meta = first[1]["payload"]["data"][0]
        assert ("LeadSubmitted", "ARAkLkA8rmlFeiCktEJQ") == (
            meta["event_name"],
            meta["user_data"]["ctwa_clid"],
        )
        moved, board = sent_since(transport, start)
        assert ("Lead Entry", "Scheduling", "follow_up") == (
            moved["from"],
            moved["to"],
            moved["cause"],
        )
        assert ("Enquiry", "Scheduling") == (board["from"], board["to"])

    def test_menus_sent_never_count_as_follow_ups(self, service, transport):
        """The engine's menu, echoed back as an outgoing message by its action id, is ignored."""
        service.handle(message("wamid.1", text="I came from Instagram"))
        menu = transport.sent[-1]
        echo = OutgoingMessage(
            id=menu.id, at=AT, lead=LEAD, number=NUMBER, text="Thank you for scheduling with us"
        )

        assert service.handle(echo).duplicate

    def test_leads_of_other_numbers_keep_their_conversations_apart(self, service, transport):
        """The same lead on an unmapped number is routed by the lead-level rule, apart."""
        service.handle(message("wamid.1", text="Hi"))
        other = Phone("918040009999")
        service.handle(message("wamid.2", 1, number=other, text="Hi"))

        assert ["send", "assign"] == types(sent_since(transport, 0))


class TestPhones:
    def test_typed_national_number_meets_whatsapps_digits(self):
        """A lead the host typed nationally is the lead WhatsApp's digits name."""
        config = attrs.evolve(CONFIG, default_country_code="91")
        transport = RecordingTransport()
        service = Service(config, MemoryStore(), transport, clock=lambda: AT)
        typed = normalize_phone("098000 00001", country_code=config.default_country_code)
        lead = Lead(phone=typed, name="Ravi Kumar")
        service.handle(UpdateLead(id="crm.1", lead=lead, opportunities=enquiries(("u-chen", 1))))
        body = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "metadata": {
                                    "display_phone_number": NUMBER,
                                    "phone_number_id": "1",
                                },
                                "messages": [
                                    {
                                        "from": LEAD,
                                        "id": "wamid.1",
                                        "timestamp": str(int(AT.timestamp())),
                                        "type": "text",
                                        "text": {"body": "Hi"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        service.handle_webhook(json.dumps(body).encode(), verify=False)
        (assigned,) = choose(service, transport, reply_id=AI)

        assert (LEAD, "u-chen", "o1") == (typed, assigned["user"], assigned["opportunity"])
