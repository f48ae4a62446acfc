"""
A lead's language and fields through the service, on every store.
"""

from convroute.engine import UpdateLead
from convroute.model import Lead
from convroute.service import Service
from service.conftest import AT, CONFIG, LEAD, message


def handled(service, transport, event):
    start = len(transport.sent)
    service.handle(event)
    return [item.body for item in transport.sent[start:]]


def titles(body):
    return [
        button["reply"]["title"] for button in body["message"]["interactive"]["action"]["buttons"]
    ]


class TestLanguages:
    def test_a_portuguese_lead_reads_and_answers_the_portuguese_menu(self, store, transport):
        """The stored pt-BR lead gets the pt menu and picks a product by its translated title."""
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        lead = Lead(phone=LEAD, name="Ana Souza", language="pt-BR", fields={"city": "Goa"})
        service.handle(UpdateLead(id="l1", lead=lead))

        (menu,) = handled(service, transport, message("wamid.1", text="Olá"))
        picked = handled(service, transport, message("wamid.2", minutes=1, text="ia"))

        body = menu["message"]["interactive"]["body"]["text"]
        assert ("Olá Ana! Sobre qual curso é a sua mensagem?", "IA") == (body, titles(menu)[0])
        assert ["create_opportunity", "assign"] == [action["type"] for action in picked]

    def test_a_lead_without_a_language_reads_the_default_menu(self, store, transport):
        """A lead the store keeps without a language gets the default texts."""
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        service.handle(UpdateLead(id="l1", lead=Lead(phone=LEAD, name="Ravi Kumar")))

        (menu,) = handled(service, transport, message("wamid.1", text="Hi"))

        assert "AI" == titles(menu)[0]
