"""
The store contract for `conversations.assignees`: who holds open conversations, on every store.
"""

import datetime as dt

import pytest

from convroute.model import Phone
from convroute.state import Conversation


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040005678")


def lead(n):
    return Phone(f"9198000{n:05}")


def conversation(n, assignee, *, status="assigned", at=T0, number=NUMBER):
    return Conversation(
        lead=lead(n),
        number=number,
        status=status,
        assignee=assignee if status == "assigned" else None,
        last_message_at=at,
    )


def save(store, *conversations, account="default"):
    with store.unit_of_work(account) as uow:
        for one in conversations:
            uow.conversations.save(one)


def assignees(store, since, account="default"):
    with store.unit_of_work(account) as uow:
        return list(uow.conversations.assignees(since))


class TestAssignees:
    def test_users_holding_open_conversations_in_order(self, store):
        """Each user with an assigned conversation at or after since, once, in order."""
        save(
            store,
            conversation(1, "u-ravi"),
            conversation(2, "u-asha", at=T0.astimezone(IST)),
            conversation(3, "u-asha", number=OTHER_NUMBER),
            conversation(4, "u-old", at=T0 - dt.timedelta(microseconds=1)),
            conversation(5, "u-gone", status="closed"),
            conversation(6, None, status="unrouted"),
        )

        assert ["u-asha", "u-ravi"] == assignees(store, T0)

    def test_follows_saves(self, store):
        """A conversation moved to someone else, or closed, no longer counts for its old holder."""
        save(store, conversation(1, "u-asha"), conversation(2, "u-ravi"))
        save(store, conversation(1, "u-chen"), conversation(2, "u-ravi", status="closed"))

        assert ["u-chen"] == assignees(store, T0)

    def test_empty(self, store):
        """A store with no open conversation gives nobody."""
        assert [] == assignees(store, T0)

    def test_per_account(self, store):
        """Another account's conversations are not read."""
        save(store, conversation(1, "u-asha"), account="acme")

        assert ([], ["u-asha"]) == (assignees(store, T0), assignees(store, T0, "acme"))

    def test_naive_since_refused(self, store):
        """A naive since is a ValueError."""
        with pytest.raises(ValueError, match="since"):
            assignees(store, T0.replace(tzinfo=None))
