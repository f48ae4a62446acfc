"""
Fixtures of the menu tests: the official schema of WhatsApp messages.
"""

import pathlib

import jsonschema
import pytest
import referencing
import yaml

from referencing.jsonschema import DRAFT202012

from convroute._whatsapp_limits import (
    MAX_BODY_TEXT,
    MAX_BUTTON_ID,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BUTTON,
    MAX_LIST_ROWS,
    MAX_LIST_SECTIONS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_ID,
    MAX_ROW_TITLE,
    MAX_SECTION_TITLE,
    MAX_TEXT_BODY,
)


# Meta's own OpenAPI spec of the Cloud API, vendored with its MIT licence
# beside it, so that the suite runs in any clone.
SPEC = pathlib.Path(__file__).parents[1] / "data/whatsapp-business-messaging-openapi-v23.0.yaml"
SPEC_URI = "urn:whatsapp-business-messaging-openapi-v23.0"


class WhatsAppSchema:
    """
    Validators for the parts of Meta's spec that describe a sent menu.
    """

    def __init__(self, spec):
        resource = referencing.Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry = referencing.Registry().with_resource(SPEC_URI, resource)
        self.envelope = self.validator("BaseMessageProperties")
        self.interactive = self.validator("InteractiveObject")
        self.interactive_message = self.validator("InteractiveMessage")
        # The same quirk as InteractiveMessage's: the part of TextMessage
        # after the envelope forbids the envelope's own properties.
        self.text = self.validator("TextMessage/allOf/1")

    def validator(self, name):
        # A $ref into the spec's components: every $ref inside them resolves
        # within the same document.
        schema = {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}
        return jsonschema.Draft202012Validator(schema, registry=self.registry)

    def errors(self, payload):
        """
        Every way *payload* breaks the spec or the stricter limits; none is good.
        """
        found = [error.message for error in self.envelope.iter_errors(payload)]
        if payload.get("type") != "interactive":
            found.append(f"type is {payload.get('type')!r}, not 'interactive'")
        interactive = payload.get("interactive")
        if not isinstance(interactive, dict):
            return [*found, "no interactive object"]
        found.extend(error.message for error in self.interactive.iter_errors(interactive))
        return found + stricter_limit_errors(interactive)

    def text_errors(self, payload):
        """
        Every way a text message *payload* breaks the spec or WhatsApp's limit.
        """
        found = [error.message for error in self.envelope.iter_errors(payload)]
        if payload.get("type") != "text":
            found.append(f"type is {payload.get('type')!r}, not 'text'")
        own = {key: payload[key] for key in ("type", "text") if key in payload}
        found.extend(error.message for error in self.text.iter_errors(own))
        body = payload.get("text", {}).get("body")
        if not isinstance(body, str):
            return [*found, "no text body"]
        over_limit(found, "text body", body, MAX_TEXT_BODY)
        return found


def stricter_limit_errors(interactive):
    """
    WhatsApp's documented limits, stricter than the spec's own.
    """
    found = []
    over_limit(found, "body", interactive["body"]["text"], MAX_BODY_TEXT)
    if "header" in interactive:
        if interactive["header"]["type"] != "text":
            found.append("a header that is not text")
        over_limit(found, "header", interactive["header"]["text"], MAX_HEADER_TEXT)
    if "footer" in interactive:
        over_limit(found, "footer", interactive["footer"]["text"], MAX_FOOTER_TEXT)
    if interactive["type"] == "button":
        options = [button["reply"] for button in interactive["action"]["buttons"]]
        if not 1 <= len(options) <= MAX_BUTTONS:
            found.append(f"{len(options)} buttons")
        title_limit, id_limit = MAX_BUTTON_TITLE, MAX_BUTTON_ID
    else:
        options = list_rows(found, interactive["action"])
        title_limit, id_limit = MAX_ROW_TITLE, MAX_ROW_ID
    for option in options:
        over_limit(found, "title", option["title"], title_limit)
        option_id = option["id"]
        if not option_id or len(option_id) > id_limit or " " in option_id:
            found.append(f"id {option_id!r} is empty, too long or has spaces")
    if len({option["title"] for option in options}) != len(options):
        found.append("titles repeat")
    if len({option["id"] for option in options}) != len(options):
        found.append("ids repeat")
    return found


def list_rows(found, action):
    """
    Check a list's button and sections, and give its rows.
    """
    over_limit(found, "list button", action["button"], MAX_LIST_BUTTON)
    sections = action["sections"]
    if not 1 <= len(sections) <= MAX_LIST_SECTIONS:
        found.append(f"{len(sections)} sections")
    for section in sections:
        if len(sections) > 1 and "title" not in section:
            found.append("a section without a title among several")
        if "title" in section:
            over_limit(found, "section title", section["title"], MAX_SECTION_TITLE)
    rows = [row for section in sections for row in section["rows"]]
    if not 1 <= len(rows) <= MAX_LIST_ROWS:
        found.append(f"{len(rows)} rows in all")
    for row in rows:
        if "description" in row:
            over_limit(found, "row description", row["description"], MAX_ROW_DESCRIPTION)
    return rows


def over_limit(found, what, text, limit):
    """
    Note a blank text, or one longer than its limit.
    """
    if not text.strip():
        found.append(f"{what} is blank")
    if len(text) > limit:
        found.append(f"{what} has {len(text)} > {limit} characters")


@pytest.fixture(scope="session")
def whatsapp_spec_path():
    """
    Where the tests read Meta's spec from.
    """
    return SPEC


@pytest.fixture(scope="session")
def whatsapp_schema(whatsapp_spec_path):
    """
    The validators of Meta's spec, loaded once per run.
    """
    with whatsapp_spec_path.open(encoding="utf-8") as spec:
        loaded = yaml.load(spec, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    return WhatsAppSchema(loaded)
