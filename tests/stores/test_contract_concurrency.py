"""
The store contract under threads: units of work never interleave.

Each thread uses the store the way a worker would: SQLiteStore and
PostgresStore give each thread its own connection (closed when the thread
is done), MemoryStore is shared as it is.  What PostgreSQL serialises is
what a lead's events and a pool's picks read: a lead's state, a pool's
record read with `get`.
"""

import datetime as dt
import threading

import attrs

from convroute.model import Lead, Phone
from convroute.routing import TurnRecord
from convroute.state import OutboxItem


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
THREADS = 8
LEAD = Phone("919800000001")


def run_in_threads(store, work, count=THREADS):
    """Run work(index) in count threads started together; re-raise the first failure."""
    start = threading.Barrier(count)
    failures = []

    def worker(index):
        try:
            start.wait()
            work(index)
        except BaseException as failure:  # noqa: BLE001 - reported to the test below
            failures.append(failure)
        finally:
            close = getattr(store, "close", None)
            if close is not None:
                close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


class TestConcurrency:
    def test_no_pick_is_lost(self, store):
        """Threads that read a pool's record and write it back changed lose no change."""
        units = 50
        with store.unit_of_work() as uow:
            uow.turns.save(TurnRecord(pool="counter", assigned=("0",)))

        def increment(_):
            for _ in range(units):
                with store.unit_of_work() as uow:
                    (count,) = uow.turns.get("counter").assigned
                    uow.turns.save(TurnRecord(pool="counter", assigned=(str(int(count) + 1),)))

        run_in_threads(store, increment)

        with store.unit_of_work() as uow:
            assert (str(THREADS * units),) == uow.turns.get("counter").assigned

    def test_a_first_pick_is_made_once(self, store):
        """Threads that find a pool with no record yet still write their picks one at a time."""

        def pick(_):
            with store.unit_of_work() as uow:
                record = uow.turns.get("chat_group:new")
                assigned = () if record is None else record.assigned
                uow.turns.save(TurnRecord(pool="chat_group:new", assigned=(*assigned, "x")))

        run_in_threads(store, pick)

        with store.unit_of_work() as uow:
            assert ("x",) * THREADS == uow.turns.get("chat_group:new").assigned

    def test_no_lead_update_is_lost(self, store):
        """Units that read a lead and write it back changed lose no change: its events queue."""
        units = 25
        with store.unit_of_work() as uow:
            uow.leads.save(Lead(phone=LEAD, name="0"))

        def rename(_):
            for _ in range(units):
                with store.unit_of_work() as uow:
                    lead = uow.leads.get(LEAD)
                    uow.leads.save(attrs.evolve(lead, name=str(int(lead.name) + 1)))

        run_in_threads(store, rename)

        with store.unit_of_work() as uow:
            assert str(THREADS * units) == uow.leads.get(LEAD).name

    def test_no_item_is_claimed_twice(self, store):
        """Dispatchers claiming at once never take the same item while its claim holds."""
        ids = [f"a{n:03}" for n in range(120)]
        with store.unit_of_work() as uow:
            uow.outbox.add(
                [OutboxItem(id=i, event="e", type="send", body={}, created_at=T0) for i in ids]
            )
        taken = [[] for _ in range(THREADS)]

        def dispatch(index):
            while True:
                with store.unit_of_work() as uow:
                    claimed = uow.outbox.claim(3, T0, T0 + dt.timedelta(minutes=5))
                    for item in claimed:
                        uow.outbox.mark_sent(item.id)
                if not claimed:
                    return
                taken[index].extend(item.id for item in claimed)

        run_in_threads(store, dispatch)

        assert ids == sorted(i for mine in taken for i in mine)

    def test_each_event_is_processed_once(self, store):
        """Threads racing to claim the same event ids succeed once per id in all."""
        events = [f"wamid.{n}" for n in range(40)]
        won = [[] for _ in range(THREADS)]

        def process(index):
            for event in events:
                with store.unit_of_work() as uow:
                    if uow.processed.claim(event, T0):
                        won[index].append(event)

        run_in_threads(store, process)

        assert events == sorted((e for mine in won for e in mine), key=events.index)
