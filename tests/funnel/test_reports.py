import datetime as dt
import zoneinfo

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.funnel import (
    Cause,
    CohortCell,
    CohortPeriod,
    CohortRow,
    Funnel,
    FunnelReport,
    FunnelRow,
    ReportFilter,
    Stage,
    Transition,
    cohort_report,
    current_position,
    funnel_progress,
    funnel_report,
    render_cohorts,
    render_funnel,
)
from convroute.model import Phone
from funnel_strategies import NUMBERS, SOURCES, aware_datetimes, funnel_records


KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
SALES = Funnel(
    name="Sales",
    stages=[Stage(name="Lead Entry"), Stage(name="Scheduling"), Stage(name="Won")],
)
BASE = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)  # a Monday
serial = iter(range(1_000_000))


def entry(lead, *, days=0, source="Instagram", number=NUMBERS[0], at=None):
    return Transition(
        id=f"e{next(serial)}",
        lead=Phone(lead),
        funnel="Sales",
        from_stage=None,
        to_stage="Lead Entry",
        at=at or BASE + dt.timedelta(days=days),
        cause=Cause.TRIGGER,
        source=source,
        number=number,
    )


def move(lead, stage, *, days=0, hours=1):
    return Transition(
        id=f"m{next(serial)}",
        lead=Phone(lead),
        funnel="Sales",
        from_stage="Lead Entry",
        to_stage=stage,
        at=BASE + dt.timedelta(days=days, hours=hours),
        cause=Cause.MANUAL,
    )


# Four leads: one won, one scheduled, one moved back by hand after winning,
# one that only entered (from the blog, on the other number, a week later).
RECORDS = [
    entry("911"),
    move("911", "Scheduling"),
    move("911", "Won", hours=2),
    entry("912"),
    move("912", "Scheduling"),
    entry("913", days=1),
    move("913", "Won", days=1),
    move("913", "Lead Entry", days=1, hours=3),
    entry("914", days=8, source="Blog", number=NUMBERS[1]),
    move("999", "Won"),  # no entry: not in the funnel
]


def brute_force(funnel, records, where):
    """
    The oracle: for each stage, scan every record of every lead.
    """
    names = [s.name for s in funnel.stages]
    leads = {r.lead for r in records if r.funnel == funnel.name and r.is_entry}
    counted = []
    for lead in leads:
        position = current_position(records, funnel.name, lead)
        if where.admits(position.entry):
            counted.append((lead, position))
    reached, current = [], []
    for i, name in enumerate(names):
        reached.append(
            sum(
                1
                for lead, _ in counted
                if i == 0
                or any(
                    r.lead == lead
                    and r.funnel == funnel.name
                    and r.to_stage in names
                    and names.index(r.to_stage) >= i
                    for r in records
                )
            )
        )
        current.append(sum(1 for _, position in counted if position.stage == name))
    gone = sorted(
        {r.to_stage for r in records if r.funnel == funnel.name and r.to_stage not in names}
    )
    for name in gone:
        mine = [
            lead
            for lead, _ in counted
            if any(
                r.lead == lead and r.funnel == funnel.name and r.to_stage == name for r in records
            )
        ]
        if mine:
            reached.append(len(mine))
            current.append(sum(1 for _, position in counted if position.stage == name))
    return reached, current


class TestFunnelReport:
    def test_example(self):
        """Reached counts the furthest stage, currently-here the latest record."""
        report = funnel_report(funnel_progress(SALES, RECORDS))
        assert (
            FunnelReport(
                funnel="Sales",
                where=ReportFilter(),
                rows=[
                    FunnelRow(stage="Lead Entry", reached=4, share=1.0, current=2),
                    FunnelRow(stage="Scheduling", reached=3, share=0.75, current=1),
                    FunnelRow(stage="Won", reached=2, share=0.5, current=1),
                ],
            )
            == report
        )
        assert 4 == report.entered

    @pytest.mark.parametrize(
        ("where", "reached"),
        [
            (ReportFilter(sources=["Blog"]), [1, 0, 0]),
            (ReportFilter(numbers=[NUMBERS[0]]), [3, 3, 2]),
            (ReportFilter(since=BASE + dt.timedelta(days=1)), [2, 1, 1]),
            (ReportFilter(until=BASE + dt.timedelta(days=1)), [2, 2, 1]),
            (ReportFilter(sources=["Instagram"], since=BASE, until=BASE), [0, 0, 0]),
        ],
    )
    def test_filters(self, where, reached):
        """Source, number and entry period filters count only the leads they admit."""
        report = funnel_report(funnel_progress(SALES, RECORDS), where)
        assert reached == [row.reached for row in report.rows]

    def test_empty(self):
        """No records: every count is zero."""
        report = funnel_report(funnel_progress(SALES, []))
        assert (0, [0, 0, 0]) == (report.entered, [row.share for row in report.rows])

    @given(
        funnel_records(),
        st.none() | st.sets(st.sampled_from(SOURCES)),
        st.none() | st.sets(st.sampled_from(NUMBERS)),
        st.none() | aware_datetimes(),
    )
    def test_matches_brute_force_and_never_grows(self, drawn, sources, numbers, since):
        """Counts equal a brute-force count over the records and never increase along the stages."""
        funnel, records = drawn
        where = ReportFilter(sources=sources, numbers=numbers, since=since)
        report = funnel_report(funnel_progress(funnel, records), where)
        reached = [row.reached for row in report.rows]
        assert brute_force(funnel, records, where) == (
            reached,
            [row.current for row in report.rows],
        )
        staged = [row.reached for row in report.rows if row.in_funnel]
        assert staged == sorted(staged, reverse=True)
        assert report.entered == sum(row.current for row in report.rows)

    @given(funnel_records(), st.data())
    def test_deleting_and_re_adding_a_record_restores_the_report(self, drawn, data):
        """A record deleted and added back gives the report it had."""
        funnel, records = drawn
        if not records:
            return
        index = data.draw(st.integers(0, len(records) - 1))
        without = records[:index] + records[index + 1 :]
        restored = [*without, records[index]]
        assert funnel_report(funnel_progress(funnel, records)) == funnel_report(
            funnel_progress(funnel, restored)
        )


# Stages renamed or removed: "Demo" and "Trial" are no longer in the funnel.
# 921 was at Demo (after Scheduling): it still reached Scheduling; 922's
# latest record is at Trial; 923 went through Demo and on to Won.
GONE = [
    entry("921"),
    move("921", "Scheduling"),
    move("921", "Demo", hours=2),
    entry("922", days=8),
    move("922", "Trial", days=8),
    entry("923"),
    move("923", "Demo"),
    move("923", "Demo", hours=2),
    move("923", "Won", hours=3),
    move("999", "Trial"),  # no entry: not counted
]


class TestStagesNoLongerInTheFunnel:
    def test_rows_after_the_funnel_s_stages(self):
        """Records of stages no longer in the funnel are rows after its stages, not lost."""
        report = funnel_report(funnel_progress(SALES, GONE))

        assert (
            FunnelReport(
                funnel="Sales",
                where=ReportFilter(),
                rows=[
                    FunnelRow(stage="Lead Entry", reached=3, share=1.0, current=0),
                    FunnelRow(stage="Scheduling", reached=2, share=2 / 3, current=0),
                    FunnelRow(stage="Won", reached=1, share=1 / 3, current=1),
                    FunnelRow("Demo", reached=2, share=2 / 3, current=1, in_funnel=False),
                    FunnelRow("Trial", reached=1, share=1 / 3, current=1, in_funnel=False),
                ],
                stray_records=4,
            )
            == report
        )

    def test_filtered(self):
        """The filter applies to them too: only the leads counted, and their records."""
        where = ReportFilter(since=BASE + dt.timedelta(days=1))
        report = funnel_report(funnel_progress(SALES, GONE), where)

        assert [("Lead Entry", 1, 0), ("Scheduling", 0, 0), ("Won", 0, 0), ("Trial", 1, 1)] == [
            (row.stage, row.reached, row.current) for row in report.rows
        ]
        assert (1, [True, True, True, False]) == (
            report.stray_records,
            [row.in_funnel for row in report.rows],
        )

    def test_cohorts(self):
        """The cohort table has their columns after the funnel's stages."""
        report = cohort_report(funnel_progress(SALES, GONE), period="week", zone=dt.UTC)

        assert ("Lead Entry", "Scheduling", "Won", "Demo", "Trial") == report.stages
        assert [
            [(2, True), (2, True), (1, True), (2, False), (0, False)],
            [(1, True), (0, True), (0, True), (0, False), (1, False)],
        ] == [[(cell.reached, cell.in_funnel) for cell in row.cells] for row in report.rows]

    def test_rendered(self):
        """The tables mark them as not in the funnel, and say how many records name them."""
        progress = funnel_progress(SALES, GONE)

        assert (
            "Funnel 'Sales': 3 leads entered\n"
            "\n"
            "Stage                      Reached  Share  Currently here\n"
            "Lead Entry                       3   100%               0\n"
            "Scheduling                       2    67%               0\n"
            "Won                              1    33%               1\n"
            "Demo (not in the funnel)         2    67%               1\n"
            "Trial (not in the funnel)        1    33%               1\n"
            "\n"
            "4 records name stages no longer in the funnel: 'Demo', 'Trial'\n"
        ) == render_funnel(funnel_report(progress))
        assert (
            "Month    Entered  Lead Entry  Scheduling      Won  Demo (not in the funnel)  "
            "Trial (not in the funnel)"
        ) == render_cohorts(cohort_report(progress, period="month", zone=dt.UTC)).splitlines()[2]


class TestCohortReport:
    def test_weeks_in_a_time_zone(self):
        """Leads are grouped by the Monday of their entry week in the zone given."""
        report = cohort_report(funnel_progress(SALES, RECORDS), period="week", zone=KOLKATA)
        assert (CohortPeriod.WEEK, ("Lead Entry", "Scheduling", "Won")) == (
            report.period,
            report.stages,
        )
        assert (
            CohortRow(
                start=dt.date(2026, 11, 2),
                entered=3,
                cells=[
                    CohortCell("Lead Entry", 3, 1.0),
                    CohortCell("Scheduling", 3, 1.0),
                    CohortCell("Won", 2, 2 / 3),
                ],
            ),
            CohortRow(
                start=dt.date(2026, 11, 9),
                entered=1,
                cells=[
                    CohortCell("Lead Entry", 1, 1.0),
                    CohortCell("Scheduling", 0, 0.0),
                    CohortCell("Won", 0, 0.0),
                ],
            ),
        ) == report.rows

    @pytest.mark.parametrize(
        ("hour", "period", "zone", "starts"),
        [
            (22, "day", dt.UTC, [dt.date(2026, 11, 1)]),
            (22, "day", KOLKATA, [dt.date(2026, 11, 2)]),
            (22, "week", dt.UTC, [dt.date(2026, 10, 26)]),
            (22, "week", KOLKATA, [dt.date(2026, 11, 2)]),
            (3, "month", dt.UTC, [dt.date(2026, 11, 1)]),
            (3, "month", zoneinfo.ZoneInfo("America/Los_Angeles"), [dt.date(2026, 10, 1)]),
        ],
    )
    def test_periods_are_cut_in_the_zone(self, hour, period, zone, starts):
        """A lead's period is its entry's local date's: Sunday 22:00 UTC is Monday in Kolkata."""
        at = dt.datetime(2026, 11, 1, hour, 0, tzinfo=dt.UTC)
        report = cohort_report(
            funnel_progress(SALES, [entry("911", at=at)]), period=period, zone=zone
        )
        assert starts == [row.start for row in report.rows]

    def test_unknown_period_is_refused(self):
        """Only day, week and month are periods."""
        with pytest.raises(ValueError, match="fortnight"):
            cohort_report(funnel_progress(SALES, RECORDS), period="fortnight", zone=dt.UTC)

    @given(
        funnel_records(),
        st.sampled_from(list(CohortPeriod)),
        st.sampled_from([dt.UTC, KOLKATA, zoneinfo.ZoneInfo("America/Sao_Paulo")]),
        st.none() | st.sets(st.sampled_from(SOURCES)),
    )
    def test_rows_sum_to_the_funnel(self, drawn, period, zone, sources):
        """Cohorts add up to the funnel report, stage by stage, and rows are in order."""
        funnel, records = drawn
        where = ReportFilter(sources=sources)
        progress = funnel_progress(funnel, records)
        cohorts = cohort_report(progress, period=period, zone=zone, where=where)
        report = funnel_report(progress, where)
        sums = [sum(row.cells[i].reached for row in cohorts.rows) for i in range(len(report.rows))]
        assert [row.reached for row in report.rows] == sums
        assert report.entered == sum(row.entered for row in cohorts.rows)
        starts = [row.start for row in cohorts.rows]
        assert sorted(set(starts)) == starts


class TestRendering:
    def test_funnel_table(self):
        """The funnel renders as an aligned table with reached, share and currently here."""
        report = funnel_report(funnel_progress(SALES, RECORDS), ReportFilter(sources=["Instagram"]))
        assert (
            "Funnel 'Sales': 3 leads entered\n"
            "Only sources Instagram\n"
            "\n"
            "Stage       Reached  Share  Currently here\n"
            "Lead Entry        3   100%               1\n"
            "Scheduling        3   100%               1\n"
            "Won               2    67%               1\n"
        ) == render_funnel(report)

    def test_cohort_table(self):
        """The cohort table renders one line per cohort with count and share per stage."""
        report = cohort_report(funnel_progress(SALES, RECORDS), period="month", zone=KOLKATA)
        assert (
            "Cohorts of funnel 'Sales' by month (Asia/Kolkata)\n"
            "\n"
            "Month    Entered  Lead Entry  Scheduling      Won\n"
            "2026-11        4    4 (100%)     3 (75%)  2 (50%)\n"
        ) == render_cohorts(report)

    def test_months_of_the_first_years_have_four_digits(self):
        """A cohort of year 1 is labelled 0001-01, as days and weeks are, not 1-01."""
        early = [entry("919800000001", at=dt.datetime(1, 1, 2, tzinfo=dt.UTC))]
        report = cohort_report(funnel_progress(SALES, early), period="month", zone=dt.UTC)
        assert "0001-01" == render_cohorts(report).splitlines()[3].split()[0]

    def test_filter_description(self):
        """Every condition of the filter is said under the title."""
        where = ReportFilter(numbers=["2", "1"], since=BASE, until=BASE + dt.timedelta(days=7))
        report = funnel_report(funnel_progress(SALES, []), where)
        assert (
            "Only numbers 1, 2; entered from 2026-11-02T12:00:00+00:00; "
            "entered before 2026-11-09T12:00:00+00:00"
        ) == render_funnel(report).splitlines()[1]
