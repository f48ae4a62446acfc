"""
Media messages: images, voice notes, locations… count like text; a caption is their text.
"""

import datetime as dt

import attrs
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.engine import (
    CAPTIONED_MEDIA,
    REPROMPT_HINT,
    Assign,
    Engine,
    EnterFunnel,
    IncomingMessage,
    Media,
    MediaKind,
)
from convroute.menus import OptionKind, option_id
from convroute.model import Phone
from convroute.state import ConversationStatus
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
AI = option_id(OptionKind.PRODUCT, "AI")


def message(ident, minutes=0, **kwargs):
    at = AT + dt.timedelta(minutes=minutes)
    return IncomingMessage(id=ident, at=at, lead=LEAD, number=NUMBER, **kwargs)


def kinds(outcome):
    return [action.to_json()["type"] for action in outcome.actions]


@pytest.fixture
def state():
    return State(Engine.from_config(CONFIG))


class TestMediaStartsConversations:
    @pytest.mark.parametrize("kind", list(MediaKind))
    def test_first_message_of_any_kind_gets_the_menu(self, state, kind):
        """A new lead whose first message is media is saved and gets the first menu."""
        outcome = state.message(message("wamid.1", media=Media(kind), name="Ravi Kumar"))

        assert ["send"] == kinds(outcome)
        assert "Ravi Kumar" == state.leads[LEAD].name
        assert ConversationStatus.MENU == state.conversations[LEAD, NUMBER].status

    def test_caption_is_matched_against_triggers(self, state):
        """An image captioned with a trigger phrase enters the funnel with its source."""
        caption = "I came from Instagram, is this course open?"
        outcome = state.message(message("wamid.1", media=Media(MediaKind.IMAGE, caption)))

        assert ["enter_funnel", "send"] == kinds(outcome)
        entered = outcome.actions[0]
        assert isinstance(entered, EnterFunnel)
        assert "Instagram" == entered.source

    def test_media_enters_untracked_leads(self):
        """A sticker with nothing to match still enters a funnel that takes untracked leads."""
        funnel = attrs.evolve(CONFIG.funnels[0], untracked_leads=True)
        state = State(Engine.from_config(attrs.evolve(CONFIG, funnels=[funnel])))

        outcome = state.message(message("wamid.1", media=Media(MediaKind.STICKER)))

        assert ["enter_funnel", "send"] == kinds(outcome)
        assert "Untracked" == outcome.actions[0].source

    def test_open_conversation_is_kept_by_media(self, state):
        """A location in an open assigned conversation routes nothing and keeps it open."""
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        outcome = state.message(message("wamid.3", 60, media=Media(MediaKind.LOCATION)))

        assert [] == kinds(outcome)
        conversation = state.conversations[LEAD, NUMBER]
        assert (ConversationStatus.ASSIGNED, AT + dt.timedelta(minutes=60)) == (
            conversation.status,
            conversation.last_message_at,
        )


class TestMediaReplies:
    def test_caption_is_read_as_a_typed_reply(self, state):
        """An image captioned with an option's title picks that option."""
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, media=Media(MediaKind.IMAGE, "ai")))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assigned = outcome.actions[1]
        assert isinstance(assigned, Assign)
        assert "AI desk" == assigned.rule

    @pytest.mark.parametrize(
        "media",
        [Media(MediaKind.AUDIO), Media(MediaKind.IMAGE), Media(MediaKind.DOCUMENT, "")],
        ids=["voice-note", "image-without-caption", "empty-caption"],
    )
    def test_media_without_text_is_an_invalid_reply(self, state, media):
        """A voice note while a menu is pending picks nothing: the menu is sent again."""
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, media=media))

        (sent,) = outcome.actions
        assert sent.message["interactive"]["body"]["text"].startswith(REPROMPT_HINT)
        assert any("invalid reply (empty)" in note for note in outcome.notes)


class TestMediaValues:
    def test_text_or_caption(self):
        """What a message says: its text, or its media's caption."""
        said = [
            message("a", text="Hi").text_or_caption,
            message("b", media=Media(MediaKind.VIDEO, "Tour")).text_or_caption,
            message("c", media=Media(MediaKind.AUDIO)).text_or_caption,
        ]

        assert ["Hi", "Tour", None] == said

    def test_kind_from_its_name(self):
        """A kind may be given by its name, as webhooks and simulate lines spell it."""
        assert Media(MediaKind.DOCUMENT, "Fees") == Media("document", "Fees")

    def test_unknown_kind_names_the_known_ones(self):
        """An unknown kind is a ValueError that lists the kinds there are."""
        with pytest.raises(ValueError, match="unknown media kind 'gif'; known: audio, contacts"):
            Media("gif")

    @pytest.mark.parametrize("kind", ["audio", "sticker", "location", "contacts"])
    def test_caption_only_where_whatsapp_has_one(self, kind):
        """Only images, videos and documents carry a caption."""
        with pytest.raises(ValueError, match=f"{kind} messages have no caption"):
            Media(kind, "Hello")

    @pytest.mark.parametrize("content", [{"text": "Hi"}, {"reply_id": AI}])
    def test_media_in_place_of_text(self, content):
        """A message is text (or a tap), or media whose caption is its text: never both."""
        with pytest.raises(ValueError, match="text or media, not both"):
            message("wamid.1", media=Media(MediaKind.IMAGE), **content)


captions = st.one_of(
    st.none(), st.sampled_from(["1", "2", "ai", "Data Science", "I came from Instagram", ""])
)
scripts = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=26 * 60), st.sampled_from(list(MediaKind)), captions
    ),
    max_size=12,
)


class TestMediaOracle:
    @settings(deadline=None)
    @given(scripts)
    def test_media_is_decided_as_its_caption_typed(self, script):
        """Any run of media messages is decided exactly as the same captions typed as text."""
        as_media = State(Engine.from_config(CONFIG))
        as_text = State(Engine.from_config(CONFIG))
        minutes = 0
        for index, (later, kind, caption) in enumerate(script):
            minutes += later
            said = caption if kind in CAPTIONED_MEDIA else None
            media = message(f"m{index}", minutes, media=Media(kind, said))
            typed = message(f"m{index}", minutes, text=said)

            assert as_text.message(typed) == as_media.message(media)


class TestMediaRoutes:
    @pytest.mark.parametrize("kind", list(MediaKind))
    def test_a_number_without_menus_routes_media_at_once(self, kind):
        """On a number with no menu, a first message of any media kind is routed by its rule."""
        number = attrs.evolve(
            CONFIG.numbers[0], first_response=None, second_response=None, products=()
        )
        state = State(Engine.from_config(attrs.evolve(CONFIG, numbers=[number])))

        outcome = state.message(message("wamid.1", media=Media(kind)))

        assigned = [a for a in outcome.actions if isinstance(a, Assign)]
        assert ["AI desk"] == [a.rule for a in assigned]
        assert ConversationStatus.ASSIGNED == state.conversations[LEAD, NUMBER].status
