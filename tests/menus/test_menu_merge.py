"""
Mail merge: placeholders, fallbacks, and nothing of Python within reach.
"""

import pytest

from hypothesis import given

from convroute import ConfigError, Lead, Opportunity, User
from convroute.menus import merge_template
from menu_strategies import menu_texts


LEAD = Lead(phone="919800000001", name="Ravi Kumar")
COURSE = Opportunity(
    id="opp-1", type="Course", name="PG AI 2027", fields={"Subject": "AI", "name": "shadowed"}
)
OWNER = User(id="u-1", name="Asha Rao")


class TestMergeTemplate:
    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            pytest.param("Hi {{lead.first_name}}!", "Hi Ravi!", id="first-name"),
            pytest.param("{{lead.name}} {{lead.phone}}", "Ravi Kumar 919800000001", id="lead"),
            pytest.param("{{ opportunity.name | x }}", "PG AI 2027", id="spaces"),
            pytest.param("{{opportunity.Subject}}", "AI", id="dropdown-field"),
            pytest.param(
                "{{opportunity.type}}/{{opportunity.stage|new}}", "Course/new", id="stage"
            ),
            pytest.param("{{owner.first_name}} {{owner.name}}", "Asha Asha Rao", id="owner"),
            pytest.param("{{opportunity.Campus|Main campus}}", "Main campus", id="fallback"),
            pytest.param("[{{opportunity.Campus}}]", "[]", id="missing"),
            pytest.param("no placeholders at all", "no placeholders at all", id="plain"),
        ],
    )
    def test_merges(self, template, expected):
        """Declared fields resolve, missing ones give their fallback or nothing."""
        assert expected == merge_template(template, lead=LEAD, opportunity=COURSE, owner=OWNER)

    def test_builtin_field_wins(self):
        """A dropdown field named like a built-in field does not hide it."""
        assert "PG AI 2027" == merge_template("{{opportunity.name}}", opportunity=COURSE)

    def test_blank_value_takes_the_fallback(self):
        """A blank value counts as missing."""
        lead = Lead(phone="919800000001", name="   ")
        assert "Hi there" == merge_template("Hi {{lead.first_name|there}}", lead=lead)

    def test_invisible_value_takes_the_fallback(self):
        """A value of invisible characters only (a zero-width space) counts as missing too."""
        lead = Lead(phone="919800000001", name="\u200b\u2060")
        assert "Hi there" == merge_template("Hi {{lead.first_name|there}}", lead=lead)

    def test_values_are_not_merged_again(self):
        """A value that looks like a placeholder is shown as it is."""
        lead = Lead(phone="919800000001", name="{{owner.name}}")
        assert "{{owner.name}}" == merge_template("{{lead.name}}", lead=lead, owner=OWNER)

    def test_malformed_braces(self):
        """A template with bad braces cannot be merged: it is a configuration error."""
        with pytest.raises(ConfigError) as caught:
            merge_template("Hi {lead.name} }} { x", lead=LEAD)
        assert (
            (
                "{lead.name} at character 4 is not a placeholder: placeholders take double "
                "braces, such as {{lead.first_name}}"
            ),
            "'}}' at character 16 closes no placeholder",
            (
                "a single '{' at character 19: braces only write placeholders, "
                "such as {{lead.first_name}}"
            ),
        ) == caught.value.errors

    @given(text=menu_texts())
    def test_plain_text_is_itself(self, text):
        """Text without braces merges to itself."""
        assert text == merge_template(text, lead=LEAD)


class TestNothingOfPython:
    @pytest.mark.parametrize(
        "template",
        [
            "{{lead.__class__}}",
            "{{lead.__init__.__globals__}}",
            "{{lead.__dict__}}",
            "{{owner.name!r}}",
            "{{owner.name:>30}}",
            "{{opportunity.fields}}",
            "{{opportunity.__class__.__mro__}}",
            "{{__builtins__.open}}",
        ],
    )
    def test_internals_merge_to_nothing(self, template):
        """Names that are not declared fields reach nothing: they merge to blank."""
        merged = merge_template(template, lead=LEAD, opportunity=COURSE, owner=OWNER)
        assert "" == merged

    @pytest.mark.parametrize(
        "template", ["{0.__class__}", "{lead.__class__}", "{{{lead.name}}}", "{0!r:>{1}}"]
    )
    def test_format_fields_are_errors(self, template):
        """str.format fields are never evaluated: they are configuration errors."""
        with pytest.raises(ConfigError) as caught:
            merge_template(template, lead=LEAD)
        # Python's reprs, of classes or objects, start with "<".
        assert "<" not in str(caught.value)
