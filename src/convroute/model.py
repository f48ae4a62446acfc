"""
The values every part of convroute shares: users, leads, opportunities, phones.

Phone normalisation lives here and nowhere else: every phone that enters
convroute goes through `normalize_phone`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from collections.abc import Mapping
from typing import NewType

import attrs

from convroute._frozen import (
    optional_unicode_text,
    read_only_choices,
    read_only_text_mapping,
    require_utc_time,
    str_tuple,
    unicode_text,
)
from convroute.errors import PhoneNumberError


__all__ = [
    "Lead",
    "Opportunity",
    "OpportunityType",
    "Phone",
    "User",
    "first_word",
    "normalize_phone",
]

Phone = NewType("Phone", str)
"""
An international phone number as digits only, country code first, no leading
zero: ``5511912345678``.  Make one with `normalize_phone`.
"""

# E.164 allows at most 15 digits; the shortest numbers in use (a 3-digit
# country code and a 4-digit subscriber number) have 7.
_MIN_DIGITS = 7
_MAX_DIGITS = 15
_PLUS_SIGNS = frozenset("+\N{FULLWIDTH PLUS SIGN}")
# Spaces (Zs), dashes (Pd), opening and closing brackets (Ps, Pe).
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Pd", "Ps", "Pe"})
_SEPARATOR_MARKS = frozenset("./")


def normalize_phone(text: str, *, country_code: str | None = None) -> Phone:
    """
    Read a phone number written any usual way as digits with country code.

    Spaces, dashes, dots, slashes and brackets are dropped; digits of any
    script count.  A leading ``+`` or ``00`` marks a number that already
    starts with its country code.  Otherwise the digits are taken as
    international as they are (WhatsApp's own ``wa_id`` form), unless
    *country_code* is given: then a national trunk ``0`` is dropped and the
    country code put in front.

    Args:
        text: The number as written, e.g. ``+55 (11) 91234-5678``.
        country_code: The calling code for numbers written nationally, e.g.
            ``"1"`` for ``(650)555-1212``.

    Returns:
        The digits, e.g. ``5511912345678``.

    Raises:
        PhoneNumberError: When *text* holds letters or symbols, too few or
            too many digits, or a national number without a country code.
    """
    stripped = text.strip()
    if not stripped:
        raise PhoneNumberError(text, "it is empty")
    plus = stripped[0] in _PLUS_SIGNS
    digits = _digits_of(text, stripped[1:] if plus else stripped)
    if plus:
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif country_code is not None:
        international = _country_digits(country_code) + digits.lstrip("0")
    else:
        international = digits
    if international.startswith("0"):
        raise PhoneNumberError(
            text, "it starts with 0; write it with its country code, e.g. +44 20 7946 0958"
        )
    if not _MIN_DIGITS <= len(international) <= _MAX_DIGITS:
        raise PhoneNumberError(
            text, f"it has {len(international)} digits, not {_MIN_DIGITS} to {_MAX_DIGITS}"
        )
    return Phone(international)


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


def _country_digits(country_code: str) -> str:
    code = country_code.strip().lstrip("+")
    if not (code.isascii() and code.isdecimal() and 1 <= len(code) <= 3 and code[0] != "0"):
        raise PhoneNumberError(country_code, "a country code is 1 to 3 digits, e.g. 1 or 44")
    return code


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
    """

    id: str = attrs.field(converter=unicode_text)
    name: str = attrs.field(converter=unicode_text)
    admin: bool = False
    active: bool = True
    max_open_conversations: int | None = None

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
        phone: The lead's number, normalised.
        name: The lead's full name, when the host knows it.
        owner: The id of the user who owns the lead, if any.
    """

    phone: Phone
    name: str = attrs.field(default="", converter=unicode_text)
    owner: str | None = attrs.field(default=None, converter=optional_unicode_text)

    @property
    def first_name(self) -> str:
        """The first word of the lead's name, or ``""``."""
        return first_word(self.name)


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
    """

    id: str = attrs.field(converter=unicode_text)
    type: str = attrs.field(converter=unicode_text)
    name: str = attrs.field(default="", converter=unicode_text)
    fields: Mapping[str, str] = attrs.field(
        factory=dict, converter=read_only_text_mapping, hash=False
    )
    owner: str | None = attrs.field(default=None, converter=optional_unicode_text)
    stage: str | None = attrs.field(default=None, converter=optional_unicode_text)
    updated_at: dt.datetime | None = attrs.field(default=None, validator=require_utc_time)


@attrs.frozen
class OpportunityType:
    """
    A kind of opportunity, with its board and its dropdown fields.

    Attributes:
        name: The type's unique name, e.g. ``Postgraduate Course``.
        stages: The board's stages, in order.
        fields: The dropdown fields and their choices, by field name.
    """

    name: str
    stages: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)
    fields: Mapping[str, tuple[str, ...]] = attrs.field(
        factory=dict, converter=read_only_choices, hash=False
    )
