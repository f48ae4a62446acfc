"""
Lead fields, translations and fixed texts in a configuration, and their checks.
"""

import pytest

from convroute.config import dump_config, loads_config
from convroute.errors import ConfigError
from convroute.menus import FirstResponseTranslation, ProductTranslation, Texts, TextsTranslation


BASE = """
[[routing_rules]]
name = "Desk"
targets = [{ kind = "admin" }]

[[opportunity_types]]
name = "Course"

[[numbers]]
number = "918040001234"
other_queries_rule = "Desk"

[[numbers.products]]
label = "AI"
opportunity_type = "Course"
rule = "Desk"

[[numbers.products]]
label = "Data Science"
opportunity_type = "Course"
rule = "Desk"

[numbers.first_response]
message = "Hi {{lead.first_name|there}}!"
other_queries = true
other_queries_label = "Something else"
"""


def problems(text):
    with pytest.raises(ConfigError) as caught:
        loads_config(text)
    return list(caught.value.errors)


class TestLeadFields:
    def test_declared_field_merges_in_templates(self):
        """A declared lead field may be named in a template, and is kept."""
        config = loads_config(
            'lead_fields = ["city"]\n'
            + BASE.replace('"Hi {{lead.first_name|there}}!"', '"Hi from {{lead.city|home}}!"')
        )

        assert ("city",) == config.lead_fields

    def test_undeclared_field_is_reported_at_its_path(self):
        """A template naming an undeclared lead field is refused where it is."""
        found = problems(BASE.replace("{{lead.first_name|there}}", "{{lead.city}}"))

        assert [
            (
                "unknown field 'city' in {{lead.city}}: lead has first_name, name, phone "
                "@ $.numbers[0].first_response.message"
            )
        ] == found

    def test_undeclared_field_in_a_translation_is_reported(self):
        """A translation is checked against the same fields as the text it translates."""
        found = problems(
            BASE + '[numbers.first_response.translations.pt]\nmessage = "Olá {{lead.city}}"\n'
        )

        assert [
            (
                "unknown field 'city' in {{lead.city}}: lead has first_name, name, phone "
                "@ $.numbers[0].first_response.translations['pt'].message"
            )
        ] == found

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ('["name"]', "'name' is a built-in lead field @ $.lead_fields[0]"),
            (
                '["my city"]',
                (
                    "'my city' is not a field name: use letters, digits and '_', "
                    "not starting with a digit @ $.lead_fields[0]"
                ),
            ),
            (
                '["city", "City"]',
                "duplicate lead field 'City', first at $.lead_fields[0] @ $.lead_fields[1]",
            ),
            ('[" "]', "lead field must not be blank @ $.lead_fields[0]"),
        ],
    )
    def test_bad_names_are_refused(self, fields, expected):
        """Built-in, unusable, repeated and blank field names are each refused."""
        assert [expected] == problems(f"lead_fields = {fields}\n" + BASE)


class TestTranslations:
    def test_loads_and_dumps_back(self):
        """Translations of the first response and product labels load and dump back equal."""
        text = (
            BASE.replace(
                'label = "AI"\nopportunity_type = "Course"\nrule = "Desk"\n',
                'label = "AI"\nopportunity_type = "Course"\nrule = "Desk"\n'
                '[numbers.products.translations.pt]\nlabel = "IA"\n',
            )
            + '[numbers.first_response.translations.pt]\nmessage = "Olá!"\n'
            + 'other_queries_label = "Outra coisa"\n'
        )
        config = loads_config(text)
        number = config.numbers[0]

        assert {"pt": ProductTranslation(label="IA")} == number.products[0].translations
        assert {
            "pt": FirstResponseTranslation(message="Olá!", other_queries_label="Outra coisa")
        } == number.first_response.translations
        assert config == loads_config(dump_config(config, "json"), "json")

    @pytest.mark.parametrize(
        ("table", "expected"),
        [
            (
                "[numbers.first_response.translations.portuguese_br]\nmessage = 'x'\n",
                (
                    "language 'portuguese_br' is not a BCP 47 tag such as 'pt' or 'pt-BR': "
                    "letters, then subtags of letters and digits joined by '-' "
                    "@ $.numbers[0].first_response.translations['portuguese_br']"
                ),
            ),
            (
                (
                    "[numbers.first_response.translations.pt]\nmessage = 'x'\n"
                    "[numbers.first_response.translations.PT]\nmessage = 'y'\n"
                ),
                (
                    "language 'PT' repeats 'pt': tags ignore case "
                    "@ $.numbers[0].first_response.translations['PT']"
                ),
            ),
            (
                "[numbers.first_response.translations.pt]\nmessage = ' '\n",
                (
                    "the message must not be blank "
                    "@ $.numbers[0].first_response.translations['pt'].message"
                ),
            ),
            (
                "[numbers.first_response.translations.'pt-BR']\nlist_button = ''\n",
                (
                    "the list button must not be blank "
                    "@ $.numbers[0].first_response.translations['pt-BR'].list_button"
                ),
            ),
            (
                "[numbers.first_response.translations.pt]\nmessage = '{{lead.first_name}}'\n",
                (
                    "may merge to blank text: add words of its own, or a fallback such as "
                    "{{lead.first_name|there}} "
                    "@ $.numbers[0].first_response.translations['pt'].message"
                ),
            ),
            (
                "[numbers.first_response.translations.pt]\nother_queries_label = 'data science'\n",
                (
                    "'data science' is also a product label in 'pt' "
                    "@ $.numbers[0].first_response.translations['pt'].other_queries_label"
                ),
            ),
            (
                "[numbers.first_response.translations.pt]\nunknown = 'x'\n",
                "unknown key(s): unknown @ $.numbers[0].first_response.translations['pt']",
            ),
        ],
    )
    def test_first_response_problems(self, table, expected):
        """Each problem of a first-response translation is reported at its path."""
        assert [expected] == problems(BASE + table)

    def test_product_label_problems(self):
        """A blank translated label, and one repeating another's (named by path), are refused."""
        text = BASE.replace(
            'label = "Data Science"\nopportunity_type = "Course"\nrule = "Desk"\n',
            'label = "Data Science"\nopportunity_type = "Course"\nrule = "Desk"\n'
            '[numbers.products.translations.pt]\nlabel = "ai"\n'
            '[numbers.products.translations.es]\nlabel = " "\n',
        )

        assert [
            "the label must not be blank @ $.numbers[0].products[1].translations['es'].label",
            (
                "duplicate product label 'ai' in 'pt', first at $.numbers[0].products[0] "
                "@ $.numbers[0].products[1].translations['pt'].label"
            ),
        ] == problems(text)

    def test_long_translated_label_is_not_an_error(self):
        """A translated label too long for a button loads: it is cut when shown."""
        config = loads_config(
            BASE + "[numbers.first_response.translations.pt]\n"
            f"other_queries_label = '{'Outra coisa ' * 10}'\n"
        )

        assert "pt" in config.numbers[0].first_response.translations


class TestFixedTexts:
    def test_loads(self):
        """[texts] and its translations load."""
        config = loads_config(
            '[texts]\nreprompt_hint = "Pardon?"\nfallback_option = "Choice {n}"\n'
            '[texts.translations.pt]\nfallback_option = "Opção {n}"\n'
        )

        assert (
            Texts(
                reprompt_hint="Pardon?",
                fallback_option="Choice {n}",
                translations={"pt": TextsTranslation(fallback_option="Opção {n}")},
            )
            == config.texts
        )

    @pytest.mark.parametrize(
        ("table", "expected"),
        [
            (
                '[texts]\nfallback_option = "Option"\n',
                (
                    "must hold {n} exactly once (the option's number), and it holds it 0 times "
                    "@ $.texts.fallback_option"
                ),
            ),
            (
                '[texts]\nfallback_option = "{n} of {n}"\n',
                (
                    "must hold {n} exactly once (the option's number), and it holds it 2 times "
                    "@ $.texts.fallback_option"
                ),
            ),
            (
                '[texts]\nreprompt_hint = " "\n',
                "the re-prompt hint must not be blank @ $.texts.reprompt_hint",
            ),
            (
                '[texts.translations.pt]\nfallback_option = "Opção"\n',
                (
                    "must hold {n} exactly once (the option's number), and it holds it 0 times "
                    "@ $.texts.translations['pt'].fallback_option"
                ),
            ),
            (
                '[texts.translations.pt]\nreprompt_hint = ""\n',
                "the re-prompt hint must not be blank @ $.texts.translations['pt'].reprompt_hint",
            ),
            (
                '[texts.translations."p t"]\nreprompt_hint = "x"\n',
                (
                    "language 'p t' is not a BCP 47 tag such as 'pt' or 'pt-BR': letters, then "
                    "subtags of letters and digits joined by '-' @ $.texts.translations['p t']"
                ),
            ),
        ],
    )
    def test_problems(self, table, expected):
        """Each problem of the fixed texts is reported at its path."""
        assert [expected] == problems(table)


SECOND = """
[numbers.second_response]
message = "Which one?"
"""


class TestSecondResponseAndMessages:
    @pytest.mark.parametrize(
        ("table", "expected"),
        [
            (
                SECOND + "[numbers.second_response.translations.pt]\nnew_opportunity_label = ''\n",
                (
                    "the label must not be blank "
                    "@ $.numbers[0].second_response.translations['pt'].new_opportunity_label"
                ),
            ),
            (
                SECOND + "[numbers.second_response.translations.pt]\n"
                "option_label = '{{owner.city}}'\n",
                (
                    "unknown field 'city' in {{owner.city}}: owner has first_name, name "
                    "@ $.numbers[0].second_response.translations['pt'].option_label"
                ),
            ),
            (
                "[numbers.translations.pt]\naway_message = 'Espere'\n",
                (
                    "translates the away message, and the number has none: give away_message too "
                    "@ $.numbers[0].translations['pt'].away_message"
                ),
            ),
            (
                "[numbers.translations.pt]\nunknown = 'x'\n",
                "unknown key(s): unknown @ $.numbers[0].translations['pt']",
            ),
        ],
    )
    def test_problems(self, table, expected):
        """Each problem of a second-response or message translation is reported at its path."""
        assert [expected] == problems(BASE + table)

    def test_message_translations_are_checked_like_the_messages(self):
        """A translated assigned message may name the user, and must not merge to blank."""
        text = BASE.replace(
            'other_queries_rule = "Desk"\n',
            'other_queries_rule = "Desk"\nassigned_message = "{{user.name|Someone}} helps"\n'
            '[numbers.translations.pt]\nassigned_message = "{{user.name}}"\n',
        )

        assert [
            (
                "may merge to blank text: add words of its own, or a fallback such as "
                "{{lead.first_name|there}} @ $.numbers[0].translations['pt'].assigned_message"
            )
        ] == problems(text)
