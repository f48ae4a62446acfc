import datetime as dt

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute._ids import transition_id
from convroute._text import fold
from convroute.errors import TextError
from convroute.funnel import (
    Cause,
    Funnel,
    FunnelMessage,
    FunnelOutcome,
    FunnelTracker,
    IgnoredReason,
    MetaSettings,
    MetaSkipReason,
    Stage,
    Transition,
    Trigger,
    current_position,
    delete_transition,
)
from convroute.model import Phone
from funnel_strategies import NUMBERS, aware_datetimes, small_funnels, texts


LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
OTHER_NUMBER = Phone("918040005678")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SALES = Funnel(
    name="Sales",
    stages=[
        Stage(
            name="Lead Entry",
            meta_event="LeadSubmitted",
            triggers=[
                Trigger(phrase="I came from Instagram", number=NUMBER, source="Instagram"),
                Trigger(phrase="from the blog", number=NUMBER, source="Blog"),
                Trigger(phrase="I came from the blog", number=NUMBER, source="Blog long"),
                Trigger(phrase="I came from Instagram", number=OTHER_NUMBER, source="Insta 2"),
            ],
        ),
        Stage(name="Scheduling", follow_ups=["Thank you for scheduling with us"]),
        Stage(name="Applied", follow_ups=["application is received"]),
        Stage(name="Won", meta_event="Purchase"),
    ],
)
SUPPORT = Funnel(
    name="Support",
    stages=[Stage(name="Open"), Stage(name="Solved", follow_ups=["ticket is solved"])],
    untracked_leads=True,
    untracked_source="Untracked",
)
TRACKER = FunnelTracker.from_funnels([SALES, SUPPORT])


def message(text, ident="wamid.1", minutes=0, number=NUMBER, ctwa_clid=None):
    return FunnelMessage(
        id=ident,
        lead=LEAD,
        number=number,
        text=text,
        at=T0 + dt.timedelta(minutes=minutes),
        ctwa_clid=ctwa_clid,
    )


def entered(text="I came from Instagram", **kwargs):
    """
    The records of a lead that entered Sales (and Support) with *text*.
    """
    return [o.transition for o in TRACKER.incoming(message(text, **kwargs), []) if o.transition]


class TestFunnelMessage:
    def test_naive_time_is_refused(self):
        """A message's time must carry its time zone."""
        with pytest.raises(ValueError, match="aware"):
            FunnelMessage(
                id="w",
                lead=LEAD,
                number=NUMBER,
                text="",
                at=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
            )

    @pytest.mark.parametrize("field", ["id", "lead"])
    def test_text_that_is_not_unicode_is_refused(self, field):
        """A message's id and lead, which its records' ids digest, must be Unicode text."""
        with pytest.raises(TextError):
            attrs.evolve(message("hi"), **{field: "w\ud800"})


class TestFromFunnels:
    def test_name_that_is_not_unicode_is_refused(self):
        """A funnel's name, which its records' ids digest, must be Unicode text."""
        with pytest.raises(TextError):
            Funnel(name="Sales\ud800", stages=[Stage(name="Open")])

    def test_funnel_without_stages_is_refused(self):
        """A funnel must have its entry stage."""
        with pytest.raises(ValueError, match="no stages"):
            FunnelTracker.from_funnels([Funnel(name="Empty", stages=[])])

    def test_finds_funnels_by_name(self):
        """A funnel is found by its name, and an unknown name finds nothing."""
        assert (SUPPORT, None) == (TRACKER.funnel("Support"), TRACKER.funnel("Nope"))


class TestIncoming:
    def test_trigger_enters_at_entry_stage_with_source_number_and_time(self):
        """A trigger phrase enters the lead at the entry stage with the phrase's source."""
        sales, _ = TRACKER.incoming(message("Hi, I CAME FROM INSTAGRAM!", ctwa_clid="CL1"), [])
        expected = Transition(
            id=transition_id("wamid.1", "Sales", LEAD),
            lead=LEAD,
            funnel="Sales",
            from_stage=None,
            to_stage="Lead Entry",
            at=T0,
            cause=Cause.TRIGGER,
            source="Instagram",
            number=NUMBER,
            ctwa_clid="CL1",
        )
        assert (
            FunnelOutcome(funnel="Sales", transition=expected, phrase="I came from Instagram")
            == sales
        )
        assert (True, False) == (sales.entered, sales.moved)

    def test_longest_phrase_names_the_source(self):
        """When several triggers occur, the longest one's source wins."""
        sales, _ = TRACKER.incoming(message("hello, I came from the blog"), [])
        assert "Blog long" == sales.transition.source

    def test_triggers_are_per_number(self):
        """A phrase counts only on the number it was configured for."""
        sales, _ = TRACKER.incoming(message("I came from Instagram", number=OTHER_NUMBER), [])
        unknown, _ = TRACKER.incoming(
            message("I came from Instagram", number=Phone("14155550100")), []
        )
        assert ("Insta 2", IgnoredReason.NO_TRIGGER) == (sales.transition.source, unknown.reason)

    def test_untracked_leads_enter_with_their_source(self):
        """A funnel taking untracked leads enters any lead not in it, with its source."""
        sales, support = TRACKER.incoming(message("hello there", ctwa_clid="CL9"), [])
        assert (IgnoredReason.NO_TRIGGER, Cause.UNTRACKED, "Untracked", "Open", "CL9") == (
            sales.reason,
            support.transition.cause,
            support.transition.source,
            support.transition.to_stage,
            support.transition.ctwa_clid,
        )

    def test_first_touch_only(self):
        """A lead in the funnel does not enter it again, even from another source."""
        records = entered()
        sales, support = TRACKER.incoming(message("from the blog", "wamid.2", 5), records)
        assert (IgnoredReason.ALREADY_IN_FUNNEL, IgnoredReason.ALREADY_IN_FUNNEL) == (
            sales.reason,
            support.reason,
        )

    def test_same_message_twice_records_once(self):
        """Processing a message again is reported as a duplicate."""
        records = entered()
        sales, _ = TRACKER.incoming(message("I came from Instagram"), records)
        assert IgnoredReason.DUPLICATE_EVENT == sales.reason

    def test_incoming_messages_never_trigger_follow_ups(self):
        """A lead writing a follow-up phrase does not move."""
        records = entered()
        sales, _ = TRACKER.incoming(
            message("Thank you for scheduling with us", "wamid.2", 5), records
        )
        assert (IgnoredReason.ALREADY_IN_FUNNEL, "Lead Entry") == (
            sales.reason,
            current_position(records, "Sales", LEAD).stage,
        )

    def test_reentry_after_deleted_entry(self):
        """A lead whose entry was deleted enters again on its next trigger."""
        records = entered()
        remaining = list(delete_transition(records, records[0].id).remaining) + records[1:]
        sales, _ = TRACKER.incoming(message("from the blog", "wamid.3", 9), remaining)
        assert "Blog" == sales.transition.source


class TestOutgoing:
    def test_follow_up_moves_the_lead(self):
        """A business message with a follow-up phrase moves the lead to that stage."""
        records = entered()
        sales, support = TRACKER.outgoing(
            message("Thank you for scheduling with us! 3 PM", "out.1", 5), records
        )
        assert (
            "Lead Entry",
            "Scheduling",
            Cause.FOLLOW_UP,
            NUMBER,
            "Thank you for scheduling with us",
        ) == (
            sales.transition.from_stage,
            sales.transition.to_stage,
            sales.transition.cause,
            sales.transition.number,
            sales.phrase,
        )
        assert (True, IgnoredReason.NO_FOLLOW_UP) == (sales.moved, support.reason)

    def test_only_leads_in_the_funnel(self):
        """A follow-up to a lead not in the funnel is ignored."""
        sales, _ = TRACKER.outgoing(message("Thank you for scheduling with us", "out.1"), [])
        assert IgnoredReason.NOT_IN_FUNNEL == sales.reason

    def test_never_backwards_and_not_twice(self):
        """A follow-up of the current or an earlier stage leaves the lead where it is."""
        records = entered()
        applied = TRACKER.outgoing(message("application is received", "out.1", 5), records)[0]
        records.append(applied.transition)
        again = TRACKER.outgoing(message("application is received", "out.2", 6), records)[0]
        back = TRACKER.outgoing(message("Thank you for scheduling with us", "out.3", 7), records)[0]
        assert (IgnoredReason.ALREADY_AT_STAGE, IgnoredReason.EARLIER_STAGE) == (
            again.reason,
            back.reason,
        )

    def test_same_message_twice_records_once(self):
        """Processing a business message again is reported as a duplicate."""
        records = entered()
        first = TRACKER.outgoing(message("ticket is solved", "out.1", 5), records)[1]
        records.append(first.transition)
        again = TRACKER.outgoing(message("ticket is solved", "out.1", 5), records)[1]
        assert IgnoredReason.DUPLICATE_EVENT == again.reason


def at_stage(records, stage, hours):
    """
    *records* with a manual move of the lead in Sales to *stage*, *hours* after T0.
    """
    latest = current_position(records, "Sales", LEAD)
    move = Transition(
        id=f"to-{stage}-{hours}",
        lead=LEAD,
        funnel="Sales",
        from_stage=latest.stage,
        to_stage=stage,
        at=T0 + dt.timedelta(hours=hours),
        cause=Cause.MANUAL,
    )
    return [*records, move]


class TestCurrentStageGone:
    def follow_up(self, records, text):
        sales, _ = TRACKER.outgoing(message(text, "out.9", 600), records)
        return sales

    def test_stands_at_its_latest_stage_still_in_the_funnel(self):
        """A lead at a stage since removed stands at its latest record of a stage that exists."""
        records = at_stage(at_stage(entered(), "Applied", 1), "Demo", 2)  # Demo: removed
        back = self.follow_up(records, "Thank you for scheduling with us")
        same = self.follow_up(records, "Your application is received")

        assert (IgnoredReason.EARLIER_STAGE, IgnoredReason.ALREADY_AT_STAGE) == (
            back.reason,
            same.reason,
        )

    def test_moves_on_from_there(self):
        """A later stage's follow-up moves it on, from the stage its records name."""
        records = at_stage(at_stage(entered(), "Scheduling", 1), "Demo", 2)
        moved = self.follow_up(records, "Your application is received")

        assert ("Demo", "Applied") == (moved.transition.from_stage, moved.transition.to_stage)

    def test_before_the_entry_stage_when_no_stage_exists(self):
        """A lead none of whose records names a stage that exists stands before the entry stage."""
        renamed = [attrs.evolve(record, to_stage="Old Entry") for record in entered()]
        moved = self.follow_up(renamed, "Thank you for scheduling with us")

        assert ("Old Entry", "Scheduling") == (
            moved.transition.from_stage,
            moved.transition.to_stage,
        )


class TestMove:
    def move(self, records, stage="Won", funnel="Sales", ident="host.1"):
        return TRACKER.move(
            event_id=ident,
            funnel=funnel,
            lead=LEAD,
            stage=stage,
            actor="u-asha",
            at=T0 + dt.timedelta(hours=1),
            records=records,
        )

    def test_manual_move_to_any_stage_records_who(self):
        """A manual move goes to any stage and names who made it."""
        records = entered()
        won = self.move(records)
        records.append(won.transition)
        back = self.move(records, stage="Lead Entry", ident="host.2")
        assert (Cause.MANUAL, "u-asha", "Won", "Lead Entry") == (
            won.transition.cause,
            won.transition.actor,
            won.transition.to_stage,
            back.transition.to_stage,
        )

    @pytest.mark.parametrize(
        ("funnel", "stage", "records", "reason"),
        [
            ("Nope", "Won", "in", IgnoredReason.UNKNOWN_FUNNEL),
            ("Sales", "Nope", "in", IgnoredReason.UNKNOWN_STAGE),
            ("Sales", "Won", "out", IgnoredReason.NOT_IN_FUNNEL),
            ("Sales", "Lead Entry", "in", IgnoredReason.ALREADY_AT_STAGE),
        ],
    )
    def test_ignored_moves_say_why(self, funnel, stage, records, reason):
        """A move that cannot be made is ignored with its reason."""
        given = entered() if records == "in" else []
        assert FunnelOutcome(funnel=funnel, reason=reason) == self.move(given, stage, funnel)

    def test_same_move_twice_records_once(self):
        """Processing a move again is reported as a duplicate."""
        records = entered()
        records.append(self.move(records).transition)
        assert IgnoredReason.DUPLICATE_EVENT == self.move(records, stage="Applied").reason

    def test_naive_time_is_refused(self):
        """A manual move's time must carry its time zone."""
        with pytest.raises(ValueError, match="aware"):
            TRACKER.move(
                event_id="h",
                funnel="Sales",
                lead=LEAD,
                stage="Won",
                actor=None,
                at=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
                records=[],
            )

    @pytest.mark.parametrize("field", ["event_id", "lead"])
    def test_text_that_is_not_unicode_is_refused(self, field):
        """A manual move's event id and lead, which its record's id digests, are Unicode text."""
        given = {"event_id": "h", "lead": LEAD, field: "h\ud800"}
        with pytest.raises(TextError):
            TRACKER.move(funnel="Sales", stage="Won", actor=None, at=T0, records=entered(), **given)


class TestTrackerMetaEvent:
    SETTINGS = MetaSettings(whatsapp_business_account_id="102290129340398")

    def test_later_stage_is_attributed_by_the_entry_click(self):
        """A move's event carries the ctwa_clid of the lead's entry."""
        records = entered(ctwa_clid="CL1")
        won = TRACKER.move(
            event_id="h",
            funnel="Sales",
            lead=LEAD,
            stage="Won",
            actor=None,
            at=T0,
            records=records,
        ).transition
        event = TRACKER.meta_event(won, records, settings=self.SETTINGS, now=T0)
        assert ("Purchase", "CL1") == (
            event.event_name,
            event.payload["data"][0]["user_data"]["ctwa_clid"],
        )

    def test_entry_event(self):
        """An entry's event is built from the entry itself."""
        entry = entered(ctwa_clid="CL1")[0]
        event = TRACKER.meta_event(entry, [], settings=self.SETTINGS, now=T0)
        assert (True, "LeadSubmitted") == (event.emitted, event.event_name)

    @pytest.mark.parametrize(
        ("funnel", "settings", "records", "reason"),
        [
            ("Nope", SETTINGS, True, MetaSkipReason.UNKNOWN_FUNNEL),
            ("Sales", None, True, MetaSkipReason.NO_SETTINGS),
            ("Sales", SETTINGS, False, MetaSkipReason.NOT_IN_FUNNEL),
        ],
    )
    def test_reasons(self, funnel, settings, records, reason):
        """Without its funnel, settings or the lead's entry, there is no event, and why."""
        won = Transition(
            id="t",
            lead=LEAD,
            funnel=funnel,
            from_stage="Lead Entry",
            to_stage="Won",
            at=T0,
            cause=Cause.MANUAL,
        )
        given = entered(ctwa_clid="CL1") if records else []
        assert reason == TRACKER.meta_event(won, given, settings=settings, now=T0).reason


def naive_winner(phrases, text):
    """
    The oracle: the longest folded phrase found, then the earliest, then the first.
    """
    message = fold(text)
    found = [
        (-len(fold(p)), message.find(fold(p)), i)
        for i, p in enumerate(phrases)
        if fold(p) in message
    ]
    return min(found)[2] if found else None


class TestTrackerProperties:
    @given(small_funnels(), texts(), st.sampled_from(NUMBERS), aware_datetimes(), st.booleans())
    def test_incoming_matches_the_oracle(self, funnel, text, number, at, inside):
        """A lead enters iff it is not in yet and a trigger of the number occurs, or untracked."""
        tracker = FunnelTracker.from_funnels([funnel])
        records = []
        if inside:
            records = [
                o.transition
                for o in FunnelTracker.from_funnels(
                    [attrs.evolve(funnel, untracked_leads=True)]
                ).incoming(FunnelMessage(id="first", lead=LEAD, number=number, text="", at=at), [])
            ]
        (outcome,) = tracker.incoming(
            FunnelMessage(id="m", lead=LEAD, number=number, text=text, at=at), records
        )
        triggers = [t for t in funnel.stages[0].triggers if t.number == number]
        winner = naive_winner([t.phrase for t in triggers], text)
        if inside:
            expected = None
        elif winner is not None:
            expected = triggers[winner].source
        elif funnel.untracked_leads:
            expected = funnel.untracked_source
        else:
            expected = None
        assert expected == (outcome.transition.source if outcome.transition else None)

    @given(small_funnels(), st.lists(texts(), max_size=6), st.integers(0, 4))
    def test_outgoing_matches_the_oracle(self, funnel, texts_sent, start):
        """Each business message moves the lead to its winning follow-up's stage, if later."""
        tracker = FunnelTracker.from_funnels([funnel])
        stages = [s.name for s in funnel.stages]
        phrases = [(p, i) for i, s in enumerate(funnel.stages) for p in s.follow_ups]
        records = [
            Transition(
                id="entry",
                lead=LEAD,
                funnel=funnel.name,
                from_stage=None,
                to_stage=stages[0],
                at=T0,
                cause=Cause.TRIGGER,
            )
        ]
        here = 0
        if start < len(stages) and start:
            records.append(attrs_move(records[0], stages[start]))
            here = start
        for n, text in enumerate(texts_sent):
            (outcome,) = tracker.outgoing(
                FunnelMessage(
                    id=f"out.{n}",
                    lead=LEAD,
                    number=NUMBERS[0],
                    text=text,
                    at=T0 + dt.timedelta(minutes=n + 1),
                ),
                records,
            )
            winner = naive_winner([p for p, _ in phrases], text)
            if winner is not None and phrases[winner][1] > here:
                here = phrases[winner][1]
                assert stages[here] == outcome.transition.to_stage
                records.append(outcome.transition)
            else:
                assert None is outcome.transition
            assert stages[here] == current_position(records, funnel.name, LEAD).stage


class TestCurrentStageGoneProperties:
    @given(small_funnels(), texts(), st.integers(0, 4))
    def test_a_stage_since_removed_changes_nothing_for_moving_on(self, funnel, text, start):
        """A lead's record of a removed stage, latest or not, moves it on as if it were absent."""
        tracker = FunnelTracker.from_funnels([funnel])
        stages = [s.name for s in funnel.stages]
        entry = Transition(
            id="entry",
            lead=LEAD,
            funnel=funnel.name,
            from_stage=None,
            to_stage=stages[0],
            at=T0,
            cause=Cause.TRIGGER,
        )
        records = [entry]
        if 0 < start < len(stages):
            records.append(attrs.evolve(attrs_move(entry, stages[start]), at=T0 + dt.timedelta(1)))
        gone = attrs.evolve(attrs_move(entry, "Removed"), id="gone", at=T0 + dt.timedelta(2))
        sent = FunnelMessage(
            id="out", lead=LEAD, number=NUMBERS[0], text=text, at=T0 + dt.timedelta(3)
        )
        (without,) = tracker.outgoing(sent, records)
        (with_gone,) = tracker.outgoing(sent, [*records, gone])

        assert (without.reason, without.transition and without.transition.to_stage) == (
            with_gone.reason,
            with_gone.transition and with_gone.transition.to_stage,
        )


def attrs_move(entry, stage):
    return Transition(
        id="moved",
        lead=entry.lead,
        funnel=entry.funnel,
        from_stage=entry.to_stage,
        to_stage=stage,
        at=entry.at,
        cause=Cause.MANUAL,
    )
