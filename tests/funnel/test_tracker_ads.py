"""
Click-to-WhatsApp ads as sources: how the tracker enters a lead from an ad.
"""

import datetime as dt

import attrs

from hypothesis import given
from hypothesis import strategies as st

from convroute.funnel import (
    AdReferral,
    AdSource,
    Cause,
    Funnel,
    FunnelMessage,
    FunnelTracker,
    IgnoredReason,
    Stage,
    Trigger,
)
from convroute.model import Phone
from funnel_strategies import AD_IDS, NUMBERS, aware_datetimes, small_funnels, texts


LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
BLACK_FRIDAY = "120210000000000001"
SALES = Funnel(
    name="Sales",
    stages=[
        Stage(
            name="Lead Entry",
            triggers=[Trigger(phrase="I came from Instagram", number=NUMBER, source="Instagram")],
            ads_source="Meta Ads",
            ad_sources=[AdSource(source_id=BLACK_FRIDAY, source="Black Friday ad")],
        ),
        Stage(name="Scheduling", follow_ups=["Thank you for scheduling"]),
    ],
)
MAPPED_ONLY = Funnel(
    name="Courses",
    stages=[
        Stage(
            name="Enquiry",
            ad_sources=[AdSource(source_id=BLACK_FRIDAY, source="Black Friday ad")],
        )
    ],
)
PLAIN = Funnel(name="Plain", stages=[Stage(name="Open")])
TRACKER = FunnelTracker.from_funnels([SALES, MAPPED_ONLY, PLAIN])


def message(text="Hello! Can I get more info on this?", ad=None, ctwa_clid=None):
    return FunnelMessage(
        id="wamid.1", lead=LEAD, number=NUMBER, text=text, at=T0, ctwa_clid=ctwa_clid, ad=ad
    )


def sources(outcomes):
    return [o.transition.source if o.transition else o.reason for o in outcomes]


class TestAdEntries:
    def test_mapped_ad_enters_with_its_source(self):
        """An ad the entry stage maps enters the lead with the mapped source, as a trigger."""
        ad = AdReferral(source_id=BLACK_FRIDAY, source_type="ad", headline="Chat with us")
        sales, courses, plain = TRACKER.incoming(message(ad=ad, ctwa_clid="CL1"), [])
        assert (
            ["Black Friday ad", "Black Friday ad", IgnoredReason.NO_TRIGGER],
            Cause.TRIGGER,
            "CL1",
            ad,
            None,
        ) == (
            sources((sales, courses, plain)),
            sales.transition.cause,
            sales.transition.ctwa_clid,
            sales.ad,
            plain.ad,
        )

    def test_unmapped_ad_enters_with_ads_source(self):
        """An ad the stage does not map enters with ads_source, where there is one."""
        ad = AdReferral(source_id="999", headline="Other ad")
        assert ["Meta Ads", IgnoredReason.NO_TRIGGER, IgnoredReason.NO_TRIGGER] == sources(
            TRACKER.incoming(message(ad=ad), [])
        )

    def test_referral_without_id_enters_with_ads_source(self):
        """A referral without source_id enters with ads_source, keeping its click id."""
        sales, _, _ = TRACKER.incoming(message(ad=AdReferral(), ctwa_clid="CL2"), [])
        assert ("Meta Ads", "CL2", AdReferral()) == (
            sales.transition.source,
            sales.transition.ctwa_clid,
            sales.ad,
        )

    def test_an_empty_click_id_is_kept_as_none(self):
        """An empty ctwa_clid attributes nothing: the entry keeps no click id for Meta."""
        sales, _, _ = TRACKER.incoming(message(ad=AdReferral(), ctwa_clid=""), [])

        assert (None, None) == (message(ctwa_clid=" ").ctwa_clid, sales.transition.ctwa_clid)

    def test_phrase_in_the_same_message_wins(self):
        """A trigger phrase in the ad's message names the source; the ad is still reported."""
        ad = AdReferral(source_id=BLACK_FRIDAY)
        sales, courses, _ = TRACKER.incoming(message("hi, I came from Instagram", ad=ad), [])
        assert (["Instagram", "Black Friday ad"], "I came from Instagram", ad) == (
            sources((sales, courses)),
            sales.phrase,
            sales.ad,
        )

    def test_ads_source_per_funnel(self):
        """ads_source in two funnels enters each with its own source."""
        tracker = FunnelTracker.from_funnels(
            [
                SALES,
                Funnel(name="Support", stages=[Stage(name="Open", ads_source="Ads (support)")]),
            ]
        )
        assert ["Meta Ads", "Ads (support)"] == sources(
            tracker.incoming(message(ad=AdReferral(source_id="777")), [])
        )

    def test_no_ad_and_no_phrase_enters_nothing(self):
        """Without a referral, ad sources enter nobody."""
        assert [IgnoredReason.NO_TRIGGER] * 3 == sources(TRACKER.incoming(message(), []))

    def test_untracked_leads_keep_the_ad(self):
        """A funnel without ad sources enters an ad lead as untracked; the outcome has the ad."""
        untracked = attrs.evolve(PLAIN, untracked_leads=True)
        ad = AdReferral(source_id="5", headline="Learn AI")
        (outcome,) = FunnelTracker.from_funnels([untracked]).incoming(message(ad=ad), [])
        assert ("Untracked", Cause.UNTRACKED, ad) == (
            outcome.transition.source,
            outcome.transition.cause,
            outcome.ad,
        )

    def test_first_touch_only(self):
        """A lead already in the funnel is not entered again by an ad."""
        records = [o.transition for o in TRACKER.incoming(message("I came from Instagram"), [])]
        later = attrs.evolve(message(ad=AdReferral(source_id=BLACK_FRIDAY)), id="wamid.2")
        sales, *_ = TRACKER.incoming(later, [r for r in records if r])
        assert (IgnoredReason.ALREADY_IN_FUNNEL, None) == (sales.reason, sales.ad)


def _referrals():
    return st.none() | st.builds(
        AdReferral,
        source_id=st.none() | st.sampled_from([*AD_IDS, "999"]),
        headline=st.none() | st.just("Chat with us"),
    )


class TestAdSourceProperties:
    @given(small_funnels(), texts(), st.sampled_from(NUMBERS), aware_datetimes(), _referrals())
    def test_source_matches_the_oracle(self, funnel, text, number, at, ad):
        """A phrase wins; else the ad's mapped source; else ads_source; else as without an ad."""
        tracker = FunnelTracker.from_funnels([funnel])
        plain = FunnelMessage(id="m", lead=LEAD, number=number, text=text, at=at)
        (without_ad,) = tracker.incoming(plain, [])
        (outcome,) = tracker.incoming(attrs.evolve(plain, ad=ad), [])
        entry = funnel.stages[0]
        phrase_found = any(
            t.number == number and t.phrase.casefold() in text.casefold() for t in entry.triggers
        )
        mapped = {a.source_id: a.source for a in entry.ad_sources}
        untouched = without_ad.transition.source if without_ad.transition else None
        if ad is None or phrase_found:
            expected = untouched
        elif ad.source_id in mapped:
            expected = mapped[ad.source_id]
        elif entry.ads_source is not None:
            expected = entry.ads_source
        else:
            expected = untouched
        actual = outcome.transition.source if outcome.transition else None
        assert (expected, ad if outcome.transition else None) == (actual, outcome.ad)
