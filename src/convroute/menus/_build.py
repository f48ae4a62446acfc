"""
Building the first and second responses of a number for one conversation.
"""

from __future__ import annotations

import functools

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

import attrs

from convroute._blank import is_blank
from convroute._ids import option_digest
from convroute.errors import ConfigError
from convroute.menus._fit import fit_text, one_line, unique_titles
from convroute.menus._limits import (
    MAX_BODY_TEXT,
    MAX_BUTTONS,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BUTTON,
    MAX_MENU_OPTIONS,
    MAX_ROW_DESCRIPTION,
)
from convroute.menus._match import matching_opportunities
from convroute.menus._merge import (
    Placeholder,
    Values,
    merge_parts,
    merge_values,
    parse_template,
)
from convroute.menus._model import Menu, MenuKind, MenuOption, OptionKind, title_limit
from convroute.menus._settings import (
    BusinessNumber,
    Display,
    FirstResponse,
    Product,
    SecondResponse,
)
from convroute.menus._templates import find_template_problems
from convroute.model import Lead, Opportunity, User


@attrs.frozen
class _Draft:
    # An option before fitting: its wanted title may be blank or too long.
    kind: OptionKind
    key: str
    title: str
    description: str | None = None


def build_first_response(number: BusinessNumber, lead: Lead) -> Menu:
    """
    Build the menu that asks which product a conversation is about.

    Its options are the number's products, in order, then *Other queries*
    when it is on.

    Args:
        number: The business number written to, with a ``first_response``.
        lead: The lead writing, for the mail merge.

    Returns:
        The menu, as buttons for up to three options and a list otherwise.

    Raises:
        ConfigError: When the number has no first response, no options or
            too many, or a template that does not hold.
    """
    response = number.first_response
    if response is None:
        raise ConfigError([f"number {number.number} has no first response @ $.first_response"])
    prepared = _prepare(number)
    _check_templates(prepared)
    drafts = prepared.first_drafts
    if not 1 <= len(drafts) <= MAX_MENU_OPTIONS:
        raise ConfigError(
            [
                (
                    f"the first response has {len(drafts)} options, "
                    f"and a menu holds 1 to {MAX_MENU_OPTIONS} @ $.products"
                )
            ]
        )
    # The menu depends on the number and on the values its templates name
    # (the lead's first name, say), and on nothing else: leads who give the
    # same values get the same menu, built once.
    values = merge_values(lead=lead)
    key = _key(prepared.named, values)
    try:
        hash(key)
    except TypeError:  # a value that is not text (a lead built by hand): built as it is
        return _compose(MenuKind.FIRST_RESPONSE, response, values, drafts)
    return _first_response(prepared, key)


def build_second_response(
    number: BusinessNumber,
    product: Product,
    lead: Lead,
    opportunities: Iterable[Opportunity],
    owners: Mapping[str, User],
) -> Menu:
    """
    Build the menu that asks which of the lead's opportunities is meant.

    Its options are the opportunities that match *product*, most recently
    updated first, then *New opportunity*.  When more match than a menu can
    show, the most recent that fit are kept and the others are named in
    `Menu.left_out`.

    Args:
        number: The business number written to, with a ``second_response``.
        product: The product the lead chose in the first response.
        lead: The lead writing.
        opportunities: The lead's opportunities; those not matching
            *product* are passed over.
        owners: The users who may own them, by id, for ``{{owner.*}}``.

    Returns:
        The menu, as buttons for up to three options and a list otherwise.

    Raises:
        ConfigError: When the number has no second response, or a template
            that does not hold.
    """
    response = number.second_response
    if response is None:
        raise ConfigError([f"number {number.number} has no second response @ $.second_response"])
    prepared = _prepare(number)
    _check_templates(prepared)
    matching = matching_opportunities(product, opportunities)
    room = MAX_MENU_OPTIONS - 1
    label = parse_template(response.option_label)
    description = (
        None if response.option_description is None else parse_template(response.option_description)
    )
    lead_values = merge_values(lead=lead)
    drafts = []
    for opportunity in matching[:room]:
        owner = None if opportunity.owner is None else owners.get(opportunity.owner)
        # The lead's values are the same for every option: made once.
        values = {**lead_values, **merge_values(opportunity=opportunity, owner=owner)}
        drafts.append(
            _Draft(
                OptionKind.OPPORTUNITY,
                opportunity.id,
                merge_parts(label, values),
                None if description is None else merge_parts(description, values),
            )
        )
    drafts.append(_Draft(OptionKind.NEW_OPPORTUNITY, "", response.new_opportunity_label))
    left_out = [opportunity.id for opportunity in matching[room:]]
    # The texts around the options depend on the number and on the lead's
    # values they name alone (the templates may name nothing else): leads
    # who give the same values share them, worked out once.
    key = _key(prepared.second_named, lead_values)
    try:
        frame = _second_frame(prepared, key)
    except TypeError:  # a value that is not text (a lead built by hand): merged as it is
        frame = _frame(MenuKind.SECOND_RESPONSE, response, lead_values)
    return _menu(MenuKind.SECOND_RESPONSE, response, frame, drafts, left_out)


def with_hint(menu: Menu, hint: str) -> Menu:
    """
    The same menu with *hint* as the first paragraph of its body.

    Used to send a menu again after an invalid reply; the body is fitted to
    WhatsApp's limit, the hint kept whole when it fits.

    Args:
        menu: The menu sent before.
        hint: A short line, e.g. ``Please choose one of the options.``

    Returns:
        The menu to send again; its options and their ids are unchanged.
    """
    return attrs.evolve(menu, body=fit_text(f"{hint}\n\n{menu.body}", MAX_BODY_TEXT))


def option_id(kind: OptionKind, key: str) -> str:
    """
    The stable, opaque id of the option that selects *kind* and *key*.

    The key is hashed, so that any label or opportunity id gives a short
    ASCII id without spaces, the same in every menu and every layout.
    """
    prefix = _PREFIXES.get(kind) or kind.value
    if not key:
        return prefix
    return f"{prefix}.{_digest(key)}"


# Each kind's value, read once: an enum's `value` is a property, read for
# every option of every menu.
_PREFIXES = {kind: kind.value for kind in OptionKind}


# Cached: the same labels and opportunity ids are offered again and again.
@functools.lru_cache(maxsize=4096)
def _digest(key: str) -> str:
    return option_digest(key)


@attrs.frozen(eq=False)
class _Prepared:
    # What the menus of one number object share, worked out once: compared
    # and hashed by identity, so that a lookup never walks the number.
    number: BusinessNumber
    # Its template problems, as `ConfigError` lines.
    template_errors: tuple[str, ...]
    # The options of its first response, before fitting.
    first_drafts: tuple[_Draft, ...]
    # The (namespace, field) of every placeholder of its first response's
    # message, header and footer: all a first response depends on.
    named: tuple[tuple[str, str], ...]
    # The same of its second response: all its texts around the options
    # depend on.
    second_named: tuple[tuple[str, str], ...]


# The numbers prepared, by id(): each entry holds its number, so no other
# object can take that id while the entry is here.  Few numbers are in use
# at once; when more turn up, the table starts afresh.
_PREPARED: dict[int, _Prepared] = {}
_MAX_PREPARED = 64


def _prepare(number: BusinessNumber) -> _Prepared:
    prepared = _PREPARED.get(id(number))
    if prepared is not None and prepared.number is number:
        return prepared
    prepared = _Prepared(
        number=number,
        template_errors=tuple(
            f"{message} @ $.{path}" for path, message in find_template_problems(number)
        ),
        first_drafts=_first_drafts(number),
        named=_named(number.first_response),
        second_named=_named(number.second_response),
    )
    if len(_PREPARED) >= _MAX_PREPARED:
        _PREPARED.clear()
    _PREPARED[id(number)] = prepared
    return prepared


def _first_drafts(number: BusinessNumber) -> tuple[_Draft, ...]:
    response = number.first_response
    drafts = [
        _Draft(OptionKind.PRODUCT, product.label, product.label) for product in number.products
    ]
    if response is not None and response.other_queries:
        drafts.append(_Draft(OptionKind.OTHER_QUERIES, "", response.other_queries_label))
    return tuple(drafts)


def _named(response: FirstResponse | SecondResponse | None) -> tuple[tuple[str, str], ...]:
    # The (namespace, field) of every placeholder of a response's message,
    # header and footer, in order, once each.
    if response is None:
        return ()
    named: dict[tuple[str, str], None] = {}
    for template in (response.message, response.header, response.footer):
        if template is not None:
            for part in parse_template(template).parts:
                if isinstance(part, Placeholder):
                    named[part.namespace, part.field] = None
    return tuple(named)


def _key(named: tuple[tuple[str, str], ...], values: Values) -> tuple[str, ...]:
    # The values a response's texts name, in the order of *named*.
    return tuple([values.get(namespace, {}).get(field, "") for namespace, field in named])


def _values(named: tuple[tuple[str, str], ...], key: tuple[str, ...]) -> Values:
    # The values of a `_key`, as the mappings placeholders look up.
    values: dict[str, dict[str, str]] = {}
    for (namespace, field), value in zip(named, key, strict=True):
        values.setdefault(namespace, {})[field] = value
    return values


# Cached: a number's first response is the same for every lead who gives
# its templates the same values.  Keyed on the prepared number (by
# identity) and those values; menus are frozen, so one can be shared.
@functools.lru_cache(maxsize=1024)
def _first_response(prepared: _Prepared, key: tuple[str, ...]) -> Menu:
    response = prepared.number.first_response
    assert response is not None  # noqa: S101 - build_first_response checked it
    values = _values(prepared.named, key)
    return _compose(MenuKind.FIRST_RESPONSE, response, values, prepared.first_drafts)


# Cached: the texts around a second response's options are the same for
# every lead who gives its templates the same values; keyed as above.
@functools.lru_cache(maxsize=1024)
def _second_frame(prepared: _Prepared, key: tuple[str, ...]) -> _Frame:
    response = prepared.number.second_response
    assert response is not None  # noqa: S101 - build_second_response checked it
    return _frame(MenuKind.SECOND_RESPONSE, response, _values(prepared.second_named, key))


def _check_templates(prepared: _Prepared) -> None:
    # A checked config never fails here; this guards numbers built by hand.
    if prepared.template_errors:
        raise ConfigError(prepared.template_errors)


def _compose(
    kind: MenuKind,
    response: FirstResponse | SecondResponse,
    values: Values,
    drafts: Sequence[_Draft],
    left_out: Sequence[str] = (),
) -> Menu:
    return _menu(kind, response, _frame(kind, response, values), drafts, left_out)


_Frame: TypeAlias = tuple[str, str, str | None, str | None]
"""
A menu's texts around its options: body, list button, header and footer.
"""


def _frame(kind: MenuKind, response: FirstResponse | SecondResponse, values: Values) -> _Frame:
    body = merge_parts(parse_template(response.message), values).strip()
    list_button = fit_text(one_line(response.list_button), MAX_LIST_BUTTON)
    # Only a template that is blank itself gets here: the template check
    # makes sure the others always merge to some text.
    for text, field in ((body, "message"), (list_button, "list_button")):
        if not text:
            raise ConfigError([f"the {field} must not be blank @ $.{kind.value}.{field}"])
    return (
        fit_text(body, MAX_BODY_TEXT),
        list_button,
        _optional(response.header, values, MAX_HEADER_TEXT, line=True),
        _optional(response.footer, values, MAX_FOOTER_TEXT, line=False),
    )


def _menu(
    kind: MenuKind,
    response: FirstResponse | SecondResponse,
    frame: _Frame,
    drafts: Sequence[_Draft],
    left_out: Sequence[str],
) -> Menu:
    layout: Display = "list" if len(drafts) > MAX_BUTTONS else response.display
    titles, descriptions = _fitted(
        layout,
        tuple([draft.title for draft in drafts]),
        tuple([draft.description for draft in drafts]),
    )
    # Positional arguments: attrs' __init__ takes them faster.
    options = [
        MenuOption(option_id, title, draft.kind, draft.key, description)
        for draft, title, description, option_id in zip(
            drafts, titles, descriptions, _option_ids(drafts), strict=True
        )
    ]
    body, list_button, header, footer = frame
    return Menu(kind, layout, body, options, list_button, header, footer, left_out)


def _option_ids(drafts: Sequence[_Draft]) -> list[str]:
    # Two options selecting the same thing (two products of one label in a
    # number built by hand) still get distinct ids.
    ids: list[str] = []
    for draft in drafts:
        base = option_id(draft.kind, draft.key)
        candidate, copy = base, 1
        while candidate in ids:
            copy += 1
            candidate = f"{base}.{copy}"
        ids.append(candidate)
    return ids


# Cached: the option texts of a menu depend on its layout and the wanted
# titles and descriptions alone, and the same few come back with every
# menu (a number's products; the names of the lead's opportunities, such
# as "PG AI 2027", and their owners).  Not on the options' ids: those
# differ from lead to lead.
@functools.lru_cache(maxsize=1024)
def _fitted(
    layout: Display, titles: tuple[str, ...], descriptions: tuple[str | None, ...]
) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    # The titles to show, fitted and kept apart, and each description.
    wanted = [one_line(title) or f"Option {n}" for n, title in enumerate(titles, start=1)]
    shown = unique_titles(wanted, title_limit(layout))
    return shown, tuple([_description(description, layout) for description in descriptions])


def _description(description: str | None, layout: Display) -> str | None:
    if description is None or layout == "buttons":
        return None
    fitted = fit_text(one_line(description), MAX_ROW_DESCRIPTION)
    return None if is_blank(fitted) else fitted


def _optional(template: str | None, values: Values, limit: int, *, line: bool) -> str | None:
    # An optional text that merges to blank is left out, not sent empty.
    if template is None:
        return None
    merged = merge_parts(parse_template(template), values)
    text = one_line(merged) if line else merged.strip()
    fitted = fit_text(text, limit)
    return None if is_blank(fitted) else fitted
