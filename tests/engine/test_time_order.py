"""
Replies dated before the menu they would answer.
"""

import datetime as dt

from convroute.engine import REPROMPT_HINT, Engine, IncomingMessage
from convroute.menus import OptionKind, option_id
from convroute.model import Opportunity, Phone
from convroute.state import ConversationStatus
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
MENU_AT = dt.datetime(2026, 11, 2, 10, 0, 1, tzinfo=dt.UTC)
AI = option_id(OptionKind.PRODUCT, "AI")


def message(ident: str, seconds: float = 0, **kwargs: object) -> IncomingMessage:
    return IncomingMessage(
        id=ident,
        at=MENU_AT + dt.timedelta(seconds=seconds),
        lead=LEAD,
        number=NUMBER,
        **kwargs,  # type: ignore[arg-type]
    )


def kinds(outcome) -> list[str]:
    return [action.to_json()["type"] for action in outcome.actions]


def menu_sent(first_message_at: float = 0) -> State:
    state = State(Engine.from_config(CONFIG))
    state.message(message("wamid.hi", first_message_at, text="Hi"))
    return state


class TestRepliesTypedBeforeTheMenu:
    def test_a_typed_choice_dated_before_the_menu_is_not_a_selection(self):
        """'2' sent at 10:00:00 and delivered after the menu of 10:00:01 picks nothing."""
        state = menu_sent()
        waiting = state.conversations[LEAD, NUMBER]

        outcome = state.message(message("wamid.early", -1, text="2"))

        assert [] == kinds(outcome)
        assert waiting == state.conversations[LEAD, NUMBER]

    def test_a_tap_dated_before_the_menu_is_not_a_selection(self):
        """A tap on an older menu's option, dated before the pending menu, picks nothing."""
        state = menu_sent()

        outcome = state.message(message("wamid.early", -30, reply_id=AI))

        assert [] == kinds(outcome)
        assert ConversationStatus.MENU == state.conversations[LEAD, NUMBER].status

    def test_the_menu_still_takes_the_next_reply(self):
        """After an early reply, the menu is still pending and a later reply selects."""
        state = menu_sent()
        state.message(message("wamid.early", -1, text="2"))

        outcome = state.message(message("wamid.late", 5, text="1"))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assert "AI desk" == outcome.actions[1].rule

    def test_an_early_reply_is_not_an_invalid_reply(self):
        """An early reply uses up no reprompt: the next invalid reply still gets the menu again."""
        state = menu_sent()
        state.message(message("wamid.early", -1, text="what?"))

        (again,) = state.message(message("wamid.late", 5, text="what?")).actions

        assert again.message["interactive"]["body"]["text"].startswith(REPROMPT_HINT)
        assert 1 == state.conversations[LEAD, NUMBER].reprompts

    def test_a_reply_in_the_same_second_as_the_menu_is_a_selection(self):
        """Meta's times have whole seconds: a reply in the menu's own second selects."""
        state = menu_sent(0.7)

        outcome = state.message(message("wamid.same", 0.2, text="2"))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assert "DS desk" == outcome.actions[1].rule

    def test_a_reply_just_before_the_menus_second_is_early(self):
        """Half a second before the menu's second is another second: not a selection."""
        state = menu_sent()

        assert [] == kinds(state.message(message("wamid.early", -0.5, text="2")))

    def test_a_reply_dated_before_the_second_menu_is_not_a_selection(self):
        """The second menu is answered only by replies dated from its own second on."""
        state = menu_sent()
        state.opportunities[LEAD] = {
            ident: Opportunity(id=ident, type="Postgraduate Course", fields={"Course": "AI"})
            for ident in ("o1", "o2")
        }
        state.message(message("wamid.ai", 10, reply_id=AI))
        assert ConversationStatus.MENU == state.conversations[LEAD, NUMBER].status

        assert [] == kinds(state.message(message("wamid.early", 5, text="1")))
        (assigned,) = state.message(message("wamid.late", 20, text="1")).actions
        assert "AI desk" == assigned.rule

    def test_after_a_reprompt_the_menu_dates_from_the_reprompt(self):
        """A reply dated before the menu was sent again answers nothing; one after it selects."""
        state = menu_sent()
        state.message(message("wamid.what", 10, text="what?"))

        assert [] == kinds(state.message(message("wamid.early", 5, text="1")))
        assert ["create_opportunity", "assign"] == kinds(
            state.message(message("wamid.late", 10, text="1"))
        )
