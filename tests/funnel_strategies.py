"""
Hypothesis strategies for funnel records, shared by the funnel tests.

Funnels come with a small vocabulary of phrases so that messages drawn from
the same words often hold them; records are drawn as the tracker would make
them (an entry, then moves), with the odd record to a stage the funnel no
longer has.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from convroute.funnel import AdSource, Cause, Funnel, Stage, Transition, Trigger
from convroute.model import Phone


__all__ = [
    "AD_IDS",
    "NUMBERS",
    "SOURCES",
    "WORDS",
    "aware_datetimes",
    "funnel_records",
    "small_funnels",
    "texts",
]

WORDS = ("hi", "came", "from", "insta", "blog", "thank", "you", "booked", "Straße", "não")
NUMBERS = (Phone("918040001234"), Phone("918040005678"))
SOURCES = ("Instagram", "Blog", "Ads")
AD_IDS = ("120210000000000001", "120210000000000002", "120210000000000003")
LEADS = tuple(Phone(f"91980000000{i}") for i in range(6))
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ZONES = (
    dt.UTC,
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
    dt.timezone(-dt.timedelta(hours=7)),
)


def aware_datetimes() -> st.SearchStrategy[dt.datetime]:
    """
    An aware datetime within about a year, in one of a few offsets.
    """
    return st.builds(
        lambda seconds, zone: (EPOCH + dt.timedelta(seconds=seconds)).astimezone(zone),
        st.integers(0, 400 * 86_400),
        st.sampled_from(ZONES),
    )


def texts() -> st.SearchStrategy[str]:
    """
    A message made of the shared words, in any case, so phrases often occur.
    """
    word = st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title()]))
    return st.lists(word, max_size=6).map(" ".join)


def _phrases() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join)


@st.composite
def small_funnels(draw: st.DrawFn, *, name: str = "Sales") -> Funnel:
    """
    A valid funnel of one to five stages, triggers on two numbers, follow-ups
    spread over the later stages, phrases from `WORDS`, and perhaps ad
    sources (ids from `AD_IDS`) and an ``ads_source``.
    """
    stage_count = draw(st.integers(1, 5))
    triggers = draw(
        st.lists(
            st.builds(
                Trigger,
                phrase=_phrases(),
                number=st.sampled_from(NUMBERS),
                source=st.sampled_from(SOURCES),
            ),
            max_size=4,
            unique_by=lambda t: (t.number, t.phrase.casefold()),
        )
    )
    follow_ups = draw(st.lists(_phrases(), max_size=2 * (stage_count - 1), unique_by=str.casefold))
    ads = draw(st.lists(st.sampled_from(AD_IDS), max_size=2, unique=True))
    ad_sources = [AdSource(source_id=ad, source=draw(st.sampled_from(SOURCES))) for ad in ads]
    stages = []
    for position in range(stage_count):
        mine = follow_ups[position - 1 :: stage_count - 1] if position else []
        stages.append(
            Stage(
                name=f"Stage {position}",
                triggers=triggers if position == 0 else (),
                follow_ups=mine,
                meta_event=draw(st.none() | st.just(f"Event{position}")),
                meta_without_click=draw(st.booleans()),
                ads_source=draw(st.none() | st.just("Meta Ads")) if position == 0 else None,
                ad_sources=ad_sources if position == 0 else (),
            )
        )
    untracked = draw(st.booleans())
    return Funnel(name=name, stages=stages, untracked_leads=untracked, untracked_source="Direct")


@st.composite
def funnel_records(draw: st.DrawFn) -> tuple[Funnel, list[Transition]]:
    """
    A funnel and records of a few leads: most enter then move; some records
    belong to another funnel, to a lead without an entry, or to a stage the
    funnel does not have.
    """
    funnel = draw(small_funnels())
    names = [stage.name for stage in funnel.stages]
    targets = st.sampled_from([*names, "Gone"])
    records: list[Transition] = []
    serial = iter(range(10_000))
    for lead in draw(st.lists(st.sampled_from(LEADS), unique=True, max_size=6)):
        at = draw(aware_datetimes())
        entered = draw(st.integers(0, 9)) > 0
        if entered:
            records.append(
                Transition(
                    id=f"t{next(serial)}",
                    lead=lead,
                    funnel=draw(st.sampled_from([funnel.name, funnel.name, "Other"])),
                    from_stage=None,
                    to_stage=names[0],
                    at=at,
                    cause=draw(st.sampled_from([Cause.TRIGGER, Cause.UNTRACKED])),
                    source=draw(st.sampled_from(SOURCES)),
                    number=draw(st.sampled_from(NUMBERS)),
                )
            )
        for _ in range(draw(st.integers(0, 4))):
            # Steps of zero seconds too: ties must be broken the same way.
            at += dt.timedelta(seconds=draw(st.sampled_from([0, 1, 3_600, 86_400 * 3])))
            records.append(
                Transition(
                    id=f"t{next(serial)}",
                    lead=lead,
                    funnel=funnel.name,
                    from_stage=names[0],
                    to_stage=draw(targets),
                    at=at,
                    cause=draw(st.sampled_from([Cause.FOLLOW_UP, Cause.MANUAL])),
                )
            )
    return funnel, draw(st.permutations(records))
