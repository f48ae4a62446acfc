"""
The values every part of convroute shares: users, leads, opportunities, phones.

Phone normalisation lives here and nowhere else: a number somebody typed is
read by `normalize_phone`, a number WhatsApp sent is taken by `given_phone`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata

from collections.abc import Iterable, Mapping
from typing import Final, NewType, cast

import attrs
import phonenumbers

from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumber, ValidationResult

from convroute._arguments import bool_field, optional_int_field, wrong_type
from convroute._frozen import (
    choices_mapping,
    optional_language_field,
    optional_unicode_text_field,
    require_utc_time,
    text_mapping,
    text_tuple,
    unicode_text_field,
)
from convroute.errors import PhoneNumberError


__all__ = [
    "Lead",
    "Opportunity",
    "OpportunityStatus",
    "OpportunityType",
    "Phone",
    "User",
    "first_word",
    "full_phone",
    "given_phone",
    "lead_phone",
    "normalize_country_code",
    "normalize_phone",
]

Phone = NewType("Phone", str)
"""
An international phone number as digits only, country code first, no leading
zero: ``5511912345678``.  Make one with `normalize_phone` from what somebody
typed; `Phone("...")` itself checks nothing.
"""

# E.164 allows at most 15 digits; full numbers have 8 or more but in a few
# small countries (Niue's +683 4002: a 3-digit country code and a 4-digit
# subscriber number), whose shorter numbers are taken when libphonenumber
# holds them valid numbers of their country (`_too_short`): a number cut
# short by a slip mostly is not.
_MIN_DIGITS: Final = 8
_MAX_DIGITS: Final = 15
_PLUS_SIGNS: Final = frozenset("+\N{FULLWIDTH PLUS SIGN}")
# Spaces (Zs), dashes (Pd), opening and closing brackets (Ps, Pe), and
# invisible format marks (Cf): a number copied from a phone's contacts or a
# chat often comes wrapped in direction marks (U+202A ... U+202C, U+200E).
_SEPARATOR_CATEGORIES: Final = frozenset({"Zs", "Pd", "Ps", "Pe", "Cf"})
_SEPARATOR_MARKS: Final = frozenset("./")
# libphonenumber's region for calling codes that belong to no country (+800).
_NON_GEOGRAPHIC: Final = "001"
_UNKNOWN_REGION: Final = "ZZ"
_NOT_POSSIBLE: Final = {
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "it is a local number of +{code}: add its area code",
    ValidationResult.TOO_SHORT: "it is too short for a number of +{code}",
    ValidationResult.TOO_LONG: "it is too long for a number of +{code}",
    ValidationResult.INVALID_LENGTH: "no number of +{code} has its length",
}
_UNREADABLE: Final = {
    NumberParseException.INVALID_COUNTRY_CODE: "it starts with no country's calling code",
    NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short",
    NumberParseException.TOO_SHORT_NSN: "it is too short",
    NumberParseException.TOO_LONG: "it is too long",
}
_ANOTHER_COUNTRY: Final = "; a number of another country starts with + and its country code"


def normalize_phone(text: str, *, country_code: str | None = None) -> Phone:
    """
    Read a phone number somebody typed as digits with country code.

    Spaces, dashes, dots, slashes and brackets are dropped, and so are
    invisible format marks (the direction marks around a number copied from
    a phone's contacts); digits of any script count.  A leading ``+``
    (bracketed too: ``(+91)``) or ``00`` marks a number that starts with its
    country code.  Otherwise the number is read in the country of
    *country_code* when it is given (a trunk ``0`` dropped, the country code
    recognised when it is already there), and as international (WhatsApp's
    own ``wa_id`` form) when it is not.  A trunk ``0`` written after the
    country code, as in ``+44 (0) 20 7946 0958``, is dropped.

    The number must be possible in full for its country, by the lengths
    libphonenumber knows: a local number without its area code is refused.
    Ranges are not checked, so test numbers such as ``+1 555 123 4567``
    are read.

    Args:
        text: The number as written, e.g. ``+55 (11) 91234-5678``.
        country_code: The calling code for numbers written nationally, e.g.
            ``"1"`` for ``(650)555-1212``: the account's
            ``default_country_code``.

    Returns:
        The digits, 8 to 15 of them, e.g. ``5511912345678``.

    Raises:
        PhoneNumberError: When *text* holds letters or symbols, or is not a
            possible number of its country, or *country_code* is no
            country's calling code.
    """
    if country_code is None and text.isascii() and text.isdigit() and _is_possible_as_written(text):
        return Phone(text)
    stripped = text.strip()
    if not stripped:
        raise PhoneNumberError(text, "it is empty")
    plus, body = _without_leading_plus(stripped)
    digits = _digits_of(text, body)
    if not digits:
        raise PhoneNumberError(text, "it has no digits")
    if plus:
        return _international(text, digits)
    if digits.startswith("00"):
        return _international(text, digits[2:])
    if country_code is not None:
        return _national(text, digits, country_code)
    return _international(text, digits)


def given_phone(text: str) -> Phone:
    """
    Take a number as WhatsApp gives it, its digits kept, nothing re-read.

    Meta's ``from``, ``wa_id`` and ``display_phone_number`` are the number
    as WhatsApp knows it: a ``+`` and spacing, dashes or brackets are
    dropped, but the digits are kept as they are, never read for a country
    or a length, so that no number WhatsApp serves is refused.

    Args:
        text: Digits with country code, e.g. ``919800000001`` or
            ``+1 555-078-3881``.

    Returns:
        The digits, as a `Phone`.

    Raises:
        PhoneNumberError: When *text* holds letters or symbols, no digits,
            a leading zero, or more than 15 digits.
    """
    if text.isascii() and text.isdigit():
        digits = text
    else:
        stripped = text.strip()
        digits = _digits_of(text, stripped[1:] if stripped[:1] in _PLUS_SIGNS else stripped)
    if not digits:
        raise PhoneNumberError(text, "it has no digits")
    if digits.startswith("0"):
        raise PhoneNumberError(text, "it starts with 0, and a country code never does")
    if len(digits) > _MAX_DIGITS:
        raise PhoneNumberError(text, f"it has {len(digits)} digits, more than {_MAX_DIGITS}")
    return Phone(digits)


def lead_phone(text: str, *, country_code: str | None = None) -> Phone:
    """
    Read a lead's phone as events and commands name one.

    Digits alone are taken as WhatsApp gives them (`given_phone`: a
    ``wa_id``, or what `normalize_phone` made), so that a lead is always
    found by the phone it is stored under; anything else is read as typed
    (`normalize_phone`): ``+55 (11) 91234-5678``, or, given
    *country_code*, a local number of that country.

    Raises:
        PhoneNumberError: When *text* is no phone.
        TypeError: When *text* is not a string (a number loses its leading
            zeros and plus: write the phone as text).
    """
    if not isinstance(text, str):
        raise TypeError(f"a phone is text, not {type(text).__name__}: {text!r}")
    if text.isascii() and text.isdigit():
        return given_phone(text)
    return normalize_phone(text, country_code=country_code)


def full_phone(text: str) -> Phone:
    """
    Read a lead's phone as a person names one: a full international number.

    As `lead_phone` reads it, with one more rule for digits alone: they
    must be at least 8, the fewest of a full number but in a few small
    countries (7, Niue's ``6834002``, are taken when they are a valid
    number of such a country).  WhatsApp may give fewer and `lead_phone`
    keeps them, but a person who names a lead to act on (``convroute
    forget 12``) has slipped: asked again, they give its country code.

    Args:
        text: The phone, e.g. ``5511912345678`` or ``+55 11 91234-5678``.

    Returns:
        Its digits, 8 to 15 of them, or 7 for a number of a country whose
        numbers are that short (Niue's ``6834002``).

    Raises:
        PhoneNumberError: When *text* is no phone, or digits too few for
            a full number.
        TypeError: When *text* is not a string.
    """
    phone = lead_phone(text)
    if _too_short(phone):
        raise PhoneNumberError(
            text,
            f"it has {len(phone)} digits, fewer than a full international number's "
            f"{_MIN_DIGITS}: give it with its country code",
        )
    return phone


def normalize_country_code(text: str) -> str:
    """
    Read a country calling code, with or without its ``+``.

    Args:
        text: E.g. ``"44"`` or ``"+44"``.

    Returns:
        Its digits, e.g. ``"44"``.

    Raises:
        PhoneNumberError: When *text* is not the calling code of a country
            (``+800`` and the like belong to none).
    """
    code = text.strip().removeprefix("+")
    if not (code.isascii() and code.isdecimal() and 1 <= len(code) <= 3 and code[0] != "0"):
        raise PhoneNumberError(text, "a country code is 1 to 3 digits, e.g. 1 or 44")
    if phonenumbers.region_code_for_country_code(int(code)) in {_UNKNOWN_REGION, _NON_GEOGRAPHIC}:
        raise PhoneNumberError(text, f"+{code} is not the calling code of a country")
    return code


def _international(text: str, digits: str) -> Phone:
    if digits.startswith("0"):
        raise PhoneNumberError(
            text, "it starts with 0; write it with its country code, e.g. +44 20 7946 0958"
        )
    if _is_possible_as_written(digits):
        return Phone(digits)
    return _read(text, "+" + digits, None)


def _national(text: str, digits: str, country_code: str) -> Phone:
    region = phonenumbers.region_code_for_country_code(int(normalize_country_code(country_code)))
    return _read(text, digits, region)


def _is_possible_as_written(digits: str) -> bool:
    # The fast path, for digits already normalised: the country code is the
    # first 1 to 3 digits that are one, as libphonenumber finds it, and what
    # follows is checked as it stands, without parsing the text.  Digits
    # that fail (a trunk 0 after the code, an odd length) take the full
    # parse, which drops what may be dropped or says why it is no number.
    if digits.startswith("0") or not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        return False
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return _is_possible(code, digits[size:])
    return False


def _is_possible(code: int, national: str) -> bool:
    significant = national.lstrip("0")
    if not significant:
        return False
    zeros = len(national) - len(significant)
    number = PhoneNumber(
        country_code=code,
        national_number=int(significant),
        italian_leading_zero=zeros > 0,
        number_of_leading_zeros=zeros,
    )
    possible = phonenumbers.is_possible_number_with_reason(number)
    return possible == ValidationResult.IS_POSSIBLE and (
        zeros == 0 or _may_start_with_zero(code, national)
    )


def _read(text: str, written: str, region: str | None) -> Phone:
    hint = "" if region is None else _ANOTHER_COUNTRY
    try:
        number = phonenumbers.parse(written, region)
    except NumberParseException as error:
        reason = _UNREADABLE.get(error.error_type, "it is not a phone number")
        raise PhoneNumberError(text, reason + hint) from None
    code = cast("int", number.country_code)  # parse always sets it
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        hint = ""
    if possible != ValidationResult.IS_POSSIBLE:
        reason = _NOT_POSSIBLE.get(possible, "it is not a possible number of +{code}")
        raise PhoneNumberError(text, reason.format(code=code) + hint)
    national = phonenumbers.national_significant_number(number)
    if national.startswith("0") and not _may_start_with_zero(code, national):
        raise PhoneNumberError(
            text,
            f"no number of +{code} starts with 0 after the country code; "
            "was it written without its own country code?",
        )
    digits = f"{code}{national}"
    if len(digits) > _MAX_DIGITS or _too_short(digits):
        raise PhoneNumberError(
            text, f"it has {len(digits)} digits, not {_MIN_DIGITS} to {_MAX_DIGITS}"
        )
    return Phone(digits)


def _too_short(digits: str) -> bool:
    # Whether *digits*, with their country code, are too few for a full
    # number: fewer than _MIN_DIGITS, and no valid number of a country whose
    # numbers are that short (Niue, Tokelau).
    if len(digits) >= _MIN_DIGITS:
        return False
    try:
        number = phonenumbers.parse(f"+{digits}")
    except NumberParseException:
        return True
    return not phonenumbers.is_valid_number(number)


def _may_start_with_zero(code: int, national: str) -> bool:
    # Italy's numbers keep their 0 after +39; Iran's never do: a 0 there is
    # a national number read as international (98000 00001 as +98).  Only
    # such numbers are held to the country's overall pattern: no range is
    # checked otherwise.
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    general = None if metadata is None else metadata.general_desc
    pattern = None if general is None else general.national_number_pattern
    return pattern is None or re.fullmatch(pattern, national) is not None


def _without_leading_plus(text: str) -> tuple[bool, str]:
    # The + may follow an opening bracket or a space: "(+91) 98000 00001".
    for index, char in enumerate(text):
        if char in _PLUS_SIGNS:
            return True, text[:index] + text[index + 1 :]
        if not _is_separator(char):
            break
    return False, text


def _digits_of(text: str, body: str) -> str:
    digits = []
    for char in body:
        if char.isdecimal():
            digits.append(str(unicodedata.decimal(char)))
        elif not _is_separator(char):
            raise PhoneNumberError(text, f"{char!r} is neither a digit nor punctuation")
    return "".join(digits)


def _is_separator(char: str) -> bool:
    # Spaces, dashes, brackets, dots and slashes, and their look-alikes; not
    # all punctuation: # * ! @ and the like are symbols, not formatting.
    return (
        unicodedata.category(char) in _SEPARATOR_CATEGORIES
        or unicodedata.normalize("NFKC", char) in _SEPARATOR_MARKS
    )


def first_word(name: str) -> str:
    """
    The first word of a person's name, or ``""``: their first name.

    Args:
        name: A full name, e.g. ``Asha Rao``.

    Returns:
        E.g. ``Asha``.
    """
    words = name.split(maxsplit=1)
    return words[0] if words else ""


# The converters of the values below, each naming its class and field in
# its errors: attrs does not tell a converter which field it converts.


def _lead_phone(text: str) -> Phone:
    if not isinstance(text, str):
        raise wrong_type("Lead.phone", text, "a str")
    return lead_phone(text)


def _lead_fields(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return text_mapping(mapping, "Lead.fields")


def _opportunity_fields(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return text_mapping(mapping, "Opportunity.fields")


def _stages(values: Iterable[str]) -> tuple[str, ...]:
    return text_tuple(values, "OpportunityType.stages")


def _choices(mapping: Mapping[str, Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    return choices_mapping(mapping, "OpportunityType.fields")


@attrs.frozen
class User:
    """
    A person who can be assigned conversations.

    Attributes:
        id: The host's id for the user, e.g. ``u-asha``.
        name: The name leads see, e.g. in mail-merged ``{{owner.name}}``.
        admin: Whether the user is an admin (the ``admin`` routing target).
        active: Inactive users are never assigned anything.
        max_open_conversations: The most open conversations the user may
            hold at once; ``None`` for no limit.
        schedule: The name of the user's working hours; ``None`` for none
            (a name no schedule has is taken as none).
    """

    id: str = attrs.field(validator=unicode_text_field)
    name: str = attrs.field(validator=unicode_text_field)
    admin: bool = attrs.field(default=False, validator=bool_field)
    active: bool = attrs.field(default=True, validator=bool_field)
    max_open_conversations: int | None = attrs.field(default=None, validator=optional_int_field)
    schedule: str | None = attrs.field(default=None, validator=optional_unicode_text_field)

    @property
    def first_name(self) -> str:
        """
        The first word of the user's name, or ``""``.
        """
        return first_word(self.name)


@attrs.frozen
class Lead:
    """
    A person writing to the business, known by their phone.

    Attributes:
        phone: The lead's number, normalised as an incoming message's
            (`lead_phone`): ``+1 (555) 765-4321`` is kept as ``15557654321``.
        name: The lead's full name, when the host knows it.
        owner: The id of the user who owns the lead, if any.
        fields: The lead's own fields by name (those the account declares
            in ``lead_fields``), merged as ``{{lead.<name>}}``.
        language: The language the lead reads, a BCP 47 tag such as
            ``pt-BR``, if known; menus and messages use its translations.
    """

    phone: Phone = attrs.field(converter=_lead_phone)
    name: str = attrs.field(default="", validator=unicode_text_field)
    owner: str | None = attrs.field(default=None, validator=optional_unicode_text_field)
    fields: Mapping[str, str] = attrs.field(factory=dict, converter=_lead_fields, hash=False)
    language: str | None = attrs.field(default=None, validator=optional_language_field)

    @property
    def first_name(self) -> str:
        """The first word of the lead's name, or ``""``."""
        return first_word(self.name)


class OpportunityStatus(enum.StrEnum):
    """
    Where a deal stands in the CRM: still open, or closed as won or lost.

    Closed opportunities are kept, but never offered in a second menu,
    never routed to without a menu and never moved on their board.
    """

    OPEN = "open"
    WON = "won"
    LOST = "lost"


def _opportunity_status(value: OpportunityStatus | str) -> OpportunityStatus:
    if not isinstance(value, str):
        raise wrong_type("Opportunity.status", value, "an OpportunityStatus or its value")
    try:
        return OpportunityStatus(value)
    except ValueError:
        known = ", ".join(OpportunityStatus)
        raise ValueError(f"unknown opportunity status {value!r}; known: {known}") from None


@attrs.frozen
class Opportunity:
    """
    A potential deal with a lead: a course, a loan, a product.

    Attributes:
        id: The host's id for the opportunity.
        type: The name of its opportunity type.
        name: Its display name, e.g. ``PG AI 2027``.
        fields: Its dropdown field values by field name.
        owner: The id of the user who owns it, if any.
        stage: Its stage on its type's board, if any.
        updated_at: When it last changed; the most recent is preferred.
        status: Open, won or lost (an `OpportunityStatus`, or its value);
            closed ones (won, lost) are left alone by menus, routing and
            boards.
    """

    id: str = attrs.field(validator=unicode_text_field)
    type: str = attrs.field(validator=unicode_text_field)
    name: str = attrs.field(default="", validator=unicode_text_field)
    fields: Mapping[str, str] = attrs.field(factory=dict, converter=_opportunity_fields, hash=False)
    owner: str | None = attrs.field(default=None, validator=optional_unicode_text_field)
    stage: str | None = attrs.field(default=None, validator=optional_unicode_text_field)
    updated_at: dt.datetime | None = attrs.field(default=None, validator=require_utc_time)
    status: OpportunityStatus = attrs.field(
        default=OpportunityStatus.OPEN, converter=_opportunity_status
    )

    @property
    def is_open(self) -> bool:
        """
        Whether the deal is still open: neither won nor lost.
        """
        return self.status is OpportunityStatus.OPEN

    def owned_by(self, owner: str) -> Opportunity:
        """
        The opportunity with *owner* as its owner.

        The same as ``attrs.evolve(self, owner=owner)``, made directly: the
        engine gives a new opportunity its first owner as it routes it
        (docs/performance.md, "Frozen values made per message").
        """
        return self.__class__(
            self.id,
            self.type,
            self.name,
            self.fields,
            owner,
            self.stage,
            self.updated_at,
            self.status,
        )


@attrs.frozen
class OpportunityType:
    """
    A kind of opportunity, with its board and its dropdown fields.

    Attributes:
        name: The type's unique name, e.g. ``Postgraduate Course``.
        stages: The board's stages, in order.
        fields: The dropdown fields and their choices, by field name.
    """

    name: str = attrs.field(validator=unicode_text_field)
    stages: tuple[str, ...] = attrs.field(default=(), converter=_stages)
    fields: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, converter=_choices, hash=False
    )
