"""
``python -m bench reports``: the funnel and cohort reports over generated records.

One funnel of five stages; leads enter over 180 days from four sources on
two business numbers, one in ten untracked, and each moves on with falling
odds (a follow-up, or by hand), now and then back a stage by hand.  The
records are a list in memory as a store's scan gives them: in the order
they were added (time order), each a value of its own; records of a second
funnel are mixed in.  The same list shuffled, its records met in random
order, is timed too.

Timed: `funnel_progress` (the one pass over the records), then
`funnel_report` and `cohort_report` (weekly, in Asia/Kolkata) over it,
unfiltered and filtered by source and period.  Target (docs/performance.md): both
reports over 1 000 000 transitions in at most 2 s.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import zoneinfo

from bench._timing import measure, table
from convroute.funnel import (
    Cause,
    Funnel,
    ReportFilter,
    Stage,
    Transition,
    cohort_report,
    funnel_progress,
    funnel_report,
)
from convroute.model import Phone


TARGET_SECONDS = 2.0
SEED = 20261102
STAGES = ("Lead Entry", "Scheduling", "Applied", "Enrolled", "Won")
SOURCES = ("Instagram", "Blog", "Google", "Referral")
NUMBERS = (Phone("918040001234"), Phone("918040005678"))
START = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
ZONE = zoneinfo.ZoneInfo("Asia/Kolkata")


def records(count: int, seed: int = SEED) -> tuple[Funnel, list[Transition]]:
    """
    *count* records of the funnel "Sales" (and 5 % of another), as a store scans them.

    In the order they were added (the order of time), each a new value with
    strings of its own, made in that order: what ``list(uow.funnel_records
    .scan())`` gives, not values shared between records.
    """
    rng = random.Random(seed)
    funnel = Funnel(name="Sales", stages=[Stage(name=name) for name in STAGES])
    # (second, lead, funnel, from, to, cause, source, number) per record.
    specs: list[tuple[int, int, str, int, int, Cause, str | None, int | None]] = []
    lead = 0
    seconds = 180 * 24 * 3600
    while len(specs) < count:
        entered = rng.randrange(seconds - 400_000)
        name = "Support" if rng.random() < 0.05 else "Sales"
        untracked = rng.random() < 0.1
        cause = Cause.UNTRACKED if untracked else Cause.TRIGGER
        source = "Untracked" if untracked else rng.choice(SOURCES)
        specs.append((entered, lead, name, -1, 0, cause, source, rng.randrange(len(NUMBERS))))
        stage, at = 0, entered
        while stage < len(STAGES) - 1 and rng.random() < 0.55:
            back = stage > 1 and rng.random() < 0.05
            to = stage - 1 if back else stage + 1
            at = min(at + rng.randrange(60, 300_000), seconds)
            manual = back or rng.random() < 0.3
            cause = Cause.MANUAL if manual else Cause.FOLLOW_UP
            specs.append((at, lead, name, stage, to, cause, None, None if manual else 0))
            stage = to
        lead += 1
    specs = sorted(specs[:count], key=lambda spec: spec[:2])
    made = [
        Transition(
            id=f"tr-{serial:032x}",
            lead=Phone(f"9198{lead:08d}"),
            funnel=name,
            from_stage=None if from_stage < 0 else STAGES[from_stage],
            to_stage=STAGES[to_stage],
            at=START + dt.timedelta(seconds=second),
            cause=cause,
            actor="u-asha" if cause is Cause.MANUAL else None,
            source=source,
            number=None if number is None else NUMBERS[number],
        )
        for serial, (second, lead, name, from_stage, to_stage, cause, source, number) in enumerate(
            specs
        )
    ]
    return funnel, made


def main(quick: bool) -> None:
    """
    Time both reports over the records; print the medians.
    """
    count = 100_000 if quick else 1_000_000
    started = time.perf_counter()
    funnel, made = records(count)
    print()
    print(f"(generated {len(made):,} records in {time.perf_counter() - started:.1f} s)")
    where = ReportFilter(
        sources={"Instagram", "Blog"}, since=START + dt.timedelta(days=30), until=None
    )

    shuffled = made.copy()
    random.Random(SEED).shuffle(shuffled)

    def both(given: list[Transition], where: ReportFilter | None = None) -> object:
        state = funnel_progress(funnel, given)
        if where is None:
            return funnel_report(state), cohort_report(state, period="week", zone=ZONE)
        return (
            funnel_report(state, where),
            cohort_report(state, period="week", zone=ZONE, where=where),
        )

    state = funnel_progress(funnel, made)
    report = funnel_report(state)
    if not report.entered == len(state.entries) > 0:
        raise RuntimeError(f"the generated records enter nobody: {report}")
    rows = []
    timings = {}
    for name, work in (
        ("funnel_progress (one pass over the records)", lambda: funnel_progress(funnel, made)),
        ("funnel_report over the progress", lambda: funnel_report(state)),
        (
            "cohort_report (weekly) over the progress",
            lambda: cohort_report(state, period="week", zone=ZONE),
        ),
        ("progress + funnel + cohort reports", lambda: both(made)),
        ("the same, filtered by source and period", lambda: both(made, where)),
        ("the same unfiltered, records in random order", lambda: both(shuffled)),
    ):
        timing = measure(work)
        timings[name] = timing
        rows.append((name, f"{timing.median:.3f}", f"{len(made) / timing.median:,.0f}"))
    total = timings["progress + funnel + cohort reports"].median * 1_000_000 / len(made)
    print(
        f"## reports: one funnel of {len(STAGES)} stages, {len(made):,} records "
        f"({len(state.entries):,} leads), medians of 5"
    )
    verdict = "met" if total <= TARGET_SECONDS else "NOT met"
    scaled = "" if len(made) == 1_000_000 else f", scaled from {len(made):,}: {total:.2f} s"
    print(f"target ≤ {TARGET_SECONDS} s for 1 000 000 records: {verdict}{scaled}")
    print()
    print(table(["work", "seconds", "records/s"], rows))
