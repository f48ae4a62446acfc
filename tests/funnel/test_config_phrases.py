import pytest

from convroute.config import load_config
from convroute.errors import ConfigError


NUMBER = "918040001234"


def account(*triggers):
    """
    A minimal account with one funnel whose entry stage has *triggers*.
    """
    return {
        "funnels": [
            {
                "name": "Sales",
                "stages": [
                    {"name": "Lead Entry", "triggers": list(triggers)},
                    {"name": "Scheduling", "follow_ups": ["Thank you for scheduling"]},
                ],
            }
        ]
    }


def trigger(phrase, source="Instagram", number=NUMBER):
    return {"phrase": phrase, "number": number, "source": source}


class TestEmojiInPhrases:
    @pytest.mark.parametrize(
        ("phrase", "emoji"),
        [
            ("Hi 👍 from Instagram", "👍"),
            ("Hello 👋🏽", "👋"),
            ("Option 1️⃣ please", "\ufe0f"),
            ("From 🇧🇷 Brazil", "🇧"),
        ],
    )
    def test_emoji_is_a_config_error(self, phrase, emoji):
        """A trigger phrase with an emoji (plain, toned, keycap, flag) is refused with its path."""
        with pytest.raises(ConfigError) as caught:
            load_config(account(trigger(phrase)))
        expected = (
            f"a trigger phrase must be plain text, and it has the emoji {emoji!r}"
            " @ $.funnels[0].stages[0].triggers[0].phrase"
        )
        assert [expected] == list(caught.value.errors)

    @pytest.mark.parametrize(
        "phrase", ["★ Star offer", "Go → now", "Code 2027", "I came from Instagram"]
    )
    def test_plain_symbols_and_digits_are_accepted(self, phrase):
        """Stars, arrows and digits are plain text, not emoji."""
        config = load_config(account(trigger(phrase)))
        assert phrase == config.funnels[0].stages[0].triggers[0].phrase


class TestOnePhraseOneSource:
    def test_one_phrase_on_two_sources_of_one_number_is_an_error(self):
        """The same phrase (as matched: ignoring case) may not name two sources on one number."""
        with pytest.raises(ConfigError) as caught:
            load_config(
                account(trigger("Hello from the ad"), trigger("HELLO FROM THE AD", source="Blog"))
            )
        expected = (
            "phrase 'HELLO FROM THE AD' on 918040001234 already names source 'Instagram'"
            " at $.funnels[0].stages[0].triggers[0] @ $.funnels[0].stages[0].triggers[1].phrase"
        )
        assert [expected] == list(caught.value.errors)

    def test_one_phrase_on_two_numbers_is_accepted(self):
        """The same phrase may name different sources on different numbers."""
        config = load_config(
            account(
                trigger("Hello from the ad"),
                trigger("Hello from the ad", source="Blog", number="918040005678"),
            )
        )
        assert ["Instagram", "Blog"] == [t.source for t in config.funnels[0].stages[0].triggers]
