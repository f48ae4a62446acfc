"""
Templates are checked when the configuration loads, each problem at its path.
"""

import pathlib

import attrs
import pytest

from convroute import ConfigError, load_config, loads_config
from convroute.config import find_problems
from convroute.menus import find_template_problems


EXAMPLE = pathlib.Path(__file__).parents[2] / "examples/account.toml"
FIRST = "$.numbers[0].first_response"
SECOND = "$.numbers[0].second_response"


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLE)


def with_texts(config, first=None, second=None):
    number = config.numbers[0]
    number = attrs.evolve(
        number,
        first_response=attrs.evolve(number.first_response, **(first or {})),
        second_response=attrs.evolve(number.second_response, **(second or {})),
    )
    return attrs.evolve(config, numbers=[number])


class TestTemplateCheck:
    def test_the_example_is_clean(self, config):
        """The seed's templates raise no problem."""
        assert [] == find_problems(config)

    @pytest.mark.parametrize(
        ("texts", "expected"),
        [
            pytest.param(
                {"second": {"option_label": "{{lead.__class__}}"}},
                "unknown field '__class__' in {{lead.__class__}}: lead has city, first_name, "
                f"name, phone @ {SECOND}.option_label",
                id="dunder-class",
            ),
            pytest.param(
                {"second": {"option_label": "{{lead.__init__.__globals__}}"}},
                "unknown field '__init__.__globals__' in {{lead.__init__.__globals__}}: lead has "
                f"city, first_name, name, phone @ {SECOND}.option_label",
                id="dunder-globals",
            ),
            pytest.param(
                {"second": {"option_description": "{0.__class__}"}},
                "{0.__class__} at character 1 is not a placeholder: placeholders take double "
                f"braces, such as {{{{lead.first_name}}}} @ {SECOND}.option_description",
                id="format-field",
            ),
            pytest.param(
                {"second": {"option_description": "with {{owner.name!r}}"}},
                "unknown field 'name!r' in {{owner.name!r}}: owner has first_name, name "
                f"@ {SECOND}.option_description",
                id="conversion",
            ),
            pytest.param(
                {"second": {"option_label": "{{opportunity.Campus}}"}},
                "unknown field 'Campus' in {{opportunity.Campus}}: opportunity has Course, name, "
                f"stage, type @ {SECOND}.option_label",
                id="undeclared-field",
            ),
            pytest.param(
                {"first": {"message": "About {{opportunity.name}}?"}},
                "{{opportunity.name}} cannot be used here: this text may use lead "
                f"@ {FIRST}.message",
                id="no-opportunity-in-first",
            ),
            pytest.param(
                {"second": {"header": "{{owner.name}}"}},
                f"{{{{owner.name}}}} cannot be used here: this text may use lead @ {SECOND}.header",
                id="no-owner-in-second-message",
            ),
            pytest.param(
                {"first": {"footer": "{{agent.name}}"}},
                f"unknown namespace 'agent' in {{{{agent.name}}}}: use lead @ {FIRST}.footer",
                id="unknown-namespace",
            ),
            pytest.param(
                {"second": {"option_label": "{{user.name}}"}},
                "{{user.name}} cannot be used here: this text may use lead, opportunity, owner "
                f"@ {SECOND}.option_label",
                id="no-user-in-menus",
            ),
            pytest.param(
                {"first": {"header": "{{lead}}"}},
                "{{lead}} at character 1 names no field: write namespace.field, e.g. "
                f"{{{{lead.first_name}}}} @ {FIRST}.header",
                id="no-field",
            ),
            pytest.param(
                {"second": {"message": "Hi {{lead.first_name"}},
                f"'{{{{' at character 4 is never closed by '}}}}' @ {SECOND}.message",
                id="unclosed",
            ),
            pytest.param(
                {"first": {"message": " {{lead.first_name}} "}},
                "may merge to blank text: add words of its own, or a fallback such as "
                f"{{{{lead.first_name|there}}}} @ {FIRST}.message",
                id="may-merge-blank",
            ),
            pytest.param(
                {"first": {"message": "\u200b{{lead.first_name}}\u00ad"}},
                "may merge to blank text: add words of its own, or a fallback such as "
                f"{{{{lead.first_name|there}}}} @ {FIRST}.message",
                id="may-merge-invisible",
            ),
        ],
    )
    def test_reported_at_its_path(self, config, texts, expected):
        """Each bad template is one problem, at its field's path."""
        assert [expected] == find_problems(with_texts(config, **texts))

    def test_fine_templates(self, config):
        """Declared fields, fallbacks and optional texts that may be blank pass."""
        fine = with_texts(
            config,
            first={"header": "{{lead.first_name}}", "footer": "{{lead.phone}}"},
            second={
                "message": "{{lead.first_name|Hello}}",
                "option_label": "{{opportunity.Course}}: {{ opportunity.stage | new }}",
                "option_description": "{{owner.first_name}}",
            },
        )
        assert [] == find_problems(fine)

    def test_loads_config_refuses_them(self):
        """loads_config reports a bad template with the number's path."""
        text = EXAMPLE.read_text(encoding="utf-8").replace(
            'option_label = "{{opportunity.name}}"', 'option_label = "{{opportunity.name!r}}"'
        )
        with pytest.raises(ConfigError) as caught:
            loads_config(text, format="toml")
        assert (
            (
                "unknown field 'name!r' in {{opportunity.name!r}}: opportunity has Course, "
                f"name, stage, type @ {SECOND}.option_label"
            ),
        ) == caught.value.errors


class TestFindTemplateProblems:
    def test_without_types_any_opportunity_field(self, config):
        """Without the opportunity types, any opportunity field name is taken."""
        number = with_texts(config, second={"option_label": "{{opportunity.Campus}}"}).numbers[0]
        assert [] == find_template_problems(number)

    def test_relative_paths(self, config):
        """Problems come as (path, message) pairs relative to the number."""
        number = with_texts(config, first={"header": "{{lead.age}}"}).numbers[0]
        types = {kind.name: kind for kind in config.opportunity_types}
        assert [
            (
                "first_response.header",
                "unknown field 'age' in {{lead.age}}: lead has first_name, name, phone",
            )
        ] == find_template_problems(number, types)
