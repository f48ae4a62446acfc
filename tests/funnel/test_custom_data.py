"""
The custom_data of a stage's Conversions API event: amounts, the value's choice, Meta's keys.
"""

import datetime as dt
import math

import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.funnel import (
    MetaContent,
    MetaCustomData,
    custom_data_problems,
    event_value,
    parse_amount,
)
from convroute.model import Opportunity, OpportunityStatus


DAY = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def deal(ident="o1", amount=None, *, days=0, status=OpportunityStatus.OPEN, dated=True):
    return Opportunity(
        id=ident,
        type="Course",
        fields={} if amount is None else {"Amount": amount},
        updated_at=DAY + dt.timedelta(days=days) if dated else None,
        status=status,
    )


class TestParseAmount:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("150", 150.0),
            ("150.00", 150.0),
            ("  150.5 ", 150.5),
            ("0", 0.0),
            ("007.10", 7.1),
            ("1.234,56", None),
            ("1,234", None),
            ("150,00", None),
            ("R$ 150", None),
            ("$150", None),
            ("150 BRL", None),
            ("1e400", None),
            ("1e3", None),
            ("nan", None),
            ("NaN", None),
            ("inf", None),
            ("-inf", None),
            ("-150", None),
            ("+150", None),
            ("1_000", None),
            (".5", None),
            ("5.", None),
            ("", None),
            ("\u0661\u0665\u0660", None),  # Arabic-Indic digits
            ("9" * 400, None),
        ],
    )
    def test_only_plain_amounts_are_read(self, text, expected):
        """Digits with an optional decimal point are an amount; signs, symbols, commas are not."""
        assert expected == parse_amount(text)

    @given(st.text())
    def test_any_text_is_an_amount_or_none_never_an_error(self, text):
        """Whatever the host stored, the answer is a finite amount of 0 or more, or None."""
        amount = parse_amount(text)
        assert amount is None or (math.isfinite(amount) and amount >= 0)

    @given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
    def test_written_amounts_read_back(self, amount):
        """An amount written with two decimals reads back as that number."""
        assert float(amount) == parse_amount(f"{amount:.2f}")


class TestEventValue:
    def test_the_field_of_the_latest_open_opportunity_wins(self):
        """The most recently updated open opportunity's field is the value, over the static one."""
        deals = [
            deal("old", "100", days=1),
            deal("new", "250.50", days=3),
            deal("mid", "9", days=2),
        ]
        assert 250.5 == event_value(MetaCustomData(currency="BRL", value=1.0), "Amount", deals)

    def test_closed_opportunities_are_passed_over(self):
        """A won or lost opportunity, however recent, is not the open one read."""
        deals = [
            deal("won", "999", days=5, status=OpportunityStatus.WON),
            deal("lost", "888", days=4, status=OpportunityStatus.LOST),
            deal("open", "120", days=1),
        ]
        assert 120.0 == event_value(None, "Amount", deals)

    def test_undated_opportunities_come_after_dated_ones(self):
        """An opportunity the host never dated is not taken for the latest."""
        deals = [deal("undated", "5", dated=False), deal("dated", "7")]
        assert 7.0 == event_value(None, "Amount", deals)

    @pytest.mark.parametrize("amount", [None, "R$ 150", "nan", "-3"])
    def test_no_amount_falls_back_to_the_static_value(self, amount):
        """A latest opportunity without an amount in the field gives the static value."""
        deals = [deal("new", amount, days=2), deal("old", "100", days=1)]
        assert 150.0 == event_value(MetaCustomData(value=150.0), "Amount", deals)

    def test_no_amount_and_no_static_value_is_none(self):
        """Neither an amount nor a static value: no value at all."""
        assert event_value(MetaCustomData(currency="BRL"), "Amount", [deal("o", "abc")]) is None
        assert event_value(None, "Amount", []) is None

    def test_without_a_field_the_static_value_is_used(self):
        """A stage naming no field always uses its static value."""
        assert 3.0 == event_value(MetaCustomData(value=3.0), None, [deal("o", "100")])

    @pytest.mark.parametrize("static", [math.nan, math.inf, -1.0])
    def test_a_static_value_meta_would_refuse_is_none(self, static):
        """A hand-built stage's value that is not a finite amount never reaches Meta."""
        assert event_value(MetaCustomData(value=static), None, []) is None

    @given(
        st.lists(
            st.tuples(
                st.none() | st.sampled_from(["100", "12.5", "0", "abc", "1e400", "-1", "nan"]),
                st.none() | st.integers(0, 5),
                st.sampled_from(list(OpportunityStatus)),
            ),
            max_size=5,
        ),
        st.none() | st.floats(0, 10**9),
        st.booleans(),
    )
    def test_the_value_is_what_a_simple_oracle_chooses(self, rows, static, with_field):
        """Field of the latest open opportunity if it parses, else the static value, else none."""
        deals = [
            Opportunity(
                id=f"o{index}",
                type="Course",
                fields={} if amount is None else {"Amount": amount},
                updated_at=None if days is None else DAY + dt.timedelta(days=days),
                status=status,
            )
            for index, (amount, days, status) in enumerate(rows)
        ]
        open_deals = [o for o in deals if o.is_open]
        dated = [o for o in open_deals if o.updated_at is not None]
        latest_time = max((o.updated_at for o in dated), default=None)
        # The first dated one at the latest time, else the first undated one.
        latest = next((o for o in dated if o.updated_at == latest_time), None)
        if latest is None and open_deals:
            latest = open_deals[0]
        text = None if latest is None else latest.fields.get("Amount")
        parsed = {"100": 100.0, "12.5": 12.5, "0": 0.0}.get(text)
        expected = parsed if with_field and parsed is not None else static

        actual = event_value(
            None if static is None else MetaCustomData(value=static),
            "Amount" if with_field else None,
            deals,
        )

        assert expected == actual


class TestPayload:
    def test_every_key_in_metas_spelling_currency_in_capitals(self):
        """Set keys go out under Meta's names, unset ones are left out, the currency upper-cased."""
        data = MetaCustomData(
            currency="brl",
            value=150.0,
            content_name="PG AI 2027",
            content_category="Courses",
            content_ids=["AI-2027"],
            content_type="product",
            contents=[
                MetaContent(
                    id="AI-2027", quantity=1, item_price=150.0, delivery_category="in_store"
                )
            ],
            num_items=1,
            order_id="ord-1",
            predicted_ltv=900.0,
            status="enrolled",
            search_string="ai course",
            delivery_category="home_delivery",
        )
        assert {
            "currency": "BRL",
            "value": 250.0,
            "content_name": "PG AI 2027",
            "content_category": "Courses",
            "content_ids": ["AI-2027"],
            "content_type": "product",
            "contents": [
                {
                    "id": "AI-2027",
                    "quantity": 1,
                    "item_price": 150.0,
                    "delivery_category": "in_store",
                }
            ],
            "num_items": 1,
            "order_id": "ord-1",
            "predicted_ltv": 900.0,
            "status": "enrolled",
            "search_string": "ai course",
            "delivery_category": "home_delivery",
        } == data.payload(250.0)

    def test_nothing_set_is_nothing_sent(self):
        """An empty table and no value give an empty custom_data."""
        assert {} == MetaCustomData().payload(None)

    def test_numbers_that_are_not_finite_never_go_out(self):
        """A hand-built stage's nan or inf is left out of the payload."""
        data = MetaCustomData(
            currency="USD",
            predicted_ltv=math.inf,
            contents=[MetaContent(id="A", item_price=math.nan)],
        )
        assert {"currency": "USD", "contents": [{"id": "A"}]} == data.payload(math.nan)


class TestProblems:
    def test_good_values_have_no_problems(self):
        """Documented keys with sound values are fine."""
        data = MetaCustomData(
            currency="BRL", value=0.0, num_items=2, contents=[MetaContent(id="A", quantity=1)]
        )
        assert [] == custom_data_problems(data)

    def test_each_problem_at_its_path(self):
        """Currency, amounts, counts and blank texts are each reported at their own key."""
        data = MetaCustomData(
            currency="R$",
            value=-1.0,
            predicted_ltv=math.inf,
            num_items=0,
            order_id=" ",
            content_ids=["A", ""],
            contents=[MetaContent(id="", quantity=0, item_price=math.nan)],
        )
        assert [
            (
                "expected an ISO 4217 currency code, three letters such as 'BRL', not 'R$'",
                ".currency",
            ),
            ("expected a number 0 or more, not -1.0", ".value"),
            ("expected a finite number, not inf", ".predicted_ltv"),
            ("expected a whole number 1 or more, not 0", ".num_items"),
            ("must not be blank", ".order_id"),
            ("must not be blank", ".content_ids[1]"),
            ("must not be blank", ".contents[0].id"),
            ("expected a whole number 1 or more, not 0", ".contents[0].quantity"),
            ("expected a finite number, not nan", ".contents[0].item_price"),
        ] == custom_data_problems(data)

    @pytest.mark.parametrize("code", ["BRL", "brl", "Usd", "INR"])
    def test_three_letters_in_any_case_are_a_currency(self, code):
        """Three Latin letters, capitals or not, pass; they are sent in capitals."""
        assert ([], code.upper()) == (
            custom_data_problems(MetaCustomData(currency=code)),
            MetaCustomData(currency=code).payload(None)["currency"],
        )

    @pytest.mark.parametrize("code", ["BR", "BRLX", "R$1", "ÉUR", "98 6", ""])
    def test_other_currencies_are_refused(self, code):
        """Anything but three Latin letters is no ISO 4217 code."""
        assert [".currency"] == [
            path for _, path in custom_data_problems(MetaCustomData(currency=code))
        ]
