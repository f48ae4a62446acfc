"""
A number's phone_number_id in the configuration: digits, and one number each.
"""

import pytest

from convroute.config import dump_config, loads_config
from convroute.errors import ConfigError


RULES = """
[[users]]
id = "u-asha"
name = "Asha"

[[routing_rules]]
name = "Desk"
targets = [{ kind = "specific_user", user = "u-asha" }]
"""


def number(phone, phone_number_id=None):
    line = "" if phone_number_id is None else f"phone_number_id = {phone_number_id}\n"
    return f'[[numbers]]\nnumber = "{phone}"\ncreate_new_rule = "Desk"\n{line}'


def problems_of(*numbers):
    with pytest.raises(ConfigError) as caught:
        loads_config(RULES + "".join(numbers))
    return list(caught.value.errors)


class TestLoading:
    def test_the_id_is_read_into_the_number(self):
        """A declared phone_number_id is read as given; a number without one has none."""
        config = loads_config(
            RULES + number("918040001234", '"106540352242922"') + number("918040005678")
        )

        assert ["106540352242922", None] == [n.phone_number_id for n in config.numbers]

    @pytest.mark.parametrize("form", ["toml", "json"])
    def test_the_id_round_trips(self, form):
        """Dumped and loaded again, the config keeps the id."""
        config = loads_config(RULES + number("918040001234", '"106540352242922"'))

        assert config == loads_config(dump_config(config, form), format=form)


class TestCheck:
    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            pytest.param('"1065-4035"', "expected 1 to 64 digits, not '1065-4035'", id="dash"),
            pytest.param('"abc"', "expected 1 to 64 digits, not 'abc'", id="letters"),
            pytest.param(
                f'"{"1" * 65}"', f"expected 1 to 64 digits, not '{'1' * 65}'", id="too-long"
            ),
            pytest.param(
                "106540352242922", "expected text, not the number 106540352242922", id="int"
            ),
        ],
    )
    def test_an_id_that_is_not_digits_is_refused(self, value, problem):
        """A phone_number_id is text of digits only, or check says where it is not."""
        expected = [f"{problem} @ $.numbers[0].phone_number_id"]

        assert expected == problems_of(number("918040001234", value))

    def test_one_id_on_two_numbers_is_refused(self):
        """Two numbers never share one phone_number_id: check names the second."""
        expected = [
            "duplicate phone_number_id '1065', first at $.numbers[0] @ $.numbers[1].phone_number_id"
        ]

        assert expected == problems_of(
            number("918040001234", '"1065"'), number("918040005678", '"1065"')
        )
