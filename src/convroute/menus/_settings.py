"""
How a business number is set up: its products and its auto-responses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeAlias

import attrs

from convroute._frozen import str_tuple
from convroute.model import Phone


Display: TypeAlias = Literal["buttons", "list"]
"""
How a menu asks to be shown; more than three options is always a list.
"""


def _products(values: Iterable[Product]) -> tuple[Product, ...]:
    return tuple(values)


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
    """

    label: str
    opportunity_type: str
    rule: str
    field: str | None = None
    values: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)


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
    """

    message: str
    display: Display = "buttons"
    list_button: str = "Options"
    header: str | None = None
    footer: str | None = None
    other_queries: bool = False
    other_queries_label: str = "Other queries"


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
    """

    message: str
    display: Display = "buttons"
    list_button: str = "Options"
    header: str | None = None
    footer: str | None = None
    option_label: str = "{{opportunity.name}}"
    option_description: str | None = None
    new_opportunity_label: str = "New opportunity"


@attrs.frozen
class BusinessNumber:
    """
    A WhatsApp number of the account, with what leads may ask about on it.

    Attributes:
        number: The number, as digits with country code.
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
    """

    number: Phone
    products: tuple[Product, ...] = attrs.field(default=(), converter=_products)
    creates_new_opportunity: bool = False
    default_opportunity_type: str | None = None
    create_new_rule: str | None = None
    other_queries_rule: str | None = None
    first_response: FirstResponse | None = None
    second_response: SecondResponse | None = None
    away_message: str | None = None
    assigned_message: str | None = None
