import logging

import pytest

from convroute.state import OutboxStatus
from convroute.testing import RecordingTransport
from web_examples import (
    APP_SECRET,
    EXAMPLES,
    VERIFY_TOKEN,
    WRONG_SECRET,
    WRONG_TOKEN,
    FailingStore,
    SettableClock,
    delivery,
    example_service,
    load_example,
    passed_over_deliveries,
    signed,
    subscription,
    text_message,
)


flask_app = load_example("flask_app")


def app_of(service):
    """
    The example's application around *service*.
    """
    return flask_app.webhook_app(service, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)


@pytest.fixture
def transport():
    return RecordingTransport()


@pytest.fixture
def client(transport):
    return app_of(example_service(transport)).test_client()


class TestSubscription:
    def test_handshake_answers_the_challenge(self, client):
        """Meta's GET with the verify token is answered 200 with the challenge, as plain text."""
        response = client.get(f"/webhook?{subscription()}")
        assert (200, "1158201444", "text/plain") == (
            response.status_code,
            response.get_data(as_text=True),
            response.mimetype,
        )

    @pytest.mark.parametrize("query", [subscription(WRONG_TOKEN), "", "hub.mode=subscribe"])
    def test_anything_else_is_forbidden(self, client, query):
        """A wrong token, or a GET without the handshake's parameters, is answered 403."""
        assert 403 == client.get(f"/webhook?{query}").status_code


class TestDelivery:
    def test_signed_delivery_is_processed(self, client, transport):
        """A delivery signed with the app secret is answered 200 and its actions delivered."""
        body = delivery(text_message("wamid.HBgL1"))
        response = client.post("/webhook", data=body, headers=signed(body))
        assert (200, ["enter_funnel", "send"]) == (
            response.status_code,
            [item.type for item in transport.sent],
        )

    def test_redelivery_is_answered_200_and_changes_nothing(self, client, transport):
        """Meta's second delivery of a batch is answered 200, and nothing is done twice."""
        body = delivery(text_message("wamid.HBgL1"))
        client.post("/webhook", data=body, headers=signed(body))
        response = client.post("/webhook", data=body, headers=signed(body))
        assert (200, 2) == (response.status_code, len(transport.sent))

    def test_passed_over_items_are_answered_200(self, client, transport):
        """A delivery of status updates only is answered 200, and does nothing."""
        status = {"id": "wamid.S1", "status": "read", "timestamp": "1793610000"}
        body = delivery(statuses=[{**status, "recipient_id": "919800000001"}])
        response = client.post("/webhook", data=body, headers=signed(body))
        assert (200, []) == (response.status_code, transport.sent)

    @pytest.mark.parametrize(
        "headers",
        [
            signed(delivery(text_message("wamid.HBgL1")), WRONG_SECRET),
            {},
            {"X-Hub-Signature-256": "sha256=nothex"},
        ],
        ids=["forged", "unsigned", "garbled"],
    )
    def test_a_delivery_not_signed_by_meta_is_forbidden(self, client, transport, headers):
        """A wrong, missing or garbled signature is answered 403, and nothing is processed."""
        body = delivery(text_message("wamid.HBgL1"))
        response = client.post("/webhook", data=body, headers=headers)
        assert (403, []) == (response.status_code, transport.sent)

    @pytest.mark.parametrize(
        "body", [b"{not json", b'{"object": "page", "entry": []}', b"\xff\xfe"]
    )
    def test_a_signed_body_that_is_not_a_webhook_is_a_bad_request(self, client, body):
        """A signed body that is not a Cloud API webhook is answered 400."""
        assert 400 == client.post("/webhook", data=body, headers=signed(body)).status_code

    def test_a_message_that_failed_is_answered_500_and_redelivered(self):
        """When a message of the batch fails, the answer is 500; Meta's redelivery completes it."""
        transport = RecordingTransport()
        # The second message's unit of work fails; the first message's stays done.
        client = app_of(example_service(transport, FailingStore(failing=2))).test_client()
        body = delivery(text_message("wamid.HBgL1", "Hi"), text_message("wamid.HBgL2", "AI"))
        first = client.post("/webhook", data=body, headers=signed(body))
        again = client.post("/webhook", data=body, headers=signed(body))

        expected = RecordingTransport()
        example_service(expected).handle_webhook(body, signed(body)["X-Hub-Signature-256"])
        assert (500, 200, [item.body for item in expected.sent]) == (
            first.status_code,
            again.status_code,
            [item.body for item in transport.sent],
        )


class TestDispatchCommand:
    def test_once_delivers_what_is_pending(self):
        """`flask dispatch --once` delivers the actions whose delivery failed before."""
        transport = RecordingTransport(fail=2)
        clock = SettableClock()
        service = example_service(transport, clock=clock)
        app = app_of(service)
        body = delivery(text_message("wamid.HBgL1"))
        app.test_client().post("/webhook", data=body, headers=signed(body))  # both fail
        clock.advance()
        result = app.test_cli_runner().invoke(args=["dispatch", "--once"])
        with service.store.unit_of_work() as uow:
            statuses = [item.status for item in uow.outbox.items()]
        assert (0, [OutboxStatus.SENT] * 2, ["enter_funnel", "send"]) == (
            result.exit_code,
            statuses,
            [item.type for item in transport.sent],
        )

    def test_failures_are_kept_for_the_next_pass(self):
        """A pass whose deliveries fail ends normally, and leaves them pending."""
        transport = RecordingTransport(fail=4)
        clock = SettableClock()
        service = example_service(transport, clock=clock)
        app = app_of(service)
        body = delivery(text_message("wamid.HBgL1"))
        app.test_client().post("/webhook", data=body, headers=signed(body))
        clock.advance()
        result = app.test_cli_runner().invoke(args=["dispatch", "--once"])
        with service.store.unit_of_work() as uow:
            attempts = [(item.status, item.attempts) for item in uow.outbox.items()]
        assert (0, [(OutboxStatus.PENDING, 2)] * 2) == (result.exit_code, attempts)


class TestLogs:
    def test_what_convroute_logs_is_not_logged_again(self, caplog):
        """A failed message, a refused delivery and a dispatch pass: no second record of each."""
        caplog.set_level(logging.INFO)
        transport = RecordingTransport(fail=3)
        clock = SettableClock()
        service = example_service(transport, FailingStore(failing=2), clock=clock)
        app = app_of(service)
        body = delivery(text_message("wamid.HBgL1", "Hi"), text_message("wamid.HBgL2", "AI"))
        app.test_client().post("/webhook", data=body, headers=signed(body))
        clock.advance()
        app.test_cli_runner().invoke(args=["dispatch", "--once"])

        ours = {one.levelname for one in caplog.records if one.name.startswith("convroute")}
        again = [
            one.getMessage()
            for one in caplog.records
            if not one.name.startswith("convroute") and one.levelno >= logging.WARNING
        ]
        assert (["ERROR", "INFO", "WARNING"], []) == (sorted(ours), again)

    def test_what_a_delivery_passes_over_is_convroute_s_to_log(self, caplog):
        """Statuses and a malformed message: convroute's one WARNING, nothing of the app's."""
        caplog.set_level(logging.INFO)
        for body in passed_over_deliveries():
            app_of(example_service(RecordingTransport())).test_client().post(
                "/webhook", data=body, headers=signed(body)
            )

        assert (["WARNING"], []) == (
            [one.levelname for one in caplog.records if one.name.startswith("convroute")],
            [one.getMessage() for one in caplog.records if one.name == flask_app.logger.name],
        )


class TestCreateApp:
    def test_settings_come_from_the_environment(self, monkeypatch, tmp_path):
        """create_app builds the application from the environment, on a SQLite file."""
        monkeypatch.setenv("WHATSAPP_APP_SECRET", APP_SECRET)
        monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
        monkeypatch.setenv("CONVROUTE_CONFIG", str(EXAMPLES / "account.toml"))
        monkeypatch.setenv("CONVROUTE_DATABASE", str(tmp_path / "convroute.db"))
        app = flask_app.create_app()
        try:
            response = app.test_client().get(f"/webhook?{subscription()}")
        finally:
            app.extensions[flask_app.SERVICE].store.close()
        assert (200, "1158201444") == (response.status_code, response.get_data(as_text=True))

    def test_a_missing_token_is_named(self, monkeypatch):
        """Without the verify token, create_app says which variable to set."""
        monkeypatch.setenv("WHATSAPP_APP_SECRET", APP_SECRET)
        monkeypatch.delenv("WHATSAPP_VERIFY_TOKEN", raising=False)
        with pytest.raises(RuntimeError, match="set WHATSAPP_VERIFY_TOKEN"):
            flask_app.create_app()
