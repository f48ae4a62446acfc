"""
A lead's language and fields in the engine's conversations (the example account speaks pt too).
"""

import datetime as dt

import attrs
import pytest

from convroute.config import load_config
from convroute.engine import REPROMPT_HINT, Engine, IncomingMessage
from convroute.menus import OptionKind, option_id
from convroute.model import Lead, Phone
from engine.state import State
from example_account import EXAMPLE_PATH, routing_example


LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
DATA_SCIENCE = option_id(OptionKind.PRODUCT, "Data Science")


def message(ident: str, minutes: float = 0, **kwargs: object) -> IncomingMessage:
    return IncomingMessage(
        id=ident, at=AT + dt.timedelta(minutes=minutes), lead=LEAD, number=NUMBER, **kwargs
    )


def state_with(language: str | None, config=None) -> State:
    state = State(Engine.from_config(config or routing_example()))
    state.leads[LEAD] = Lead(phone=LEAD, name="Ana Souza", language=language)
    return state


def menu_of(outcome):
    (send,) = outcome.actions
    interactive = send.message["interactive"]
    return interactive["body"]["text"], [
        b["reply"]["title"] for b in interactive["action"]["buttons"]
    ]


class TestPortugueseLead:
    def test_gets_the_portuguese_menu(self):
        """A pt-BR lead gets the first response in Portuguese (pt's texts)."""
        outcome = state_with("pt-BR").message(message("wamid.1", text="Oi"))

        assert (
            "Olá Ana! Sobre qual curso é a sua mensagem?",
            ["IA", "Ciência de Dados", "Outra coisa"],
        ) == menu_of(outcome)

    def test_without_language_gets_the_default(self):
        """A lead without a language gets the default menu."""
        outcome = state_with(None).message(message("wamid.1", text="Hi"))

        assert (
            "Hi Ana! Which course is this about?",
            ["AI", "Data Science", "Something else"],
        ) == menu_of(outcome)

    @pytest.mark.parametrize(
        ("reply", "rule"),
        [
            ({"text": "ciência de dados"}, "DS desk"),
            ({"text": "Data Science"}, "DS desk"),
            ({"text": "Opção 2"}, "DS desk"),
            ({"reply_id": DATA_SCIENCE}, "DS desk"),
            ({"text": "outra coisa"}, "Lead owner"),
            ({"text": "something else"}, "Lead owner"),
        ],
    )
    def test_picks_by_translated_title_default_title_number_or_tap(self, reply, rule):
        """A translated title, a default one, Opção 2 or a tap pick the same option."""
        state = state_with("pt-BR")
        state.message(message("wamid.1", text="Oi"))

        outcome = state.message(message("wamid.2", 1, **reply))

        assert rule == outcome.actions[-1].rule

    def test_reprompt_hint_in_portuguese(self):
        """An invalid reply gets the menu again after the Portuguese hint."""
        state = state_with("pt")
        state.message(message("wamid.1", text="Oi"))

        body, _ = menu_of(state.message(message("wamid.2", 1, text="hã?")))

        assert body.startswith("Desculpe, não entendi. Escolha uma das opções.\n\nOlá Ana!")

    def test_default_hint_without_language(self):
        """A lead without a language gets the default hint."""
        state = state_with(None)
        state.message(message("wamid.1", text="Hi"))

        body, _ = menu_of(state.message(message("wamid.2", 1, text="what?")))

        assert body.startswith(REPROMPT_HINT)


class TestLeadFields:
    def test_merged_in_the_menu(self):
        """A lead's declared field merges into the first response."""
        config = routing_example()
        number = config.numbers[0]
        first = attrs.evolve(number.first_response, message="Hi from {{lead.city|home}}!")
        config = attrs.evolve(config, numbers=[attrs.evolve(number, first_response=first)])
        state = State(Engine.from_config(config))
        state.leads[LEAD] = Lead(phone=LEAD, fields={"city": "Recife"})

        body, _ = menu_of(state.message(message("wamid.1", text="Hi")))

        assert "Hi from Recife!" == body


class TestMessagesToTheLead:
    def test_assigned_message_in_portuguese(self):
        """A pt-BR lead's assigned message is the number's Portuguese one."""
        state = state_with("pt-BR", load_config(EXAMPLE_PATH))
        state.message(message("wamid.1", text="Oi"))

        outcome = state.message(message("wamid.2", 1, text="IA"))

        assert "Asha Rao vai ajudar com AI." == outcome.actions[-1].message["text"]["body"]
