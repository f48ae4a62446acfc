"""
A stage's Conversions API values in the configuration: meta_custom_data and meta_value_field.
"""

import attrs
import pytest

from convroute.config import dump_config, find_problems, loads_config
from convroute.errors import ConfigError
from convroute.funnel import MetaContent, MetaCustomData


ACCOUNT = """
[meta]
whatsapp_business_account_id = "102290129340398"

[[funnels]]
name = "Sales"

[[funnels.stages]]
name = "Lead Entry"
meta_event = "LeadSubmitted"

[[funnels.stages]]
name = "Won"
{won}
"""

PURCHASE = """meta_event = "Purchase"
meta_value_field = "Amount"
meta_custom_data = { currency = "BRL", value = 150.0 }"""

WON = "$.funnels[0].stages[1]"


def stage_of(won):
    return loads_config(ACCOUNT.format(won=won)).funnels[0].stages[1]


def problems_of(won):
    with pytest.raises(ConfigError) as caught:
        loads_config(ACCOUNT.format(won=won))
    return list(caught.value.errors)


class TestLoading:
    def test_values_and_value_field_are_read(self):
        """Meta's documented keys are read into the stage, with its value field."""
        stage = stage_of(
            'meta_event = "Purchase"\n'
            'meta_value_field = "Amount"\n'
            "[funnels.stages.meta_custom_data]\n"
            'currency = "brl"\n'
            "value = 150\n"
            'content_ids = ["AI-2027"]\n'
            'content_type = "product"\n'
            'contents = [{ id = "AI-2027", quantity = 1, item_price = 150.0 }]\n'
            "num_items = 1\n"
            'delivery_category = "home_delivery"\n'
        )
        assert (
            MetaCustomData(
                currency="brl",
                value=150.0,
                content_ids=["AI-2027"],
                content_type="product",
                contents=[MetaContent(id="AI-2027", quantity=1, item_price=150.0)],
                num_items=1,
                delivery_category="home_delivery",
            ),
            "Amount",
        ) == (stage.meta_custom_data, stage.meta_value_field)

    @pytest.mark.parametrize("fmt", ["toml", "json"])
    def test_dumped_and_read_back_alike(self, fmt):
        """A stage with values is written and read back unchanged."""
        config = loads_config(ACCOUNT.format(won=PURCHASE))
        assert config == loads_config(dump_config(config, fmt), format=fmt)

    def test_stages_without_values_are_unchanged(self):
        """A stage that sets neither key has none."""
        stage = stage_of('meta_event = "Schedule"')
        assert (None, None) == (stage.meta_custom_data, stage.meta_value_field)


class TestRefused:
    @pytest.mark.parametrize(
        ("won", "expected"),
        [
            pytest.param(
                'meta_event = "Purchase"\nmeta_custom_data = { value = 150.0 }',
                [
                    (
                        f"stage 'Won' sends Purchase, which Meta accepts only with a currency: "
                        f"set meta_custom_data.currency @ {WON}.meta_custom_data"
                    )
                ],
                id="purchase-without-currency",
            ),
            pytest.param(
                'meta_event = "Purchase"\nmeta_custom_data = { currency = "BRL" }',
                [
                    (
                        f"stage 'Won' sends Purchase, which Meta accepts only with a value: "
                        f"set meta_custom_data.value or meta_value_field @ {WON}.meta_custom_data"
                    )
                ],
                id="purchase-without-value",
            ),
            pytest.param(
                'meta_event = "Purchase"',
                [
                    (
                        f"stage 'Won' sends Purchase, which Meta accepts only with a currency: "
                        f"set meta_custom_data.currency @ {WON}.meta_custom_data"
                    ),
                    (
                        f"stage 'Won' sends Purchase, which Meta accepts only with a value: "
                        f"set meta_custom_data.value or meta_value_field @ {WON}.meta_custom_data"
                    ),
                ],
                id="purchase-bare",
            ),
            pytest.param(
                'meta_event = "Schedule"\nmeta_value_field = "Amount"',
                [
                    (
                        "a value needs its currency: set meta_custom_data.currency "
                        f"@ {WON}.meta_custom_data"
                    )
                ],
                id="value-without-currency",
            ),
            pytest.param(
                'meta_custom_data = { currency = "BRL" }\nmeta_value_field = "Amount"',
                [
                    (
                        f"meta_custom_data needs a meta_event on the stage to carry it "
                        f"@ {WON}.meta_custom_data"
                    ),
                    (
                        f"meta_value_field needs a meta_event on the stage to carry it "
                        f"@ {WON}.meta_value_field"
                    ),
                ],
                id="values-without-event",
            ),
            pytest.param(
                'meta_event = "Purchase"\nmeta_value_field = " "\n'
                'meta_custom_data = { currency = "R$", value = nan, predicted_ltv = inf, '
                'num_items = 0, contents = [{ id = "", quantity = 0, item_price = -1.0 }] }',
                [
                    f"the field name must not be blank @ {WON}.meta_value_field",
                    (
                        "expected an ISO 4217 currency code, three letters such as 'BRL', not 'R$' "
                        f"@ {WON}.meta_custom_data.currency"
                    ),
                    f"expected a finite number, not nan @ {WON}.meta_custom_data.value",
                    f"expected a finite number, not inf @ {WON}.meta_custom_data.predicted_ltv",
                    f"expected a whole number 1 or more, not 0 @ {WON}.meta_custom_data.num_items",
                    f"must not be blank @ {WON}.meta_custom_data.contents[0].id",
                    (
                        "expected a whole number 1 or more, not 0 "
                        f"@ {WON}.meta_custom_data.contents[0].quantity"
                    ),
                    (
                        "expected a number 0 or more, not -1.0 "
                        f"@ {WON}.meta_custom_data.contents[0].item_price"
                    ),
                ],
                id="bad-values",
            ),
            pytest.param(
                'meta_event = "Purchase"\n'
                'meta_custom_data = { currency = "BRL", value = 1.0, curency = "USD" }',
                [f"unknown key(s): curency @ {WON}.meta_custom_data"],
                id="unknown-key",
            ),
            pytest.param(
                'meta_event = "Purchase"\nmeta_custom_data = { currency = "BRL", value = "150" }',
                [f"expected a number, not the text '150' @ {WON}.meta_custom_data.value"],
                id="value-as-text",
            ),
            pytest.param(
                'meta_event = "Purchase"\n'
                'meta_custom_data = { currency = "BRL", value = 1.0, content_type = "course" }',
                [
                    (
                        "expected one of 'product', 'product_group', not the text 'course' "
                        f"@ {WON}.meta_custom_data.content_type"
                    )
                ],
                id="unknown-content-type",
            ),
            pytest.param(
                'meta_event = "Purchase"\n'
                'meta_custom_data = { currency = "BRL", value = 1.0, contents = [{ sku = "A" }] }',
                [
                    f"required key missing @ {WON}.meta_custom_data.contents[0].id",
                    f"unknown key(s): sku @ {WON}.meta_custom_data.contents[0]",
                ],
                id="content-unknown-key",
            ),
        ],
    )
    def test_each_problem_at_its_path(self, won, expected):
        """Each mistake in a stage's values is reported at its own key."""
        assert sorted(expected) == sorted(problems_of(won))

    def test_purchase_is_refused_by_check_on_a_hand_built_config(self):
        """A Purchase stage built in Python without values fails check_config as well."""
        config = loads_config(ACCOUNT.format(won=PURCHASE))
        stage = attrs.evolve(config.funnels[0].stages[1], meta_value_field=None)
        stage = attrs.evolve(stage, meta_custom_data=MetaCustomData(currency="BRL"))
        funnel = attrs.evolve(config.funnels[0], stages=[config.funnels[0].stages[0], stage])
        assert [
            (
                "stage 'Won' sends Purchase, which Meta accepts only with a value: "
                f"set meta_custom_data.value or meta_value_field @ {WON}.meta_custom_data"
            )
        ] == find_problems(attrs.evolve(config, funnels=[funnel]))
