"""
A number's messages to the lead: its away message and its assigned message.

Both are mail-merge templates of the number, merged for one conversation
and fitted to WhatsApp's limit on a text message's body.  When to send them
is the engine's decision; this module only says what they read.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from convroute._blank import is_blank
from convroute._frozen import str_tuple
from convroute._whatsapp_limits import MAX_TEXT_BODY
from convroute.errors import ConfigError
from convroute.menus._fit import fit_text
from convroute.menus._languages import by_language, layers, pick_language
from convroute.menus._merge import (
    ParsedTemplate,
    Values,
    merge_parts,
    merge_values,
    parse_template,
)
from convroute.menus._settings import BusinessNumber
from convroute.menus._templates import find_template_problems, translation_path
from convroute.model import Lead, Opportunity, User


def build_away_message(
    number: BusinessNumber,
    lead: Lead,
    *,
    opportunity: Opportunity | None = None,
    owner: User | None = None,
) -> str | None:
    """
    The number's away message for *lead*, merged and fitted.

    `LeadMessages.away` merges the same text from templates parsed
    beforehand.

    Args:
        number: The business number written to.
        lead: The lead waiting, for ``lead.*``.
        opportunity: The opportunity the conversation is about, if any.
        owner: That opportunity's owner, if known.

    Returns:
        The text, at most 4 096 characters and never blank; ``None`` when
        the number has no away message.

    Raises:
        ConfigError: When the template does not hold.
    """
    return LeadMessages(number).away(lead, opportunity=opportunity, owner=owner)


def build_assigned_message(
    number: BusinessNumber,
    lead: Lead,
    user: User | None,
    *,
    opportunity: Opportunity | None = None,
    owner: User | None = None,
) -> str | None:
    """
    The number's assigned message for *lead*, merged and fitted.

    `LeadMessages.assigned` merges the same text from templates parsed
    beforehand.

    Args:
        number: The business number written to.
        lead: The lead, for ``lead.*``.
        user: The user taking the conversation, for ``user.*``; ``None``
            when not known (placeholders then give their fallbacks).
        opportunity: The opportunity the conversation is about, if any.
        owner: That opportunity's owner, if known.

    Returns:
        The text, at most 4 096 characters and never blank; ``None`` when
        the number has no assigned message.

    Raises:
        ConfigError: When the template does not hold.
    """
    return LeadMessages(number).assigned(lead, user, opportunity=opportunity, owner=owner)


def _parsed(messages: LeadMessages) -> Mapping[str | None, _Parsed]:
    # Each language's away and assigned templates, parsed once.
    number = messages.number
    default = _Parsed(_parse(number.away_message), _parse(number.assigned_message))
    parsed: dict[str | None, _Parsed] = {None: default}
    translations = by_language(number.translations)
    for language in translations:
        away, assigned = number.away_message, number.assigned_message
        for layer in layers(language, translations):
            away = away if layer.away_message is None else layer.away_message
            assigned = assigned if layer.assigned_message is None else layer.assigned_message
        # A message the number does not send is not sent in any language.
        parsed[language] = _Parsed(
            None if number.away_message is None else _parse(away),
            None if number.assigned_message is None else _parse(assigned),
        )
    return parsed


def _parse(template: str | None) -> ParsedTemplate | None:
    return None if template is None else parse_template(template)


@attrs.frozen
class _Parsed:
    # A number's messages to the lead in one language.
    away: ParsedTemplate | None
    assigned: ParsedTemplate | None


def _problems(messages: LeadMessages) -> Mapping[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {"away_message": [], "assigned_message": []}
    number = messages.number
    for path, template in (
        ("away_message", number.away_message),
        ("assigned_message", number.assigned_message),
    ):
        if template is not None and is_blank(template):
            found[path].append(f"the {path.replace('_', ' ')} must not be blank @ $.{path}")
    for tag, translation in number.translations.items():
        for path, template in (
            ("away_message", translation.away_message),
            ("assigned_message", translation.assigned_message),
        ):
            if template is not None and is_blank(template):
                at = f"{translation_path(tag)}.{path}"
                found[path].append(f"the {path.replace('_', ' ')} must not be blank @ $.{at}")
    for path, message in find_template_problems(number, lead_fields=messages.lead_fields):
        # A translation's problem stops the message it translates.
        kind = path.rpartition(".")[2]
        if kind in found:
            found[kind].append(f"{message} @ $.{path}")
    return {path: tuple(problems) for path, problems in found.items()}


@attrs.frozen(eq=False)
class LeadMessages:
    """
    The messages to the lead of one business number, parsed and checked once.

    The engine makes one per number of its config; `build_away_message`
    and `build_assigned_message` make one for the call.

    Attributes:
        number: The business number.
        lead_fields: The lead fields the account declares, which templates
            may name as ``{{lead.<field>}}``.
    """

    number: BusinessNumber
    lead_fields: tuple[str, ...] = attrs.field(default=(), converter=str_tuple)
    _parsed: Mapping[str | None, _Parsed] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_parsed, takes_self=True)
    )
    _problems: Mapping[str, tuple[str, ...]] = attrs.field(
        init=False, repr=False, default=attrs.Factory(_problems, takes_self=True)
    )

    def away(
        self,
        lead: Lead,
        *,
        opportunity: Opportunity | None = None,
        owner: User | None = None,
    ) -> str | None:
        """
        The away message for *lead*; see `build_away_message`.
        """
        away = self._in_language(lead).away
        if away is None:
            return None
        self._check("away_message")
        values = merge_values(lead=lead, opportunity=opportunity, owner=owner)
        return _fitted(away, values)

    def assigned(
        self,
        lead: Lead,
        user: User | None,
        *,
        opportunity: Opportunity | None = None,
        owner: User | None = None,
    ) -> str | None:
        """
        The assigned message for *lead*; see `build_assigned_message`.
        """
        assigned = self._in_language(lead).assigned
        if assigned is None:
            return None
        self._check("assigned_message")
        values = merge_values(lead=lead, opportunity=opportunity, owner=owner, user=user)
        return _fitted(assigned, values)

    def _in_language(self, lead: Lead) -> _Parsed:
        parsed = self._parsed
        if lead.language is None or len(parsed) == 1:
            return parsed[None]
        return parsed[pick_language(lead.language, [key for key in parsed if key is not None])]

    def _check(self, path: str) -> None:
        # A checked config never fails here; this guards numbers built by hand.
        problems = self._problems[path]
        if problems:
            raise ConfigError(problems)


def _fitted(template: ParsedTemplate, values: Values) -> str:
    # The template check makes sure a message always merges to some text:
    # words of its own, or a fallback that shows.
    return fit_text(merge_parts(template, values).strip(), MAX_TEXT_BODY)
