"""
Reports over funnel records: each lead's progress, and the funnel report.

`funnel_progress` reads the records once, in one pass, keeping per lead its
entry, its latest record and its furthest stage; `funnel_report` and
`cohort_report` (module ``_cohorts``) then count over the leads, so both
reports together cost one pass over the records.

Over a million records that pass is bound by memory, not by the
interpreter: each record's lead is looked up in dicts of hundreds of
thousands of leads, and those lookups miss the processor's caches.  What
makes it faster is fewer lookups per record, not moving the loop into C:
``dict(zip(...))``, `map` and `itertools.compress` over the same records
were measured slower, as each makes its own pass and its own misses.
"""

from __future__ import annotations

import datetime as dt
import types

from collections import Counter
from collections.abc import Iterable, Mapping
from operator import attrgetter, is_

import attrs

from convroute.funnel._records import Cause, Transition, precedes
from convroute.funnel._settings import Funnel
from convroute.model import Phone


_TO_STAGE = attrgetter("to_stage")


def _transitions(values: Mapping[Phone, Transition]) -> Mapping[Phone, Transition]:
    return types.MappingProxyType(values)


def _stage_positions(values: Mapping[Phone, int]) -> Mapping[Phone, int]:
    return types.MappingProxyType(values)


def _gone_stages(
    values: Mapping[str, Mapping[Phone, int]],
) -> Mapping[str, Mapping[Phone, int]]:
    return types.MappingProxyType(
        {stage: types.MappingProxyType(dict(leads)) for stage, leads in values.items()}
    )


@attrs.frozen
class FunnelProgress:
    """
    Every lead's progress in one funnel: what the reports count over.

    Read-only mappings by lead rather than one object per lead: reading
    a million records makes no object per lead, and the reports stay one
    pass over the leads.

    Attributes:
        funnel: The funnel.
        entries: Each lead's entry record (its earliest), by phone; a lead
            is in the funnel when it is here.
        latest: Each lead's latest record, by phone; its ``to_stage`` is
            the lead's current stage.
        furthest: The position (0 = the entry stage) of the furthest stage
            each lead's records reached, by phone.
        gone_stages: Records naming a stage the funnel no longer has (one
            renamed or removed), of leads in the funnel: per stage name, in
            name order, how many each lead has, by phone.
    """

    funnel: Funnel
    entries: Mapping[Phone, Transition] = attrs.field(converter=_transitions, hash=False)
    latest: Mapping[Phone, Transition] = attrs.field(converter=_transitions, hash=False)
    furthest: Mapping[Phone, int] = attrs.field(converter=_stage_positions, hash=False)
    gone_stages: Mapping[str, Mapping[Phone, int]] = attrs.field(
        factory=dict, converter=_gone_stages, hash=False
    )


def funnel_progress(funnel: Funnel, records: Iterable[Transition]) -> FunnelProgress:
    """
    Summarise the records of *funnel*, lead by lead, in one pass.

    A lead counts once it has an entry record (its earliest one); records of
    leads without one are passed over.  Records to stages the funnel no
    longer has count for no stage's progress (an entry counts as the entry
    stage, whatever it names) and are kept apart, in ``gone_stages``.  The
    current stage is that of the lead's latest record: by time, the entry
    first among equals, then by id, so the order the records come in does
    not matter.

    Args:
        funnel: The funnel.
        records: Records of any funnels and leads; others are passed over.

    Returns:
        The progress of every lead in the funnel.
    """
    name = funnel.name
    positions = {stage.name: i for i, stage in enumerate(funnel.stages)}
    trigger, untracked = Cause.TRIGGER, Cause.UNTRACKED
    entries: dict[Phone, Transition] = {}
    latest: dict[Phone, Transition] = {}
    furthest: dict[Phone, int] = {}
    gone: list[Transition] = []  # few: records of stages renamed or removed
    # This loop runs once per record: comparisons are inlined, causes are
    # compared by identity (an enum's hash is computed in Python), the
    # dicts' methods are looked up once, and nothing is allocated per
    # record or per lead but dict entries, which keeps the garbage
    # collector, walking every live record, out of it.
    entry_of, latest_of, furthest_of = entries.get, latest.get, furthest.get
    first_entry, position_of = entries.setdefault, positions.get
    # The latest time read so far: a record after it comes after every
    # record read, its lead's among them.  Records read in the order of
    # time, as a store scans them, nearly all are: for them the lead's
    # entry and latest record need no comparison, and one lookup each
    # rather than two.  The others (ties in time, records out of order)
    # are compared; either way the mappings are the same, key order too.
    high: dt.datetime | None = None
    for record in records:
        if record.funnel != name:
            continue
        lead = record.lead
        at = record.at
        cause = record.cause
        if high is None or at > high:
            high = at
            if cause is trigger or cause is untracked:
                first_entry(lead, record)
            latest[lead] = record
        else:
            if cause is trigger or cause is untracked:
                entry = entry_of(lead)
                if entry is None or at < entry.at or (at == entry.at and precedes(record, entry)):
                    entries[lead] = record
            last = latest_of(lead)
            if last is None or at > last.at or (at == last.at and precedes(last, record)):
                latest[lead] = record
        position = position_of(record.to_stage)
        if position is None:
            gone.append(record)
        elif position > furthest_of(lead, -1):
            furthest[lead] = position
    _settle(entries, latest, furthest)
    return FunnelProgress(
        funnel=funnel,
        entries=entries,
        latest=latest,
        furthest=furthest,
        gone_stages=_gone_by_stage(gone, entries),
    )


def _gone_by_stage(
    gone: Iterable[Transition], entries: Mapping[Phone, Transition]
) -> dict[str, dict[Phone, int]]:
    by_stage: dict[str, dict[Phone, int]] = {}
    for record in gone:
        lead = record.lead
        if lead in entries:
            leads = by_stage.setdefault(record.to_stage, {})
            leads[lead] = leads.get(lead, 0) + 1
    return {stage: by_stage[stage] for stage in sorted(by_stage)}


def _settle(
    entries: dict[Phone, Transition], latest: dict[Phone, Transition], furthest: dict[Phone, int]
) -> None:
    # Every lead of *entries* and of *furthest* has a latest record, so
    # counts tell when there is nothing to settle: then no set of every
    # lead is built (over a million records, that costs more than a report).
    if len(latest) > len(entries):
        for lead in latest.keys() - entries.keys():
            # Records without an entry: the lead is not in the funnel.
            del latest[lead]
            furthest.pop(lead, None)
    if len(furthest) == len(entries):
        return
    # The entry counts as the entry stage, even one since renamed.  Only a
    # lead none of whose records reached a stage the funnel has lacks one:
    # set operations find them without a loop over every lead.
    unplaced = entries.keys() - furthest.keys()
    if unplaced:
        for lead in entries:
            if lead in unplaced:
                furthest[lead] = 0


def _names(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


@attrs.frozen
class ReportFilter:
    """
    Which leads a report counts; every condition given must hold.

    Attributes:
        sources: Count only leads that entered from one of these sources.
        numbers: Count only leads that entered on one of these business
            numbers.
        since: Count only leads that entered at or after this time.
        until: Count only leads that entered before this time.
    """

    sources: frozenset[str] | None = attrs.field(default=None, converter=_names)
    numbers: frozenset[str] | None = attrs.field(default=None, converter=_names)
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def admits(self, entry: Transition) -> bool:
        """
        Whether the report counts the lead that entered with *entry*.

        Args:
            entry: The lead's entry record.

        Returns:
            ``True`` when every condition given holds.
        """
        return (
            (self.sources is None or entry.source in self.sources)
            and (self.numbers is None or entry.number in self.numbers)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at < self.until)
        )


NO_FILTER = ReportFilter()
"""
The filter that counts every lead.
"""


@attrs.frozen
class FunnelRow:
    """
    One stage of the funnel report.

    Attributes:
        stage: The stage's name.
        reached: Leads whose furthest stage is this one or a later one; for
            a stage no longer in the funnel, leads with a record of it.
        share: *reached* as a share of the leads that entered (0 to 1).
        current: Leads whose current stage is this one.
        in_funnel: ``False`` for a stage the funnel no longer has (renamed
            or removed) that records still name.
    """

    stage: str
    reached: int
    share: float
    current: int
    in_funnel: bool = True


def _funnel_rows(values: Iterable[FunnelRow]) -> tuple[FunnelRow, ...]:
    return tuple(values)


@attrs.frozen
class FunnelReport:
    """
    The funnel: per stage in order, how many leads got at least that far.

    Attributes:
        funnel: The funnel's name.
        where: The filter the leads were counted under.
        rows: One row per stage, in the funnel's order, where counts never
            grow from one row to the next; then one per stage the funnel no
            longer has that records of the leads counted name, in name
            order (``in_funnel`` is ``False``).  Every lead counted is
            currently at one row's stage.
        stray_records: How many records of the leads counted name a stage
            the funnel no longer has.
    """

    funnel: str
    where: ReportFilter
    rows: tuple[FunnelRow, ...] = attrs.field(converter=_funnel_rows)
    stray_records: int = 0

    @property
    def entered(self) -> int:
        """
        How many leads entered the funnel (and passed the filter).
        """
        return self.rows[0].reached if self.rows else 0


def funnel_report(progress: FunnelProgress, where: ReportFilter = NO_FILTER) -> FunnelReport:
    """
    Count, per stage, the leads that reached it and the leads now there.

    Args:
        progress: The leads' progress, from `funnel_progress`.
        where: Which leads to count; all by default.

    Returns:
        The report, one row per stage, then one per stage no longer in the
        funnel that records of the leads counted name.
    """
    stages = progress.funnel.stages
    positions = {stage.name: i for i, stage in enumerate(stages)}
    furthest = [0] * len(stages)
    current = [0] * len(stages)
    # Leads now at a stage the funnel no longer has, by its name.
    current_gone: Counter[str] = Counter()
    reached, latest = progress.furthest, progress.latest
    everyone = where == NO_FILTER
    if everyone and same_leads(progress):
        # Every lead counts: `collections.Counter` counts the values in C,
        # and only the few distinct positions and stages are seen here.
        for position, count in Counter(reached.values()).items():
            furthest[position] += count
        for stage, count in Counter(map(_TO_STAGE, latest.values())).items():
            here = positions.get(stage)
            if here is None:
                current_gone[stage] += count
            else:
                current[here] += count
    else:
        for lead, entry in progress.entries.items():
            if everyone or where.admits(entry):
                furthest[reached[lead]] += 1
                stage = latest[lead].to_stage
                here = positions.get(stage)
                if here is None:
                    current_gone[stage] += 1
                else:
                    current[here] += 1
    reached_counts = at_or_beyond(furthest)
    entered = reached_counts[0] if reached_counts else 0
    rows = [
        FunnelRow(
            stage=stage.name,
            reached=reached_counts[i],
            share=reached_counts[i] / entered if entered else 0.0,
            current=current[i],
        )
        for i, stage in enumerate(stages)
    ]
    stray = 0
    for stage, leads in progress.gone_stages.items():
        counted = [count for lead, count in leads.items() if where.admits(progress.entries[lead])]
        if counted:
            stray += sum(counted)
            rows.append(
                FunnelRow(
                    stage=stage,
                    reached=len(counted),
                    share=len(counted) / entered,
                    current=current_gone[stage],
                    in_funnel=False,
                )
            )
    return FunnelReport(funnel=progress.funnel.name, where=where, rows=rows, stray_records=stray)


def side_by_side(progress: FunnelProgress) -> bool:
    """
    Whether the progress's three mappings hold the same leads in the same order.

    `funnel_progress` makes them so when each lead's entry is its first
    record read, as in records read in the order they were added: then the
    reports walk them side by side rather than look every lead up.

    Args:
        progress: Any progress, built by `funnel_progress` or by hand.

    Returns:
        ``True`` when the keys are the same objects, in the same order.
    """
    entries, latest, furthest = progress.entries, progress.latest, progress.furthest
    return (
        len(entries) == len(latest) == len(furthest)
        and all(map(is_, entries, latest))
        and all(map(is_, entries, furthest))
    )


def same_leads(progress: FunnelProgress) -> bool:
    """
    Whether the progress's three mappings hold the same leads, in any order.
    """
    if side_by_side(progress):
        return True
    return progress.entries.keys() == progress.latest.keys() == progress.furthest.keys()


def at_or_beyond(counts: list[int]) -> list[int]:
    """
    Turn counts of leads by furthest stage into counts at or beyond each.

    Args:
        counts: How many leads' furthest stage is each position.

    Returns:
        The suffix sums: never increasing.
    """
    total = 0
    sums = [0] * len(counts)
    for i in range(len(counts) - 1, -1, -1):
        total += counts[i]
        sums[i] = total
    return sums
