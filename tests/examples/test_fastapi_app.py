import datetime as dt
import logging

import pytest

from fastapi.testclient import TestClient

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
    SignallingTransport,
    delivery,
    example_service,
    load_example,
    passed_over_deliveries,
    signed,
    subscription,
    text_message,
)


fastapi_app = load_example("fastapi_app")

# Long enough that the background task never runs again within a test.
NEVER = 3600.0


def client_of(service, dispatch_every=NEVER):
    """
    A test client of the example's application; its lifespan runs only inside ``with``.
    """
    app = fastapi_app.webhook_app(
        service, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, dispatch_every=dispatch_every
    )
    return TestClient(app)


@pytest.fixture
def transport():
    return RecordingTransport()


@pytest.fixture
def client(transport):
    return client_of(example_service(transport))


class TestSubscription:
    def test_handshake_answers_the_challenge(self, client):
        """Meta's GET with the verify token is answered 200 with the challenge, as plain text."""
        response = client.get(f"/webhook?{subscription()}")
        assert (200, "1158201444", "text/plain") == (
            response.status_code,
            response.text,
            response.headers["content-type"].split(";")[0],
        )

    @pytest.mark.parametrize("query", [subscription(WRONG_TOKEN), "", "hub.mode=subscribe"])
    def test_anything_else_is_forbidden(self, client, query):
        """A wrong token, or a GET without the handshake's parameters, is answered 403."""
        assert 403 == client.get(f"/webhook?{query}").status_code


class TestDelivery:
    def test_signed_delivery_is_processed(self, client, transport):
        """A delivery signed with the app secret is answered 200 and its actions delivered."""
        body = delivery(text_message("wamid.HBgL1"))
        response = client.post("/webhook", content=body, headers=signed(body))
        assert (200, ["enter_funnel", "send"]) == (
            response.status_code,
            [item.type for item in transport.sent],
        )

    def test_redelivery_is_answered_200_and_changes_nothing(self, client, transport):
        """Meta's second delivery of a batch is answered 200, and nothing is done twice."""
        body = delivery(text_message("wamid.HBgL1"))
        client.post("/webhook", content=body, headers=signed(body))
        response = client.post("/webhook", content=body, headers=signed(body))
        assert (200, 2) == (response.status_code, len(transport.sent))

    def test_passed_over_items_are_answered_200(self, client, transport):
        """A delivery of status updates only is answered 200, and does nothing."""
        status = {"id": "wamid.S1", "status": "read", "timestamp": "1793610000"}
        body = delivery(statuses=[{**status, "recipient_id": "919800000001"}])
        response = client.post("/webhook", content=body, headers=signed(body))
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
        response = client.post("/webhook", content=body, headers=headers)
        assert (403, []) == (response.status_code, transport.sent)

    @pytest.mark.parametrize(
        "body", [b"{not json", b'{"object": "page", "entry": []}', b"\xff\xfe"]
    )
    def test_a_signed_body_that_is_not_a_webhook_is_a_bad_request(self, client, body):
        """A signed body that is not a Cloud API webhook is answered 400."""
        assert 400 == client.post("/webhook", content=body, headers=signed(body)).status_code

    def test_a_message_that_failed_is_answered_500_and_redelivered(self):
        """When a message of the batch fails, the answer is 500; Meta's redelivery completes it."""
        transport = RecordingTransport()
        # The second message's unit of work fails; the first message's stays done.
        client = client_of(example_service(transport, FailingStore(failing=2)))
        body = delivery(text_message("wamid.HBgL1", "Hi"), text_message("wamid.HBgL2", "AI"))
        first = client.post("/webhook", content=body, headers=signed(body))
        again = client.post("/webhook", content=body, headers=signed(body))

        expected = RecordingTransport()
        example_service(expected).handle_webhook(body, signed(body)["X-Hub-Signature-256"])
        assert (500, 200, [item.body for item in expected.sent]) == (
            first.status_code,
            again.status_code,
            [item.body for item in transport.sent],
        )


class TestDispatch:
    def test_pending_actions_go_out_when_the_app_starts(self):
        """What the outbox held from before is delivered when the application starts."""
        transport = RecordingTransport(fail=2)
        clock = SettableClock()
        service = example_service(transport, clock=clock)
        client = client_of(service)
        body = delivery(text_message("wamid.HBgL1"))
        client.post("/webhook", content=body, headers=signed(body))  # both deliveries fail
        clock.advance()
        with client:
            pass
        with service.store.unit_of_work() as uow:
            statuses = [item.status for item in uow.outbox.items()]
        assert ([OutboxStatus.SENT] * 2, ["enter_funnel", "send"]) == (
            statuses,
            [item.type for item in transport.sent],
        )

    def test_the_background_task_tries_failed_deliveries_again(self):
        """Deliveries that failed are tried again by the background task, without a request."""
        transport = SignallingTransport(expected=2, fail=3)
        # Each reading of the clock is a minute on: retries come due.
        clock = SettableClock(step=dt.timedelta(minutes=1))
        with client_of(example_service(transport, clock=clock), dispatch_every=0) as client:
            body = delivery(text_message("wamid.HBgL1"))
            client.post("/webhook", content=body, headers=signed(body))
            assert transport.done.wait(timeout=60)
        assert (["enter_funnel", "send"], 3) == (
            sorted(item.type for item in transport.sent),
            len(transport.failed),
        )


class TestLogs:
    def test_what_convroute_logs_is_not_logged_again(self, caplog):
        """A failed message, a refused delivery and a dispatch pass: no second record of each."""
        caplog.set_level(logging.INFO)
        transport = RecordingTransport(fail=3)
        clock = SettableClock()
        service = example_service(transport, FailingStore(failing=2), clock=clock)
        client = client_of(service)
        body = delivery(text_message("wamid.HBgL1", "Hi"), text_message("wamid.HBgL2", "AI"))
        client.post("/webhook", content=body, headers=signed(body))
        clock.advance()
        with client:  # the lifespan's first dispatch pass
            pass

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
            client_of(example_service(RecordingTransport())).post(
                "/webhook", content=body, headers=signed(body)
            )

        assert (["WARNING"], []) == (
            [one.levelname for one in caplog.records if one.name.startswith("convroute")],
            [one.getMessage() for one in caplog.records if one.name == fastapi_app.logger.name],
        )


class TestCreateApp:
    def test_settings_come_from_the_environment(self, monkeypatch, tmp_path):
        """create_app builds the application from the environment, on a SQLite file."""
        monkeypatch.setenv("WHATSAPP_APP_SECRET", APP_SECRET)
        monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
        monkeypatch.setenv("CONVROUTE_CONFIG", str(EXAMPLES / "account.toml"))
        monkeypatch.setenv("CONVROUTE_DATABASE", str(tmp_path / "convroute.db"))
        app = fastapi_app.create_app()
        try:
            response = TestClient(app).get(f"/webhook?{subscription()}")
        finally:
            app.state.service.store.close()
        assert (200, "1158201444") == (response.status_code, response.text)

    def test_a_missing_secret_is_named(self, monkeypatch):
        """Without the app secret, create_app says which variable to set."""
        monkeypatch.delenv("WHATSAPP_APP_SECRET", raising=False)
        with pytest.raises(RuntimeError, match="set WHATSAPP_APP_SECRET"):
            fastapi_app.create_app()
