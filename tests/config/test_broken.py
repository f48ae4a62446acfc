"""
Broken configurations: each problem is reported, with the path of its value.
"""

import textwrap

import pytest

from convroute.config import Config, check_config, find_problems, loads_config
from convroute.errors import ConfigError
from convroute.routing import RoutingRule


BASE = """
[[users]]
id = "u-a"
name = "Asha"

[[users]]
id = "u-m"
name = "Meera"
admin = true

[[chat_groups]]
name = "Team"
members = ["u-a"]

[[routing_rules]]
name = "Desk"
targets = [{ kind = "opportunity_owner" }, { kind = "chat_group", group = "Team" }]

[[opportunity_types]]
name = "Course"
stages = ["Enquiry", "Scheduling"]
fields = { Subject = ["AI", "Robotics"] }
"""

NUMBER = """
[[numbers]]
number = "918040001234"
create_new_rule = "Desk"
"""

FUNNEL = """
[[funnels]]
name = "Sales"

[[funnels.stages]]
name = "Entry"

[[funnels.stages.triggers]]
phrase = "I came from Instagram"
number = "918040001234"
source = "Instagram"

[[funnels.stages]]
name = "Scheduling"
follow_ups = ["Thank you for scheduling"]
"""


def problems_of(text):
    with pytest.raises(ConfigError) as caught:
        loads_config(textwrap.dedent(text))
    return list(caught.value.errors)


CASES = [
    pytest.param(
        'max_reprompts = "5"',
        ["expected a whole number, not the text '5' @ $.max_reprompts"],
        id="string-for-int",
    ),
    pytest.param(
        "max_reprompts = 1.9",
        ["expected a whole number, not the number 1.9 @ $.max_reprompts"],
        id="float-for-int",
    ),
    pytest.param(
        "max_reprompts = -1",
        ["must be 0 or more @ $.max_reprompts"],
        id="negative-reprompts",
    ),
    pytest.param(
        'menu_timeout = "24 hours"',
        [
            (
                "invalid duration '24 hours': write a whole number and s, m, h or d, "
                "e.g. '90s' or '24h' @ $.menu_timeout"
            )
        ],
        id="bad-duration",
    ),
    pytest.param(
        'conversation_timeout = "0m"',
        ["invalid duration '0m': it must be longer than zero @ $.conversation_timeout"],
        id="zero-duration",
    ),
    pytest.param(
        "conversation_timeout = 3600",
        [
            (
                "expected a duration such as '90s', '15m', '24h' or '7d', not the number 3600 "
                "@ $.conversation_timeout"
            )
        ],
        id="number-for-duration",
    ),
    pytest.param(
        'colour = "red"',
        ["unknown key(s): colour @ $"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        BASE.replace("admin = true", 'admin = "false"'),
        ["expected true or false, not the text 'false' @ $.users[1].admin"],
        id="string-for-bool",
    ),
    pytest.param(
        BASE.replace('id = "u-m"', "id = 5"),
        ["expected text, not the number 5 @ $.users[1].id"],
        id="int-for-string",
    ),
    pytest.param(
        BASE.replace('members = ["u-a"]', 'members = "u-a"'),
        ["expected a list, not the text 'u-a' @ $.chat_groups[0].members"],
        id="string-for-list",
    ),
    pytest.param(
        BASE.replace('id = "u-m"', 'id = "u-a"'),
        ["duplicate user id 'u-a', first at $.users[0] @ $.users[1].id"],
        id="duplicate-user",
    ),
    pytest.param(
        BASE.replace('name = "Meera"', 'name = " "'),
        ["a user's name must not be blank @ $.users[1].name"],
        id="blank-user-name",
    ),
    pytest.param(
        BASE.replace("admin = true", "max_open_conversations = 0"),
        ["must be 1 or more @ $.users[1].max_open_conversations"],
        id="zero-capacity",
    ),
    pytest.param(
        BASE.replace('members = ["u-a"]', 'members = ["u-a", "u-x", "u-a"]'),
        [
            (
                "duplicate member 'u-a', first at $.chat_groups[0].members[0] "
                "@ $.chat_groups[0].members[2]"
            ),
            "unknown user 'u-x' @ $.chat_groups[0].members[1]",
        ],
        id="unknown-and-duplicate-member",
    ),
    pytest.param(
        BASE.replace('members = ["u-a"]', "members = []"),
        ["a chat group needs at least one member @ $.chat_groups[0].members"],
        id="group-without-members",
    ),
    pytest.param(
        BASE + '\n[[routing_rules]]\nname = "Desk"\ntargets = [{ kind = "admin" }]\n',
        ["duplicate rule name 'Desk', first at $.routing_rules[0] @ $.routing_rules[1].name"],
        id="duplicate-rule",
    ),
    pytest.param(
        BASE + '\n[[routing_rules]]\nname = "Empty"\ntargets = []\n',
        ["a routing rule needs at least one target @ $.routing_rules[1].targets"],
        id="empty-rule",
    ),
    pytest.param(
        BASE.replace('group = "Team"', 'group = "Teem"'),
        ["unknown chat group 'Teem' @ $.routing_rules[0].targets[1].group"],
        id="unknown-group",
    ),
    pytest.param(
        BASE + '\n[[routing_rules]]\nname = "Me"\ntargets = [{ kind = "specific_user", '
        'user = "u-z" }, { kind = "admin" }, { kind = "admin" }]\n',
        [
            (
                "duplicate target 'admin', first at $.routing_rules[1].targets[1] "
                "@ $.routing_rules[1].targets[2]"
            ),
            "unknown user 'u-z' @ $.routing_rules[1].targets[0].user",
        ],
        id="unknown-user-and-repeated-target",
    ),
    pytest.param(
        BASE.replace('{ kind = "opportunity_owner" }', '{ kind = "robot" }'),
        [
            (
                "unknown target kind 'robot', expected one of: admin, chat_group, lead_owner, "
                "opportunity_owner, specific_user @ $.routing_rules[0].targets[0].kind"
            )
        ],
        id="unknown-target-kind",
    ),
    pytest.param(
        BASE.replace('{ kind = "opportunity_owner" }', '{ group = "Team" }'),
        [
            (
                "a target needs a 'kind', one of: admin, chat_group, lead_owner, "
                "opportunity_owner, specific_user @ $.routing_rules[0].targets[0]"
            )
        ],
        id="target-without-kind",
    ),
    pytest.param(
        BASE.replace('{ kind = "chat_group", group = "Team" }', '{ kind = "chat_group" }'),
        ["required key missing @ $.routing_rules[0].targets[1].group"],
        id="target-missing-group",
    ),
    pytest.param(
        BASE.replace('{ kind = "opportunity_owner" }', '{ kind = "admin", group = "Team" }'),
        ["unknown key(s): group @ $.routing_rules[0].targets[0]"],
        id="target-extra-key",
    ),
    pytest.param(
        BASE.replace('stages = ["Enquiry", "Scheduling"]', 'stages = ["Enquiry", "Enquiry"]'),
        [
            (
                "duplicate stage 'Enquiry', first at $.opportunity_types[0].stages[0] "
                "@ $.opportunity_types[0].stages[1]"
            )
        ],
        id="duplicate-board-stage",
    ),
    pytest.param(
        BASE.replace('Subject = ["AI", "Robotics"]', "Subject = []"),
        [("a dropdown field needs at least one choice @ $.opportunity_types[0].fields['Subject']")],
        id="field-without-choices",
    ),
    pytest.param(
        BASE + NUMBER.replace('create_new_rule = "Desk"', 'create_new_rule = "Dsk"'),
        ["unknown routing rule 'Dsk' @ $.numbers[0].create_new_rule"],
        id="unknown-create-new-rule",
    ),
    pytest.param(
        BASE + NUMBER.replace('"918040001234"', '"0804000"'),
        [
            (
                "not a phone number '0804000': it starts with 0; write it with its country code, "
                "e.g. +44 20 7946 0958 @ $.numbers[0].number"
            )
        ],
        id="national-number",
    ),
    pytest.param(
        BASE + NUMBER + '\n[[numbers]]\nnumber = "+91 80 4000 1234"\ncreate_new_rule = "Desk"\n',
        ["duplicate number '918040001234', first at $.numbers[0] @ $.numbers[1].number"],
        id="duplicate-number",
    ),
    pytest.param(
        BASE
        + NUMBER
        + '\n[[numbers.products]]\nlabel = "Data Science"\nopportunity_type = "Course"\n'
        'rule = "Desk"\n'
        + '\n[[numbers.products]]\nlabel = "data  science"\nopportunity_type = "Course"\n'
        'rule = "Desk"\n',
        [
            (
                "duplicate product label 'data  science', first at $.numbers[0].products[0] "
                "@ $.numbers[0].products[1].label"
            )
        ],
        id="labels-apart-only-by-spacing",
    ),
    pytest.param(
        BASE + NUMBER + "creates_new_opportunity = true\n",
        [
            (
                "required when creates_new_opportunity is on and there is no first_response "
                "@ $.numbers[0].default_opportunity_type"
            )
        ],
        id="creates-new-without-type",
    ),
    pytest.param(
        BASE
        + NUMBER
        + 'default_opportunity_type = "Curse"\n'
        + '\n[[numbers.products]]\nlabel = "AI"\nopportunity_type = "Course"\nfield = "Topic"\n'
        'values = ["AI"]\nrule = "Desk"\n'
        + '\n[[numbers.products]]\nlabel = "ai"\nopportunity_type = "Course"\n'
        'field = "Subject"\nvalues = ["Maths"]\nrule = "Desk"\n'
        + '\n[[numbers.products]]\nlabel = "Other"\nopportunity_type = "Course"\n'
        'values = ["AI"]\nrule = "Desk"\n',
        [
            (
                "duplicate product label 'ai', first at $.numbers[0].products[0] "
                "@ $.numbers[0].products[1].label"
            ),
            "opportunity type 'Course' has no field 'Topic' @ $.numbers[0].products[0].field",
            "'Maths' is not a choice of field 'Subject' @ $.numbers[0].products[1].values[0]",
            "values narrow a 'field', and none is given @ $.numbers[0].products[2].values",
            "unknown opportunity type 'Curse' @ $.numbers[0].default_opportunity_type",
        ],
        id="bad-products",
    ),
    pytest.param(
        BASE
        + NUMBER
        + "".join(
            f'\n[[numbers.products]]\nlabel = "P{i}"\nopportunity_type = "Course"\nrule = "Desk"\n'
            for i in range(10)
        )
        + '\n[numbers.first_response]\nmessage = "Which?"\nother_queries = true\n',
        [
            (
                "10 products and Other queries make 11 options; a WhatsApp menu holds at most 10 "
                "@ $.numbers[0].products"
            ),
            "required when other_queries is on @ $.numbers[0].other_queries_rule",
        ],
        id="menu-cannot-fit",
    ),
    pytest.param(
        BASE + NUMBER + '\n[numbers.first_response]\nmessage = "Which?"\ndisplay = "grid"\n',
        [
            (
                "expected one of 'buttons', 'list', not the text 'grid' "
                "@ $.numbers[0].first_response.display"
            )
        ],
        id="bad-display",
    ),
    pytest.param(
        BASE + NUMBER + '\n[numbers.first_response]\nmessage = " "\n',
        [
            "a first_response needs at least one product @ $.numbers[0].products",
            "the message must not be blank @ $.numbers[0].first_response.message",
        ],
        id="empty-first-response",
    ),
    pytest.param(
        BASE + NUMBER + '\n[numbers.second_response]\nmessage = "Which one?"\n',
        [
            (
                "a second_response follows a first_response, and there is none "
                "@ $.numbers[0].second_response"
            )
        ],
        id="second-without-first",
    ),
    pytest.param(
        BASE + FUNNEL.replace("I came from Instagram", "I came from Instagram 📸"),
        [
            (
                "a trigger phrase must be plain text, and it has the emoji '📸' "
                "@ $.funnels[0].stages[0].triggers[0].phrase"
            )
        ],
        id="emoji-trigger",
    ),
    pytest.param(
        BASE + FUNNEL.replace("I came from Instagram", "Ad 1\ufe0f\u20e3"),
        [
            (
                "a trigger phrase must be plain text, and it has the emoji '\ufe0f' "
                "@ $.funnels[0].stages[0].triggers[0].phrase"
            )
        ],
        id="keycap-trigger",
    ),
    pytest.param(
        BASE + FUNNEL.replace("I came from Instagram", "   "),
        ["a trigger phrase must not be blank @ $.funnels[0].stages[0].triggers[0].phrase"],
        id="blank-trigger",
    ),
    pytest.param(
        BASE
        + FUNNEL.replace(
            '[[funnels.stages]]\nname = "Scheduling"',
            '[[funnels.stages.triggers]]\nphrase = "I CAME FROM INSTAGRAM"\n'
            'number = "+91 80 4000 1234"\nsource = "Blog"\n\n'
            '[[funnels.stages]]\nname = "Scheduling"',
        ),
        [
            (
                "phrase 'I CAME FROM INSTAGRAM' on 918040001234 already names source 'Instagram' "
                "at $.funnels[0].stages[0].triggers[0] @ $.funnels[0].stages[0].triggers[1].phrase"
            )
        ],
        id="phrase-for-two-sources",
    ),
    pytest.param(
        BASE
        + FUNNEL.replace(
            'follow_ups = ["Thank you for scheduling"]',
            'follow_ups = ["Thank you for scheduling", "thank you for scheduling", ""]\n'
            '[[funnels.stages.triggers]]\nphrase = "late"\nnumber = "918040001234"\n'
            'source = "Late"',
        ),
        [
            "only the entry stage (the first) has triggers @ $.funnels[0].stages[1].triggers",
            (
                "repeats the follow-up phrase at $.funnels[0].stages[1].follow_ups[0] "
                "@ $.funnels[0].stages[1].follow_ups[1]"
            ),
            "a follow-up phrase must not be blank @ $.funnels[0].stages[1].follow_ups[2]",
        ],
        id="bad-follow-ups",
    ),
    pytest.param(
        BASE + FUNNEL.replace('name = "Scheduling"', 'name = "Entry"\nmeta_event = "Schedule"'),
        [
            (
                "duplicate stage name 'Entry', first at $.funnels[0].stages[0] "
                "@ $.funnels[0].stages[1].name"
            ),
            (
                "a meta_event needs the [meta] section's whatsapp_business_account_id "
                "@ $.funnels[0].stages[1].meta_event"
            ),
        ],
        id="duplicate-stage-and-meta-without-account",
    ),
    pytest.param(
        '[meta]\nwhatsapp_business_account_id = "WABA-1"\n',
        ["expected digits only, not 'WABA-1' @ $.meta.whatsapp_business_account_id"],
        id="bad-waba-id",
    ),
    pytest.param(
        BASE
        + FUNNEL
        + FUNNEL.replace('name = "Sales"', 'name = "Ads"')
        .replace("I came from Instagram", "i came from instagram")
        .replace('source = "Instagram"', 'source = "Blog"'),
        [
            (
                "phrase 'i came from instagram' on 918040001234 already names source 'Instagram' "
                "at $.funnels[0].stages[0].triggers[0] @ $.funnels[1].stages[0].triggers[0].phrase"
            )
        ],
        id="phrase-for-two-sources-in-two-funnels",
    ),
    pytest.param(
        BASE.replace('id = "u-m"', 'id = "U-A"'),
        ["duplicate user id 'U-A', first at $.users[0] @ $.users[1].id"],
        id="user-ids-apart-only-by-case",
    ),
    pytest.param(
        BASE + '[[chat_groups]]\nname = "\uff34eam"\nmembers = ["u-a"]\n',
        [
            (
                "duplicate chat group name '\uff34eam', first at $.chat_groups[0] "
                "@ $.chat_groups[1].name"
            )
        ],
        id="group-names-apart-only-by-width",
    ),
    pytest.param(
        BASE + '[[chat_groups]]\nname = "Te\u00adam\u200d"\nmembers = ["u-a"]\n',
        [
            (
                "duplicate chat group name 'Te\\xadam\\u200d', first at $.chat_groups[0] "
                "@ $.chat_groups[1].name"
            )
        ],
        id="group-names-apart-only-by-invisible-characters",
    ),
    pytest.param(
        BASE + '[[chat_groups]]\nname = "Caf\u00e9"\nmembers = ["u-a"]\n'
        '[[chat_groups]]\nname = "Cafe\u200b\u0301"\nmembers = ["u-a"]\n',
        [
            (
                "duplicate chat group name 'Cafe\\u200b\u0301', first at $.chat_groups[1] "
                "@ $.chat_groups[2].name"
            )
        ],
        id="group-names-apart-only-by-an-invisible-character-before-an-accent",
    ),
    pytest.param(
        BASE.replace('id = "u-m"', 'id = "u-\u200ba"'),
        ["duplicate user id 'u-\\u200ba', first at $.users[0] @ $.users[1].id"],
        id="user-ids-apart-only-by-a-zero-width-space",
    ),
    pytest.param(
        BASE + '[[routing_rules]]\nname = "DESK"\ntargets = [{ kind = "admin" }]\n',
        ["duplicate rule name 'DESK', first at $.routing_rules[0] @ $.routing_rules[1].name"],
        id="rule-names-apart-only-by-case",
    ),
    pytest.param(
        BASE + '[[opportunity_types]]\nname = "course"\nstages = ["Enquiry", "ENQUIRY"]\n',
        [
            (
                "duplicate type name 'course', first at $.opportunity_types[0] "
                "@ $.opportunity_types[1].name"
            ),
            (
                "duplicate stage 'ENQUIRY', first at $.opportunity_types[1].stages[0] "
                "@ $.opportunity_types[1].stages[1]"
            ),
        ],
        id="type-and-board-stage-names-apart-only-by-case",
    ),
    pytest.param(
        BASE
        + FUNNEL.replace('name = "Sales"', 'name = "Caf\u00e9"').replace(
            'name = "Scheduling"', 'name = "entry"'
        )
        + '\n[[funnels]]\nname = "CAFE\u0301"\n[[funnels.stages]]\nname = "Entry"\n',
        [
            (
                "duplicate stage name 'entry', first at $.funnels[0].stages[0] "
                "@ $.funnels[0].stages[1].name"
            ),
            "duplicate funnel name 'CAFE\u0301', first at $.funnels[0] @ $.funnels[1].name",
        ],
        id="funnel-and-stage-names-apart-only-by-case-and-form",
    ),
    pytest.param(
        BASE.replace('name = "Meera"', 'name = "\u200b\u2060"').replace(
            'name = "Team"', 'name = "\u00ad"'
        )
        + FUNNEL.replace("I came from Instagram", "\u200b")
        .replace('source = "Instagram"', 'source = "\ufeff "')
        .replace("Thank you for scheduling", "\u3164\u00a0"),
        [
            "a user's name must not be blank @ $.users[1].name",
            "chat group name must not be blank @ $.chat_groups[0].name",
            "unknown chat group 'Team' @ $.routing_rules[0].targets[1].group",
            "the source must not be blank @ $.funnels[0].stages[0].triggers[0].source",
            "a trigger phrase must not be blank @ $.funnels[0].stages[0].triggers[0].phrase",
            "a follow-up phrase must not be blank @ $.funnels[0].stages[1].follow_ups[0]",
        ],
        id="invisible-only-text",
    ),
    pytest.param(
        "max_reprompts = 9223372036854775808\n"
        '[[users]]\nid = "u"\nname = "U"\nmax_open_conversations = -9223372036854775809\n',
        [
            "expected a whole number, not one outside the signed 64-bit range @ $.max_reprompts",
            (
                "expected a whole number, not one outside the signed 64-bit range "
                "@ $.users[0].max_open_conversations"
            ),
        ],
        id="integers-outside-64-bits",
    ),
    pytest.param(
        'lead_level_rule = "Nobody"\n[[funnels]]\nname = "Empty"\nstages = []\n',
        [
            "unknown routing rule 'Nobody' @ $.lead_level_rule",
            "a funnel needs at least one stage @ $.funnels[0].stages",
        ],
        id="unknown-lead-rule-and-empty-funnel",
    ),
]


class TestBrokenConfigs:
    @pytest.mark.parametrize(("text", "expected"), CASES)
    def test_every_problem_with_its_path(self, text, expected):
        """Each broken configuration reports exactly its problems, each with its path."""
        assert sorted(expected) == sorted(problems_of(text))

    def test_base_is_valid(self):
        """The pieces the cases are made from are valid on their own."""
        loads_config(textwrap.dedent(BASE + NUMBER + FUNNEL))

    def test_all_reported_together(self):
        """Problems in different sections are reported in one error."""
        text = BASE.replace('group = "Team"', 'group = "Teem"').replace(
            'members = ["u-a"]', 'members = ["u-x"]'
        )
        assert [
            "unknown user 'u-x' @ $.chat_groups[0].members[0]",
            "unknown chat group 'Teem' @ $.routing_rules[0].targets[1].group",
        ] == problems_of(text)

    def test_message_lists_problems(self):
        """The exception's message counts the problems and lists them."""
        with pytest.raises(ConfigError, match=r"^2 configuration problems:\n"):
            loads_config('lead_level_rule = "Nobody"\nmax_reprompts = -1\n')


class TestCheckConfig:
    def test_hand_built(self):
        """A configuration built in Python is checked by check_config."""
        config = Config(routing_rules=[RoutingRule(name="Empty", targets=[])])
        with pytest.raises(ConfigError) as caught:
            check_config(config)
        assert ("a routing rule needs at least one target @ $.routing_rules[0].targets",) == (
            caught.value.errors
        )

    def test_find_problems_empty(self):
        """A valid configuration has no problems."""
        assert [] == find_problems(Config())

    def test_hand_built_number_with_punctuation(self):
        """A hand-built number with punctuation is normalised when built: no problem is left."""
        from convroute.menus import BusinessNumber

        config = Config(
            routing_rules=[RoutingRule(name="R", targets=[])],
            numbers=[BusinessNumber(number="+91 80 4000 1234", create_new_rule="R")],
        )
        assert [
            "a routing rule needs at least one target @ $.routing_rules[0].targets",
        ] == find_problems(config)


def paths_of(problems):
    return [problem.rpartition(" @ ")[2] for problem in problems]


class TestEveryPhaseAtOnce:
    def test_type_value_and_reference_problems_together(self):
        """Wrong types and bad phones hide neither value problems nor unknown names elsewhere."""
        text = (
            'max_reprompts = "x"\n'
            + BASE.replace("admin = true", 'admin = "yes"').replace(
                'group = "Team"', 'group = "Teem"'
            )
            + NUMBER.replace("918040001234", "0804000")
            + '\n[[numbers]]\nnumber = "918040005678"\ncreate_new_rule = "Nowhere"\n'
            + '\n[[funnels]]\nname = "Empty"\nstages = []\n'
        )
        problems = problems_of(text)
        assert [
            "$.max_reprompts",
            "$.users[1].admin",
            "$.numbers[0].number",
            "$.routing_rules[0].targets[1].group",
            "$.numbers[1].create_new_rule",
            "$.funnels[0].stages",
        ] == paths_of(problems)
        assert {
            "expected a whole number, not the text 'x' @ $.max_reprompts",
            "expected true or false, not the text 'yes' @ $.users[1].admin",
            "unknown chat group 'Teem' @ $.routing_rules[0].targets[1].group",
            "unknown routing rule 'Nowhere' @ $.numbers[1].create_new_rule",
            "a funnel needs at least one stage @ $.funnels[0].stages",
        } < set(problems)

    def test_names_of_broken_entries_still_resolve(self):
        """A user, group, rule or type with a wrong field is still known by its name elsewhere."""
        text = (
            BASE.replace("admin = true", "admin = 1")
            .replace('members = ["u-a"]', 'members = ["u-m"]\ndescription = 5')
            .replace('stages = ["Enquiry", "Scheduling"]', 'stages = "Enquiry"')
            + '\n[[chat_groups]]\nname = "Other"\nmembers = ["u-m"]\n'
            + '\n[[routing_rules]]\nname = "Broken"\ntargets = [{ kind = "mystery" }]\n'
            + '\n[[routing_rules]]\nname = "Uses them"\n'
            + 'targets = [{ kind = "chat_group", group = "Team" }, { kind = "specific_user", '
            + 'user = "u-m" }]\n'
            + NUMBER.replace('create_new_rule = "Desk"', 'create_new_rule = "Broken"')
            + 'default_opportunity_type = "Course"\n'
        )
        assert [
            "$.users[1].admin",
            "$.chat_groups[0].description",
            "$.routing_rules[1].targets[0].kind",
            "$.opportunity_types[0].stages",
        ] == paths_of(problems_of(text))

    def test_positions_kept_after_a_broken_entry(self):
        """Problems of the entries after a broken one keep their own positions in the file."""
        text = (
            '[[users]]\nid = "u-0"\nname = 0\n'
            '[[users]]\nid = "u-a"\nname = "A"\n'
            '[[users]]\nid = "u-a"\nname = "B"\n'
        )
        assert [
            "expected text, not the number 0 @ $.users[0].name",
            "duplicate user id 'u-a', first at $.users[1] @ $.users[2].id",
        ] == problems_of(text)

    def test_broken_meta_section_is_not_missing(self):
        """A [meta] section with a wrong value is reported once, not also as missing."""
        text = (
            "[meta]\nwhatsapp_business_account_id = 102290129340398\n"
            + BASE
            + FUNNEL.replace('name = "Entry"', 'name = "Entry"\nmeta_event = "LeadSubmitted"')
        )
        assert ["$.meta.whatsapp_business_account_id"] == paths_of(problems_of(text))

    def test_unknown_top_level_keys_with_other_problems(self):
        """Unknown top-level keys are reported beside the problems of known ones."""
        assert [
            "unknown key(s): colour, size @ $",
            "must be 0 or more @ $.max_reprompts",
        ] == problems_of('colour = "red"\nsize = 2\nmax_reprompts = -1\n')

    def test_same_phrase_and_source_in_two_funnels(self):
        """A phrase may enter two funnels with the same source: both record it alike."""
        text = BASE + FUNNEL + FUNNEL.replace('name = "Sales"', 'name = "Ads"')
        assert 2 == len(loads_config(textwrap.dedent(text)).funnels)
