"""
The values a SQL store keeps in memory, seen through its repositories.
"""

import datetime as dt

from convroute.adapters import SQLiteStore
from convroute.funnel import Cause, Transition
from convroute.model import Phone


T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LEADS = [Phone(f"9198000000{n:02}") for n in range(5)]


def record(lead, n):
    return Transition(
        id=f"tr-{n}",
        lead=lead,
        funnel="Sales",
        from_stage=None,
        to_stage="Enquiry",
        at=T0 + dt.timedelta(minutes=n),
        cause=Cause.TRIGGER,
        source="Instagram",
    )


class TestScans:
    def test_a_scan_keeps_none_of_the_records_it_reads(self, tmp_path):
        """A report's scan keeps none of the records it reads: a second scan decodes each anew."""
        path = tmp_path / "convroute.db"
        with SQLiteStore(path) as writer, writer.unit_of_work() as uow:
            for n, lead in enumerate(LEADS):
                uow.funnel_records.add(record(lead, n))
        with SQLiteStore(path) as store:
            with store.unit_of_work() as uow:
                first = list(uow.funnel_records.scan())
            with store.unit_of_work() as uow:
                second = list(uow.funnel_records.scan())

        assert first == second
        assert [False] * len(LEADS) == [
            one is other for one, other in zip(first, second, strict=True)
        ]

    def test_a_lead_s_records_read_by_lead_are_kept(self, tmp_path):
        """A lead's records read through for_lead are kept: read again, they are the same values."""
        path = tmp_path / "convroute.db"
        with SQLiteStore(path) as writer, writer.unit_of_work() as uow:
            uow.funnel_records.add(record(LEADS[0], 0))
        with SQLiteStore(path) as store:
            with store.unit_of_work() as uow:
                first = uow.funnel_records.for_lead(LEADS[0])
            with store.unit_of_work() as uow:
                second = uow.funnel_records.for_lead(LEADS[0])

        assert [True] == [one is other for one, other in zip(first, second, strict=True)]
