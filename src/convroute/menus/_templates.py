"""
Which template of a number may name what, and the check of them all.

- The first response knows only the lead: its message, header and footer
  may use ``lead``.
- The second response's message, header and footer speak of several
  opportunities at once: ``lead`` only.
- Each option of the second response is one opportunity: its
  ``option_label`` and ``option_description`` may use ``lead``,
  ``opportunity`` and that opportunity's ``owner``.

- Translations may name what the texts they translate may name.

- The number's messages to the lead speak of one conversation: its
  ``away_message`` may use ``lead``, ``opportunity`` and its ``owner``;
  its ``assigned_message`` those and the ``user`` taking the conversation.
  ``user`` is known to the assigned message only.

Messages must never merge to blank text; headers, footers, labels and
descriptions may (a blank header is left out, a blank title replaced).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from convroute.menus._merge import (
    LEAD_FIELDS,
    OPPORTUNITY_FIELDS,
    OWNER_FIELDS,
    USER_FIELDS,
    Scope,
    template_problems,
)
from convroute.menus._settings import BusinessNumber
from convroute.model import OpportunityType


def find_template_problems(
    number: BusinessNumber,
    opportunity_types: Mapping[str, OpportunityType] | None = None,
    *,
    lead_fields: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """
    Check every mail-merge template of *number* against what it may name.

    Translations are checked like the texts they translate, at their own
    paths (``first_response.translations.pt.message``).

    Args:
        number: The business number.
        opportunity_types: The account's opportunity types by name: an
            ``{{opportunity.<field>}}`` must then be a dropdown field of a
            product's type.  Without them any field name is taken.
        lead_fields: The lead fields the account declares, which may be
            named as ``{{lead.<field>}}`` beside the built-in ones.

    Returns:
        ``(path, message)`` pairs, the path relative to the number, e.g.
        ``("second_response.option_label", "unknown field …")``.
    """
    lead = LEAD_FIELDS | frozenset(lead_fields)
    lead_only: Scope = {"lead": lead}
    problems: list[tuple[str, str]] = []

    def check(path: str, template: str | None, scope: Scope, *, text_required: bool) -> None:
        if template is not None:
            found = template_problems(template, scope, text_required=text_required)
            problems.extend((path, message) for message in found)

    first = number.first_response
    if first is not None:
        check("first_response.message", first.message, lead_only, text_required=True)
        check("first_response.header", first.header, lead_only, text_required=False)
        check("first_response.footer", first.footer, lead_only, text_required=False)
        for tag, translation in first.translations.items():
            at = f"first_response.{translation_path(tag)}"
            check(f"{at}.message", translation.message, lead_only, text_required=True)
            check(f"{at}.header", translation.header, lead_only, text_required=False)
            check(f"{at}.footer", translation.footer, lead_only, text_required=False)
    second = number.second_response
    if second is not None:
        per_option: Scope = {
            "lead": lead,
            "opportunity": _opportunity_fields(number, opportunity_types),
            "owner": OWNER_FIELDS,
        }
        check("second_response.message", second.message, lead_only, text_required=True)
        check("second_response.header", second.header, lead_only, text_required=False)
        check("second_response.footer", second.footer, lead_only, text_required=False)
        check("second_response.option_label", second.option_label, per_option, text_required=False)
        check(
            "second_response.option_description",
            second.option_description,
            per_option,
            text_required=False,
        )
        for tag, texts in second.translations.items():
            at = f"second_response.{translation_path(tag)}"
            check(f"{at}.message", texts.message, lead_only, text_required=True)
            check(f"{at}.header", texts.header, lead_only, text_required=False)
            check(f"{at}.footer", texts.footer, lead_only, text_required=False)
            check(f"{at}.option_label", texts.option_label, per_option, text_required=False)
            check(
                f"{at}.option_description",
                texts.option_description,
                per_option,
                text_required=False,
            )
    if (
        number.away_message is not None
        or number.assigned_message is not None
        or number.translations
    ):
        about_one: Scope = {
            "lead": lead,
            "opportunity": _opportunity_fields(number, opportunity_types, default_type=True),
            "owner": OWNER_FIELDS,
        }
        check("away_message", number.away_message, about_one, text_required=True)
        with_user: Scope = {**about_one, "user": USER_FIELDS}
        check("assigned_message", number.assigned_message, with_user, text_required=True)
        for tag, messages in number.translations.items():
            at = translation_path(tag)
            check(f"{at}.away_message", messages.away_message, about_one, text_required=True)
            check(
                f"{at}.assigned_message", messages.assigned_message, with_user, text_required=True
            )
    return problems


def translation_path(tag: str) -> str:
    """
    The path of the translation to *tag* within its table: ``translations.pt``.
    """
    return f"translations[{tag!r}]"


def _opportunity_fields(
    number: BusinessNumber,
    opportunity_types: Mapping[str, OpportunityType] | None,
    *,
    default_type: bool = False,
) -> frozenset[str] | None:
    # The opportunities of a second response are those of the number's
    # products, so their types' dropdown fields are the ones to offer; a
    # conversation may also be about one of the number's default type.
    if opportunity_types is None:
        return None
    declared: set[str] = set(OPPORTUNITY_FIELDS)
    kinds = [product.opportunity_type for product in number.products]
    if default_type and number.default_opportunity_type is not None:
        kinds.append(number.default_opportunity_type)
    for name in kinds:
        kind = opportunity_types.get(name)
        if kind is not None:
            declared.update(kind.fields)
    return frozenset(declared)
