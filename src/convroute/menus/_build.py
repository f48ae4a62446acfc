"""
Building the first and second responses of a number for one conversation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

import attrs

from convroute._blank import is_blank
from convroute._frozen import str_tuple
from convroute._ids import option_digest
from convroute._text import one_line, title_key
from convroute._whatsapp_limits import (
    MAX_BODY_TEXT,
    MAX_BUTTONS,
    MAX_FOOTER_TEXT,
    MAX_HEADER_TEXT,
    MAX_LIST_BUTTON,
    MAX_MENU_OPTIONS,
    MAX_ROW_DESCRIPTION,
)
from convroute.errors import ConfigError
from convroute.menus._fit import fit_text, number_word, unique_titles
from convroute.menus._languages import by_language, language_key, layers, pick_language
from convroute.menus._match import matching_opportunities
from convroute.menus._merge import (
    ParsedTemplate,
    Placeholder,
    Values,
    merge_parts,
    merge_values,
    parse_template,
)
from convroute.menus._model import Menu, MenuKind, MenuOption, OptionKind, title_limit
from convroute.menus._settings import (
    FALLBACK_NUMBER,
    FALLBACK_OPTION,
    BusinessNumber,
    Display,
    FirstResponse,
    FirstResponseTranslation,
    Product,
    SecondResponse,
    SecondResponseTranslation,
    Texts,
)
from convroute.menus._templates import find_template_problems
from convroute.model import Lead, Opportunity, User


_Response = TypeVar("_Response", FirstResponse, SecondResponse)


@attrs.frozen
class _Draft:
    # An option before fitting: its wanted title may be blank or too long;
    # *alias* is its default-language title when *title* is translated.
    kind: OptionKind
    key: str
    title: str
    description: str | None = None
    alias: str | None = None


def build_first_response(number: BusinessNumber, lead: Lead) -> Menu:
    """
    Build the menu that asks which product a conversation is about.

    Its options are the number's products, in order, then *Other queries*
    when it is on.  `NumberMenus.first_response` builds the same menu from
    the number's parts worked out beforehand.

    Args:
        number: The business number written to, with a ``first_response``.
        lead: The lead writing, for the mail merge.

    Returns:
        The menu, as buttons for up to three options and a list otherwise.

    Raises:
        ConfigError: When the number has no first response, no options or
            too many, or a template that does not hold.
    """
    return NumberMenus(number).first_response(lead)


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
    `Menu.left_out`.  `NumberMenus.second_response` builds the same menu
    from the number's parts worked out beforehand.

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
    return NumberMenus(number).second_response(product, lead, opportunities, owners)


# What `NumberMenus` works out when it is built.


def _template_errors(menus: NumberMenus) -> tuple[str, ...]:
    found = find_template_problems(menus.number, lead_fields=menus.lead_fields)
    return tuple(f"{message} @ $.{path}" for path, message in found)


def _languages(menus: NumberMenus) -> frozenset[str]:
    # Every language (compared form) any text of the number is translated to.
    number = menus.number
    tables: list[Mapping[str, object]] = [menus.texts.translations]
    tables.extend(product.translations for product in number.products)
    if number.first_response is not None:
        tables.append(number.first_response.translations)
    if number.second_response is not None:
        tables.append(number.second_response.translations)
    return frozenset(language_key(tag) for table in tables for tag in table)


def _fixed_texts(menus: NumberMenus) -> Mapping[str | None, _FixedTexts]:
    texts = menus.texts
    default = _FixedTexts(texts.reprompt_hint, texts.fallback_option)
    found: dict[str | None, _FixedTexts] = {None: default}
    translations = by_language(texts.translations)
    for language in menus._languages:  # noqa: SLF001 - a field of the instance being built
        fixed = default
        for layer in layers(language, translations):
            fixed = _FixedTexts(
                layer.reprompt_hint or fixed.reprompt_hint,
                layer.fallback_option or fixed.fallback_option,
            )
        found[language] = fixed
    return found


def _first_parts(menus: NumberMenus) -> Mapping[str | None, _FirstParts]:
    # The first response in each language, worked out once per number.
    number = menus.number
    response = number.first_response
    if response is None:
        return {}
    fixed = menus._fixed  # noqa: SLF001 - a field of the instance being built
    parts: dict[str | None, _FirstParts] = {
        None: _first_parts_in(number, response, None, fixed[None].fallback_option)
    }
    if not menus._languages:  # noqa: SLF001 - as above
        return parts
    translations = by_language(response.translations)
    products = [by_language(product.translations) for product in number.products]
    for language in menus._languages:  # noqa: SLF001 - as above
        translated = _translated(response, layers(language, translations))
        labels = []
        for product, table in zip(number.products, products, strict=True):
            chosen = layers(language, table)
            labels.append(chosen[-1].label if chosen else product.label)
        parts[language] = _first_parts_in(
            number, translated, labels, fixed[language].fallback_option, default=response
        )
    return parts


def _first_parts_in(
    number: BusinessNumber,
    response: FirstResponse,
    labels: Sequence[str] | None,
    fallback_option: str,
    *,
    default: FirstResponse | None = None,
) -> _FirstParts:
    # *labels* are the products' translated labels; option ids (from the
    # default labels) are the same in every language.
    shown = labels or [product.label for product in number.products]
    drafts = [
        _Draft(OptionKind.PRODUCT, product.label, label)
        for product, label in zip(number.products, shown, strict=True)
    ]
    if response.other_queries:
        alias = None if default is None else default.other_queries_label
        drafts.append(
            _Draft(OptionKind.OTHER_QUERIES, "", response.other_queries_label, None, alias)
        )
    layout = _layout(response.display, drafts)
    return _FirstParts(
        _Texts.of(MenuKind.FIRST_RESPONSE, response),
        layout,
        _options(layout, drafts, fallback_option),
    )


def _second_parts(menus: NumberMenus) -> Mapping[str | None, _SecondParts]:
    # The second response in each language, its templates parsed once.
    response = menus.number.second_response
    if response is None:
        return {}
    parts: dict[str | None, _SecondParts] = {None: _second_parts_in(response)}
    translations = by_language(response.translations)
    for language in menus._languages:  # noqa: SLF001 - a field of the instance being built
        translated = _translated(response, layers(language, translations))
        parts[language] = _second_parts_in(translated, default=response)
    return parts


def _second_parts_in(
    response: SecondResponse, *, default: SecondResponse | None = None
) -> _SecondParts:
    description = response.option_description
    alias = None if default is None else default.new_opportunity_label
    return _SecondParts(
        _Texts.of(MenuKind.SECOND_RESPONSE, response),
        response.display,
        parse_template(response.option_label),
        None if description is None else parse_template(description),
        _Draft(OptionKind.NEW_OPPORTUNITY, "", response.new_opportunity_label, None, alias),
    )


def _translated(
    response: _Response,
    translations: Sequence[FirstResponseTranslation | SecondResponseTranslation],
) -> _Response:
    # *response* with the texts each translation gives laid over it in turn.
    for layer in translations:
        given = {
            name: value
            for name, value in attrs.asdict(layer, recurse=False).items()
            if value is not None
        }
        response = attrs.evolve(response, **given)
    return response


@attrs.frozen(eq=False)
class NumberMenus:
    """
    The menus of one business number, what they share worked out when built.

    Its templates are parsed and checked, and the first response's options
    fitted and given their ids, once, in every language the number is
    translated to; building a menu for a lead then merges only the texts
    that name the lead's values.  The engine makes one per number of its
    config; `build_first_response` and `build_second_response` make one for
    the call.

    Attributes:
        number: The business number.
        lead_fields: The lead fields the account declares, which templates
            may name as ``{{lead.<field>}}``.
        texts: The account's fixed texts.
    """

    number: BusinessNumber
    lead_fields: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)
    texts: Texts = attrs.field(factory=Texts)
    _template_errors: tuple[str, ...] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_template_errors, takes_self=True)
    )
    _languages: frozenset[str] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_languages, takes_self=True)
    )
    _fixed: Mapping[str | None, _FixedTexts] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_fixed_texts, takes_self=True)
    )
    _first: Mapping[str | None, _FirstParts] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_first_parts, takes_self=True)
    )
    _second: Mapping[str | None, _SecondParts] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_second_parts, takes_self=True)
    )

    def first_response(self, lead: Lead) -> Menu:
        """
        Build the number's first response for *lead*; see `build_first_response`.

        The menu is in the lead's language when the number has texts in it
        (``pt-BR`` reads ``pt`` too), in the default texts otherwise.
        """
        first = self._first.get(self._language(lead))
        if first is None:
            raise ConfigError(
                [f"number {self.number.number} has no first response @ $.first_response"]
            )
        self._check_templates()
        count = len(first.options)
        if not 1 <= count <= MAX_MENU_OPTIONS:
            raise ConfigError(
                [
                    (
                        f"the first response has {count} options, "
                        f"and a menu holds 1 to {MAX_MENU_OPTIONS} @ $.products"
                    )
                ]
            )
        body, list_button, header, footer = first.texts.frame(merge_values(lead=lead))
        return Menu(
            MenuKind.FIRST_RESPONSE, first.layout, body, first.options, list_button, header, footer
        )

    def second_response(
        self,
        product: Product,
        lead: Lead,
        opportunities: Iterable[Opportunity],
        owners: Mapping[str, User],
    ) -> Menu:
        """
        Build the number's second response; see `build_second_response`.
        """
        language = self._language(lead)
        second = self._second.get(language)
        if second is None:
            raise ConfigError(
                [f"number {self.number.number} has no second response @ $.second_response"]
            )
        self._check_templates()
        matching = matching_opportunities(product, opportunities)
        room = MAX_MENU_OPTIONS - 1
        lead_values = merge_values(lead=lead)
        label, description = second.option_label, second.option_description
        # A translated menu's options may be typed by their default titles too.
        default_label = None if language is None else self._second[None].option_label
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
                    None if default_label is None else merge_parts(default_label, values),
                )
            )
        drafts.append(second.new_opportunity)
        layout = _layout(second.display, drafts)
        body, list_button, header, footer = second.texts.frame(lead_values)
        return Menu(
            MenuKind.SECOND_RESPONSE,
            layout,
            body,
            _options(layout, drafts, self._fixed[language].fallback_option),
            list_button,
            header,
            footer,
            [opportunity.id for opportunity in matching[room:]],
        )

    def reprompt_hint(self, lead: Lead) -> str:
        """
        The line before a menu sent again to *lead*, in the lead's language.
        """
        return self._fixed[self._language(lead)].reprompt_hint

    def number_words(self, lead: Lead) -> tuple[str, ...]:
        """
        The words *lead* may type before an option's number (``Option 2``).

        The word before ``{n}`` of the fixed text ``fallback_option``, in
        the lead's language and in the default one.
        """
        words = [
            self._fixed[self._language(lead)].number_word,
            self._fixed[None].number_word,
        ]
        return tuple(dict.fromkeys(word for word in words if word))

    def _language(self, lead: Lead) -> str | None:
        language = lead.language
        if language is None or not self._languages:
            return None
        return pick_language(language, self._languages)

    def _check_templates(self) -> None:
        # A checked config never fails here; this guards numbers built by hand.
        if self._template_errors:
            raise ConfigError(self._template_errors)


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
    return f"{prefix}.{option_digest(key)}"


# Each kind's value read once (see docs/performance.md, "How the hot paths are written").
_PREFIXES = {kind: kind.value for kind in OptionKind}


@attrs.frozen
class _Texts:
    # A response's texts around its options: its templates parsed, and the
    # texts that name no value (the list button, often header and footer)
    # merged and fitted.
    kind: MenuKind
    message: ParsedTemplate
    list_button: str
    header: ParsedTemplate | str | None
    footer: ParsedTemplate | str | None

    @classmethod
    def of(cls, kind: MenuKind, response: FirstResponse | SecondResponse) -> _Texts:
        return cls(
            kind,
            parse_template(response.message),
            fit_text(one_line(response.list_button), MAX_LIST_BUTTON),
            _optional_part(response.header, MAX_HEADER_TEXT, line=True),
            _optional_part(response.footer, MAX_FOOTER_TEXT, line=False),
        )

    def frame(self, values: Values) -> tuple[str, str, str | None, str | None]:
        # The body, list button, header and footer of a menu for *values*.
        body = merge_parts(self.message, values).strip()
        # Only a template that is blank itself gets here: the template check
        # makes sure the others always merge to some text.
        for text, field in ((body, "message"), (self.list_button, "list_button")):
            if not text:
                raise ConfigError([f"the {field} must not be blank @ $.{self.kind.value}.{field}"])
        return (
            fit_text(body, MAX_BODY_TEXT),
            self.list_button,
            _optional(self.header, values, MAX_HEADER_TEXT, line=True),
            _optional(self.footer, values, MAX_FOOTER_TEXT, line=False),
        )


@attrs.frozen
class _FixedTexts:
    # The fixed texts in one language.
    reprompt_hint: str
    fallback_option: str

    @property
    def number_word(self) -> str:
        return number_word(self.fallback_option)


@attrs.frozen
class _FirstParts:
    # A first response's texts, and its options, the same for every lead.
    texts: _Texts
    layout: Display
    options: tuple[MenuOption, ...]


@attrs.frozen
class _SecondParts:
    # A second response's texts and option templates.
    texts: _Texts
    display: Display
    option_label: ParsedTemplate
    option_description: ParsedTemplate | None
    new_opportunity: _Draft


def fit_choices(
    display: Display,
    choices: Sequence[tuple[str, str | None]],
    ids: Sequence[str] | None,
) -> tuple[Display, tuple[MenuOption, ...]]:
    """
    The layout and options of a bot's menu, fitted as the engine's menus are.

    Args:
        display: The layout asked for; a list past three choices.
        choices: Each option's label and description, the labels not blank.
        ids: The options' ids, already checked; ``None`` for stable ids
            made from the labels.
    """
    drafts = [
        _Draft(OptionKind.CHOICE, label, label, description) for label, description in choices
    ]
    layout = _layout(display, drafts)
    return layout, _options(layout, drafts, ids=ids)


def plain_text(text: str | None, limit: int, *, line: bool) -> str | None:
    """
    An optional text of a bot's menu, fitted as the engine's; braces are text.

    Returns:
        The text fitted to *limit* (on one line when *line*), or ``None``
        when it is ``None`` or blank.
    """
    if text is None:
        return None
    return _optional(ParsedTemplate(parts=(text,), problems=()), {}, limit, line=line)


def _layout(display: Display, drafts: Sequence[_Draft]) -> Display:
    return "list" if len(drafts) > MAX_BUTTONS else display


def _options(
    layout: Display,
    drafts: Sequence[_Draft],
    fallback_option: str = FALLBACK_OPTION,
    ids: Sequence[str] | None = None,
) -> tuple[MenuOption, ...]:
    titles, descriptions = _fitted(
        layout,
        tuple([draft.title for draft in drafts]),
        tuple([draft.description for draft in drafts]),
        fallback_option,
    )
    return tuple(
        [
            MenuOption(
                option_id,
                title,
                draft.kind,
                draft.key,
                description,
                _aliases(draft.alias, title),
            )
            for draft, title, description, option_id in zip(
                drafts,
                titles,
                descriptions,
                _option_ids(drafts) if ids is None else ids,
                strict=True,
            )
        ]
    )


def _aliases(alias: str | None, title: str) -> tuple[str, ...]:
    if alias is None or is_blank(alias) or title_key(alias) == title_key(title):
        return ()
    return (one_line(alias),)


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


def _fitted(
    layout: Display,
    titles: tuple[str, ...],
    descriptions: tuple[str | None, ...],
    fallback_option: str = FALLBACK_OPTION,
) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    # The titles to show, fitted and kept apart, and each description.
    # {n} is replaced as text: a fixed text is never given to str.format.
    wanted = [
        one_line(title) or one_line(fallback_option.replace(FALLBACK_NUMBER, str(n)))
        for n, title in enumerate(titles, start=1)
    ]
    shown = unique_titles(wanted, title_limit(layout), fallback_option)
    return shown, tuple([_description(description, layout) for description in descriptions])


def _description(description: str | None, layout: Display) -> str | None:
    if description is None or layout == "buttons":
        return None
    fitted = fit_text(one_line(description), MAX_ROW_DESCRIPTION)
    return None if is_blank(fitted) else fitted


def _optional_part(template: str | None, limit: int, *, line: bool) -> ParsedTemplate | str | None:
    # An optional text: parsed, or its text when it names no value.
    if template is None:
        return None
    parsed = parse_template(template)
    if any(isinstance(part, Placeholder) for part in parsed.parts):
        return parsed
    return _optional(parsed, {}, limit, line=line)


def _optional(
    template: ParsedTemplate | str | None, values: Values, limit: int, *, line: bool
) -> str | None:
    # An optional text that merges to blank is left out, not sent empty.
    if template is None or isinstance(template, str):
        return template
    merged = merge_parts(template, values)
    text = one_line(merged) if line else merged.strip()
    fitted = fit_text(text, limit)
    return None if is_blank(fitted) else fitted
