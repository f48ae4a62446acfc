"""
The store contract for erasure: a lead, its conversations, opportunities, funnel records, outbox
items and processed ids removed, on every store.
"""

import datetime as dt

import pytest

from convroute.funnel import Cause, Transition
from convroute.model import Lead, Opportunity, Phone
from convroute.state import Conversation, OutboxItem, OutboxStatus, Removed


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040009999")
LEAD = Phone("919812345678")
OTHER = Phone("919800000002")


def item(ident, lead, minutes=0, status=OutboxStatus.PENDING, kind="send"):
    body = {"type": kind, "event": "wamid.1", "to": lead}
    return OutboxItem(
        id=ident,
        event="wamid.1",
        type=kind,
        body=body,
        created_at=T0 + minutes * MINUTE,
        status=status,
        lead=lead,
    )


def waiting(lead, number, rule="Desk"):
    return Conversation(
        lead=lead,
        number=number,
        status="unrouted",
        last_message_at=T0,
        rule=rule,
        waiting_since=T0,
        due_at=T0 + MINUTE,
    )


def assigned(lead, number, user="u-asha"):
    return Conversation.assigned(lead, number, T0, user, opportunity=None, rule="Desk")


class TestLeadRemove:
    def test_the_lead_is_gone_and_the_others_stay(self, store):
        """Removing a lead says it was there; the next read finds none, another lead stays."""
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="Ravi"))
            uow.leads.save(Lead(phone=OTHER, name="Asha"))

        with store.unit_of_work() as uow:
            removed = uow.leads.remove(LEAD)
        with store.unit_of_work() as uow:
            found = (uow.leads.get(LEAD), uow.leads.get(OTHER))

        assert (True, (None, Lead(phone=OTHER, name="Asha"))) == (removed, found)

    def test_an_unknown_lead_is_passed_over(self, store):
        """Removing a phone no lead has says so, and changes nothing."""
        with store.unit_of_work() as uow:
            assert not uow.leads.remove(LEAD)


class TestConversationsRemoveForLead:
    def test_every_number_of_the_lead_goes(self, store):
        """The lead's conversations with both numbers go; another lead's stays."""
        with store.unit_of_work() as uow:
            uow.conversations.save(assigned(LEAD, NUMBER))
            uow.conversations.save(waiting(LEAD, OTHER_NUMBER))
            uow.conversations.save(assigned(OTHER, NUMBER))

        with store.unit_of_work() as uow:
            removed = uow.conversations.remove_for_lead(LEAD)
        with store.unit_of_work() as uow:
            left = (uow.conversations.for_lead(LEAD), uow.conversations.for_lead(OTHER))

        expected = Removed((assigned(LEAD, NUMBER), waiting(LEAD, OTHER_NUMBER)))
        assert (expected, ((), (assigned(OTHER, NUMBER),))) == (removed, left)

    def test_they_leave_the_due_waiting_and_capacity_indexes(self, store):
        """A tick no longer finds them due or waiting, nor counts them against their assignee."""
        with store.unit_of_work() as uow:
            uow.conversations.save(assigned(LEAD, NUMBER))
            uow.conversations.save(waiting(LEAD, OTHER_NUMBER))
            uow.conversations.save(waiting(OTHER, OTHER_NUMBER))

        with store.unit_of_work() as uow:
            uow.conversations.remove_for_lead(LEAD)
        with store.unit_of_work() as uow:
            found = (
                [c.lead for c in uow.conversations.due(T0 + 10 * MINUTE, 10)],
                [c.lead for c in uow.conversations.waiting(T0, 10)],
                [c.lead for c in uow.conversations.waiting(T0, 10, rule="Desk")],
                dict(uow.conversations.open_counts(["u-asha"], T0)),
                list(uow.conversations.held_by("u-asha", T0)),
            )

        assert ([OTHER], [OTHER], [OTHER], {}, []) == found

    def test_a_rollback_keeps_them(self, store):
        """A unit that fails after removing them leaves them where they were."""
        with store.unit_of_work() as uow:
            uow.conversations.save(waiting(LEAD, NUMBER))

        def remove_then_fail():
            with store.unit_of_work() as uow:
                uow.conversations.remove_for_lead(LEAD)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            remove_then_fail()
        with store.unit_of_work() as uow:
            found = [c.lead for c in uow.conversations.waiting(T0, 10, rule="Desk")]

        assert [LEAD] == found


class TestOutboxRemoveForLead:
    def test_every_status_goes_and_is_returned_oldest_first(self, store):
        """Pending, sent and dead items of the lead go, returned oldest first; others stay."""
        mine = [
            item("dead", LEAD, 2, OutboxStatus.DEAD),
            item("pending", LEAD, 0),
            item("sent", LEAD, 1, OutboxStatus.SENT),
        ]
        theirs = item("theirs", OTHER, 0)
        with store.unit_of_work() as uow:
            uow.outbox.add([*mine, theirs])

        with store.unit_of_work() as uow:
            removed = uow.outbox.remove_for_lead(LEAD)
        with store.unit_of_work() as uow:
            left = (list(uow.outbox.items()), dict(uow.outbox.counts()))
            claimed = [one.id for one in uow.outbox.claim(10, T0 + MINUTE, T0 + 5 * MINUTE)]

        assert (["pending", "sent", "dead"], ([theirs], {OutboxStatus.PENDING: 1})) == (
            [one.id for one in removed.values],
            left,
        )
        assert () == removed.unread
        assert ["theirs"] == claimed

    def test_the_lead_is_kept_with_the_item(self, store):
        """An item reads back with its lead; one about no lead is never removed for one."""
        about_nobody = item("nobody", None)
        with store.unit_of_work() as uow:
            uow.outbox.add([item("mine", LEAD), about_nobody])

        with store.unit_of_work() as uow:
            found = {one.id: one.lead for one in uow.outbox.items()}
            removed = uow.outbox.remove_for_lead(LEAD)

        assert ({"mine": LEAD, "nobody": None}, ["mine"]) == (found, [i.id for i in removed.values])

    def test_a_lead_with_none_gets_nothing_back(self, store):
        """A lead without items removes nothing."""
        with store.unit_of_work() as uow:
            uow.outbox.add([item("theirs", OTHER)])
            assert Removed(()) == uow.outbox.remove_for_lead(LEAD)


def record(ident, lead, minutes=0):
    return Transition(
        id=ident,
        lead=lead,
        funnel="Sales",
        from_stage=None,
        to_stage="Enquiry",
        at=T0 + minutes * MINUTE,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBER,
    )


class TestOpportunitiesRemoveForLead:
    def test_every_opportunity_goes_and_is_returned_in_saved_order(self, store):
        """The lead's opportunities go, returned in first-saved order; another lead's stay."""
        second, first = (Opportunity(id=i, type="Course", name=i) for i in ("o2", "o1"))
        with store.unit_of_work() as uow:
            uow.opportunities.save(LEAD, second)
            uow.opportunities.save(LEAD, first)
            uow.opportunities.save(OTHER, first)

        with store.unit_of_work() as uow:
            removed = uow.opportunities.remove_for_lead(LEAD)
        with store.unit_of_work() as uow:
            left = (
                uow.opportunities.for_lead(LEAD),
                uow.opportunities.for_lead(OTHER),
                uow.opportunities.get("o2"),
            )

        assert (Removed((second, first)), ((), (first,), None)) == (removed, left)

    def test_a_lead_with_none_gets_nothing_back(self, store):
        """A lead without opportunities removes nothing."""
        with store.unit_of_work() as uow:
            assert Removed(()) == uow.opportunities.remove_for_lead(LEAD)


class TestFunnelRecordsRemoveForLead:
    def test_every_record_goes_and_is_returned_in_added_order(self, store):
        """The lead's records go, returned in the order they were added; another lead's stay."""
        mine = [record("tr-b", LEAD, 1), record("tr-a", LEAD, 0)]
        theirs = record("tr-c", OTHER)
        with store.unit_of_work() as uow:
            for one in [*mine, theirs]:
                uow.funnel_records.add(one)

        with store.unit_of_work() as uow:
            removed = uow.funnel_records.remove_for_lead(LEAD)
        with store.unit_of_work() as uow:
            left = (list(uow.funnel_records.scan()), uow.funnel_records.get("tr-a"))

        assert (Removed(tuple(mine)), ([theirs], None)) == (removed, left)

    def test_a_record_added_again_after_its_removal_is_kept(self, store):
        """In one unit, a record removed then added under the same id is there afterwards."""
        with store.unit_of_work() as uow:
            uow.funnel_records.add(record("tr-a", LEAD))

        with store.unit_of_work() as uow:
            uow.funnel_records.remove_for_lead(LEAD)
            uow.funnel_records.add(record("tr-a", OTHER))
        with store.unit_of_work() as uow:
            found = list(uow.funnel_records.scan())

        assert [record("tr-a", OTHER)] == found


class TestProcessedRemove:
    def test_removed_ids_are_new_again(self, store):
        """Removed ids can be claimed again; the others, and unknown ids, are as they were."""
        with store.unit_of_work() as uow:
            uow.processed.claim("tick:1", T0)
            uow.processed.claim("kept", T0)

        with store.unit_of_work() as uow:
            uow.processed.remove(["tick:1", "never-seen"])
        with store.unit_of_work() as uow:
            claims = [uow.processed.claim(one, T0) for one in ("tick:1", "kept")]

        assert [True, False] == claims
