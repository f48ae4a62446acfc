"""
Telling Meta's deliveries from forgeries: signatures and the GET handshake.
"""

import hashlib
import hmac
import json

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.whatsapp import WebhookError, parse_webhook, verify_signature, verify_subscription


SECRET = "0123456789abcdef0123456789abcdef"  # noqa: S105 - a made-up test secret
# As Meta sends it: compact, with non-ASCII text escaped.
RAW = (
    b'{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{'
    b'"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",'
    b'"phone_number_id":"106540352242922"},"messages":[{"from":"16505551234","id":"wamid.1",'
    b'"timestamp":"1749416383","type":"text","text":{"body":"Caf\\u00e9?"}}]},"field":"messages"}]}]}'
)


def sign(body, secret=SECRET):
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


class TestVerifySignature:
    def test_signature_of_the_raw_bytes(self):
        """The signature of the raw body verifies, and the body reads as sent."""
        verify_signature(RAW, sign(RAW), SECRET)

        assert "Café?" == parse_webhook(RAW).events[0].text

    def test_signature_of_a_reserialised_body_does_not_match(self):
        """A body decoded and encoded again is other bytes: its signature does not match."""
        reserialised = json.dumps(json.loads(RAW)).encode()
        assert reserialised != RAW

        with pytest.raises(WebhookError, match="does not match"):
            verify_signature(RAW, sign(reserialised), SECRET)
        with pytest.raises(WebhookError, match="does not match"):
            verify_signature(reserialised, sign(RAW), SECRET)

    @pytest.mark.parametrize(
        "header",
        [
            pytest.param(f"  {sign(RAW)}\t", id="spaces"),
            pytest.param("sha256=" + sign(RAW).removeprefix("sha256=").upper(), id="upper-hex"),
            pytest.param(sign(RAW).encode(), id="bytes"),
        ],
    )
    def test_lenient_forms(self, header):
        """Spaces around the header, uppercase hex and a header given as bytes verify."""
        verify_signature(RAW, header, SECRET)

    def test_secret_as_bytes(self):
        """The app secret may be given as bytes."""
        verify_signature(RAW, sign(RAW), SECRET.encode())

    @pytest.mark.parametrize(
        ("header", "message"),
        [
            pytest.param(
                None, "X-Hub-Signature-256: missing; Meta signs every delivery", id="missing"
            ),
            pytest.param(
                "",
                "X-Hub-Signature-256: expected 'sha256=' and 64 hex digits, got the text ''",
                id="empty",
            ),
            pytest.param(
                "sha1=" + hmac.new(SECRET.encode(), RAW, hashlib.sha1).hexdigest(),
                "X-Hub-Signature-256: expected 'sha256=' and 64 hex digits, got the text 'sha1=",
                id="sha1",
            ),
            pytest.param(sign(RAW)[:-1], "expected 'sha256=' and 64 hex digits", id="short"),
            pytest.param(sign(RAW) + "0", "expected 'sha256=' and 64 hex digits", id="long"),
            pytest.param(
                "sha256=" + "g" * 64, "expected 'sha256=' and 64 hex digits", id="not-hex"
            ),
            pytest.param(
                "sha256=" + "\N{LATIN SMALL LETTER E WITH ACUTE}" * 64,
                "expected 'sha256=' and 64 hex digits",
                id="non-ascii",
            ),
            pytest.param(
                "sha256=" + "\N{FULLWIDTH DIGIT ONE}" * 64,
                "expected 'sha256=' and 64 hex digits",
                id="wide-digits",
            ),
            pytest.param(b"sha256=\xff", "X-Hub-Signature-256: not ASCII", id="bytes-non-ascii"),
            pytest.param(42, "X-Hub-Signature-256: expected text, got a number", id="number"),
            pytest.param(
                sign(RAW, "another secret"),
                "X-Hub-Signature-256: the signature does not match the body",
                id="wrong-secret",
            ),
            pytest.param(
                sign(RAW + b" "), "the signature does not match the body", id="other-body"
            ),
        ],
    )
    def test_refused(self, header, message):
        """A missing, malformed or wrong signature is refused with a WebhookError."""
        with pytest.raises(WebhookError, match=r"^X-Hub-Signature-256: ") as caught:
            verify_signature(RAW, header, SECRET)

        assert message in str(caught.value)

    def test_empty_secret(self):
        """An empty app secret proves nothing: refused."""
        with pytest.raises(WebhookError, match="no app secret"):
            verify_signature(RAW, sign(RAW, ""), "")

    def test_decoded_body(self):
        """Text is not the raw body: a TypeError says so."""
        with pytest.raises(TypeError, match="bytes"):
            verify_signature(RAW.decode(), sign(RAW), SECRET)

    @given(st.binary(), st.binary(), st.binary(min_size=1))
    def test_only_the_signed_body_verifies(self, body, other, secret):
        """A body verifies with its own signature; another body does not."""
        verify_signature(body, sign(body, secret), secret)
        if other != body:
            with pytest.raises(WebhookError):
                verify_signature(other, sign(body, secret), secret)

    @given(st.text() | st.binary() | st.none())
    def test_any_header_is_a_webhook_error(self, header):
        """Whatever the header holds, a forgery is refused with a WebhookError."""
        with pytest.raises(WebhookError):
            verify_signature(RAW, header, SECRET)


TOKEN = "meatyhamhock"  # noqa: S105 - a made-up test token
HANDSHAKE = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": TOKEN}


class TestVerifySubscription:
    def test_right_token(self):
        """The subscribe mode with the right token is answered with the challenge."""
        assert "1158201444" == verify_subscription(HANDSHAKE, TOKEN)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            pytest.param(
                {"hub.verify_token": "wrong"}, "hub.verify_token: does not match", id="wrong-token"
            ),
            pytest.param(
                {"hub.verify_token": TOKEN[:-1]}, "hub.verify_token: does not match", id="prefix"
            ),
            pytest.param(
                {"hub.verify_token": ""}, "hub.verify_token: does not match", id="empty-token"
            ),
            pytest.param(
                {"hub.mode": "unsubscribe"},
                "hub.mode: expected 'subscribe', got the text 'unsubscribe'",
                id="mode",
            ),
            pytest.param({"hub.mode": None}, "hub.mode: missing", id="no-mode"),
            pytest.param({"hub.verify_token": None}, "hub.verify_token: missing", id="no-token"),
            pytest.param({"hub.challenge": None}, "hub.challenge: missing", id="no-challenge"),
            pytest.param(
                {"hub.verify_token": [TOKEN]},
                "hub.verify_token: expected text, got a list",
                id="list",
            ),
        ],
    )
    def test_refused(self, changes, message):
        """A wrong token or mode, or a missing parameter, is refused with a WebhookError."""
        params = {
            key: value for key, value in {**HANDSHAKE, **changes}.items() if value is not None
        }

        with pytest.raises(WebhookError) as caught:
            verify_subscription(params, TOKEN)

        assert message == str(caught.value)

    def test_no_verify_token_configured(self):
        """An empty verify token would let anybody subscribe: refused."""
        with pytest.raises(WebhookError, match="no verify token"):
            verify_subscription({**HANDSHAKE, "hub.verify_token": ""}, "")

    @given(
        st.dictionaries(st.sampled_from(list(HANDSHAKE)) | st.text(), st.text()),
        st.text(min_size=1),
    )
    def test_challenge_only_for_the_token(self, params, token):
        """The challenge is given only for the subscribe mode and the exact token."""
        try:
            answer = verify_subscription(params, token)
        except WebhookError:
            return
        assert (params["hub.challenge"], "subscribe", token) == (
            answer,
            params["hub.mode"],
            params["hub.verify_token"],
        )
