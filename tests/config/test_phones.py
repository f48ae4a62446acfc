"""
Phones in a configuration: read in the account's default country, if it has one.
"""

import textwrap

import pytest

from convroute.config import Config, dump_config, find_problems, loads_config
from convroute.errors import ConfigError
from convroute.menus import BusinessNumber
from convroute.routing import Admin, RoutingRule


ACCOUNT = """
{head}
[[routing_rules]]
name = "Desk"
targets = [{{ kind = "admin" }}]

[[numbers]]
number = "{number}"
create_new_rule = "Desk"

[[funnels]]
name = "Sales"

[[funnels.stages]]
name = "Entry"

[[funnels.stages.triggers]]
phrase = "I came from Instagram"
number = "{trigger}"
source = "Instagram"
"""


def account(number, *, head="", trigger=None):
    text = ACCOUNT.format(head=head, number=number, trigger=trigger or number)
    return loads_config(textwrap.dedent(text))


def problems_of(number, *, head="", trigger=None):
    with pytest.raises(ConfigError) as caught:
        account(number, head=head, trigger=trigger)
    return list(caught.value.errors)


class TestDefaultCountryCode:
    @pytest.mark.parametrize(
        ("head", "number", "expected"),
        [
            ('default_country_code = "44"', "020 7946 0958", "442079460958"),
            ('default_country_code = "91"', "98000 00001", "919800000001"),
            ('default_country_code = "91"', "919800000001", "919800000001"),
            ('default_country_code = "44"', "+91 98000 00001", "919800000001"),
            ('default_country_code = "44"', "0091 98000 00001", "919800000001"),
        ],
    )
    def test_numbers_read_in_the_default_country(self, head, number, expected):
        """Numbers written without + or 00 are read in the account's country, triggers too."""
        config = account(number, head=head)

        assert (expected, expected) == (
            config.numbers[0].number,
            config.funnels[0].stages[0].triggers[0].number,
        )

    @pytest.mark.parametrize(
        ("written", "expected"), [('"44"', "44"), ('"+44"', "44"), ("44", "44"), ('" 44 "', "44")]
    )
    def test_key_read_as_digits(self, written, expected):
        """The country code is digits, written as text or a number, with or without its +."""
        config = account("020 7946 0958", head=f"default_country_code = {written}")

        assert (expected, "442079460958") == (config.default_country_code, config.numbers[0].number)

    @pytest.mark.parametrize(
        ("written", "shown"),
        [
            ('"UK"', "the text 'UK'"),
            ('"800"', "the text '800'"),
            ('"0044"', "the text '0044'"),
            ("true", "the boolean true"),
        ],
    )
    def test_bad_key_reported_at_its_path(self, written, shown):
        """A value that is no country's calling code is reported at the key."""
        expected = (
            f"expected a country calling code such as '44' or '1', not {shown} "
            "@ $.default_country_code"
        )
        problems = problems_of("+44 20 7946 0958", head=f"default_country_code = {written}")
        assert [expected] == problems

    def test_number_of_another_country_needs_its_plus(self):
        """With a default country, another country's digits read nationally, and do not fit."""
        [problem] = problems_of(
            "919800000001", head='default_country_code = "44"', trigger="+91 98000 00001"
        )

        assert problem.startswith("not a phone number '919800000001': it is too long")
        assert problem.endswith("@ $.numbers[0].number")

    def test_without_it_a_national_number_is_refused(self):
        """Without a default country, a national number is no number of a country."""
        [problem] = problems_of("98000 00001", trigger="+91 98000 00001")

        assert (
            "not a phone number '98000 00001': no number of +98 starts with 0 after the "
            "country code; was it written without its own country code? @ $.numbers[0].number"
        ) == problem

    @pytest.mark.parametrize(
        ("number", "expected"),
        [("+44 (0) 20 7946 0958", "442079460958"), ("+1 555 123 4567", "15551234567")],
    )
    def test_international_numbers(self, number, expected):
        """A bracketed trunk 0 is dropped; test ranges are read."""
        assert expected == account(number).numbers[0].number

    def test_local_number_refused(self):
        """A number missing its area code is reported at its path."""
        [problem] = problems_of("+1 (555) 0100", trigger="+1 555 123 4567")

        assert (
            "not a phone number '+1 (555) 0100': it is a local number of +1: add its area code "
            "@ $.numbers[0].number"
        ) == problem


class TestDump:
    @pytest.mark.parametrize("fmt", ["toml", "json", "yaml"])
    def test_numbers_written_with_plus_under_a_default_country(self, fmt):
        """Dumped with a default country, numbers carry their + and load back the same."""
        config = account("+91 98000 00001", head='default_country_code = "44"')
        text = dump_config(config, fmt)

        assert ("+919800000001" in text, config) == (True, loads_config(text, format=fmt))

    def test_digits_without_a_default_country(self):
        """Without a default country, numbers are dumped as their digits."""
        text = dump_config(account("+91 98000 00001"))

        assert ("+919800000001" in text, "919800000001" in text) == (False, True)


class TestHandBuilt:
    @pytest.mark.parametrize(
        ("code", "problem"),
        [
            ("+44", "write the country code as digits only: '44'"),
            ("UK", "expected a country calling code such as '44' or '1', not 'UK'"),
        ],
    )
    def test_country_code_checked(self, code, problem):
        """check_config reports a country code that is not a country's digits."""
        config = Config(default_country_code=code)

        assert [f"{problem} @ $.default_country_code"] == find_problems(config)

    def test_numbers_are_phones(self):
        """A hand-built config holds phones already: digits of another country are fine."""
        config = Config(
            default_country_code="44",
            routing_rules=[RoutingRule(name="R", targets=[Admin()])],
            numbers=[BusinessNumber(number="919800000001", create_new_rule="R")],
        )

        assert [] == find_problems(config)
