"""
The ``lead`` line's ``fields`` and ``language`` in simulate.
"""

import pathlib

import pytest

from convroute.config import load_config
from convroute.model import Lead
from convroute.simulate import EventLineError, read_event_line, simulate
from convroute.testing import MemoryStore


CONFIG = load_config(pathlib.Path(__file__).parents[1] / "examples" / "account.toml")
LEAD_LINE = (
    '{"type": "lead", "id": "l1", "phone": "+919800000001", "name": "Ana Souza", '
    '"language": "pt-BR", "fields": {"city": "Recife"}}'
)


class TestLeadLine:
    def test_fields_and_language_are_read(self):
        """A lead line's fields and language reach the lead."""
        (event,) = read_event_line(LEAD_LINE, lead_fields=["city"])

        assert (
            Lead(
                phone="919800000001",
                name="Ana Souza",
                language="pt-BR",
                fields={"city": "Recife"},
            )
            == event.lead
        )

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            (
                '{"type": "lead", "phone": "+919800000001", "fields": {"town": "x"}}',
                (
                    "lead: 'fields' has 'town', which the account's lead_fields do not declare "
                    "(declared: city)"
                ),
            ),
            (
                '{"type": "lead", "phone": "+919800000001", "fields": {"city": 5}}',
                "lead: 'fields' must map names to strings",
            ),
            (
                '{"type": "lead", "phone": "+919800000001", "language": "pt_BR"}',
                (
                    "lead: language 'pt_BR' is not a BCP 47 tag such as 'pt' or 'pt-BR': "
                    "letters, then subtags of letters and digits joined by '-'"
                ),
            ),
        ],
    )
    def test_bad_fields_and_languages_are_error_lines(self, line, message):
        """An undeclared field, a field that is no text and a malformed language are refused."""
        with pytest.raises(EventLineError) as caught:
            read_event_line(line, lead_fields=["city"])

        assert message == str(caught.value)

    def test_portuguese_lead_gets_the_portuguese_menu(self):
        """A simulated pt-BR lead gets the first response in Portuguese."""
        incoming = (
            '{"type": "incoming", "id": "m1", "at": "2026-01-05T10:00:00+00:00", '
            '"from": "+919800000001", "to": "918040001234", "text": "Oi"}'
        )

        (send,) = simulate(CONFIG, MemoryStore(), [LEAD_LINE, incoming])

        assert (
            "Olá Ana! Sobre qual curso é a sua mensagem?"
            == (send["message"]["interactive"]["body"]["text"])
        )

    def test_undeclared_field_is_an_error_line(self):
        """simulate reports a lead line with an undeclared field and goes on."""
        line = '{"type": "lead", "phone": "+919800000001", "fields": {"town": "x"}}'

        assert [
            {
                "type": "error",
                "line": 1,
                "error": "lead: 'fields' has 'town', which the account's lead_fields do not "
                "declare (declared: city)",
            }
        ] == list(simulate(CONFIG, MemoryStore(), [line]))
