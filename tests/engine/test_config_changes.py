"""
A new config between two events: pending menus and rules the config no longer has.
"""

import datetime as dt

import attrs
import pytest

from hypothesis import example, given
from hypothesis import strategies as st

from convroute.config import Config
from convroute.engine import (
    REPROMPT_HINT,
    Assign,
    CreateOpportunity,
    Engine,
    IncomingMessage,
    Reassign,
    Send,
    SetPresence,
    Unassign,
    Unrouted,
)
from convroute.menus import MenuKind, OptionKind, option_id
from convroute.model import Opportunity, Phone
from convroute.state import ConversationStatus
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
AI = option_id(OptionKind.PRODUCT, "AI")
DATA_SCIENCE = option_id(OptionKind.PRODUCT, "Data Science")
OTHER_QUERIES = option_id(OptionKind.OTHER_QUERIES, "")
NEW_OPPORTUNITY = option_id(OptionKind.NEW_OPPORTUNITY, "")


def message(ident: str, minutes: float = 0, **kwargs: object) -> IncomingMessage:
    return IncomingMessage(
        id=ident, at=AT + dt.timedelta(minutes=minutes), lead=LEAD, number=NUMBER, **kwargs
    )


def edited(config: Config = CONFIG, **changes: object) -> Config:
    """The config with its one number changed."""
    return attrs.evolve(config, numbers=[attrs.evolve(config.numbers[0], **changes)])


def without_product(config: Config, label: str) -> Config:
    number = config.numbers[0]
    return edited(config, products=[p for p in number.products if p.label != label])


def first_response(config: Config, **changes: object) -> Config:
    number = config.numbers[0]
    assert number.first_response is not None
    return edited(config, first_response=attrs.evolve(number.first_response, **changes))


def course(ident: str, day: int) -> Opportunity:
    return Opportunity(
        id=ident,
        type="Postgraduate Course",
        name=f"PG AI {ident}",
        fields={"Course": "AI"},
        owner="u-chen",
        updated_at=dt.datetime(2026, 10, day, tzinfo=dt.UTC),
    )


def kinds(outcome) -> list[str]:
    return [action.to_json()["type"] for action in outcome.actions]


def sent_ids(outcome) -> list[list[str]]:
    """The option ids of each menu the outcome sends."""
    return [
        _ids(action.message["interactive"])
        for action in outcome.actions
        if isinstance(action, Send) and action.message.get("type") == "interactive"
    ]


def _ids(interactive) -> list[str]:
    action = interactive["action"]
    if "buttons" in action:
        return [button["reply"]["id"] for button in action["buttons"]]
    return [row["id"] for section in action["sections"] for row in section["rows"]]


def body(outcome) -> str:
    (sent,) = [a for a in outcome.actions if isinstance(a, Send)]
    return sent.message["interactive"]["body"]["text"]


@pytest.fixture
def state():
    return State(Engine.from_config(CONFIG))


class TestFirstMenuReplies:
    def test_tap_on_a_removed_product_sends_the_menu_again(self, state):
        """A tap on a product the config dropped sends the menu again as the config is now."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(without_product(CONFIG, "AI"))

        outcome = state.message(message("m2", 1, reply_id=AI))

        assert [[DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(outcome)
        assert body(outcome).startswith(REPROMPT_HINT)
        assert any("'AI' is no longer offered" in note for note in outcome.notes)
        conversation = state.conversations[LEAD, NUMBER]
        assert (ConversationStatus.MENU, [DATA_SCIENCE, OTHER_QUERIES]) == (
            conversation.status,
            [option.id for option in conversation.menu.options],
        )

    def test_a_removed_choice_uses_no_reprompt(self, state):
        """A choice the config dropped is no mistake of the lead's: it uses no reprompt."""
        state.message(message("m1", text="Hi"))
        state.message(message("m2", 1, text="what?"))
        state.engine = Engine.from_config(without_product(CONFIG, "AI"))

        state.message(message("m3", 2, reply_id=AI))
        outcome = state.message(message("m4", 3, text="hmm"))

        (assigned,) = outcome.actions
        assert "Lead owner" == assigned.rule

    def test_typed_number_reads_the_menu_the_lead_saw(self, state):
        """A typed "2" picks the second option of the menu sent, though the config reordered it."""
        state.message(message("m1", text="Hi"))
        number = CONFIG.numbers[0]
        state.engine = Engine.from_config(edited(products=list(reversed(number.products))))

        outcome = state.message(message("m2", 1, text="2"))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assert "DS desk" == outcome.actions[1].rule

    def test_other_queries_turned_off_sends_the_menu_again(self, state):
        """*Something else* chosen after the config dropped it sends the menu without it."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(first_response(CONFIG, other_queries=False))

        outcome = state.message(message("m2", 1, reply_id=OTHER_QUERIES))

        assert [[AI, DATA_SCIENCE]] == sent_ids(outcome)

    def test_invalid_reply_sends_the_menu_as_the_config_builds_it_now(self, state):
        """The reprompt after an invalid reply offers only the options the config has now."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(without_product(CONFIG, "AI"))

        outcome = state.message(message("m2", 1, text="what?"))

        assert [[DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(outcome)
        assert body(outcome).startswith(REPROMPT_HINT)
        assert any("changed since it was sent" in note for note in outcome.notes)
        assert 1 == state.conversations[LEAD, NUMBER].reprompts

    def test_the_menu_sent_again_is_the_one_replies_read(self, state):
        """After a reprompt with the new menu, a typed number reads the new menu."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(without_product(CONFIG, "AI"))
        state.message(message("m2", 1, text="what?"))

        outcome = state.message(message("m3", 2, text="1"))

        assert "DS desk" == outcome.actions[-1].rule

    def test_new_titles_are_sent_again(self, state):
        """An option whose label changed keeps its choice, and a reprompt shows the new title."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(
            first_response(CONFIG, other_queries_label="Anything else")
        )

        again = state.message(message("m2", 1, text="what?"))
        outcome = state.message(message("m3", 2, reply_id=OTHER_QUERIES))

        buttons = again.actions[0].message["interactive"]["action"]["buttons"]
        assert "Anything else" == buttons[-1]["reply"]["title"]
        assert ("Lead owner", None) == (outcome.actions[0].rule, outcome.actions[0].opportunity)

    def test_first_menu_removed_takes_the_way_without_menus(self, state):
        """With the number's first menu gone, an invalid reply takes the way without menus."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(edited(first_response=None))

        outcome = state.message(message("m2", 1, text="what?"))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assert "AI desk" == outcome.actions[1].rule
        assert any("no longer in the config" in note for note in outcome.notes)

    def test_notes_say_the_menu_no_longer_built_is_not_sent_again(self, state):
        """An invalid reply to a first menu the config dropped is noted as taken anew, not sent."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(edited(first_response=None))

        outcome = state.message(message("m2", 1, text="what?"))

        expected = (
            "invalid reply (no_match)",
            "the menu is no longer in the config: the message is taken as it is now",
        )
        assert expected == outcome.notes[:2]

    def test_a_product_still_offered_is_taken_without_the_first_menu(self, state):
        """A choice the config still has stands, though the number sends no first menu now."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(edited(first_response=None))

        outcome = state.message(message("m2", 1, reply_id=DATA_SCIENCE))

        assert "DS desk" == outcome.actions[-1].rule

    def test_number_without_mapping_starts_over(self, state):
        """A reply on a number the config no longer maps is routed as any message on it."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(attrs.evolve(CONFIG, numbers=[]))

        outcome = state.message(message("m2", 1, reply_id=AI))

        (assigned,) = outcome.actions
        assert ("Lead owner", []) == (assigned.rule, sent_ids(outcome))

    def test_shorter_menu_timeout_expires_the_menu(self, state):
        """A menu older than the new config's menu timeout has expired: the message starts anew."""
        state.message(message("m1", text="Hi"))
        state.engine = Engine.from_config(
            attrs.evolve(CONFIG, menu_timeout=dt.timedelta(minutes=30))
        )

        outcome = state.message(message("m2", 45, reply_id=DATA_SCIENCE))

        assert [[AI, DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(outcome)
        assert 0 == state.conversations[LEAD, NUMBER].reprompts


class TestSecondMenuReplies:
    @pytest.fixture
    def second(self, state):
        state.opportunities[LEAD] = {"o1": course("o1", 1), "o2": course("o2", 2)}
        state.message(message("m1", text="Hi"))
        state.message(message("m2", 1, reply_id=AI))
        assert MenuKind.SECOND_RESPONSE == state.conversations[LEAD, NUMBER].menu.kind
        return state

    def test_product_removed_starts_with_the_first_menu(self, second):
        """A second menu whose product the config dropped gives way to the first menu of now."""
        second.engine = Engine.from_config(without_product(CONFIG, "AI"))

        outcome = second.message(message("m3", 2, reply_id=option_id(OptionKind.OPPORTUNITY, "o1")))

        assert [[DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(outcome)

    def test_invalid_reply_after_the_product_was_removed(self, second):
        """An invalid reply to such a second menu gets the first menu of now, not the old one."""
        second.engine = Engine.from_config(without_product(CONFIG, "AI"))

        outcome = second.message(message("m3", 2, text="what?"))

        assert [[DATA_SCIENCE, OTHER_QUERIES]] == sent_ids(outcome)
        menu = second.conversations[LEAD, NUMBER].menu
        assert MenuKind.FIRST_RESPONSE == menu.kind

    def test_invalid_reply_after_the_second_menu_was_removed(self, second):
        """Without a second menu in the config, an invalid reply routes the most recent enquiry."""
        second.engine = Engine.from_config(edited(second_response=None))

        outcome = second.message(message("m3", 2, text="what?"))

        (assigned,) = outcome.actions
        assert isinstance(assigned, Assign)
        assert ("o2", "AI desk") == (assigned.opportunity, assigned.rule)

    def test_notes_say_a_dropped_product_starts_over(self, second):
        """A reply to a second menu whose product was dropped is noted as starting over."""
        second.engine = Engine.from_config(without_product(CONFIG, "AI"))

        outcome = second.message(message("m3", 2, text="what?"))

        expected = (
            "invalid reply (no_match)",
            "product 'AI' of the second menu is no longer offered: it starts over",
        )
        assert expected == outcome.notes[:2]

    def test_new_opportunity_still_stands(self, second):
        """*New opportunity* of a product the config still has creates one, second menu or not."""
        second.engine = Engine.from_config(edited(second_response=None))

        outcome = second.message(message("m3", 2, reply_id=NEW_OPPORTUNITY))

        assert [CreateOpportunity, Assign] == [type(a) for a in outcome.actions]


class TestRemovedRules:
    def test_assigned_conversation_keeps_its_assignee(self):
        """An assignee away past `reassign_when_away` keeps a conversation whose rule is gone."""
        state = State(Engine.from_config(CONFIG))
        state.message(message("m1", text="Hi"))
        (assigned,) = state.message(message("m2", 1, reply_id=AI)).actions[1:]
        away = SetPresence(id="p1", user=assigned.user, available=False, at=AT)
        state.host(away, AT + dt.timedelta(minutes=2))
        rules = [r for r in CONFIG.routing_rules if r.name != "AI desk"]
        products = [p for p in CONFIG.numbers[0].products if p.rule != "AI desk"]
        state.engine = Engine.from_config(
            edited(
                attrs.evolve(CONFIG, routing_rules=rules),
                products=products,
                create_new_rule="DS desk",
            )
        )

        outcome = state.tick(AT + dt.timedelta(minutes=30))

        conversation = state.conversations[LEAD, NUMBER]
        assert [] == [a for a in outcome.actions if isinstance(a, Reassign | Unassign | Unrouted)]
        assert (ConversationStatus.ASSIGNED, assigned.user) == (
            conversation.status,
            conversation.assignee,
        )
        assert AT + dt.timedelta(days=1, minutes=1) == conversation.due_at
        assert any("'AI desk' is unknown" in note for note in outcome.notes)


class TestWaitsOfRemovedRules:
    def test_due_wait_of_a_removed_rule_ends(self, state):
        """The tick serving a wait whose rule was removed ends it with `rule_removed`."""
        for user in ("u-asha", "u-ben", "u-chen", "u-meera"):
            state.presence[user] = False
        state.message(message("m1", text="Hi"))
        state.message(message("m2", 1, reply_id=AI))
        state.message(message("m3", 60, text="anyone?"))
        state.engine = Engine.from_config(without_rule(CONFIG, "AI desk"))

        outcome = state.tick(AT + dt.timedelta(days=1, minutes=2), waiting=False)

        (unrouted,) = outcome.actions
        assert isinstance(unrouted, Unrouted)
        assert ("rule_removed", None) == (
            unrouted.to_json()["reason"],
            state.conversations[LEAD, NUMBER].waiting_since,
        )


def without_rule(config: Config, name: str) -> Config:
    """The config without the rule *name*, and the product and paths that named it."""
    rules = [r for r in config.routing_rules if r.name != name]
    products = [p for p in config.numbers[0].products if p.rule != name]
    return edited(
        attrs.evolve(config, routing_rules=rules), products=products, create_new_rule="DS desk"
    )


# Config edits a host may make between a menu and its reply; each keeps the
# config one that builds menus (a number keeps a product).
ROBOTICS = attrs.evolve(CONFIG.numbers[0].products[1], label="Robotics", values=["Robotics"])


def _numbered(config: Config, change) -> Config:
    if not config.numbers:
        return config
    return edited(config, **change(config.numbers[0]))


def _add_robotics(config: Config) -> Config:
    # Once: a config naming a product twice is refused by the check.
    def change(number):
        if any(product.label == ROBOTICS.label for product in number.products):
            return {}
        return {"products": [*number.products, ROBOTICS]}

    return _numbered(config, change)


def _drop_product(label: str):
    def edit(config: Config) -> Config:
        def change(number):
            kept = [p for p in number.products if p.label != label]
            return {"products": kept or number.products}

        return _numbered(config, change)

    return edit


def _toggle_other_queries(config: Config) -> Config:
    def change(number):
        response = number.first_response
        if response is None:
            return {}
        return {"first_response": attrs.evolve(response, other_queries=not response.other_queries)}

    return _numbered(config, change)


EDITS = st.sampled_from(
    [
        _drop_product("AI"),
        _drop_product("Data Science"),
        _toggle_other_queries,
        _add_robotics,
        lambda c: _numbered(c, lambda n: {"products": list(reversed(n.products))}),
        lambda c: _numbered(c, lambda _: {"first_response": None}),
        lambda c: _numbered(c, lambda _: {"second_response": None}),
        lambda c: _numbered(c, lambda _: {"first_response": CONFIG.numbers[0].first_response}),
        lambda c: _numbered(c, lambda _: {"second_response": CONFIG.numbers[0].second_response}),
        lambda c: attrs.evolve(c, numbers=[]),
        lambda c: attrs.evolve(c, max_reprompts=0),
        lambda c: attrs.evolve(c, max_reprompts=2),
        lambda c: c,
    ]
)
REPLIES = st.one_of(
    st.sampled_from(
        [
            AI,
            DATA_SCIENCE,
            OTHER_QUERIES,
            NEW_OPPORTUNITY,
            option_id(OptionKind.PRODUCT, "Robotics"),
            option_id(OptionKind.OPPORTUNITY, "o1"),
            option_id(OptionKind.OPPORTUNITY, "o2"),
            "bogus",
        ]
    ).map(lambda ident: {"reply_id": ident}),
    st.sampled_from(["1", "2", "3", "4", "what?", "ai", "robotics"]).map(lambda t: {"text": t}),
)


def offered(config: Config, opportunities) -> set[str]:
    """The ids of every option the config's menus may offer now."""
    if not config.numbers:
        return set()
    number = config.numbers[0]
    ids = set()
    if number.first_response is not None:
        ids |= {option_id(OptionKind.PRODUCT, p.label) for p in number.products}
        if number.first_response.other_queries:
            ids.add(OTHER_QUERIES)
    if number.second_response is not None:
        ids.add(NEW_OPPORTUNITY)
        ids |= {option_id(OptionKind.OPPORTUNITY, o.id) for o in opportunities if o.is_open}
    return ids


class TestProperties:
    @example(
        # A product added twice is one product: the config check refuses two of a name.
        opportunities=0,
        steps=[
            (
                [_drop_product("Data Science"), _add_robotics, _add_robotics],
                {"reply_id": option_id(OptionKind.PRODUCT, "AI")},
            )
        ],
    )
    @given(
        opportunities=st.integers(min_value=0, max_value=3),
        steps=st.lists(st.tuples(st.lists(EDITS, max_size=3), REPLIES), min_size=1, max_size=6),
    )
    def test_menus_sent_offer_only_what_the_config_has(self, opportunities, steps):
        """Whatever the config became before a reply, every menu sent offers only its options."""
        state = State(Engine.from_config(CONFIG))
        state.opportunities[LEAD] = {
            f"o{i}": course(f"o{i}", i) for i in range(1, opportunities + 1)
        }
        state.message(message("m0", text="Hi"))
        config = CONFIG
        for minute, (edits, reply) in enumerate(steps, start=1):
            for edit in edits:
                config = edit(config)
            state.engine = Engine.from_config(config)

            outcome = state.message(message(f"m{minute}", minute, **reply))

            allowed = offered(config, state.opportunities.get(LEAD, {}).values())
            for ids in sent_ids(outcome):
                assert set() == set(ids) - allowed
