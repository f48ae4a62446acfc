import urllib.parse

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.errors import PhoneNumberError
from convroute.funnel import Funnel, Stage, Trigger, TriggerLink, click_to_chat_link, trigger_links
from convroute.model import Phone
from strategies import phones


class TestClickToChatLink:
    def test_seed_trigger(self):
        """The link holds the number's digits and the phrase, spaces as %20."""
        assert "https://wa.me/918040001234?text=I%20came%20from%20Instagram" == click_to_chat_link(
            "+91 80 4000 1234", "I came from Instagram"
        )

    def test_reserved_and_unicode_characters_are_encoded(self):
        """Ampersands, question marks and non-ASCII text are percent-encoded as UTF-8."""
        assert "https://wa.me/5511912345678?text=Oi%20%26%20n%C3%A3o%3F%20%E2%98%85" == (
            click_to_chat_link("5511912345678", "Oi & não? ★")
        )

    def test_bad_number_is_refused(self):
        """A number that is not a phone raises PhoneNumberError."""
        with pytest.raises(PhoneNumberError):
            click_to_chat_link("call us", "Hi")

    @given(phones(), st.text(min_size=1))
    def test_round_trip(self, number, text):
        """Decoding the link gives back the number and the text exactly."""
        url = urllib.parse.urlsplit(click_to_chat_link(number, text))
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True, strict_parsing=True)
        assert ("https", "wa.me", f"/{number}", {"text": [text]}) == (
            url.scheme,
            url.netloc,
            url.path,
            query,
        )


class TestTriggerLinks:
    def test_one_link_per_trigger_in_order(self):
        """Every trigger of every funnel gets its link, in configuration order."""
        first = Trigger(phrase="From Instagram", number=Phone("918040001234"), source="Instagram")
        second = Trigger(phrase="Blog", number=Phone("918040005678"), source="Blog")
        funnels = [
            Funnel(name="Sales", stages=[Stage(name="Entry", triggers=[first, second])]),
            Funnel(name="Empty", stages=[Stage(name="Entry")]),
        ]
        assert (
            TriggerLink("Sales", first, "https://wa.me/918040001234?text=From%20Instagram"),
            TriggerLink("Sales", second, "https://wa.me/918040005678?text=Blog"),
        ) == trigger_links(funnels)
