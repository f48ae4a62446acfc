import datetime as dt
import hashlib
import json

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.errors import PhoneNumberError
from convroute.funnel import (
    Cause,
    Funnel,
    FunnelTracker,
    MetaCustomData,
    MetaEvent,
    MetaSettings,
    MetaSkipReason,
    Stage,
    Transition,
    hash_phone,
    meta_event,
)
from convroute.funnel._meta import MAX_EVENT_AGE
from convroute.model import Opportunity, Phone
from strategies import phones


LEAD = Phone("16505551212")
NOW = dt.datetime(2026, 11, 9, 12, 0, tzinfo=dt.UTC)
SETTINGS = MetaSettings(whatsapp_business_account_id="102290129340398", dataset_id="1234567")
FUNNEL = Funnel(
    name="Sales",
    stages=[
        Stage(name="Lead Entry", meta_event="LeadSubmitted"),
        Stage(name="Scheduling"),
        Stage(name="Won", meta_event="Purchase", meta_without_click=True),
    ],
)


def transition(to_stage="Lead Entry", *, ctwa_clid=None, age=dt.timedelta(hours=1), entry=True):
    return Transition(
        id="tr-0123456789abcdef0123456789abcdef",
        lead=LEAD,
        funnel="Sales",
        from_stage=None if entry else "Lead Entry",
        to_stage=to_stage,
        at=NOW - age,
        cause=Cause.TRIGGER if entry else Cause.MANUAL,
        ctwa_clid=ctwa_clid,
    )


class TestHashPhone:
    def test_metas_documented_example(self):
        """(650)555-1212 with country code 1 hashes as 16505551212, Meta's own example."""
        digest = hash_phone("(650)555-1212", country_code="1")
        assert hashlib.sha256(b"16505551212").hexdigest() == digest
        assert (digest[:8], digest[-6:]) == ("e323ec62", "ab3176")

    def test_any_writing_of_one_number_hashes_alike(self):
        """Punctuation, a plus and a 00 prefix do not change the hash."""
        assert {hash_phone("16505551212")} == {
            hash_phone("+1 (650) 555-1212"),
            hash_phone("0016505551212"),
        }

    def test_not_a_phone_is_refused(self):
        """Text that is no phone raises PhoneNumberError."""
        with pytest.raises(PhoneNumberError):
            hash_phone("n/a")

    @given(phones())
    def test_sha256_of_the_digits(self, digits):
        """The hash is the lowercase hex SHA-256 of the normalised digits."""
        assert hashlib.sha256(digits.encode()).hexdigest() == hash_phone(digits)


class TestMetaEvent:
    def test_lead_phone_hashed_as_given(self):
        """A lead's phone, as WhatsApp gave it, is hashed as it is, never read again."""
        given = Phone("9800000001")  # a length normalize_phone would refuse
        event = meta_event(
            attrs.evolve(transition(ctwa_clid="c"), lead=given),
            funnel=FUNNEL,
            settings=SETTINGS,
            now=NOW,
        )

        assert event.payload is not None
        assert [hashlib.sha256(b"9800000001").hexdigest()] == (
            event.payload["data"][0]["user_data"]["ph"]
        )

    def test_entry_with_click_yields_the_full_body(self):
        """An entry from an ad yields the business-messaging body, ctwa_clid in clear."""
        event = meta_event(
            transition(ctwa_clid="ARAkLkA8rmlF"),
            funnel=FUNNEL,
            settings=SETTINGS,
            now=NOW,
            custom_data={"source": "Instagram"},
        )
        assert (
            MetaEvent(
                transition="tr-0123456789abcdef0123456789abcdef",
                event_name="LeadSubmitted",
                payload={
                    "data": [
                        {
                            "event_name": "LeadSubmitted",
                            "event_time": int((NOW - dt.timedelta(hours=1)).timestamp()),
                            "event_id": "tr-0123456789abcdef0123456789abcdef",
                            "action_source": "business_messaging",
                            "messaging_channel": "whatsapp",
                            "user_data": {
                                "whatsapp_business_account_id": "102290129340398",
                                "ctwa_clid": "ARAkLkA8rmlF",
                                "ph": [hashlib.sha256(b"16505551212").hexdigest()],
                            },
                            "custom_data": {"source": "Instagram"},
                        }
                    ]
                },
                path="/1234567/events",
            )
            == event
        )
        assert event.payload == json.loads(json.dumps(event.payload))

    def test_without_click_only_when_the_stage_says_so(self):
        """No ctwa_clid: no event, unless the stage sets meta_without_click."""
        plain = meta_event(transition(), funnel=FUNNEL, settings=SETTINGS, now=NOW)
        won = meta_event(
            transition("Won", entry=False),
            funnel=FUNNEL,
            settings=SETTINGS,
            now=NOW,
            entry=transition(),
        )
        assert (MetaSkipReason.NO_CLICK, False) == (plain.reason, plain.emitted)
        assert {"whatsapp_business_account_id", "ph"} == set(won.payload["data"][0]["user_data"])

    def test_the_entrys_click_attributes_later_stages(self):
        """A later stage's event carries the click of the lead's entry."""
        event = meta_event(
            transition("Won", entry=False),
            funnel=FUNNEL,
            settings=MetaSettings(whatsapp_business_account_id="1"),
            now=NOW,
            entry=transition(ctwa_clid="CL"),
        )
        assert ("CL", None) == (event.payload["data"][0]["user_data"]["ctwa_clid"], event.path)

    @pytest.mark.parametrize(
        ("age", "emitted"),
        [
            (MAX_EVENT_AGE - dt.timedelta(seconds=1), True),
            (MAX_EVENT_AGE, False),
            (dt.timedelta(days=30), False),
        ],
    )
    def test_events_seven_days_old_are_not_emitted(self, age, emitted):
        """Meta rejects events 7 days old: they are left out, and the reason said."""
        event = meta_event(
            transition(ctwa_clid="CL", age=age), funnel=FUNNEL, settings=SETTINGS, now=NOW
        )
        assert (emitted, None if emitted else MetaSkipReason.TOO_OLD) == (
            event.emitted,
            event.reason,
        )

    @pytest.mark.parametrize(
        ("stage", "reason"),
        [("Scheduling", MetaSkipReason.NO_EVENT), ("Gone", MetaSkipReason.UNKNOWN_STAGE)],
    )
    def test_stages_without_events(self, stage, reason):
        """A stage naming no event, or no longer there, yields none."""
        event = meta_event(
            transition(stage, ctwa_clid="CL", entry=False),
            funnel=FUNNEL,
            settings=SETTINGS,
            now=NOW,
            entry=transition(ctwa_clid="CL"),
        )
        assert reason == event.reason

    def test_naive_now_and_missing_entry_are_refused(self):
        """*now* needs a time zone, and a move needs the lead's entry."""
        with pytest.raises(ValueError, match="aware"):
            meta_event(transition(), funnel=FUNNEL, settings=SETTINGS, now=NOW.replace(tzinfo=None))
        with pytest.raises(ValueError, match="entry record"):
            meta_event(transition("Won", entry=False), funnel=FUNNEL, settings=SETTINGS, now=NOW)

    @given(
        st.none() | st.text(min_size=1),
        st.booleans(),
        st.integers(0, 10 * 86_400),
        st.sampled_from(["Lead Entry", "Scheduling", "Won"]),
    )
    def test_emitted_exactly_when_the_oracle_says(self, click, without_click, age, stage):
        """An event goes out iff the stage names one, a click or the stage allows it, and fresh."""
        funnel = Funnel(
            name="Sales",
            stages=[
                Stage(name="Lead Entry", meta_event="A", meta_without_click=without_click),
                Stage(name="Scheduling"),
                Stage(name="Won", meta_event="B", meta_without_click=without_click),
            ],
        )
        entry = transition(ctwa_clid=click)
        moved = transition(stage, age=dt.timedelta(seconds=age), entry=False)
        event = meta_event(moved, funnel=funnel, settings=SETTINGS, now=NOW, entry=entry)
        expected = (
            stage != "Scheduling"
            and (click is not None or without_click)
            and dt.timedelta(seconds=age) < MAX_EVENT_AGE
        )
        assert expected == event.emitted
        if event.emitted:
            data = event.payload["data"][0]
            assert (moved.id, "business_messaging", "whatsapp", click) == (
                data["event_id"],
                data["action_source"],
                data["messaging_channel"],
                data["user_data"].get("ctwa_clid"),
            )


class TestOncePerStage:
    def test_a_stage_reached_again_sends_no_second_event(self):
        """Back to the entry stage by hand: no second LeadSubmitted, the reason said."""
        tracker = FunnelTracker.from_funnels([FUNNEL])
        entry = transition(ctwa_clid="ARAkLk")
        moved = attrs.evolve(
            transition("Scheduling", entry=False), id="tr-1", from_stage="Lead Entry"
        )
        back = attrs.evolve(
            transition("Lead Entry", entry=False), id="tr-2", from_stage="Scheduling"
        )

        first = tracker.meta_event(entry, [], settings=SETTINGS, now=NOW)
        again = tracker.meta_event(back, [entry, moved], settings=SETTINGS, now=NOW)

        assert first.emitted
        assert (MetaSkipReason.ALREADY_REACHED, "LeadSubmitted") == (
            again.reason,
            again.event_name,
        )


PAID = Funnel(
    name="Sales",
    stages=[
        Stage(name="Lead Entry", meta_event="LeadSubmitted"),
        Stage(
            name="Won",
            meta_event="Purchase",
            meta_without_click=True,
            meta_custom_data=MetaCustomData(currency="brl", value=150.0, order_id="ord-7"),
            meta_value_field="Amount",
        ),
    ],
)


def opportunity(amount, *, ident="o1", day=1):
    return Opportunity(
        id=ident,
        type="Course",
        fields={"Amount": amount},
        updated_at=dt.datetime(2026, 11, day, tzinfo=dt.UTC),
    )


class TestStageValues:
    def won(self, opportunities=(), funnel=PAID, custom_data=None):
        return meta_event(
            transition("Won", entry=False),
            funnel=funnel,
            settings=SETTINGS,
            now=NOW,
            entry=transition(ctwa_clid="ARAkLkA8rmlF"),
            opportunities=opportunities,
            custom_data=custom_data,
        )

    def test_purchase_carries_currency_and_the_opportunitys_value(self):
        """The latest open opportunity's Amount is the value, with the stage's currency and keys."""
        event = self.won([opportunity("99", day=1), opportunity("1250.90", ident="o2", day=3)])

        data = event.payload["data"][0]
        assert {"currency": "BRL", "value": 1250.9, "order_id": "ord-7"} == data["custom_data"]
        assert event.payload == json.loads(json.dumps(event.payload, allow_nan=False))

    def test_hashing_still_matches_metas_example(self):
        """With custom_data, the phone is still hashed as in Meta's (650)555-1212 example."""
        data = self.won([opportunity("10")]).payload["data"][0]
        assert ([hashlib.sha256(b"16505551212").hexdigest()], "ARAkLkA8rmlF") == (
            data["user_data"]["ph"],
            data["user_data"]["ctwa_clid"],
        )
        assert data["user_data"]["ph"][0].startswith("e323ec62")

    def test_a_field_that_is_no_amount_gives_the_static_value(self):
        """'R$ 150' is not read: the stage's own value goes out."""
        data = self.won([opportunity("R$ 150")]).payload["data"][0]
        assert 150.0 == data["custom_data"]["value"]

    def test_no_amount_and_no_static_value_is_no_event(self):
        """A field with no amount and no static value: no event, and the reason says so."""
        stage = attrs.evolve(
            PAID.stages[1], meta_custom_data=MetaCustomData(currency="BRL", order_id="ord-7")
        )
        funnel = attrs.evolve(PAID, stages=[PAID.stages[0], stage])

        event = self.won([opportunity("1.234,56")], funnel=funnel)

        assert (
            MetaEvent(
                "tr-0123456789abcdef0123456789abcdef",
                "Purchase",
                reason=MetaSkipReason.NO_VALUE,
            )
            == event
        )

    def test_extra_custom_data_goes_over_the_stages(self):
        """The caller's custom_data adds keys and replaces the stage's."""
        event = self.won([opportunity("10")], custom_data={"order_id": "ord-8", "source": "Ads"})
        assert {"currency": "BRL", "value": 10.0, "order_id": "ord-8", "source": "Ads"} == (
            event.payload["data"][0]["custom_data"]
        )

    def test_a_stage_without_custom_data_sends_none(self):
        """Stages with no values keep the body they had: no custom_data key."""
        event = meta_event(transition(ctwa_clid="CL"), funnel=PAID, settings=SETTINGS, now=NOW)
        assert "custom_data" not in event.payload["data"][0]
