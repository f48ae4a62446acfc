"""
Menus in the lead's language, lead fields in the merge, and the fixed texts.
"""

import pytest

from convroute.errors import ConfigError
from convroute.menus import (
    BusinessNumber,
    FirstResponse,
    FirstResponseTranslation,
    LeadMessages,
    MatchedBy,
    NumberMenus,
    NumberTranslation,
    OptionKind,
    Product,
    ProductTranslation,
    SecondResponse,
    SecondResponseTranslation,
    Selected,
    Texts,
    TextsTranslation,
    fallback_chain,
    interpret_reply,
    merge_template,
)
from convroute.model import Lead, Opportunity


NUMBER = "918040001234"
TEXTS = Texts(
    reprompt_hint="Sorry?",
    translations={"pt": TextsTranslation(reprompt_hint="Como?", fallback_option="Opção {n}")},
)


def number(*, first_translations=None, labels=("AI", "Data Science")):
    products = [
        Product(label=label, opportunity_type="Course", rule="Desk", translations=translations)
        for label, translations in zip(
            labels,
            ({"pt": ProductTranslation("IA")}, {"pt-BR": ProductTranslation("Dados")}),
            strict=False,
        )
    ]
    return BusinessNumber(
        number=NUMBER,
        products=products,
        first_response=FirstResponse(
            message="Hi {{lead.first_name|there}}!",
            footer="We reply fast",
            other_queries=True,
            other_queries_label="Something else",
            translations=(
                {
                    "pt": FirstResponseTranslation(
                        message="Olá {{lead.first_name|cliente}}!",
                        other_queries_label="Outra coisa",
                    ),
                    "pt-BR": FirstResponseTranslation(footer="Respondemos já"),
                }
                if first_translations is None
                else first_translations
            ),
        ),
        second_response=SecondResponse(message="Which one?"),
    )


def lead(language=None, **fields):
    return Lead(phone="919800000001", name="Ana Souza", language=language, fields=fields)


def shown(menu):
    return (menu.body, menu.footer, [option.title for option in menu.options])


class TestLanguages:
    def test_lead_without_language_gets_the_default(self):
        """A lead with no language reads the default texts."""
        menu = NumberMenus(number(), texts=TEXTS).first_response(lead())

        assert ("Hi Ana!", "We reply fast", ["AI", "Data Science", "Something else"]) == shown(menu)

    def test_regional_tag_reads_its_own_then_the_language_then_the_default(self):
        """pt-BR reads its own texts, then pt's, then the default, text by text."""
        menu = NumberMenus(number(), texts=TEXTS).first_response(lead("pt-BR"))

        assert ("Olá Ana!", "Respondemos já", ["IA", "Dados", "Outra coisa"]) == shown(menu)

    def test_language_alone_does_not_read_a_regional_translation(self):
        """A pt lead reads pt's texts, not pt-BR's."""
        menu = NumberMenus(number(), texts=TEXTS).first_response(lead("pt"))

        assert ("Olá Ana!", "We reply fast", ["IA", "Data Science", "Outra coisa"]) == shown(menu)

    @pytest.mark.parametrize("language", ["PT-br", "pt-br", "PT-BR"])
    def test_tags_ignore_case(self, language):
        """Tags are compared ignoring case."""
        menu = NumberMenus(number(), texts=TEXTS).first_response(lead(language))

        assert ["IA", "Dados", "Outra coisa"] == [option.title for option in menu.options]

    def test_unknown_language_gets_the_default(self):
        """A language with no translation reads the default texts."""
        menu = NumberMenus(number(), texts=TEXTS).first_response(lead("es-MX"))

        assert ["AI", "Data Science", "Something else"] == [o.title for o in menu.options]

    def test_option_ids_do_not_depend_on_the_language(self):
        """Each option has the same id, kind and key in every language."""
        menus = NumberMenus(number(), texts=TEXTS)

        def picks(menu):
            return [(option.id, option.kind, option.key) for option in menu.options]

        assert picks(menus.first_response(lead())) == picks(menus.first_response(lead("pt-BR")))

    def test_fallback_chain(self):
        """A tag falls back subtag by subtag, in lower case."""
        assert ("zh-hant-tw", "zh-hant", "zh") == fallback_chain("zh-Hant-TW")

    def test_long_translated_label_is_cut(self):
        """A translated label too long for a button is cut, like a default one."""
        translations = {"pt": FirstResponseTranslation(other_queries_label="Outra " * 10)}
        menu = NumberMenus(number(first_translations=translations)).first_response(lead("pt"))

        assert "Outra Outra Outra O…" == menu.options[-1].title


class TestTypedReplies:
    @pytest.mark.parametrize(
        ("text", "kind", "key"),
        [
            ("ia", OptionKind.PRODUCT, "AI"),
            ("AI", OptionKind.PRODUCT, "AI"),
            ("outra coisa", OptionKind.OTHER_QUERIES, ""),
            ("Something else", OptionKind.OTHER_QUERIES, ""),
        ],
    )
    def test_titles_in_the_lead_language_and_the_default(self, text, kind, key):
        """A typed title picks its option in the lead's language and in the default one."""
        menus = NumberMenus(number(), texts=TEXTS)
        portuguese = lead("pt")
        menu = menus.first_response(portuguese)

        outcome = interpret_reply(menu, text=text, number_words=menus.number_words(portuguese))

        assert (kind, key, MatchedBy.TITLE) == (outcome.option.kind, outcome.option.key, outcome.by)

    @pytest.mark.parametrize("text", ["Opção 2", "opção2", "Option 2", " OPTION  2 "])
    def test_number_after_the_word(self, text):
        """The word before {n}, translated or default, may come before a typed number."""
        menus = NumberMenus(number(), texts=TEXTS)
        portuguese = lead("pt")
        menu = menus.first_response(portuguese)

        outcome = interpret_reply(menu, text=text, number_words=menus.number_words(portuguese))

        assert Selected(menu.options[1], MatchedBy.NUMBER) == outcome

    def test_default_word_by_default(self):
        """Without words given, Option is the word before a number."""
        menu = NumberMenus(number()).first_response(lead())

        assert Selected(menu.options[2], MatchedBy.NUMBER) == interpret_reply(menu, text="option 3")


class TestFixedTexts:
    def test_empty_label_gets_the_translated_fallback_title(self):
        """A label that renders empty is titled by fallback_option in the lead's language."""
        menus = NumberMenus(number(labels=("AI", " ")), texts=TEXTS)

        assert ("Option 2", "Opção 2") == (
            menus.first_response(lead()).options[1].title,
            menus.first_response(lead("pt-PT")).options[1].title,
        )

    def test_reprompt_hint_in_the_lead_language(self):
        """The re-prompt hint is the lead's language's, else the default."""
        menus = NumberMenus(number(), texts=TEXTS)

        assert ("Sorry?", "Como?") == (
            menus.reprompt_hint(lead("en")),
            menus.reprompt_hint(lead("pt-BR")),
        )

    def test_number_words(self):
        """The words before a number are the lead language's, then the default's."""
        menus = NumberMenus(number(), texts=TEXTS)

        assert (("Opção", "Option"), ("Option",)) == (
            menus.number_words(lead("pt")),
            menus.number_words(lead()),
        )


class TestLeadFields:
    def test_merged_by_name(self):
        """A lead's own field merges as {{lead.<field>}}; a missing one gives its fallback."""
        assert ("Hi from Recife", "Hi from home") == (
            merge_template("Hi from {{lead.city|home}}", lead=lead(city="Recife")),
            merge_template("Hi from {{lead.city|home}}", lead=lead()),
        )

    def test_built_in_fields_win(self):
        """A lead field named like a built-in one does not replace it."""
        assert "Ana Souza" == merge_template("{{lead.name}}", lead=lead(name="Other"))

    def test_declared_fields_merge_in_every_text(self):
        """Menus and messages to the lead merge declared lead fields."""
        first = FirstResponse(message="Hi from {{lead.city|home}}!")
        with_city = BusinessNumber(
            number=NUMBER,
            products=[Product(label="AI", opportunity_type="Course", rule="Desk")],
            first_response=first,
            second_response=SecondResponse(
                message="Which, {{lead.city}}?", option_label="{{opportunity.name}} {{lead.city}}"
            ),
            away_message="Wait in {{lead.city|town}}",
        )
        menus = NumberMenus(with_city, ("city",))
        someone = lead(city="Recife")
        second = menus.second_response(
            with_city.products[0],
            someone,
            [Opportunity(id="o1", type="Course", name="PG")],
            {},
        )

        assert ("Hi from Recife!", "Which, Recife?", "PG Recife", "Wait in Recife") == (
            menus.first_response(someone).body,
            second.body,
            second.options[0].title,
            LeadMessages(with_city, ("city",)).away(someone),
        )

    def test_undeclared_field_is_a_config_error(self):
        """A template naming a field the account does not declare is refused."""
        first = FirstResponse(message="Hi from {{lead.city|home}}!")
        plain = BusinessNumber(
            number=NUMBER,
            products=[Product(label="AI", opportunity_type="Course", rule="Desk")],
            first_response=first,
        )

        with pytest.raises(ConfigError):
            NumberMenus(plain).first_response(lead(city="Recife"))


def translated_second(**texts):
    return BusinessNumber(
        number=NUMBER,
        products=[Product(label="AI", opportunity_type="Course", rule="Desk")],
        first_response=FirstResponse(message="Which?"),
        second_response=SecondResponse(
            message="Which enquiry?",
            option_label="{{opportunity.name}} course",
            new_opportunity_label="A new one",
            translations={"pt": SecondResponseTranslation(**texts)},
        ),
        away_message="Wait, {{lead.first_name|friend}}",
        assigned_message="{{user.name|Someone}} helps you",
        translations={
            "pt": NumberTranslation(away_message="Espere, {{lead.first_name|amigo}}"),
            "pt-BR": NumberTranslation(assigned_message="{{user.name|Alguém}} te ajuda"),
        },
    )


OPPORTUNITIES = [Opportunity(id="o1", type="Course", name="PG AI")]


class TestSecondResponse:
    def test_in_the_lead_language(self):
        """A pt lead's second response uses pt's texts, the others stay default."""
        number = translated_second(message="Qual?", option_label="Curso {{opportunity.name}}")
        menu = NumberMenus(number).second_response(
            number.products[0], lead("pt-BR"), OPPORTUNITIES, {}
        )

        assert ("Qual?", ["Curso PG AI", "A new one"]) == (
            menu.body,
            [option.title for option in menu.options],
        )

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("curso pg ai", OptionKind.OPPORTUNITY),
            ("PG AI course", OptionKind.OPPORTUNITY),
            ("outra", OptionKind.NEW_OPPORTUNITY),
            ("a new one", OptionKind.NEW_OPPORTUNITY),
        ],
    )
    def test_typed_in_either_language(self, text, kind):
        """Options are picked by their translated or their default titles."""
        number = translated_second(
            option_label="Curso {{opportunity.name}}", new_opportunity_label="Outra"
        )
        menu = NumberMenus(number).second_response(
            number.products[0], lead("pt"), OPPORTUNITIES, {}
        )

        assert kind == interpret_reply(menu, text=text).option.kind


class TestLeadMessages:
    def test_away_and_assigned_in_the_lead_language(self):
        """The away and assigned messages fall back text by text, like the menus."""
        messages = LeadMessages(translated_second())

        assert (
            ("Espere, Ana", "Alguém te ajuda"),
            ("Espere, Ana", "Someone helps you"),
            ("Wait, Ana", "Someone helps you"),
        ) == tuple(
            (messages.away(lead(language)), messages.assigned(lead(language), None))
            for language in ("pt-BR", "pt", None)
        )
