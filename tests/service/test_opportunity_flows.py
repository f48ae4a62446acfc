"""
A lead's opportunities found again through the service, with menus and without.
"""

import datetime as dt

import attrs

from convroute.engine import CloseConversation
from convroute.menus import OptionKind, Product, option_id
from convroute.service import Service
from service.conftest import AT, CONFIG, LEAD, NUMBER, message


NEXT_DAY = 24 * 60 + 30


def service_for(store, transport, clock, **changes):
    number = attrs.evolve(CONFIG.numbers[0], **changes)
    return Service(attrs.evolve(CONFIG, numbers=[number]), store, transport, clock=clock)


def handled(service, transport, event):
    start = len(transport.sent)
    service.handle(event)
    return [item.body for item in transport.sent[start:]]


def close(minutes):
    return CloseConversation(
        id=f"close.{minutes}", at=AT + dt.timedelta(minutes=minutes), lead=LEAD, number=NUMBER
    )


class Clock:
    """
    A clock the test moves along with the events.
    """

    def __init__(self):
        self.now = AT

    def __call__(self):
        return self.now


class TestExampleAccountWithoutMenus:
    def test_the_next_conversation_goes_to_the_opportunitys_owner(self, store, transport):
        """'Hi', close, 'Hello again' next day: the created opportunity goes to its owner."""
        clock = Clock()
        service = service_for(store, transport, clock, first_response=None, second_response=None)
        created, assigned = handled(service, transport, message("wamid.1", text="Hi"))
        handled(service, transport, close(1))
        clock.now = AT + dt.timedelta(minutes=NEXT_DAY)

        (again,) = handled(service, transport, message("wamid.2", NEXT_DAY, text="Hello again"))

        opportunity = created["opportunity"]["id"]
        assert ("assign", "u-asha") == (assigned["type"], assigned["user"])
        assert ("assign", "AI desk", opportunity, "u-asha", "opportunity_owner") == (
            again["type"],
            again["rule"],
            again["opportunity"],
            again["user"],
            again["target"],
        )


class TestSeveralValuesProduct:
    def test_a_choice_finds_the_opportunity_it_created(self, store, transport):
        """A product of two values chosen twice: the second choice finds the first's opportunity."""
        tech = Product(
            label="Tech",
            opportunity_type="Postgraduate Course",
            rule="AI desk",
            field="Course",
            values=["AI", "Robotics"],
        )
        clock = Clock()
        service = service_for(store, transport, clock, products=[tech])
        tap = option_id(OptionKind.PRODUCT, "Tech")
        handled(service, transport, message("wamid.1", text="Hi"))
        created, _ = handled(service, transport, message("wamid.2", 1, reply_id=tap))
        handled(service, transport, close(2))
        clock.now = AT + dt.timedelta(minutes=NEXT_DAY)

        handled(service, transport, message("wamid.3", NEXT_DAY, text="Hi"))
        (again,) = handled(service, transport, message("wamid.4", NEXT_DAY + 1, reply_id=tap))

        assert {} == created["opportunity"]["fields"]
        assert (created["opportunity"]["id"], "u-asha", "opportunity_owner") == (
            again["opportunity"],
            again["user"],
            again["target"],
        )
