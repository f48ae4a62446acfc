"""
Which of a lead's opportunities belong to a product, or to a number.

The one rule: an open opportunity belongs to a product when it has the
product's type and, for a product narrowed by a field, one of its values
in that field *or no value at all* (an opportunity created without a menu,
or for a product of several values, does not know its value: it may be any).
A number also takes the open opportunities of its default type, the ones
it creates without menus, when none of its products is of that type.
Closed opportunities (won, lost) belong to nothing: a lead whose
opportunities are all closed is treated as having none.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable
from operator import attrgetter

import attrs

from convroute.menus._settings import BusinessNumber, Product
from convroute.model import Opportunity


def opportunity_matches(opportunity: Opportunity, product: Product) -> bool:
    """
    Whether *opportunity* belongs to *product*.

    It does when it is open (neither won nor lost), their types are the
    same and, for a product narrowed by a field, the opportunity's value in
    that field is one of the product's values or is unset (missing or
    blank).

    Args:
        opportunity: Any opportunity.
        product: A product of a number.

    Returns:
        ``True`` when a conversation about *product* may be about it.
    """
    if opportunity.type != product.opportunity_type or not opportunity.is_open:
        return False
    field = product.field
    if field is None:
        return True
    value = opportunity.fields.get(field)
    return not value or value in product.values


def matching_opportunities(
    product: Product, opportunities: Iterable[Opportunity]
) -> tuple[Opportunity, ...]:
    """
    The opportunities that belong to *product*, most recently updated first.

    Which belong is `opportunity_matches`'s rule.  Opportunities never
    updated come last; a naive ``updated_at`` is taken as UTC.  Ties keep
    their given order.

    Args:
        product: The product.
        opportunities: Any opportunities, e.g. all of a lead's.

    Returns:
        The matching ones, most recent first.
    """
    return by_recency([o for o in opportunities if opportunity_matches(o, product)])


@attrs.frozen
class NumberMatch:
    """
    The opportunity a conversation with a number is about, and why.

    Attributes:
        opportunity: The lead's opportunity.
        product: The number's first product it belongs to, in config order;
            ``None`` for an opportunity of the number's default type when no
            product is of that type (a number without products, say).
    """

    opportunity: Opportunity
    product: Product | None


def latest_match(
    number: BusinessNumber, opportunities: Iterable[Opportunity]
) -> NumberMatch | None:
    """
    The most recently updated of *opportunities* that belongs to *number*.

    An opportunity belongs to a number when it belongs to one of its
    products (`opportunity_matches`), or when it has the number's default
    type (the type of the opportunities the number creates without menus),
    is open, and no product is of that type.  The product reported is the first it
    belongs to, in the number's order, or ``None`` for one of the default
    type.

    Args:
        number: The business number written to.
        opportunities: The lead's opportunities.

    Returns:
        The match, or ``None`` when no opportunity belongs to the number.
    """
    products = number.products
    # The default type's opportunities are the ones the number creates
    # without menus: the next conversation must find them.  Of a product's
    # type, they do through the product (their field is unset); of another
    # type, through the default type itself.
    default = number.default_opportunity_type
    if any(product.opportunity_type == default for product in products):
        default = None
    found: list[Opportunity] = []
    product_of: list[Product | None] = []
    for opportunity in opportunities:
        product = next((p for p in products if opportunity_matches(opportunity, p)), None)
        if product is None and (opportunity.type != default or not opportunity.is_open):
            continue
        found.append(opportunity)
        product_of.append(product)
    if not found:
        return None
    latest = by_recency(found)[0]
    # Found by identity: two opportunities of the same id (a host's slip)
    # still each keep their own product.
    index = next(i for i, opportunity in enumerate(found) if opportunity is latest)
    return NumberMatch(latest, product_of[index])


def by_recency(opportunities: Iterable[Opportunity]) -> tuple[Opportunity, ...]:
    """
    Order opportunities most recently updated first.

    Opportunities never updated come last; a naive ``updated_at`` is taken
    as UTC.  Ties keep their given order.
    """
    given = list(opportunities)
    try:
        # Most often every opportunity has an aware time (or every one a
        # naive time, taken alike as UTC): then they are compared as they
        # are, in C, ties kept in order (a reversed sort is stable too).
        return tuple(sorted(given, key=_UPDATED_AT, reverse=True))
    except TypeError:  # some never updated, or naive and aware times mixed
        return tuple(sorted(given, key=_recency))


_UPDATED_AT = attrgetter("updated_at")


def _recency(opportunity: Opportunity) -> tuple[bool, float]:
    updated = opportunity.updated_at
    if updated is None:
        return (True, 0.0)
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=dt.UTC)
    return (False, -updated.timestamp())
