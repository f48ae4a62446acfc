import datetime as dt

import attrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.errors import ConvrouteError, PhoneNumberError
from convroute.model import Lead, Opportunity, OpportunityType, Phone, User, normalize_phone
from strategies import opportunities, phones


def in_script(text: str, zero: str) -> str:
    """
    *text* with its ASCII digits written in the script whose zero is *zero*.
    """
    return text.translate({ord("0") + value: ord(zero) + value for value in range(10)})


class TestNormalizePhone:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("+55 (11) 91234-5678", "5511912345678"),
            ("00 44 20 7946 0958", "442079460958"),
            ("5511912345678", "5511912345678"),
            ("+1.650.555.1212", "16505551212"),
            ("+44 20/7946/0958", "442079460958"),
            ("  +55 11 91234 5678  ", "5511912345678"),
            ("\N{FULLWIDTH PLUS SIGN}55 11 91234\N{EN DASH}5678", "5511912345678"),
            ("+55\N{NO-BREAK SPACE}11\N{NO-BREAK SPACE}912345678", "5511912345678"),
        ],
    )
    def test_international(self, text, expected):
        """A number written with its country code is read as digits, punctuation dropped."""
        assert expected == normalize_phone(text)

    @pytest.mark.parametrize(
        ("text", "country_code", "expected"),
        [
            ("(650)555-1212", "1", "16505551212"),
            ("020 7946 0958", "44", "442079460958"),
            ("020 7946 0958", "+44", "442079460958"),
            ("+55 11 91234 5678", "44", "5511912345678"),
            ("0055 11 91234 5678", "44", "5511912345678"),
        ],
    )
    def test_national(self, text, country_code, expected):
        """A national number gets the country code in front of it, its trunk 0 dropped."""
        assert expected == normalize_phone(text, country_code=country_code)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (in_script("+55 11 91234-5678", "\N{ARABIC-INDIC DIGIT ZERO}"), "5511912345678"),
            (
                in_script("0098 912 345 6789", "\N{EXTENDED ARABIC-INDIC DIGIT ZERO}"),
                "989123456789",
            ),
            (in_script("+91 620 956 789", "\N{DEVANAGARI DIGIT ZERO}"), "91620956789"),
        ],
    )
    def test_digits_of_any_script(self, text, expected):
        """Arabic-Indic, Persian and Devanagari digits read as their values."""
        assert expected == normalize_phone(text)

    @pytest.mark.parametrize(
        "text",
        [
            "+55 11 CALL-NOW",
            "+55 11 91234-5678 ext 9",
            "+55 11 91234-567\N{SUPERSCRIPT EIGHT}",
            "+55 11 91234+5678",
            "+55 11 91234-5678#",
            "+55*11*91234*5678",
            "5511912345678!",
            "+55 11 91234@5678",
        ],
    )
    def test_letters_and_symbols_rejected(self, text):
        """Text holding letters or symbols is not a phone number."""
        with pytest.raises(PhoneNumberError) as caught:
            normalize_phone(text)

        assert text == caught.value.text

    @pytest.mark.parametrize("text", ["+55 11 12", "+123456", "1234567890123456", "+"])
    def test_wrong_length_rejected(self, text):
        """Fewer than 7 or more than 15 digits are not a phone number."""
        with pytest.raises(PhoneNumberError, match="digits, not 7 to 15"):
            normalize_phone(text)

    @pytest.mark.parametrize("text", ["+1234567", "+123456789012345"])
    def test_shortest_and_longest(self, text):
        """Numbers of 7 and of 15 digits are accepted."""
        assert text[1:] == normalize_phone(text)

    def test_too_long_with_country_code(self):
        """The country code counts towards the 15 digits."""
        with pytest.raises(PhoneNumberError):
            normalize_phone("012345678901234", country_code="44")

    @pytest.mark.parametrize("text", ["020 7946 0958", "+0 20 7946 0958", "000 44 20 7946 0958"])
    def test_leading_zero_without_country_code_rejected(self, text):
        """A number starting with 0 after its prefix needs a country code to be read."""
        with pytest.raises(PhoneNumberError, match="starts with 0"):
            normalize_phone(text)

    @pytest.mark.parametrize("text", ["", "   ", "\t\n"])
    def test_blank_rejected(self, text):
        """Blank text is not a phone number."""
        with pytest.raises(PhoneNumberError, match="empty"):
            normalize_phone(text)

    @pytest.mark.parametrize("country_code", ["", "0", "1234", "UK", "\u0664\u0664"])
    def test_bad_country_code_rejected(self, country_code):
        """A country code that is not 1 to 3 ASCII digits without a leading 0 is rejected."""
        with pytest.raises(PhoneNumberError, match="country code"):
            normalize_phone("020 7946 0958", country_code=country_code)

    def test_error_is_a_value_error(self):
        """A phone number error is caught as a ValueError and as a convroute error."""
        with pytest.raises(PhoneNumberError) as caught:
            normalize_phone("not a phone")

        assert (True, True) == (
            isinstance(caught.value, ValueError),
            isinstance(caught.value, ConvrouteError),
        )

    @given(phones())
    def test_normalised_unchanged(self, phone):
        """A normalised phone normalises to itself."""
        assert phone == normalize_phone(phone)

    @given(phones(), st.data())
    def test_formatting_ignored(self, phone, data):
        """A phone written with a plus and any spacing, dashes or brackets reads as its digits."""
        separators = st.sampled_from(["", " ", "-", ".", "(", ")", "/", "\N{NO-BREAK SPACE}"])
        written = "+" + "".join(digit + data.draw(separators) for digit in phone)

        assert phone == normalize_phone(written)


class TestUser:
    def test_defaults(self):
        """A user is by default no admin, active and without a capacity limit."""
        user = User(id="u-asha", name="Asha")

        assert (False, True, None) == (user.admin, user.active, user.max_open_conversations)


class TestLead:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("Priya Nair", "Priya"),
            ("Priya", "Priya"),
            ("  Priya   Devi Nair ", "Priya"),
            ("", ""),
            ("   ", ""),
        ],
    )
    def test_first_name(self, name, expected):
        """A lead's first name is the first word of their name, or empty."""
        assert expected == Lead(phone=Phone("5511912345678"), name=name).first_name

    def test_defaults(self):
        """A lead is by default nameless and owned by nobody."""
        lead = Lead(phone=Phone("5511912345678"))

        assert ("", None) == (lead.name, lead.owner)


class TestOpportunity:
    def test_fields_read_only(self):
        """An opportunity's fields cannot be changed through it."""
        opportunity = Opportunity(id="op-1", type="Course", fields={"Programme": "AI"})

        with pytest.raises(TypeError):
            opportunity.fields["Programme"] = "Law"  # type: ignore[index]

    def test_fields_copied(self):
        """Changing the mapping an opportunity was built from does not change it."""
        fields = {"Programme": "AI"}
        opportunity = Opportunity(id="op-1", type="Course", fields=fields)

        fields["Programme"] = "Law"

        assert {"Programme": "AI"} == opportunity.fields

    def test_frozen(self):
        """An opportunity's attributes cannot be reassigned."""
        opportunity = Opportunity(id="op-1", type="Course")

        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            opportunity.owner = "u-asha"  # type: ignore[misc]

    def test_evolve_keeps_fields_read_only(self):
        """An opportunity changed with evolve keeps read-only fields."""
        opportunity = attrs.evolve(
            Opportunity(id="op-1", type="Course"), fields={"Programme": "AI"}
        )

        with pytest.raises(TypeError):
            opportunity.fields["Programme"] = "Law"  # type: ignore[index]

    def test_equal_by_fields(self):
        """Opportunities with the same values and fields are equal and hash alike."""
        when = dt.datetime(2026, 5, 9, 7, 35, tzinfo=dt.UTC)
        first = Opportunity(id="op-1", type="Course", fields={"a": "1", "b": "2"}, updated_at=when)
        second = Opportunity(id="op-1", type="Course", fields={"b": "2", "a": "1"}, updated_at=when)

        assert (first, hash(first), 1) == (second, hash(second), len({first, second}))

    def test_different_fields_unequal(self):
        """Opportunities whose fields differ are not equal."""
        first = Opportunity(id="op-1", type="Course", fields={"Programme": "AI"})
        second = Opportunity(id="op-1", type="Course", fields={"Programme": "Law"})

        assert first != second

    @given(opportunities(["u-asha", "u-ben"]))
    def test_equal_copies_hash_alike(self, opportunity):
        """A copy of any opportunity is equal to it and has its hash."""
        copy = attrs.evolve(opportunity, fields=dict(opportunity.fields))

        assert (opportunity, hash(opportunity)) == (copy, hash(copy))


class TestOpportunityType:
    def test_values_stored_read_only(self):
        """A type's stages become a tuple and its fields a read-only mapping of tuples."""
        kind = OpportunityType(
            name="Course", stages=["Enquiry", "Applied"], fields={"Programme": ["AI", "Law"]}
        )

        assert (("Enquiry", "Applied"), {"Programme": ("AI", "Law")}) == (
            kind.stages,
            kind.fields,
        )
        with pytest.raises(TypeError):
            kind.fields["Intake"] = ()  # type: ignore[index]
