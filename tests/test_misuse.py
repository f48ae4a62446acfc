import re

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from convroute.config import Config
from convroute.funnel import KeywordMatcher, MetaCustomData, TriggerMatcher
from convroute.menus import interpret_reply, render_menu, simple_menu
from convroute.model import OpportunityType, User
from convroute.routing import (
    Admin,
    Availability,
    ChatGroup,
    ChatGroupTarget,
    Router,
    RoutingRule,
    SpecificUser,
    TurnRecord,
)


class TestBareStringForIds:
    def test_group_members(self):
        """A group given one string for its members (a missing comma) is refused."""
        with pytest.raises(TypeError, match=r"single str 'u-asha'"):
            ChatGroup(name="Sales", members=("u-asha"))

    def test_group_members_as_tuple(self):
        """A one-member group written with its comma keeps its one member."""
        assert ("u-asha",) == ChatGroup(name="Sales", members=("u-asha",)).members

    def test_rule_targets(self):
        """A rule given one string for its targets is refused, not split into letters."""
        with pytest.raises(
            TypeError, match=r"targets must be a sequence of targets, not the single str 'admin'"
        ):
            RoutingRule(name="Desk", targets="admin")  # type: ignore[arg-type]

    def test_turn_record(self):
        """A turn record given one string for its assigned members is refused."""
        with pytest.raises(TypeError):
            TurnRecord(pool="admin", assigned="u-asha")  # type: ignore[arg-type]

    def test_opportunity_stages(self):
        """An opportunity type given one string for its stages is refused."""
        with pytest.raises(TypeError):
            OpportunityType(name="Course", stages="Enrolled")

    def test_opportunity_field_choices(self):
        """A dropdown field given one string for its choices is refused."""
        with pytest.raises(TypeError):
            OpportunityType(name="Course", fields={"intake": "January"})

    def test_config_lead_fields(self):
        """A config given one string for its lead fields is refused."""
        with pytest.raises(TypeError):
            Config(lead_fields="city")

    def test_content_ids(self):
        """Meta content given one string for its ids is refused."""
        with pytest.raises(TypeError):
            MetaCustomData(content_ids="sku-1")


class TestUsersByWrongKey:
    def test_key_not_the_id(self):
        """A users mapping keyed by something other than the users' ids is refused."""
        with pytest.raises(ValueError, match="u-meera"):
            Availability(users={"Meera": User(id="u-meera", name="Meera")})

    def test_keyed_by_id(self):
        """A users mapping keyed by the users' ids is taken as it is."""
        users = {"u-meera": User(id="u-meera", name="Meera")}
        assert users is Availability(users=users).users


MENU = simple_menu("Which plan?", ["Basic", "Pro"])
KEYWORDS = KeywordMatcher.from_mapping({"price": "pricing"})
PHRASES = TriggerMatcher.from_phrases(["promo 10"])
PEOPLE = [User(id="u-asha", name="Asha"), User(id="u-meera", name="Meera", admin=True)]
DESK = RoutingRule(name="desk", targets=(Admin(),))
DECISION = Router(PEOPLE).route(DESK)


def router():
    return Router(PEOPLE, [ChatGroup(name="Sales", members=("u-asha",))])


# Each public entry point of the bot scripting API, one argument at a time: the call with
# *value* in place of that argument, and what the argument expects.
TEXT, OPTIONAL_TEXT, SEQUENCE, OPTIONAL_SEQUENCE, PEOPLE_OR_GROUPS, MAPPING, NAMES, VALUE = (
    "text",
    "optional text",
    "sequence",
    "optional sequence",
    "values or a mapping",
    "mapping",
    "names",
    "value",
)
ARGUMENTS = {
    "body": (TEXT, lambda value: simple_menu(value, ["Basic"])),
    "options": (SEQUENCE, lambda value: simple_menu("Which plan?", value)),
    "ids": (OPTIONAL_SEQUENCE, lambda value: simple_menu("Which plan?", ["Basic"], ids=value)),
    "header": (OPTIONAL_TEXT, lambda value: simple_menu("Which plan?", ["Basic"], header=value)),
    "footer": (OPTIONAL_TEXT, lambda value: simple_menu("Which plan?", ["Basic"], footer=value)),
    "list_button": (TEXT, lambda value: simple_menu("Pick", ["Basic"], list_button=value)),
    "display": (TEXT, lambda value: simple_menu("Which plan?", ["Basic"], display=value)),
    "menu": (VALUE, lambda value: interpret_reply(value, text="1")),
    "text": (OPTIONAL_TEXT, lambda value: interpret_reply(MENU, text=value)),
    "reply_id": (OPTIONAL_TEXT, lambda value: interpret_reply(MENU, reply_id=value)),
    "number_words": (
        SEQUENCE,
        lambda value: interpret_reply(MENU, text="opt 1", number_words=value),
    ),
    "render_menu menu": (VALUE, lambda value: render_menu(value, "15557654321")),
    "to": (TEXT, lambda value: render_menu(MENU, value)),
    "keywords": (MAPPING, KeywordMatcher.from_mapping),
    "KeywordMatcher text": (TEXT, KEYWORDS.find),
    "phrases": (SEQUENCE, TriggerMatcher.from_phrases),
    "TriggerMatcher text": (TEXT, PHRASES.find),
    "names": (NAMES, lambda value: DECISION.explain(names=value)),
    "users": (PEOPLE_OR_GROUPS, lambda value: Router(value, [])),
    "groups": (PEOPLE_OR_GROUPS, lambda value: Router(PEOPLE, value)),
    "rule": (VALUE, lambda value: router().route(value)),
    "lead": (VALUE, lambda value: router().route(DESK, lead=value)),
    "opportunity": (VALUE, lambda value: router().route(DESK, opportunity=value)),
    "away user": (TEXT, lambda value: router().away(value)),
    "back user": (TEXT, lambda value: router().back(value)),
    "release user": (TEXT, lambda value: router().release(value)),
    "rules": (SEQUENCE, lambda value: router().check(value)),
}
NOT_TEXT = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.binary(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)
NOT_SEQUENCE = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.lists(st.one_of(st.none(), st.integers(), st.binary(max_size=3)), min_size=1, max_size=3),
)
NOT_MAPPING = st.one_of(
    st.integers(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.lists(st.text(max_size=3), max_size=3),
)
WRONG = {
    TEXT: NOT_TEXT,
    OPTIONAL_TEXT: NOT_TEXT.filter(lambda value: value is not None),
    SEQUENCE: NOT_SEQUENCE,
    OPTIONAL_SEQUENCE: NOT_SEQUENCE.filter(lambda value: value is not None),
    # Users and groups may come as a mapping by id or name: a wrong one holds something else.
    PEOPLE_OR_GROUPS: st.one_of(
        NOT_SEQUENCE.filter(lambda value: not isinstance(value, dict) or value),
    ),
    MAPPING: st.one_of(st.none(), NOT_MAPPING),
    NAMES: st.one_of(
        NOT_MAPPING, st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=3)
    ),
    VALUE: st.one_of(NOT_TEXT.filter(lambda value: value is not None), st.text(max_size=5)),
}


class TestWrongTypes:
    @settings(deadline=None)
    @given(data=st.data())
    @pytest.mark.parametrize("argument", list(ARGUMENTS))
    def test_refused_with_the_argument_named(self, argument, data):
        """A wrong-typed argument is a TypeError or ValueError whose message names it."""
        kind, call = ARGUMENTS[argument]
        value = data.draw(WRONG[kind], label=argument)
        name = argument.rsplit(" ", 1)[-1]
        with pytest.raises((TypeError, ValueError)) as raised:
            call(value)
        assert re.search(rf"\b{name}\b", str(raised.value)), str(raised.value)


class TestSimpleMenuMisuse:
    def test_no_body(self):
        """A menu without a body is a TypeError naming the body."""
        with pytest.raises(TypeError, match=r"body must be a str, not None"):
            simple_menu(None, ["A"])  # type: ignore[arg-type]

    def test_no_options(self):
        """A menu given None for its options is a TypeError naming the options."""
        with pytest.raises(TypeError, match=r"options must be a sequence .*, not None"):
            simple_menu("Body", None)  # type: ignore[arg-type]

    def test_options_as_a_mapping(self):
        """A mapping of labels is refused, not read as its keys."""
        with pytest.raises(TypeError, match=r"options must be a sequence .*, not a dict"):
            simple_menu("Body", {"A": "a"})  # type: ignore[arg-type]

    def test_header_as_a_number(self):
        """A header that is not text is a TypeError naming the header."""
        with pytest.raises(TypeError, match=r"header must be a str or None, not 1"):
            simple_menu("Body", ["A"], header=1)  # type: ignore[arg-type]


class TestRepliesAndRenderingMisuse:
    def test_reply_to_no_menu(self):
        """Reading a reply to something that is not a menu names the menu."""
        with pytest.raises(TypeError, match=r"menu must be a Menu, not None"):
            interpret_reply(None, text="1")  # type: ignore[arg-type]

    def test_reply_text_as_bytes(self):
        """A reply's text as bytes is refused, not compared."""
        with pytest.raises(TypeError, match=r"text must be a str or None, not b'1'"):
            interpret_reply(MENU, text=b"1")  # type: ignore[arg-type]

    def test_number_words_as_one_str(self):
        """One word given as number_words is refused, not read letter by letter."""
        with pytest.raises(TypeError, match=r"number_words .* single str 'Option'"):
            interpret_reply(MENU, text="Option 1", number_words="Option")

    def test_number_word_named_by_its_place(self):
        """A word that is not text is named by its own place, whatever it compares equal to."""

        class EqualToAll:
            def __eq__(self, other):
                return True

            __hash__ = object.__hash__

        with pytest.raises(TypeError, match=r"number_words\[1\] must be a str"):
            interpret_reply(MENU, text="Option 1", number_words=["Option", EqualToAll()])

    def test_render_no_menu(self):
        """Rendering something that is not a menu names the menu."""
        with pytest.raises(TypeError, match=r"menu must be a Menu, not None"):
            render_menu(None, "15557654321")  # type: ignore[arg-type]

    def test_render_to_nobody(self):
        """Rendering to no phone names the recipient."""
        with pytest.raises(TypeError, match=r"to must be a phone as a str, not None"):
            render_menu(MENU, None)  # type: ignore[arg-type]


class TestMatcherMisuse:
    def test_keyword_find_none(self):
        """Finding keywords in None is a TypeError naming the text."""
        with pytest.raises(TypeError, match=r"text must be a str, not None"):
            KEYWORDS.find(None)  # type: ignore[arg-type]

    def test_trigger_find_bytes(self):
        """Finding phrases in bytes is a TypeError naming the text."""
        with pytest.raises(TypeError, match=r"text must be a str, not b'promo'"):
            PHRASES.find(b"promo")  # type: ignore[arg-type]

    def test_phrases_as_a_mapping(self):
        """A mapping given as phrases points to the keyword matcher."""
        with pytest.raises(TypeError, match=r"KeywordMatcher\.from_mapping"):
            TriggerMatcher.from_phrases({"promo 10": 1})

    def test_keywords_not_a_mapping(self):
        """Keywords given as a list name the argument."""
        with pytest.raises(TypeError, match=r"keywords must be a mapping"):
            KeywordMatcher.from_mapping(["price"])  # type: ignore[arg-type]


class TestRoutingMisuse:
    def test_explain_names_as_str(self):
        """Display names given as one string are refused, not ignored."""
        with pytest.raises(TypeError, match=r"names must be a mapping .*, not the str 'abc'"):
            DECISION.explain(names="abc")  # type: ignore[arg-type]

    def test_explain_names_of_numbers(self):
        """A display name that is not text is refused."""
        with pytest.raises(TypeError, match=r"names\['u-meera'\] must be a str, not 1"):
            DECISION.explain(names={"u-meera": 1})  # type: ignore[dict-item]

    def test_route_a_str(self):
        """Routing by a rule's name instead of the rule names the argument."""
        with pytest.raises(TypeError, match=r"rule must be a RoutingRule, not the str 'desk'"):
            router().route("desk")  # type: ignore[arg-type]

    def test_route_lead_as_phone(self):
        """A lead given as a phone is refused, not read as a lead without an owner."""
        with pytest.raises(TypeError, match=r"lead must be a Lead or None"):
            router().route(DESK, lead="15557654321")  # type: ignore[arg-type]

    def test_users_none(self):
        """A router without users (None) names the argument."""
        with pytest.raises(TypeError, match=r"users must be .*, not None"):
            Router(users=None, groups=[])  # type: ignore[arg-type]

    def test_away_of_a_list(self):
        """A list of ids given to away is a TypeError naming the user, not unhashable."""
        with pytest.raises(TypeError, match=r"user must be a user id \(a str\), not \['u-asha'\]"):
            router().away(["u-asha"])  # type: ignore[arg-type]

    def test_check_none(self):
        """Checking None instead of rules names the argument."""
        with pytest.raises(TypeError, match=r"rules must be an iterable of routing rules"):
            router().check(None)  # type: ignore[arg-type]


class TestRuleTargetsMisuse:
    def test_target_as_its_kind(self):
        """A target written as its kind's name is refused where the rule is made, naming it."""
        with pytest.raises(
            TypeError, match=r"targets\[1\] must be a target \(.*\), not the str 'admin'"
        ):
            RoutingRule(name="desk", targets=(Admin(), "admin"))  # type: ignore[arg-type]

    def test_one_target_without_a_tuple(self):
        """One target given alone, not in a tuple, says how to write it."""
        with pytest.raises(
            TypeError, match=r"targets must be a sequence of targets, not Admin\(\)"
        ):
            RoutingRule(name="desk", targets=Admin())  # type: ignore[arg-type]


class TestRoutingValuesMisuse:
    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: RoutingRule(name=3, targets=(Admin(),)), "name must be a str, not 3"),
            (lambda: SpecificUser(user=3), "user must be a str, not 3"),
            (lambda: ChatGroupTarget(group=None), "group must be a str, not None"),
            (lambda: ChatGroup(name=b"Sales", members=()), "name must be a str, not b'Sales'"),
            (
                lambda: ChatGroup(name="Sales", members=("u-asha", 7)),
                r"members\[1\] must be a str, not 7",
            ),
        ],
    )
    def test_refused_where_made(self, make, message):
        """Names and ids of rules, targets and groups that are not text are refused when made."""
        with pytest.raises(TypeError, match=message):
            make()
