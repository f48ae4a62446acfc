"""
How a business number is set up: its products and its auto-responses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, TypeAlias

import attrs

from convroute._frozen import read_only_mapping, str_tuple
from convroute.model import Phone, lead_phone


Display: TypeAlias = Literal["buttons", "list"]
"""
How a menu asks to be shown; more than three options is always a list.
"""


REPROMPT_HINT = "Sorry, I did not get that. Please choose one of the options."
"""
The line put before a menu sent again after an invalid reply, by default.
"""

FALLBACK_NUMBER = "{n}"
"""
What stands for the option's number in ``fallback_option``.
"""

FALLBACK_OPTION = "Option {n}"
"""
The title of an option whose label renders empty, by default; ``{n}`` is
its number.
"""


def _products(values: Iterable[Product]) -> tuple[Product, ...]:
    return tuple(values)


# One converter per kind of translation: a generic one would leave the type of the
# argument of ``__init__`` unsolved, and a type checker would refuse a typed dict.


def _number_translations(
    values: Mapping[str, NumberTranslation],
) -> Mapping[str, NumberTranslation]:
    return read_only_mapping(values)


def _texts_translations(values: Mapping[str, TextsTranslation]) -> Mapping[str, TextsTranslation]:
    return read_only_mapping(values)


def _product_translations(
    values: Mapping[str, ProductTranslation],
) -> Mapping[str, ProductTranslation]:
    return read_only_mapping(values)


def _first_response_translations(
    values: Mapping[str, FirstResponseTranslation],
) -> Mapping[str, FirstResponseTranslation]:
    return read_only_mapping(values)


def _second_response_translations(
    values: Mapping[str, SecondResponseTranslation],
) -> Mapping[str, SecondResponseTranslation]:
    return read_only_mapping(values)


@attrs.frozen
class ProductTranslation:
    """
    A product's label in one language.

    Attributes:
        label: The option's title for leads of that language.
    """

    label: str


@attrs.frozen
class FirstResponseTranslation:
    """
    A first response's texts in one language.

    A text left out is the default one, or that of the language a longer
    tag falls back to (``pt-BR`` to ``pt``).

    Attributes:
        message: The body, a mail-merge template.
        list_button: The label of the button that opens a list.
        header: The header text.
        footer: The footer text.
        other_queries_label: The title of the *Other queries* option.
    """

    message: str | None = None
    list_button: str | None = None
    header: str | None = None
    footer: str | None = None
    other_queries_label: str | None = None


@attrs.frozen
class SecondResponseTranslation:
    """
    A second response's texts in one language.

    A text left out is the default one, or that of the language a longer
    tag falls back to (``pt-BR`` to ``pt``).

    Attributes:
        message: The body, a mail-merge template.
        list_button: The label of the button that opens a list.
        header: The header text.
        footer: The footer text.
        option_label: The title of each opportunity's option, a template.
        option_description: Each option's description, a template.
        new_opportunity_label: The title of the *New opportunity* option.
    """

    message: str | None = None
    list_button: str | None = None
    header: str | None = None
    footer: str | None = None
    option_label: str | None = None
    option_description: str | None = None
    new_opportunity_label: str | None = None


@attrs.frozen
class NumberTranslation:
    """
    A number's messages to the lead in one language.

    A message left out is the default one, or that of the language a
    longer tag falls back to.

    Attributes:
        away_message: The away message, a mail-merge template.
        assigned_message: The assigned message, a mail-merge template.
    """

    away_message: str | None = None
    assigned_message: str | None = None
    translations: Mapping[str, NumberTranslation] = attrs.field(
        factory=dict, converter=_number_translations, hash=False
    )


@attrs.frozen
class TextsTranslation:
    """
    The account's fixed texts in one language.

    A text left out is the default one, or that of the language a longer
    tag falls back to.

    Attributes:
        reprompt_hint: The line before a menu sent again.
        fallback_option: The title of an option whose label renders empty.
    """

    reprompt_hint: str | None = None
    fallback_option: str | None = None


@attrs.frozen
class Texts:
    """
    The account's fixed texts: what convroute itself says.

    Attributes:
        reprompt_hint: The line put before a menu sent again after an
            invalid reply.
        fallback_option: The title of an option whose label renders empty;
            ``{n}`` (exactly once) is replaced by the option's number, and
            the word before it is one typed replies accept before a number
            (``Option 2``).
        translations: The texts in other languages, by BCP 47 tag.
    """

    reprompt_hint: str = REPROMPT_HINT
    fallback_option: str = FALLBACK_OPTION
    translations: Mapping[str, TextsTranslation] = attrs.field(
        factory=dict, converter=_texts_translations, hash=False
    )


@attrs.frozen
class Product:
    """
    One option of a number's first response.

    A product is an opportunity type, maybe narrowed by one dropdown field.

    Attributes:
        label: The option's title in the menu.
        opportunity_type: The name of the opportunity type it stands for.
        rule: The routing rule for conversations about it.
        field: A dropdown field of the type that narrows it, if any.
        values: The field's values that belong to the product; when there is
            exactly one, an opportunity created for the product gets it.
        translations: Its label in other languages, by BCP 47 tag; the
            option selects the same product whatever the language.
    """

    label: str
    opportunity_type: str
    rule: str
    field: str | None = None
    values: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)
    translations: Mapping[str, ProductTranslation] = attrs.field(
        factory=dict, converter=_product_translations, hash=False
    )


@attrs.frozen
class FirstResponse:
    """
    The menu that asks which product a conversation is about.

    Attributes:
        message: The body, a mail-merge template.
        display: ``buttons`` or ``list``; more than three options is a list.
        list_button: The label of the button that opens a list.
        header: An optional header text.
        footer: An optional footer text.
        other_queries: Whether to offer an *Other queries* option.
        other_queries_label: The title of that option.
        translations: Its texts in other languages, by BCP 47 tag.
    """

    message: str
    display: Display = "buttons"
    list_button: str = "Options"
    header: str | None = None
    footer: str | None = None
    other_queries: bool = False
    other_queries_label: str = "Other queries"
    translations: Mapping[str, FirstResponseTranslation] = attrs.field(
        factory=dict, converter=_first_response_translations, hash=False
    )


@attrs.frozen
class SecondResponse:
    """
    The menu that asks which of the lead's opportunities a chat is about.

    Its options are the lead's opportunities that match the chosen product,
    then *New opportunity*.

    Attributes:
        message: The body, a mail-merge template.
        display: ``buttons`` or ``list``; more than three options is a list.
        list_button: The label of the button that opens a list.
        header: An optional header text.
        footer: An optional footer text.
        option_label: The title of each opportunity's option, a template.
        option_description: Each option's description (lists only), a
            template.
        new_opportunity_label: The title of the *New opportunity* option.
        translations: Its texts in other languages, by BCP 47 tag.
    """

    message: str
    display: Display = "buttons"
    list_button: str = "Options"
    header: str | None = None
    footer: str | None = None
    option_label: str = "{{opportunity.name}}"
    option_description: str | None = None
    new_opportunity_label: str = "New opportunity"
    translations: Mapping[str, SecondResponseTranslation] = attrs.field(
        factory=dict, converter=_second_response_translations, hash=False
    )


@attrs.frozen
class BusinessNumber:
    """
    A WhatsApp number of the account, with what leads may ask about on it.

    Attributes:
        number: The number, as digits with country code; one written
            with ``+`` and spacing (``+91 80 4000 1234``) is normalised as
            an incoming message's phones are.
        products: The options of its first response, in order.
        creates_new_opportunity: Whether to create an opportunity when the
            lead has none for the product asked about.
        default_opportunity_type: The type of opportunities created when no
            menu asked for a product.
        create_new_rule: The routing rule used when no menu is configured.
        other_queries_rule: The routing rule for *Other queries*.
        first_response: The product menu, if any.
        second_response: The opportunity menu, if any.
        away_message: The text sent to a lead whose conversation starts
            waiting for someone to take it, once per wait; a mail-merge
            template.
        assigned_message: The text sent to the lead when a user takes
            the conversation (assigned or reassigned); a mail-merge
            template that may name the user, ``{{user.name}}``.
        translations: The away and assigned messages in other languages,
            by BCP 47 tag.
        phone_number_id: The Cloud API's id of the number (digits), which
            a transport posts its messages to; it wins over the one a
            webhook gives.
    """

    number: Phone = attrs.field(converter=lead_phone)
    products: tuple[Product, ...] = attrs.field(default=(), converter=_products)
    creates_new_opportunity: bool = False
    default_opportunity_type: str | None = None
    create_new_rule: str | None = None
    other_queries_rule: str | None = None
    first_response: FirstResponse | None = None
    second_response: SecondResponse | None = None
    away_message: str | None = None
    assigned_message: str | None = None
    translations: Mapping[str, NumberTranslation] = attrs.field(
        factory=dict, converter=_number_translations, hash=False
    )
    phone_number_id: str | None = None
