"""
Hypothesis strategies for menus: numbers, templates and conversations.

They draw what hosts and hand-written setups really hold, not only what a
checked configuration allows: labels and names of 0 to 200 characters with
emoji (flags, skin tones, ZWJ sequences), combining marks, right-to-left
scripts, digits of other scripts, odd whitespace, and duplicates.  Templates
are well formed (broken ones are a configuration error, tested apart).
"""

from __future__ import annotations

import datetime as dt
import functools

import attrs

from hypothesis import strategies as st

from convroute.menus import (
    BusinessNumber,
    FirstResponse,
    FirstResponseTranslation,
    Product,
    ProductTranslation,
    SecondResponse,
    SecondResponseTranslation,
    Texts,
    TextsTranslation,
)
from convroute.model import Lead, Opportunity, User
from strategies import names, phones


__all__ = [
    "COURSE_TYPE",
    "conversations",
    "menu_numbers",
    "menu_texts",
    "templates",
]

COURSE_TYPE = "Course"
"""
The opportunity type of every generated product, with a field ``Subject``.
"""
_FIELD = "Subject"
_SUBJECTS = ("AI", "Data Science", "Robotics")

# Pieces that make hard titles: a flag, a family (ZWJ sequence), a skin tone,
# a keycap, combining accents, Hebrew and Arabic (right to left), Arabic-
# Indic and Devanagari digits, a zero-width joiner alone, a no-break space.
_PIECES = (
    "\N{REGIONAL INDICATOR SYMBOL LETTER I}\N{REGIONAL INDICATOR SYMBOL LETTER N}",
    "\N{MAN}\N{ZERO WIDTH JOINER}\N{WOMAN}\N{ZERO WIDTH JOINER}\N{GIRL}",
    "\N{WAVING HAND SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4}",
    "2\N{VARIATION SELECTOR-16}\N{COMBINING ENCLOSING KEYCAP}",
    "e\N{COMBINING ACUTE ACCENT}",
    "a\N{COMBINING DIAERESIS}\N{COMBINING MACRON}\N{COMBINING DOT BELOW}",
    "\N{HEBREW LETTER SHIN}\N{HEBREW LETTER LAMED}\N{HEBREW LETTER VAV}\N{HEBREW LETTER MEM}",
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic: marhaba
    "\N{ARABIC-INDIC DIGIT TWO}",
    "\N{DEVANAGARI DIGIT ONE}",
    "\N{ZERO WIDTH JOINER}",
    "\N{NO-BREAK SPACE}",
    "STRASSE",
    "straße",
    "AI",
    "ai",
    "1",
    "2",
    "  ",
    "\n",
)


# Strategies are built once and reused: building them anew on every draw
# costs more than drawing from them.
@functools.cache
def menu_texts(max_size: int = 200) -> st.SearchStrategy[str]:
    """
    Text of 0 to about *max_size* characters, made to be hard to show.

    Mostly runs of the tricky pieces above mixed with any printable text,
    so that duplicates, near-duplicates (``AI``/``ai``) and numbers come up
    often.  Never braces: they belong to templates.
    """
    any_text = st.text(
        st.characters(categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters="{}"),
        max_size=max_size,
    )
    pieces = st.lists(
        st.sampled_from(_PIECES) | st.text(max_size=8).filter(_no_braces), max_size=8
    ).map("".join)
    return (any_text | pieces | st.sampled_from(_PIECES)).map(lambda text: text[:max_size])


@functools.cache
def templates(
    placeholders: tuple[str, ...], *, text_required: bool = False
) -> st.SearchStrategy[str]:
    """
    A well-formed template of literal text and the placeholders given.

    Args:
        placeholders: Placeholders the template may hold, as written.
        text_required: Whether it must hold some literal text of its own.
    """
    piece = menu_texts(40) | st.sampled_from(placeholders)
    body = st.lists(piece, max_size=4).map("".join)
    if text_required:
        return st.tuples(names().filter(_no_braces), body).map("".join)
    return body


def _no_braces(text: str) -> bool:
    return "{" not in text and "}" not in text


_ANY_SUBJECT = Product(
    label="Any subject", opportunity_type=COURSE_TYPE, rule="Desk", field=_FIELD, values=_SUBJECTS
)
_LEAD_PLACEHOLDERS = ("{{lead.first_name}}", "{{lead.name|friend}}", "{{ lead.phone }}")
_OPTION_PLACEHOLDERS = (
    *_LEAD_PLACEHOLDERS,
    "{{opportunity.name}}",
    "{{opportunity.type}}",
    "{{opportunity.stage|new}}",
    f"{{{{opportunity.{_FIELD}}}}}",
    "{{owner.name|our team}}",
    "{{owner.first_name}}",
)


_PRODUCTS = st.builds(
    Product,
    label=menu_texts(),
    opportunity_type=st.just(COURSE_TYPE),
    rule=st.just("Desk"),
    field=st.just(_FIELD),
    values=st.lists(st.sampled_from(_SUBJECTS), min_size=1, unique=True),
)


@st.composite
def menu_numbers(draw: st.DrawFn) -> BusinessNumber:
    """
    A business number with both responses, giving 1 to 10 first options.

    Its labels are `menu_texts`, blank and repeated ones included: a number
    put together by hand, which the builders must still turn into menus
    WhatsApp accepts.
    """
    other_queries = draw(st.booleans())
    products = draw(st.lists(_PRODUCTS, min_size=1 - other_queries, max_size=10 - other_queries))
    return BusinessNumber(
        number=draw(phones()),
        products=products,
        first_response=draw(_first_responses(other_queries=other_queries)),
        second_response=draw(_second_responses()),
    )


@functools.cache
def _first_responses(*, other_queries: bool) -> st.SearchStrategy[FirstResponse]:
    return st.builds(
        FirstResponse,
        message=templates(_LEAD_PLACEHOLDERS, text_required=True),
        display=st.sampled_from(["buttons", "list"]),
        list_button=names(40),
        header=st.none() | templates(_LEAD_PLACEHOLDERS),
        footer=st.none() | templates(_LEAD_PLACEHOLDERS),
        other_queries=st.just(other_queries),
        other_queries_label=menu_texts(),
    )


@functools.cache
def _second_responses() -> st.SearchStrategy[SecondResponse]:
    return st.builds(
        SecondResponse,
        message=templates(_LEAD_PLACEHOLDERS, text_required=True),
        display=st.sampled_from(["buttons", "list"]),
        list_button=names(40),
        header=st.none() | templates(_LEAD_PLACEHOLDERS),
        footer=st.none() | templates(_LEAD_PLACEHOLDERS),
        option_label=templates(_OPTION_PLACEHOLDERS),
        option_description=st.none() | templates(_OPTION_PLACEHOLDERS),
        new_opportunity_label=menu_texts(),
    )


@st.composite
def conversations(
    draw: st.DrawFn, number: BusinessNumber
) -> tuple[Product, Lead, list[Opportunity], dict[str, User]]:
    """
    A product of *number*, a lead, the lead's opportunities, their owners.

    The product is one of the number's, or any subject when it has none.

    Up to 12 opportunities match the product (more than a menu shows), a few
    do not; names are `menu_texts`, update times aware, naive or missing.
    """
    product = draw(st.sampled_from(number.products)) if number.products else _ANY_SUBJECT
    owners = {
        user.id: user
        for user in draw(st.lists(st.builds(User, id=names(8), name=menu_texts(60)), max_size=3))
    }
    owner_ids = st.none() | st.sampled_from(sorted(owners)) if owners else st.none()
    updated = st.none() | st.datetimes() | st.datetimes(timezones=st.just(dt.UTC))
    matching = st.builds(
        Opportunity,
        id=names(),
        type=st.just(COURSE_TYPE),
        name=menu_texts(),
        fields=st.sampled_from(product.values).map(lambda value: {_FIELD: value}),
        owner=owner_ids,
        stage=st.none() | menu_texts(30),
        updated_at=updated,
    )
    other = st.builds(Opportunity, id=names(), type=names(), name=menu_texts(), updated_at=updated)
    opportunities = draw(
        st.lists(matching, max_size=12, unique_by=lambda o: o.id)
        .flatmap(lambda found: st.lists(other, max_size=2).map(lambda more: found + more))
        .flatmap(st.permutations)
    )
    lead = Lead(
        phone=draw(phones()),
        name=draw(menu_texts(60)),
        fields=draw(st.dictionaries(names(8), menu_texts(30), max_size=2)),
        language=draw(languages()),
    )
    return product, lead, list(opportunities), owners


LANGUAGE_TAGS = ("pt", "pt-BR", "es", "fr-CA", "zh-Hant-TW")
"""
The tags translations are drawn in.
"""


def languages() -> st.SearchStrategy[str | None]:
    """
    A lead's language: none, a translated one in any case, or one never translated.
    """
    tags = st.sampled_from((*LANGUAGE_TAGS, "pt-PT", "de", "zh-Hant"))
    return st.none() | tags | tags.map(str.upper)


@st.composite
def translated_numbers(draw: st.DrawFn) -> tuple[BusinessNumber, Texts]:
    """
    A `menu_numbers` number whose responses and products are translated,
    and fixed texts with translations, to some of `LANGUAGE_TAGS`.
    """
    number = draw(menu_numbers())
    first = number.first_response
    assert first is not None
    tags = st.sampled_from(LANGUAGE_TAGS)
    first_translations = draw(
        st.dictionaries(
            tags,
            st.builds(
                FirstResponseTranslation,
                message=st.none() | templates(_LEAD_PLACEHOLDERS, text_required=True),
                list_button=st.none() | names(40),
                header=st.none() | templates(_LEAD_PLACEHOLDERS),
                footer=st.none() | templates(_LEAD_PLACEHOLDERS),
                other_queries_label=st.none() | menu_texts(),
            ),
            max_size=3,
        )
    )
    products = [
        attrs.evolve(
            product,
            translations=draw(
                st.dictionaries(tags, st.builds(ProductTranslation, label=menu_texts()), max_size=3)
            ),
        )
        for product in number.products
    ]
    words = st.sampled_from(["Option {n}", "Opção {n}", "{n}", "n.º {n} ✓", "Choice no. {n}"])
    texts = Texts(
        fallback_option=draw(words),
        translations=draw(
            st.dictionaries(tags, st.builds(TextsTranslation, fallback_option=words), max_size=3)
        ),
    )
    second_translations = draw(
        st.dictionaries(
            tags,
            st.builds(
                SecondResponseTranslation,
                message=st.none() | templates(_LEAD_PLACEHOLDERS, text_required=True),
                list_button=st.none() | names(40),
                header=st.none() | templates(_LEAD_PLACEHOLDERS),
                footer=st.none() | templates(_LEAD_PLACEHOLDERS),
                option_label=st.none() | templates(_OPTION_PLACEHOLDERS),
                option_description=st.none() | templates(_OPTION_PLACEHOLDERS),
                new_opportunity_label=st.none() | menu_texts(),
            ),
            max_size=3,
        )
    )
    second = number.second_response
    assert second is not None
    translated = attrs.evolve(
        number,
        products=products,
        first_response=attrs.evolve(first, translations=first_translations),
        second_response=attrs.evolve(second, translations=second_translations),
    )
    return translated, texts
