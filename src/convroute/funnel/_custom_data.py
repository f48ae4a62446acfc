"""
The ``custom_data`` a stage's Conversions API event carries: values, currency.

A stage may give its event a currency, a value and the other keys Meta
documents for ``custom_data``; `event_value` may take the value from a field
of the lead's most recently updated open opportunity instead.
"""

from __future__ import annotations

import math
import re

from collections.abc import Iterable
from typing import Any, Literal, TypeAlias

import attrs

from convroute._blank import is_blank
from convroute._frozen import str_tuple
from convroute.menus import by_recency
from convroute.model import Opportunity


DeliveryCategory: TypeAlias = Literal["in_store", "curbside", "home_delivery"]
"""
How a purchase reaches the buyer, as Meta names it.
"""

ContentType: TypeAlias = Literal["product", "product_group"]
"""
What a ``content_ids`` list names, as Meta names it.
"""

PURCHASE = "Purchase"
"""
Meta's standard purchase event, which Meta accepts only with a currency and
a value.
"""

# A plain amount: digits, an optional point and decimals.  No sign, no
# exponent, no thousands separator and no comma: "1.234,56" and "1,234"
# mean different numbers in different countries, so neither is guessed.
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
# ISO 4217 codes are three Latin letters.
_CURRENCY = re.compile(r"[A-Za-z]{3}", re.ASCII)


def _contents(values: Iterable[MetaContent]) -> tuple[MetaContent, ...]:
    return tuple(values)


@attrs.frozen
class MetaContent:
    """
    One product of an event's ``contents``, as Meta documents it.

    Attributes:
        id: The product's id (SKU), as the catalogue knows it.
        quantity: How many were bought, 1 or more.
        item_price: The price of one, a finite number, 0 or more.
        title: The product's title.
        description: Its description.
        brand: Its brand.
        category: Its category.
        delivery_category: How it reaches the buyer.
    """

    id: str
    quantity: int | None = None
    item_price: float | None = None
    title: str | None = None
    description: str | None = None
    brand: str | None = None
    category: str | None = None
    delivery_category: DeliveryCategory | None = None


@attrs.frozen
class MetaCustomData:
    """
    The ``custom_data`` of a stage's event, Meta's documented keys only.

    Attributes:
        currency: The ISO 4217 code of `value` (three letters; sent in
            capitals).  Meta requires it for ``Purchase``.
        value: The event's value, a finite number, 0 or more; a stage's
            ``meta_value_field`` may give it per lead instead.  Meta
            requires it for ``Purchase``.
        content_name: The name of the product or page.
        content_category: Its category.
        content_ids: The products' ids (SKUs).
        content_type: ``product`` or ``product_group``.
        contents: The products, with quantities and prices.
        num_items: How many items, 1 or more (Meta reads it for
            ``InitiateCheckout``).
        order_id: The order's id.
        predicted_ltv: The lead's predicted lifetime value, a finite
            number.
        status: The registration's status (for ``CompleteRegistration``).
        search_string: What was searched for (for ``Search``).
        delivery_category: How the purchase reaches the buyer.
    """

    currency: str | None = None
    value: float | None = None
    content_name: str | None = None
    content_category: str | None = None
    content_ids: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)
    content_type: ContentType | None = None
    contents: tuple[MetaContent, ...] = attrs.field(default=(), converter=_contents)
    num_items: int | None = None
    order_id: str | None = None
    predicted_ltv: float | None = None
    status: str | None = None
    search_string: str | None = None
    delivery_category: DeliveryCategory | None = None

    def payload(self, value: float | None) -> dict[str, Any]:
        """
        The keys set, as plain values for ``custom_data``, with *value*.

        Args:
            value: The event's value, chosen by `event_value`; ``None``
                leaves it out.

        Returns:
            The set keys in Meta's spelling, the currency in capitals;
            numbers that are not finite (possible only in a stage built
            by hand, unchecked) are left out.
        """
        plain: dict[str, Any] = {}
        if self.currency is not None:
            plain["currency"] = self.currency.upper()
        if value is not None and _is_amount(value):
            plain["value"] = value
        for key in ("content_name", "content_category"):
            _put(plain, key, getattr(self, key))
        if self.content_ids:
            plain["content_ids"] = list(self.content_ids)
        _put(plain, "content_type", self.content_type)
        if self.contents:
            plain["contents"] = [_content_payload(content) for content in self.contents]
        _put(plain, "num_items", self.num_items)
        _put(plain, "order_id", self.order_id)
        if self.predicted_ltv is not None and math.isfinite(self.predicted_ltv):
            plain["predicted_ltv"] = self.predicted_ltv
        for key in ("status", "search_string", "delivery_category"):
            _put(plain, key, getattr(self, key))
        return plain


def parse_amount(text: str) -> float | None:
    """
    Read an opportunity field's text as an amount, if it plainly is one.

    Only digits with an optional decimal point are read (``"150"``,
    ``"150.00"``, surrounding spaces ignored).  Anything else is not an
    amount: a sign, an exponent, a currency symbol (``"R$ 150"``), a
    comma (``"1.234,56"``, ``"1,234"``: the separators differ by country),
    ``nan`` and ``inf``, or digits too many for a finite number.

    Args:
        text: The field's value.

    Returns:
        The amount, finite and 0 or more; ``None`` when *text* is none.
    """
    stripped = text.strip()
    if _AMOUNT.fullmatch(stripped) is None:
        return None
    amount = float(stripped)
    return amount if math.isfinite(amount) else None


def event_value(
    custom_data: MetaCustomData | None,
    value_field: str | None,
    opportunities: Iterable[Opportunity],
) -> float | None:
    """
    Choose the value of a stage's event.

    The *value_field* of the lead's most recently updated open opportunity
    when it reads as an amount (`parse_amount`); else the static value.

    Args:
        custom_data: The stage's ``meta_custom_data``, if any.
        value_field: The stage's ``meta_value_field``, if any.
        opportunities: The lead's opportunities.

    Returns:
        The value, or ``None`` when there is none.
    """
    if value_field is not None:
        latest = next(iter(by_recency(o for o in opportunities if o.is_open)), None)
        text = None if latest is None else latest.fields.get(value_field)
        amount = None if text is None else parse_amount(text)
        if amount is not None:
            return amount
    static = None if custom_data is None else custom_data.value
    return static if static is not None and _is_amount(static) else None


def custom_data_problems(custom_data: MetaCustomData) -> list[tuple[str, str]]:
    """
    Find what Meta would refuse in a stage's ``custom_data``.

    Args:
        custom_data: The stage's values.

    Returns:
        ``(message, path)`` pairs, the path relative to the table, e.g.
        ``.contents[0].quantity``.
    """
    problems: list[tuple[str, str]] = []
    currency = custom_data.currency
    if currency is not None and _CURRENCY.fullmatch(currency) is None:
        wanted = "expected an ISO 4217 currency code, three letters such as 'BRL'"
        problems.append((f"{wanted}, not {currency!r}", ".currency"))
    _amount_problem(problems, custom_data.value, ".value", negative=False)
    _amount_problem(problems, custom_data.predicted_ltv, ".predicted_ltv", negative=True)
    _count_problem(problems, custom_data.num_items, ".num_items")
    for key in ("content_name", "content_category", "order_id", "status", "search_string"):
        _blank_problem(problems, getattr(custom_data, key), f".{key}")
    for j, ident in enumerate(custom_data.content_ids):
        _blank_problem(problems, ident, f".content_ids[{j}]")
    for j, content in enumerate(custom_data.contents):
        at = f".contents[{j}]"
        _blank_problem(problems, content.id, f"{at}.id")
        _count_problem(problems, content.quantity, f"{at}.quantity")
        _amount_problem(problems, content.item_price, f"{at}.item_price", negative=False)
        for key in ("title", "description", "brand", "category"):
            _blank_problem(problems, getattr(content, key), f"{at}.{key}")
    return problems


def _is_amount(value: float) -> bool:
    return math.isfinite(value) and value >= 0


def _put(plain: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        plain[key] = value


def _content_payload(content: MetaContent) -> dict[str, Any]:
    plain: dict[str, Any] = {"id": content.id}
    _put(plain, "quantity", content.quantity)
    if content.item_price is not None and _is_amount(content.item_price):
        plain["item_price"] = content.item_price
    for key in ("title", "description", "brand", "category", "delivery_category"):
        _put(plain, key, getattr(content, key))
    return plain


def _amount_problem(
    problems: list[tuple[str, str]], amount: float | None, path: str, *, negative: bool
) -> None:
    if amount is None:
        return
    if not math.isfinite(amount):
        problems.append((f"expected a finite number, not {amount!r}", path))
    elif amount < 0 and not negative:
        problems.append((f"expected a number 0 or more, not {amount!r}", path))


def _count_problem(problems: list[tuple[str, str]], count: int | None, path: str) -> None:
    if count is not None and count < 1:
        problems.append((f"expected a whole number 1 or more, not {count!r}", path))


def _blank_problem(problems: list[tuple[str, str]], text: str | None, path: str) -> None:
    if text is not None and is_blank(text):
        problems.append(("must not be blank", path))
