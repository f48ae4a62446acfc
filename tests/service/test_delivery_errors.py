"""
How the service records a delivery that failed, whatever the transport raised.
"""

import pytest

from convroute.service import Service
from service.conftest import AT, CONFIG, message


class _UnprintableError(Exception):
    def __str__(self):
        raise ValueError("no words for it")


class _Raising:
    """A transport that raises the exception it was given, every time."""

    def __init__(self, error):
        self.error = error

    def deliver(self, _item):
        raise self.error


def outbox(service):
    with service.store.unit_of_work() as uow:
        return list(uow.outbox.items())


class TestDeliveryErrors:
    def test_a_huge_error_is_kept_to_2000_characters(self, store):
        """A 5 MB exception message is stored, and reported, as its first 2 000 characters."""
        service = Service(CONFIG, store, _Raising(RuntimeError("x" * 5_000_000)), clock=lambda: AT)

        handled = service.handle(message("wamid.1", text="Hi"))

        [item] = outbox(service)
        expected = "RuntimeError: " + "x" * 1_985 + "\N{HORIZONTAL ELLIPSIS}"
        assert (expected, "pending") == (item.last_error, item.status)
        assert ((item.id, expected),) == handled.failed_deliveries

    def test_an_exception_whose_str_fails_is_recorded(self, store):
        """An exception that cannot say what it is counts as a failure named by its type."""
        service = Service(CONFIG, store, _Raising(_UnprintableError()), clock=lambda: AT)

        handled = service.handle(message("wamid.1", text="Hi"))

        [item] = outbox(service)
        expected = (handled.actions[0].id, "pending", 1, None)
        assert expected == (item.id, item.status, item.attempts, item.claimed_until)
        assert "_UnprintableError (its message cannot be read)" == item.last_error

    def test_an_error_holding_a_lone_surrogate_is_recorded_escaped(self, store):
        """An error message no store can write is recorded with its lone surrogate escaped."""
        error = RuntimeError("the CRM answered b'\\xff' as \udcff")
        service = Service(CONFIG, store, _Raising(error), clock=lambda: AT)

        service.handle(message("wamid.1", text="Hi"))

        [item] = outbox(service)
        expected = "RuntimeError: the CRM answered b'\\xff' as \\udcff"
        assert (expected, "pending", 1) == (item.last_error, item.status, item.attempts)


class _AsyncTransport:
    """A transport written for asyncio: its deliver is a coroutine function."""

    async def deliver(self, _item):
        return None


class _HandsBackACoroutine:
    """A transport whose plain deliver returns a coroutine, which nothing awaits."""

    async def _post(self, _item):
        return None

    def deliver(self, item):
        return self._post(item)


class TestAsyncTransports:
    def test_a_coroutine_function_is_refused_when_the_service_is_made(self, store):
        """A transport whose deliver is a coroutine function is a TypeError naming deliver."""
        with pytest.raises(TypeError, match=r"deliver is a coroutine function") as refused:
            Service(CONFIG, store, _AsyncTransport(), clock=lambda: AT)

        assert "_AsyncTransport" in str(refused.value)

    def test_an_awaitable_handed_back_is_a_failed_delivery(self, store):
        """A deliver returning an awaitable delivered nothing: the item stays pending, not sent."""
        service = Service(CONFIG, store, _HandsBackACoroutine(), clock=lambda: AT)

        handled = service.handle(message("wamid.1", text="Hi"))

        [item] = outbox(service)
        expected_error = (
            "TypeError: the transport's deliver returned a coroutine, which nothing awaits: "
            "deliver must carry the action out before it returns"
        )
        assert ("pending", 1, expected_error) == (item.status, item.attempts, item.last_error)
        assert ((item.id, expected_error),) == handled.failed_deliveries
