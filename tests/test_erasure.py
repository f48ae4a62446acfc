"""
The erasure behind Service.forget and ``convroute forget``: reports count the same afterwards.
"""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute._erasure import FORGOTTEN_PREFIX, forget
from convroute.funnel import cohort_report, funnel_progress, funnel_report
from convroute.testing import MemoryStore
from funnel_strategies import funnel_records


def reports(funnel, records):
    progress = funnel_progress(funnel, records)
    return funnel_report(progress), cohort_report(progress, period="week", zone=dt.UTC)


def stored(records):
    store = MemoryStore()
    with store.unit_of_work() as uow:
        for record in records:
            uow.funnel_records.add(record)
    return store


class TestForgetKeepsTheReports:
    @settings(deadline=None)
    @given(funnel_records(), st.data())
    def test_funnel_and_cohort_reports_are_unchanged(self, drawn, data):
        """Any lead forgotten, ties of one instant and all: both reports count the same."""
        funnel, records = drawn
        leads = sorted({record.lead for record in records})
        lead = data.draw(st.sampled_from(leads)) if leads else "919800000001"
        store = stored(records)

        erased = forget(store, lead)

        with store.unit_of_work() as uow:
            after = list(uow.funnel_records.scan())
        token = erased.token
        mine = sum(record.lead == lead for record in records)
        assert reports(funnel, records) == reports(funnel, after)
        assert mine == sum(record.lead == token for record in after)
        assert (token is None) == (mine == 0)
        assert token is None or token.startswith(FORGOTTEN_PREFIX)
        assert lead not in {record.lead for record in after}
