"""
The store contract under threads: units of work never interleave.

Each thread uses the store the way a worker would: SQLiteStore gives each
thread its own connection (closed when the thread is done), MemoryStore is
shared as it is.
"""

import datetime as dt
import threading

from convroute.routing import TurnRecord
from convroute.state import OutboxItem


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
THREADS = 8


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
    def test_no_update_is_lost(self, store):
        """Threads that read a counter and write it back incremented lose no increment."""
        units = 50
        with store.unit_of_work() as uow:
            uow.turns.save(TurnRecord(pool="counter", assigned=("0",)))

        def increment(_):
            for _ in range(units):
                with store.unit_of_work() as uow:
                    (count,) = uow.turns.all()["counter"].assigned
                    uow.turns.save(TurnRecord(pool="counter", assigned=(str(int(count) + 1),)))

        run_in_threads(store, increment)

        with store.unit_of_work() as uow:
            assert (str(THREADS * units),) == uow.turns.all()["counter"].assigned

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
