import datetime as dt

import attrs
import phonenumbers
import pytest

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convroute._arguments import shown
from convroute.errors import ConvrouteError, PhoneNumberError
from convroute.model import (
    Lead,
    Opportunity,
    OpportunityStatus,
    OpportunityType,
    Phone,
    User,
    full_phone,
    given_phone,
    lead_phone,
    normalize_country_code,
    normalize_phone,
)
from strategies import (
    country_phones,
    national_written,
    not_text,
    opportunities,
    phones,
    refusal,
    written_phones,
)


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
            ("+39 06 1234 5678", "390612345678"),
            ("(+91) 98000 00001", "919800000001"),
            ("[+44] (0)20 7946 0958", "442079460958"),
        ],
    )
    def test_international(self, text, expected):
        """A number written with its country code is read as digits, punctuation dropped."""
        assert expected == normalize_phone(text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("+44 (0) 20 7946 0958", "442079460958"),
            ("+44 020 7946 0958", "442079460958"),
            ("0044 (0)20 7946 0958", "442079460958"),
            ("4402079460958", "442079460958"),
        ],
    )
    def test_trunk_zero_after_the_country_code_dropped(self, text, expected):
        """A trunk 0 written after the country code, bracketed or not, is no digit of the number."""
        assert expected == normalize_phone(text)

    @pytest.mark.parametrize(
        ("text", "country_code", "expected"),
        [
            ("(650)555-1212", "1", "16505551212"),
            ("020 7946 0958", "44", "442079460958"),
            ("020 7946 0958", "+44", "442079460958"),
            ("98000 00001", "91", "919800000001"),
            ("+55 11 91234 5678", "44", "5511912345678"),
            ("0055 11 91234 5678", "44", "5511912345678"),
            ("(+91) 98000 00001", "44", "919800000001"),
        ],
    )
    def test_national(self, text, country_code, expected):
        """A national number is read in the country given, its trunk 0 dropped."""
        assert expected == normalize_phone(text, country_code=country_code)

    @pytest.mark.parametrize(
        ("text", "country_code", "expected"),
        [
            ("919800000001", "91", "919800000001"),
            ("91 98000 00001", "91", "919800000001"),
            ("16505551212", "1", "16505551212"),
            ("44 20 7946 0958", "44", "442079460958"),
        ],
    )
    def test_country_code_already_there_recognised(self, text, country_code, expected):
        """A number that starts with the default country's code is not given it twice."""
        assert expected == normalize_phone(text, country_code=country_code)

    def test_other_country_without_plus_refused(self):
        """With a default country, digits of another country are read as a national number."""
        with pytest.raises(PhoneNumberError, match="another country starts with \\+"):
            normalize_phone("919800000001", country_code="44")

    def test_national_number_read_as_international_refused(self):
        """Without a default country, 98000 00001 is not taken for a number of +98."""
        with pytest.raises(PhoneNumberError, match="no number of \\+98 starts with 0"):
            normalize_phone("98000 00001")

    @pytest.mark.parametrize("text", ["+1 (555) 0100", "+44 7946 0958"])
    def test_local_number_refused(self, text):
        """A number of local length, its area code missing, is no full number."""
        with pytest.raises(PhoneNumberError, match="local number"):
            normalize_phone(text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("+1 555 123 4567", "15551234567"), ("+44 20 7946 0000", "442079460000")],
    )
    def test_ranges_not_validated(self, text, expected):
        """Numbers of a possible length are read, test and fictional ranges included."""
        assert expected == normalize_phone(text)

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
            "(55) +11 91234 5678",
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

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("+55 11 12", "too short for a number of \\+55"),
            ("+123456", "too short for a number of \\+1"),
            ("1234567890123456", "too long for a number of \\+1"),
            ("+999 1234 5678", "no country's calling code"),
            ("+", "no digits"),
        ],
    )
    def test_impossible_numbers_rejected(self, text, reason):
        """A number too short or too long for its country, or of no country, is refused."""
        with pytest.raises(PhoneNumberError, match=reason):
            normalize_phone(text)

    @pytest.mark.parametrize("text", ["+290 22158", "+49 1234 567890123"])
    def test_shortest_and_longest(self, text):
        """Full numbers of 8 and of 15 digits are read."""
        assert text[1:].replace(" ", "") == normalize_phone(text)

    @pytest.mark.parametrize(("text", "length"), [("+43 1234", 6), ("+49 1234 5678901234", 16)])
    def test_beyond_8_to_15_digits_rejected(self, text, length):
        """A possible number of fewer than 8 or more than 15 digits in all is refused."""
        with pytest.raises(PhoneNumberError, match=f"it has {length} digits, not 8 to 15"):
            normalize_phone(text)

    def test_too_long_with_country_code(self):
        """The country code counts towards the length."""
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

    @pytest.mark.parametrize("country_code", ["", "0", "1234", "UK", "\u0664\u0664", "800", "999"])
    def test_bad_country_code_rejected(self, country_code):
        """A country code that is not a country's 1 to 3 ASCII digits is rejected."""
        with pytest.raises(PhoneNumberError, match=r"country code|calling code"):
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

    @given(written_phones(), st.sampled_from([None, "1", "44", "91"]))
    def test_idempotent(self, written, country_code):
        """What normalising gives (with a default country or without) normalises to itself."""
        try:
            once = normalize_phone(written, country_code=country_code)
        except PhoneNumberError:
            assume(False)
        assert once == normalize_phone(once)

    @given(country_phones(), st.data())
    def test_formatting_ignored(self, drawn, data):
        """Spaces, dashes, brackets, dots and a + or 00 prefix leave the same digits."""
        code, national = drawn
        separators = st.sampled_from(["", " ", "-", ".", "(", ")", "/", "\N{NO-BREAK SPACE}"])
        body = "".join(digit + data.draw(separators) for digit in code + national)
        written = data.draw(st.sampled_from(["+", "00", "00 ", "+ ", "("])) + body

        assert code + national == normalize_phone(written)

    @pytest.mark.parametrize(
        "copied",
        [
            "\N{LEFT-TO-RIGHT EMBEDDING}+91 98000 00001\N{POP DIRECTIONAL FORMATTING}",
            "\N{LEFT-TO-RIGHT MARK}+91 98000 00001",
            "\N{FIRST STRONG ISOLATE}+91\N{ZERO WIDTH SPACE}98000-00001\N{POP DIRECTIONAL ISOLATE}",
            "\N{ZERO WIDTH NO-BREAK SPACE}919800000001",
        ],
    )
    def test_invisible_format_marks_ignored(self, copied):
        """The direction marks and zero-width characters of a copied number are dropped."""
        assert "919800000001" == normalize_phone(copied)

    @given(country_phones(), st.data())
    def test_national_formatting_ignored(self, drawn, data):
        """A national number written with its trunk prefix and any spacing reads in its country."""
        code, national = drawn
        separators = st.sampled_from(["", " ", "-", ".", "(", ")"])
        written = "".join(data.draw(separators) + d for d in national_written(code, national))

        assert code + national == normalize_phone(written, country_code=code)

    @given(st.text(alphabet="0123456789 +-()./", max_size=24), st.sampled_from([None, "44"]))
    def test_results_are_8_to_15_digits(self, text, country_code):
        """Whatever text is read, the result is 8 to 15 ASCII digits without a leading 0."""
        try:
            phone = normalize_phone(text, country_code=country_code)
        except PhoneNumberError:
            return
        assert (True, True, False) == (
            phone.isascii() and phone.isdigit(),
            8 <= len(phone) <= 15,
            phone.startswith("0"),
        )


class TestGivenPhone:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("919800000001", "919800000001"),
            ("9800000001", "9800000001"),
            ("1", "1"),
            ("+1 555-078-3881", "15550783881"),
            ("+44 020 7946 0958", "4402079460958"),
        ],
    )
    def test_digits_taken_as_given(self, text, expected):
        """WhatsApp's digits are kept as they are, even where normalize_phone would differ."""
        assert expected == given_phone(text)

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("US.13491208655302741918", "'U' is neither a digit nor punctuation"),
            ("", "no digits"),
            ("+", "no digits"),
            ("0919800000001", "starts with 0"),
            ("1234567890123456", "16 digits"),
        ],
    )
    def test_anything_else_refused(self, text, reason):
        """Letters, no digits, a leading 0 or more than 15 digits are no WhatsApp number."""
        with pytest.raises(PhoneNumberError, match=reason):
            given_phone(text)


class TestLeadPhone:
    @pytest.mark.parametrize("value", [None, 919800000001, b"919800000001"])
    def test_a_phone_that_is_not_text_is_refused(self, value):
        """A phone given as a number or None is a TypeError that says so, not an AttributeError."""
        with pytest.raises(TypeError, match="a phone is text"):
            lead_phone(value)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("9800000001", "9800000001"),
            ("919800000001", "919800000001"),
            ("+91 98000 00001", "919800000001"),
            ("0091 (98000) 00001", "919800000001"),
        ],
    )
    def test_digits_as_given_else_as_typed(self, text, expected):
        """Digits alone are kept as WhatsApp gives them; a typed number is normalised."""
        assert expected == lead_phone(text)

    @pytest.mark.parametrize("text", ["", "a lead", "+91 98", "forgotten-0a1b"])
    def test_what_is_no_phone_is_refused(self, text):
        """Text that is no phone raises PhoneNumberError."""
        with pytest.raises(PhoneNumberError):
            lead_phone(text)


class TestFullPhone:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("68312345", "68312345"),
            ("919800000001", "919800000001"),
            ("+91 98000 00001", "919800000001"),
            ("0091 (98000) 00001", "919800000001"),
            ("6834002", "6834002"),
            ("+683 4002", "6834002"),
        ],
    )
    def test_a_full_number_is_taken_as_a_lead_s(self, text, expected):
        """Eight digits or more, seven of a country with numbers that short (Niue), or typed."""
        assert expected == full_phone(text)

    def test_digits_too_few_for_a_full_number_are_refused(self):
        """Digits alone fewer than eight: a PhoneNumberError naming the count and country code."""
        with pytest.raises(PhoneNumberError) as caught:
            full_phone("12")

        expected = (
            "not a phone number '12': it has 2 digits, fewer than a full international "
            "number's 8: give it with its country code"
        )
        assert expected == str(caught.value)

    @pytest.mark.parametrize(
        "text", ["", "a lead", "+91 98", "1234567", "+1234567", "6830002", "+683 0002"]
    )
    def test_what_is_no_full_phone_is_refused(self, text):
        """Text that is no phone, or digits of no full number, raise PhoneNumberError."""
        with pytest.raises(PhoneNumberError):
            full_phone(text)

    @settings(deadline=None)
    @given(st.text(alphabet="0123456789", min_size=1, max_size=16))
    def test_digits_alone_are_full_from_eight(self, text):
        """Digits alone are full when lead_phone takes them: 8 or more, or a short number."""
        try:
            short = len(text) < 8 and phonenumbers.is_valid_number(phonenumbers.parse(f"+{text}"))
        except phonenumbers.NumberParseException:
            short = False
        try:
            expected = lead_phone(text) if len(text) >= 8 or short else None
        except PhoneNumberError:
            expected = None
        try:
            actual = full_phone(text)
        except PhoneNumberError:
            actual = None
        assert expected == actual

    def test_a_phone_that_is_not_text_is_refused(self):
        """A phone given as a number is a TypeError, as for lead_phone."""
        with pytest.raises(TypeError, match="a phone is text"):
            full_phone(919800000001)


class TestNormalizeCountryCode:
    @pytest.mark.parametrize(
        ("text", "expected"), [("44", "44"), ("+44", "44"), (" 1 ", "1"), ("971", "971")]
    )
    def test_read(self, text, expected):
        """A calling code is read with or without its +."""
        assert expected == normalize_country_code(text)

    @pytest.mark.parametrize("text", ["", "UK", "044", "1234", "800", "999", "+"])
    def test_refused(self, text):
        """Text that is no country's calling code is refused (+800 belongs to no country)."""
        with pytest.raises(PhoneNumberError):
            normalize_country_code(text)


class TestUser:
    def test_defaults(self):
        """A user is by default no admin, active and without a capacity limit."""
        user = User(id="u-asha", name="Asha")

        assert (False, True, None) == (user.admin, user.active, user.max_open_conversations)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"id": 1}, "User.id must be a str, not 1"),
            ({"name": None}, "User.name must be a str, not None"),
            ({"schedule": 9}, "User.schedule must be a str or None, not 9"),
            ({"admin": "no"}, "User.admin must be a bool, not the str 'no'"),
            ({"active": 1}, "User.active must be a bool, not 1"),
            ({"max_open_conversations": "3"}, "User.max_open_conversations must be an int or None"),
            (
                {"max_open_conversations": True},
                "User.max_open_conversations must be an int or None",
            ),
        ],
    )
    def test_wrong_types_are_refused(self, fields, message):
        """A user's field of the wrong type is a TypeError when the user is made, not later."""
        with pytest.raises(TypeError) as raised:
            User(**{"id": "u-asha", "name": "Asha", **fields})
        assert message == str(raised.value)[: len(message)]


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

    @pytest.mark.parametrize(
        ("phone", "expected"),
        [
            ("+1 (555) 765-4321", "15557654321"),
            ("+55 (11) 91234-5678", "5511912345678"),
            ("919800000001", "919800000001"),
        ],
    )
    def test_phone_is_normalised(self, phone, expected):
        """A lead's phone is read like an incoming message's: digits with country code."""
        assert expected == Lead(phone=Phone(phone)).phone

    @pytest.mark.parametrize("fields", [{"name": 3}, {"name": None}, {"owner": 7}])
    def test_name_or_owner_not_text(self, fields):
        """A lead's name or owner that is not text is a TypeError, not an AttributeError."""
        with pytest.raises(TypeError, match=r"^Lead\.(name|owner) must be a str( or None)?, not "):
            Lead(phone=Phone("5511912345678"), **fields)

    @pytest.mark.parametrize("phone", ["", "call me", "0800 123", "+1 (555)"])
    def test_phone_that_is_no_phone_is_refused(self, phone):
        """A lead's phone that cannot be normalised raises PhoneNumberError."""
        with pytest.raises(PhoneNumberError):
            Lead(phone=Phone(phone))


class TestOpportunityStatus:
    def test_open_by_default(self):
        """An opportunity is open unless it says otherwise."""
        opportunity = Opportunity(id="op-1", type="Course")

        assert (OpportunityStatus.OPEN, True) == (opportunity.status, opportunity.is_open)

    @pytest.mark.parametrize("status", ["won", "lost"])
    def test_closed_from_value(self, status):
        """A status given by its value is read as the status and is not open."""
        opportunity = Opportunity(id="op-1", type="Course", status=status)

        assert (OpportunityStatus(status), False) == (opportunity.status, opportunity.is_open)

    def test_unknown_status(self):
        """An unknown status is refused with the known ones named."""
        with pytest.raises(ValueError, match="unknown opportunity status 'closed'; known: open"):
            Opportunity(id="op-1", type="Course", status="closed")

    def test_owned_by_keeps_status(self):
        """Giving an opportunity its owner keeps its status."""
        opportunity = Opportunity(id="op-1", type="Course", status=OpportunityStatus.WON)

        assert OpportunityStatus.WON == opportunity.owned_by("u-asha").status


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


MADE = {
    User: {"id": "u-asha", "name": "Asha"},
    Lead: {"phone": "5511912345678"},
    Opportunity: {"id": "o-1", "type": "Course"},
    OpportunityType: {"name": "Course"},
}
TEXT_FIELDS = [
    (User, "id"),
    (User, "name"),
    (User, "schedule"),
    (Lead, "phone"),
    (Lead, "name"),
    (Lead, "owner"),
    (Lead, "language"),
    (Opportunity, "id"),
    (Opportunity, "type"),
    (Opportunity, "name"),
    (Opportunity, "owner"),
    (Opportunity, "stage"),
    (OpportunityType, "name"),
]


class TestWrongTypesNamed:
    @settings(deadline=None)
    @given(field=st.sampled_from(TEXT_FIELDS), value=not_text())
    def test_a_text_field_given_no_text_names_the_class_and_field(self, field, value):
        """Any value but a str, for a field of text, is a TypeError naming the class and field."""
        cls, name = field
        message = refusal(cls, {**MADE[cls], name: value})
        start = f"{cls.__name__}.{name} must be a str"
        assert (start, True) == (message[: len(start)], message.endswith(shown(value)))

    @pytest.mark.parametrize(
        ("cls", "fields", "message"),
        [
            (User, {"admin": "no"}, "User.admin must be a bool, not the str 'no'"),
            (User, {"active": 1}, "User.active must be a bool, not 1"),
            (User, {"max_open_conversations": "3"}, "User.max_open_conversations must be an int"),
            (Lead, {"phone": None}, "Lead.phone must be a str, not None"),
            (
                Lead,
                {"fields": ["city"]},
                "Lead.fields must be a mapping of str to str, not ['city']",
            ),
            (Lead, {"fields": {"city": 1}}, "Lead.fields['city'] must be a str, not 1"),
            (Lead, {"fields": {2: "x"}}, "Lead.fields must have str keys, not 2"),
            (Opportunity, {"fields": "x"}, "Opportunity.fields must be a mapping of str to str"),
            (
                Opportunity,
                {"updated_at": "2026-01-01"},
                "Opportunity.updated_at must be a datetime",
            ),
            (Opportunity, {"status": 1}, "Opportunity.status must be an OpportunityStatus"),
            (
                OpportunityType,
                {"stages": ("New", 2)},
                "OpportunityType.stages[1] must be a str, not 2",
            ),
            (
                OpportunityType,
                {"stages": "New"},
                "OpportunityType.stages must be a sequence of str",
            ),
            (
                OpportunityType,
                {"fields": {"Course": [1]}},
                "OpportunityType.fields['Course'][0] must",
            ),
            (OpportunityType, {"fields": ["Course"]}, "OpportunityType.fields must be a mapping"),
        ],
    )
    def test_any_field_of_the_wrong_type_is_named(self, cls, fields, message):
        """A field of another type than its own is a TypeError naming the class, field and value."""
        assert message == refusal(cls, {**MADE[cls], **fields})[: len(message)]
