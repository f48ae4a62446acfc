"""
Media messages through the service: a lead may open, and answer, with an image or a voice note.
"""

import json

from convroute.service import Service
from convroute.testing import MemoryStore, RecordingTransport
from service.conftest import AT, CONFIG, LEAD, NUMBER


SHA = "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI="


def webhook(*messages):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": NUMBER, "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": "Ravi Kumar"}, "wa_id": LEAD}],
        "messages": list(messages),
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def media(wamid, kind, content, seconds=0):
    return {
        "from": LEAD,
        "id": wamid,
        "timestamp": str(int(AT.timestamp()) + seconds),
        "type": kind,
        kind: content,
    }


def image(wamid, caption=None, seconds=0):
    content = {"mime_type": "image/jpeg", "sha256": SHA, "id": "1003383421387256"}
    if caption is not None:
        content["caption"] = caption
    return media(wamid, "image", content, seconds)


def voice_note(wamid, seconds=0):
    content = {"mime_type": "audio/ogg; codecs=opus", "sha256": SHA, "id": "1479", "voice": True}
    return media(wamid, "audio", content, seconds)


class TestMediaThroughWebhooks:
    def test_image_first_then_voice_note_then_captioned_choice(self):
        """An image opens the chat with the menu; a voice note re-prompts; a caption chooses."""
        transport = RecordingTransport()
        service = Service(CONFIG, MemoryStore(), transport, clock=lambda: AT)

        steps = [
            service.handle_webhook(webhook(image("wamid.1")), verify=False),
            service.handle_webhook(webhook(voice_note("wamid.2", 20)), verify=False),
            service.handle_webhook(webhook(image("wamid.3", "Data Science", 40)), verify=False),
        ]

        assert [["send"], ["send"], ["create_opportunity", "assign"]] == [
            [item.type for item in step.handled[0].actions] for step in steps
        ]
        assert [(), ()] == [step.batch.skipped for step in steps[:2]]
        assert "DS desk" == steps[2].handled[0].actions[1].body["rule"]
        with service.store.unit_of_work() as uow:
            assert "Ravi Kumar" == uow.leads.get(LEAD).name
