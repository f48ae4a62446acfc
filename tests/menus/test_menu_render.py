"""
Rendering menus as Cloud API message bodies, checked against Meta's schema.
"""

import pytest

from convroute.errors import PhoneNumberError
from convroute.menus import Menu, MenuKind, MenuOption, OptionKind, render_menu, render_text
from convroute.model import Phone


def option(number, description=None):
    return MenuOption(
        id=f"opportunity.{number}",
        title=f"Course {number}",
        kind=OptionKind.OPPORTUNITY,
        key=str(number),
        description=description,
    )


def menu(layout="buttons", count=2, **texts):
    return Menu(
        kind=MenuKind.SECOND_RESPONSE,
        layout=layout,
        body=texts.pop("body", "Which one?"),
        options=[option(n, texts.get("description")) for n in range(1, count + 1)],
        list_button="Choose",
        header=texts.get("header"),
        footer=texts.get("footer"),
    )


class TestRenderMenu:
    def test_buttons_without_header_or_footer(self):
        """A menu of buttons renders its body and reply buttons, nothing else."""
        expected = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "5511912345678",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Which one?"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "opportunity.1", "title": "Course 1"}},
                        {"type": "reply", "reply": {"id": "opportunity.2", "title": "Course 2"}},
                    ]
                },
            },
        }
        assert expected == render_menu(menu(), "5511912345678")

    def test_list_with_header_footer_and_descriptions(self):
        """A list renders a text header, the footer, the button label and one section of rows."""
        rendered = render_menu(
            menu("list", 2, header="Hello", footer="Bye", description="soon"), "5511912345678"
        )
        expected = {
            "type": "list",
            "header": {"type": "text", "text": "Hello"},
            "body": {"text": "Which one?"},
            "footer": {"text": "Bye"},
            "action": {
                "button": "Choose",
                "sections": [
                    {
                        "rows": [
                            {"id": "opportunity.1", "title": "Course 1", "description": "soon"},
                            {"id": "opportunity.2", "title": "Course 2", "description": "soon"},
                        ]
                    }
                ],
            },
        }
        assert expected == rendered["interactive"]

    def test_ten_rows_in_one_section(self, whatsapp_schema):
        """Ten options make one section of ten rows, which the schema and limits accept."""
        rendered = render_menu(menu("list", 10), "5511912345678")
        rows = rendered["interactive"]["action"]["sections"][0]["rows"]
        assert (10, []) == (len(rows), whatsapp_schema.errors(rendered))


class TestRecipient:
    def test_menu_to_is_normalised(self):
        """A menu is sent to the phone's digits with country code, however it was written."""
        assert "15557654321" == render_menu(menu(), Phone("+1 (555) 765-4321"))["to"]

    def test_text_to_is_normalised(self):
        """A text is sent to the phone's digits with country code, however it was written."""
        assert "15557654321" == render_text("Hi", Phone("+1 (555) 765-4321"))["to"]

    def test_recipient_that_is_no_phone_is_refused(self):
        """A recipient that cannot be normalised raises PhoneNumberError."""
        with pytest.raises(PhoneNumberError):
            render_menu(menu(), Phone("call me"))


class TestSchema:
    def test_interactive_message_quirk(self, whatsapp_schema):
        """The spec's InteractiveMessage rejects even a good message, so its parts are used."""
        rendered = render_menu(menu(), "5511912345678")
        quirk = [
            error.validator for error in whatsapp_schema.interactive_message.iter_errors(rendered)
        ]
        assert (["additionalProperties"], []) == (quirk, whatsapp_schema.errors(rendered))

    def test_schema_catches_a_broken_message(self, whatsapp_schema):
        """The validators do reject a message that breaks the spec: four buttons, a long title."""
        rendered = render_menu(menu(), "5511912345678")
        buttons = rendered["interactive"]["action"]["buttons"]
        buttons.extend([buttons[0], {"type": "reply", "reply": {"id": "x", "title": "x" * 21}}])
        del rendered["to"]
        errors = whatsapp_schema.errors(rendered)
        assert "'to' is a required property" in errors
        assert "4 buttons" in errors
        assert any("is too long" in error or "is not valid under" in error for error in errors)
