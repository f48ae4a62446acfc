"""
convroute.testing beyond the store contract: MemoryStore's counts, RecordingTransport.
"""

import datetime as dt
import importlib

import pytest

from convroute.errors import StoreError
from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone
from convroute.state import OutboxItem
from convroute.testing import DeliveryFailed, MemoryStore, RecordingTransport


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def item(ident, kind="send"):
    return OutboxItem(id=ident, event="wamid.1", type=kind, body={"type": kind}, created_at=T0)


def deliver_all(transport, items):
    """Deliver each item; the ids of those that failed."""
    failed = []
    for one in items:
        try:
            transport.deliver(one)
        except DeliveryFailed as failure:
            failed.append(failure.item.id)
    return failed


def isort_order(name):
    """How ruff sorts an __all__: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


class TestPublicSurface:
    @pytest.mark.parametrize(
        ("module", "names"),
        [
            (
                "convroute.testing",
                {
                    "CASE_FILE_SUFFIXES",
                    "Case",
                    "CaseFile",
                    "CaseResult",
                    "DEFAULT_START",
                    "DeliveryFailed",
                    "MemoryStore",
                    "RecordingTransport",
                    "Scenario",
                    "ScenarioAction",
                    "ScenarioError",
                    "SentMenu",
                    "is_test_file",
                    "load_cases",
                    "run_case",
                },
            ),
            ("convroute.adapters", {"SQLiteStore"}),
        ],
    )
    def test_all_lists_the_public_names(self, module, names):
        """Each module's __all__ is its public surface, sorted."""
        exported = importlib.import_module(module).__all__

        assert (names, sorted(names, key=isort_order)) == (set(exported), list(exported))


class TestMemoryStore:
    def test_counts_committed_and_rolled_back_units(self):
        """committed and rolled_back count the units that ended each way."""
        store = MemoryStore()
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=Phone("919800000001")))
        with store.unit_of_work():
            pass
        with pytest.raises(StoreError), store.unit_of_work() as uow:
            uow.outbox.mark_sent("missing")

        assert (2, 1) == (store.committed, store.rolled_back)

    def test_a_refused_nested_unit_counts_for_nothing(self):
        """A nested unit that was refused neither commits nor rolls back."""
        store = MemoryStore()
        with store.unit_of_work(), pytest.raises(StoreError):
            store.unit_of_work().__enter__()

        assert (1, 0) == (store.committed, store.rolled_back)

    def test_repr_sums_up_the_state(self):
        """The repr counts the accounts, what they hold together, and the units it ran."""
        store = MemoryStore()
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=Phone("919800000001")))
            uow.outbox.add([item("a1"), item("a2")])
            uow.outbox.mark_sent("a1")
        with store.unit_of_work("acme") as uow:
            uow.leads.save(Lead(phone=Phone("919800000001")))

        expected = (
            "<MemoryStore accounts=2 leads=2 conversations=0 funnel_records=0 outbox=2 "
            "pending=1 committed=2 rolled_back=0>"
        )
        assert expected == repr(store)


class TestMemoryStoreErasure:
    def test_nothing_is_left_keyed_by_a_removed_lead(self):
        """A lead's empty opportunity and record tables go with its last one: its phone is gone."""
        lead = Phone("919812345678")
        store = MemoryStore()
        record = Transition(
            id="tr-1",
            lead=lead,
            funnel="Sales",
            from_stage=None,
            to_stage="In",
            at=T0,
            cause="trigger",
        )
        with store.unit_of_work() as uow:
            uow.opportunities.save(lead, Opportunity(id="o1", type="Course"))
            uow.funnel_records.add(record)
        with store.unit_of_work() as uow:
            uow.opportunities.remove(lead, "o1")
            uow.funnel_records.remove(["tr-1"])

        state = store._accounts["default"]
        assert ({}, {}) == (state.opportunities, state.records_by_lead)


class TestRecordingTransport:
    def test_keeps_what_it_delivers_in_order(self):
        """Every delivered item is in sent, in order, the same item twice if sent twice."""
        transport = RecordingTransport()
        deliver_all(transport, [item("a1"), item("a2"), item("a1")])

        assert ([item("a1"), item("a2"), item("a1")], []) == (transport.sent, transport.failed)
        assert ["a1", "a2", "a1"] == transport.sent_ids

    def test_a_count_fails_that_many_next_deliveries(self):
        """fail=2 fails the next two deliveries, then delivers."""
        transport = RecordingTransport(fail=2)
        failed = deliver_all(transport, [item("a1"), item("a2"), item("a3")])

        assert (["a1", "a2"], ["a3"]) == (failed, transport.sent_ids)
        assert [item("a1"), item("a2")] == transport.failed

    def test_a_function_chooses_the_items_that_fail(self):
        """A function of the item fails exactly the items it returns True for."""
        transport = RecordingTransport(fail=lambda one: one.type == "meta_event")
        failed = deliver_all(transport, [item("a1"), item("m1", "meta_event"), item("a2")])

        assert (["m1"], ["a1", "a2"]) == (failed, transport.sent_ids)

    def test_fail_next_adds_failures_before_the_function(self):
        """Failures told later come first, then the function decides again."""
        transport = RecordingTransport(fail=lambda one: one.id == "a3")
        transport.fail_next()
        failed = deliver_all(transport, [item("a1"), item("a2"), item("a3")])

        assert (["a1", "a3"], ["a2"]) == (failed, transport.sent_ids)

    def test_a_negative_count_is_refused(self):
        """Failing a negative number of deliveries is a ValueError."""
        with pytest.raises(ValueError, match="negative"):
            RecordingTransport(fail=-1)

    def test_the_failure_names_the_item(self):
        """DeliveryFailed is a RuntimeError that carries and names the item."""
        transport = RecordingTransport(fail=1)

        with pytest.raises(RuntimeError, match="'a1'") as raised:
            transport.deliver(item("a1"))

        assert item("a1") == raised.value.item

    def test_repr_counts_deliveries(self):
        """The repr says how many were sent and failed, and what is to fail."""
        transport = RecordingTransport(fail=2)
        deliver_all(transport, [item("a1"), item("a2"), item("a3")])
        transport.fail_next()

        assert "<RecordingTransport sent=1 failed=2 failing_next=1>" == repr(transport)
