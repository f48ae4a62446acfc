"""
Mail merge: ``{{lead.first_name|there}}`` in the texts of a number's menus.

The language is tiny on purpose.  A placeholder names a namespace and a
field, ``{{namespace.field}}``, with an optional fallback after ``|``.  Its
value is looked up in plain mappings of strings built here from the values
of the conversation, never by attribute access on Python objects and never
with `str.format`: a template can reach nothing but those strings.  Braces
are reserved: a single ``{`` or ``}`` is an error, so that a template meant
for `str.format` (``{0.__class__}``) is reported, not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import attrs

from convroute._blank import is_blank
from convroute.errors import ConfigError
from convroute.model import Lead, Opportunity, User


LEAD_FIELDS = frozenset({"first_name", "name", "phone"})
"""
The fields of ``lead`` every lead has: the lead writing.  The fields the
account declares (``lead_fields``) come beside them.
"""
OPPORTUNITY_FIELDS = frozenset({"name", "type", "stage"})
"""
The fields of ``opportunity`` every type has; its type's dropdown fields
come beside them, by field name.
"""
OWNER_FIELDS = frozenset({"first_name", "name"})
"""
The fields of ``owner``: the user who owns the opportunity.
"""
USER_FIELDS = frozenset({"first_name", "name"})
"""
The fields of ``user``: the user who takes the conversation (in a number's
assigned message only).
"""

Scope: TypeAlias = Mapping[str, frozenset[str] | None]
"""
What a template may name: the fields of each namespace it may use by
namespace; ``None`` for a namespace whose every field is allowed.
"""

Values: TypeAlias = Mapping[str, Mapping[str, str]]
"""
What placeholders resolve to: the values of each namespace's fields.
"""

_NAMESPACES = frozenset({"lead", "opportunity", "owner", "user"})
_OPEN = "{{"
_CLOSE = "}}"


@attrs.frozen
class Placeholder:
    """
    One ``{{namespace.field|fallback}}`` of a template.

    Attributes:
        namespace: ``lead``, ``opportunity``, ``owner`` or ``user``.
        field: The field's name.
        fallback: What blank or missing values give.
        source: The placeholder as written, for messages.
    """

    namespace: str
    field: str
    fallback: str
    source: str


Part: TypeAlias = str | Placeholder


@attrs.frozen
class ParsedTemplate:
    """
    A template split into literal text and placeholders.

    Attributes:
        parts: The pieces, in order.
        problems: What is wrong with its braces; nothing can be merged
            when there is any.
    """

    parts: tuple[Part, ...]
    problems: tuple[str, ...]


def merge_template(
    template: str,
    *,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    owner: User | None = None,
    user: User | None = None,
) -> str:
    """
    Fill *template*'s placeholders with the values given.

    A placeholder whose value is missing or blank gives its fallback, or
    nothing.  Values are inserted as they are: a lead named
    ``{{owner.name}}`` is shown by that name, not merged again.

    Args:
        template: Text with placeholders, e.g. ``Hi {{lead.first_name|there}}!``.
        lead: The lead, for ``lead.*``.
        opportunity: The opportunity, for ``opportunity.*``.
        owner: The opportunity's owner, for ``owner.*``.
        user: The user taking the conversation, for ``user.*``.

    Returns:
        The merged text.

    Raises:
        ConfigError: When the template's braces are malformed.
    """
    parsed = parse_template(template)
    if parsed.problems:
        raise ConfigError(parsed.problems)
    values = merge_values(lead=lead, opportunity=opportunity, owner=owner, user=user)
    return merge_parts(parsed, values)


def merge_values(
    *,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    owner: User | None = None,
    user: User | None = None,
) -> dict[str, Mapping[str, str]]:
    """
    The values placeholders may resolve to, as plain strings by namespace.

    This is the one place values are taken from objects, by name in code:
    templates only ever look names up in the mappings built here.
    """
    values: dict[str, Mapping[str, str]] = {}
    if lead is not None:
        # Built-in fields win over the lead's own fields of the same name.
        values["lead"] = {
            **lead.fields,
            "first_name": lead.first_name,
            "name": lead.name,
            "phone": lead.phone,
        }
    if opportunity is not None:
        # Built-in fields win over dropdown fields of the same name.
        values["opportunity"] = {
            **opportunity.fields,
            "name": opportunity.name,
            "type": opportunity.type,
            "stage": opportunity.stage or "",
        }
    if owner is not None:
        values["owner"] = {"first_name": owner.first_name, "name": owner.name}
    if user is not None:
        values["user"] = {"first_name": user.first_name, "name": user.name}
    return values


def merge_parts(parsed: ParsedTemplate, values: Values) -> str:
    """
    Merge an already parsed template; see `merge_template`.
    """
    pieces = []
    for part in parsed.parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        value = values.get(part.namespace, {}).get(part.field, "")
        pieces.append(part.fallback if is_blank(value) else value)
    return "".join(pieces)


def template_problems(template: str, scope: Scope, *, text_required: bool = False) -> list[str]:
    """
    Find what is wrong with *template* where *scope* says what it may name.

    Args:
        template: The template as configured.
        scope: The namespaces it may use and their fields.
        text_required: Whether the template must merge to non-blank text
            whatever the values: then it needs some text of its own, or a
            placeholder with a fallback.

    Returns:
        One readable message per problem: the braces' first, then the
        names', each in the order of the template.
    """
    parsed = parse_template(template)
    problems = list(parsed.problems)
    for part in parsed.parts:
        if isinstance(part, Placeholder):
            problems.extend(_scope_problems(part, scope))
    if text_required and not is_blank(template) and not parsed.problems and _may_be_blank(parsed):
        problems.append(
            "may merge to blank text: add words of its own, or a fallback such as "
            "{{lead.first_name|there}}"
        )
    return problems


def _may_be_blank(parsed: ParsedTemplate) -> bool:
    for part in parsed.parts:
        text = part if isinstance(part, str) else part.fallback
        if not is_blank(text):
            return False
    return True


def _scope_problems(placeholder: Placeholder, scope: Scope) -> list[str]:
    namespace, field = placeholder.namespace, placeholder.field
    if namespace not in scope:
        allowed = ", ".join(sorted(scope))
        if namespace in _NAMESPACES:
            return [f"{placeholder.source} cannot be used here: this text may use {allowed}"]
        return [f"unknown namespace {namespace!r} in {placeholder.source}: use {allowed}"]
    fields = scope[namespace]
    if fields is None or field in fields:
        return []
    known = ", ".join(sorted(fields))
    return [f"unknown field {field!r} in {placeholder.source}: {namespace} has {known}"]


def parse_template(template: str) -> ParsedTemplate:
    """
    Split *template* into literal text and placeholders, noting bad braces.
    """
    parts: list[Part] = []
    problems: list[str] = []
    literal_start = 0
    i = 0
    while i < len(template):
        if template.startswith(_OPEN, i):
            end = template.find(_CLOSE, i + len(_OPEN))
            if end < 0:
                problems.append(f"'{{{{' at character {i + 1} is never closed by '}}}}'")
                break
            parts.append(template[literal_start:i])
            inner = template[i + len(_OPEN) : end]
            source = template[i : end + len(_CLOSE)]
            placeholder = _placeholder(inner, source, i + 1, problems)
            if placeholder is not None:
                parts.append(placeholder)
            i = literal_start = end + len(_CLOSE)
        elif template.startswith(_CLOSE, i):
            problems.append(f"'}}}}' at character {i + 1} closes no placeholder")
            i += len(_CLOSE)
        elif template[i] in "{}":
            i = _single_brace(template, i, problems)
        else:
            i += 1
    parts.append(template[literal_start:])
    return ParsedTemplate(parts=tuple(part for part in parts if part), problems=tuple(problems))


def _single_brace(template: str, i: int, problems: list[str]) -> int:
    # A whole {field} (what str.format would read) is one problem, not two.
    end = template.find("}", i + 1) if template[i] == "{" else -1
    if end >= 0 and "{" not in template[i + 1 : end]:
        field = template[i : end + 1]
        problems.append(
            f"{field} at character {i + 1} is not a placeholder: placeholders take double "
            "braces, such as {{lead.first_name}}"
        )
        return end + 1
    problems.append(
        f"a single {template[i]!r} at character {i + 1}: braces only write placeholders, "
        "such as {{lead.first_name}}"
    )
    return i + 1


def _placeholder(inner: str, source: str, at: int, problems: list[str]) -> Placeholder | None:
    path, _, fallback = inner.partition("|")
    if "{" in inner or "}" in inner:
        problems.append(f"{source} at character {at} holds a brace of its own")
        return None
    namespace, dot, field = (piece.strip() for piece in path.partition("."))
    if not (dot and namespace and field):
        problems.append(
            f"{source} at character {at} names no field: write namespace.field, "
            "e.g. {{lead.first_name}}"
        )
        return None
    return Placeholder(namespace=namespace, field=field, fallback=fallback.strip(), source=source)
