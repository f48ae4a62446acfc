import datetime as dt

import attrs
import pytest

from convroute._ids import new_opportunity_id
from convroute.engine import (
    REPROMPT_HINT,
    Assign,
    CloseConversation,
    CreateOpportunity,
    DeleteTransition,
    EmitMetaEvent,
    Engine,
    EnterFunnel,
    IncomingMessage,
    MoveInFunnel,
    OutgoingMessage,
    SaveOpportunity,
    Send,
    SetStage,
    Snapshot,
    TransitionDeleted,
    Unrouted,
)
from convroute.engine._effects import why_ignored
from convroute.errors import PhoneNumberError
from convroute.funnel import FunnelOutcome, IgnoredReason
from convroute.menus import OptionKind, option_id
from convroute.model import Opportunity, Phone
from convroute.state import ConversationStatus
from engine.state import State
from example_account import routing_example


CONFIG = routing_example()
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
AI = option_id(OptionKind.PRODUCT, "AI")


def message(ident: str, minutes: float = 0, **kwargs: object) -> IncomingMessage:
    return IncomingMessage(
        id=ident,
        at=AT + dt.timedelta(minutes=minutes),
        lead=kwargs.pop("lead", LEAD),  # type: ignore[arg-type]
        number=kwargs.pop("number", NUMBER),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def kinds(outcome) -> list[str]:
    return [action.to_json()["type"] for action in outcome.actions]


@pytest.fixture
def state():
    return State(Engine.from_config(CONFIG))


def course(ident: str, owner: str | None, day: int, value: str = "AI") -> Opportunity:
    return Opportunity(
        id=ident,
        type="Postgraduate Course",
        name=f"PG {value} {ident}",
        fields={"Course": value},
        owner=owner,
        updated_at=dt.datetime(2026, 10, day, tzinfo=dt.UTC),
    )


class TestFirstContact:
    def test_instagram_lead_enters_the_funnel_and_gets_the_first_menu(self, state):
        """A new lead's trigger enters the funnel, then the first menu is sent and awaited."""
        outcome = state.message(
            message("wamid.1", text="Hi, I came from Instagram!", name="Ravi Kumar")
        )

        assert ["enter_funnel", "send"] == kinds(outcome)
        (entered, sent) = outcome.actions
        assert isinstance(entered, EnterFunnel)
        assert ("Sales", "Instagram", "Lead Entry") == (
            entered.funnel,
            entered.source,
            entered.stage,
        )
        assert isinstance(sent, Send)
        assert "Hi Ravi! Which course is this about?" == sent.message["interactive"]["body"]["text"]
        assert "Ravi Kumar" == state.leads[LEAD].name
        assert ConversationStatus.MENU == state.conversations[LEAD, NUMBER].status

    def test_meta_event_needs_a_click_on_the_entry_stage(self, state):
        """LeadSubmitted is emitted for an ad click and noted as missing without one."""
        clicked = state.message(
            message("wamid.1", text="I came from Instagram", ctwa_clid="ARAkLk")
        )
        other = State(Engine.from_config(CONFIG)).message(
            message("wamid.2", text="I came from Instagram")
        )

        (meta,) = [a for a in clicked.actions if isinstance(a, EmitMetaEvent)]
        assert "LeadSubmitted" == meta.payload["data"][0]["event_name"]
        assert not [a for a in other.actions if isinstance(a, EmitMetaEvent)]
        assert any("no_click" in note for note in other.notes)


class TestFirstSelection:
    def test_product_without_opportunity_creates_one_and_round_robins(self, state):
        """AI with no enquiry: one is created (Course=AI) and the group's first member takes it."""
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, reply_id=AI))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        created, assigned = outcome.actions
        assert isinstance(created, CreateOpportunity)
        assert {"Course": "AI"} == dict(created.fields)
        assert isinstance(assigned, Assign)
        assert ("u-asha", "chat_group:AI counsellors") == (assigned.user, assigned.target)
        assert ("opportunity_owner", "no_owner") == (
            assigned.trace[0].target,
            assigned.trace[0].reason,
        )
        assert "u-asha" == state.opportunities[LEAD][created.id].owner

    def test_a_created_opportunity_is_saved_once_with_its_owner(self, state):
        """The opportunity created and then owned is one store write, as it ends up."""
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, reply_id=AI))

        saved = [c.opportunity for c in outcome.changes if isinstance(c, SaveOpportunity)]
        [created] = [a for a in outcome.actions if isinstance(a, CreateOpportunity)]
        assert [(created.id, "u-asha")] == [(o.id, o.owner) for o in saved]

    def test_one_matching_opportunity_goes_straight_to_its_owner(self, state):
        """A single AI enquiry is routed to its owner with no second menu."""
        state.opportunities[LEAD] = {"o1": course("o1", "u-chen", 1)}
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, text="ai"))

        (assigned,) = outcome.actions
        assert isinstance(assigned, Assign)
        assert ("u-chen", "o1", "opportunity_owner") == (
            assigned.user,
            assigned.opportunity,
            assigned.target,
        )

    def test_several_matching_opportunities_get_the_second_menu(self, state):
        """Three AI enquiries: the second menu lists them, and a choice goes to that one's owner."""
        state.opportunities[LEAD] = {
            "o1": course("o1", "u-asha", 1),
            "o2": course("o2", "u-ben", 3),
            "o3": course("o3", "u-chen", 2),
        }
        state.message(message("wamid.1", text="Hi"))
        menu = state.message(message("wamid.2", 1, reply_id=AI))
        (sent,) = menu.actions
        rows = sent.message["interactive"]["action"]["sections"][0]["rows"]
        assert ["PG AI o2", "PG AI o3", "PG AI o1", "A new enquiry"] == [r["title"] for r in rows]

        outcome = state.message(message("wamid.3", 2, reply_id=rows[1]["id"]))
        (assigned,) = outcome.actions
        assert ("u-chen", "o3") == (assigned.user, assigned.opportunity)

    def test_new_opportunity_in_the_second_menu_creates_one(self, state):
        """*A new enquiry* creates an opportunity and routes it round robin."""
        state.opportunities[LEAD] = {
            "o1": course("o1", "u-chen", 1),
            "o2": course("o2", "u-chen", 2),
        }
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        outcome = state.message(message("wamid.3", 2, text="A NEW ENQUIRY"))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assert new_opportunity_id("wamid.3") == outcome.actions[0].id

    def test_other_queries_routes_with_its_rule_and_no_opportunity(self, state):
        """*Something else* goes to the Lead owner rule, here the specific user Meera."""
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, text="3"))

        (assigned,) = outcome.actions
        assert ("Lead owner", "specific_user:u-meera", None) == (
            assigned.rule,
            assigned.target,
            assigned.opportunity,
        )

    def test_unavailable_owner_falls_back_to_the_group(self, state):
        """An owner who is away is skipped with a reason, and the group takes it."""
        state.opportunities[LEAD] = {"o1": course("o1", "u-chen", 1)}
        state.presence["u-chen"] = False
        state.message(message("wamid.1", text="Hi"))
        (assigned,) = state.message(message("wamid.2", 1, reply_id=AI)).actions

        assert ("u-chen", "unavailable") == (assigned.trace[0].user, assigned.trace[0].reason)
        assert "u-asha" == assigned.user

    def test_nobody_available_is_unrouted(self, state):
        """With every candidate away, the decision is unrouted with a full trace."""
        for user in ("u-asha", "u-ben", "u-chen", "u-meera"):
            state.presence[user] = False
        state.message(message("wamid.1", text="Hi"))
        (unrouted,) = state.message(message("wamid.2", 1, reply_id=AI)).actions[1:]

        assert isinstance(unrouted, Unrouted)
        assert ["opportunity_owner", "chat_group:AI counsellors", "admin"] == [
            step.target for step in unrouted.trace
        ]
        assert ConversationStatus.UNROUTED == state.conversations[LEAD, NUMBER].status

    def test_unrouted_conversation_tries_its_rule_again(self, state):
        """Once somebody is back, the next message of an unrouted conversation is assigned."""
        for user in ("u-asha", "u-ben", "u-chen", "u-meera"):
            state.presence[user] = False
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        state.presence["u-ben"] = True
        (assigned,) = state.message(message("wamid.3", 2, text="anyone?")).actions

        assert ("u-ben", "AI desk") == (assigned.user, assigned.rule)


class TestInvalidReplies:
    def test_invalid_reply_reprompts_then_falls_back(self, state):
        """One invalid reply resends the menu with a hint; the next routes with Other queries."""
        state.message(message("wamid.1", text="Hi"))
        again = state.message(message("wamid.2", 1, text="what?"))
        (sent,) = again.actions
        assert sent.message["interactive"]["body"]["text"].startswith(REPROMPT_HINT)

        (assigned,) = state.message(message("wamid.3", 2, text="hmm")).actions
        assert ("Lead owner", None) == (assigned.rule, assigned.opportunity)

    def test_full_long_product_label_picks_it(self):
        """A product label longer than a title fits is picked by its full text typed."""
        number = attrs.evolve(
            CONFIG.numbers[0],
            products=[
                attrs.evolve(CONFIG.numbers[0].products[0], label="Artificial Intelligence Masters")
            ],
        )
        state = State(Engine.from_config(attrs.evolve(CONFIG, numbers=[number])))
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 1, text="artificial intelligence masters"))

        assert ["create_opportunity", "assign"] == kinds(outcome)


class TestOpenConversations:
    def test_message_in_an_open_assigned_conversation_routes_nothing(self, state):
        """The assignee keeps the conversation: no action."""
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        outcome = state.message(message("wamid.3", 60, text="and the fees?"))

        assert () == outcome.actions
        assert AT + dt.timedelta(minutes=60) == state.conversations[LEAD, NUMBER].last_message_at

    def test_after_the_timeout_it_starts_over(self, state):
        """24 hours idle: the next message gets the first menu again."""
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        outcome = state.message(message("wamid.3", 24 * 60 + 1, text="Hi again"))

        assert ["send"] == kinds(outcome)

    def test_close_starts_over(self, state):
        """After a close event, the next message gets the first menu again."""
        state.message(message("wamid.1", text="Hi"))
        state.message(message("wamid.2", 1, reply_id=AI))
        close = CloseConversation(
            id="close.1", at=AT + dt.timedelta(minutes=2), lead=LEAD, number=NUMBER
        )
        state.run(close, Snapshot(conversation=state.conversations[LEAD, NUMBER]), AT)

        assert ["send"] == kinds(state.message(message("wamid.3", 3, text="Hi")))

    def test_expired_menu_starts_over(self, state):
        """A reply after the menu timeout is a new start, not a reply."""
        state.message(message("wamid.1", text="Hi"))
        outcome = state.message(message("wamid.2", 25 * 60, reply_id=AI))

        assert ["send"] == kinds(outcome)

    def test_capacity_counts_the_conversations_just_assigned(self):
        """Asha holds at most 1: the second new lead goes to Ben, the third to Ben too."""
        users = [
            attrs.evolve(u, max_open_conversations=1) if u.id == "u-asha" else u
            for u in CONFIG.users
        ]
        state = State(Engine.from_config(attrs.evolve(CONFIG, users=users)))
        assignees = []
        for index in range(3):
            lead = Phone(f"91980000000{index}")
            state.message(message(f"a{index}", index, lead=lead, text="Hi"))
            (_, assigned) = state.message(
                message(f"b{index}", index, lead=lead, reply_id=AI)
            ).actions
            assignees.append(assigned.user)

        assert ["u-asha", "u-ben", "u-ben"] == assignees


class TestWithoutMenus:
    def test_creates_new_without_menus(self):
        """No first response: a new opportunity of the default type, routed by create_new_rule."""
        number = attrs.evolve(CONFIG.numbers[0], first_response=None, second_response=None)
        state = State(Engine.from_config(attrs.evolve(CONFIG, numbers=[number])))
        outcome = state.message(message("wamid.1", text="Hi"))

        assert ["create_opportunity", "assign"] == kinds(outcome)
        assert "AI desk" == outcome.actions[1].rule

    def test_most_recent_matching_opportunity_without_menus(self):
        """No first response: the latest matching opportunity is routed by its product's rule."""
        number = attrs.evolve(CONFIG.numbers[0], first_response=None, second_response=None)
        state = State(Engine.from_config(attrs.evolve(CONFIG, numbers=[number])))
        state.opportunities[LEAD] = {
            "o1": course("o1", "u-asha", 1),
            "o2": course("o2", "u-chen", 5, "Data Science"),
        }
        (assigned,) = state.message(message("wamid.1", text="Hi")).actions

        assert ("DS desk", "o2", "u-chen") == (assigned.rule, assigned.opportunity, assigned.user)

    def test_unmapped_number_uses_the_lead_level_rule(self, state):
        """A number with no mapping routes with the lead-level rule."""
        outcome = state.message(message("wamid.1", text="Hi", number=Phone("918040009999")))
        (assigned,) = outcome.actions

        assert ("Lead owner", "specific_user:u-meera") == (assigned.rule, assigned.target)
        assert ["number 918040009999 has no mapping: the lead-level rule routes it"] == list(
            outcome.notes
        )

    def test_unmapped_number_without_lead_level_rule_is_unrouted(self):
        """Without a lead-level rule, an unmapped number's message is unrouted with no rule."""
        state = State(Engine.from_config(attrs.evolve(CONFIG, lead_level_rule=None)))
        outcome = state.message(message("wamid.1", text="Hi", number=Phone("918040009999")))
        (unrouted,) = outcome.actions

        assert isinstance(unrouted, Unrouted)
        assert None is unrouted.rule
        assert [
            "number 918040009999 has no mapping, and the account no lead-level rule: unrouted"
        ] == list(outcome.notes)


class TestFunnelEvents:
    def test_follow_up_moves_the_lead_and_the_board_but_menus_never_do(self, state):
        """The business's scheduling message moves lead and enquiry; menus never count."""
        state.message(message("wamid.1", text="I came from Instagram"))
        state.message(message("wamid.2", 1, reply_id=AI))
        out = OutgoingMessage(
            id="out.1",
            at=AT + dt.timedelta(minutes=5),
            lead=LEAD,
            number=NUMBER,
            text="Thank you for scheduling with us! 3 PM",
        )
        outcome = state.run(out, state.snapshot(LEAD, NUMBER, out.at), out.at)

        assert ["transition", "move_opportunity"] == kinds(outcome)
        (created,) = state.opportunities[LEAD].values()
        assert "Scheduling" == created.stage

    def test_manual_move_and_delete(self, state):
        """A manual move records its actor; deleting the entry removes the lead from the funnel."""
        state.message(message("wamid.1", text="I came from Instagram"))
        move = SetStage(id="m1", at=AT, funnel="Sales", lead=LEAD, stage="Scheduling", by="u-asha")
        outcome = state.run(move, state.snapshot(LEAD, NUMBER, AT), AT)
        (moved,) = [a for a in outcome.actions if isinstance(a, MoveInFunnel)]
        assert ("u-asha", "manual") == (moved.actor, moved.cause)

        entry = next(r for r in state.records.values() if r.is_entry)
        state.run(
            DeleteTransition(id="d1", transition=entry.id), state.snapshot(LEAD, NUMBER, AT), AT
        )
        assert {} == state.records

    def test_deleting_a_move_tells_the_host_where_the_lead_stands(self, state):
        """Deleting a move yields transition_deleted with the lead's stage after it."""
        state.message(message("wamid.1", text="I came from Instagram"))
        move = SetStage(id="m1", at=AT, funnel="Sales", lead=LEAD, stage="Scheduling")
        (moved,) = state.run(move, state.snapshot(LEAD, NUMBER, AT), AT).actions
        delete = DeleteTransition(id="d1", transition=moved.transition)
        outcome = state.run(delete, state.snapshot(LEAD, NUMBER, AT), AT)

        expected = TransitionDeleted(
            funnel="Sales", lead=LEAD, transition=moved.transition, stage="Lead Entry"
        )
        assert ((expected,), ()) == (outcome.actions, outcome.notes)
        assert {
            "type": "transition_deleted",
            "funnel": "Sales",
            "lead": LEAD,
            "transition": moved.transition,
            "stage": "Lead Entry",
        } == expected.to_json()

    def test_deleting_the_entry_says_the_lead_left_the_funnel(self, state):
        """Deleting the entry record yields transition_deleted with no stage."""
        (entered, *_) = state.message(message("wamid.1", text="I came from Instagram")).actions
        delete = DeleteTransition(id="d1", transition=entered.transition)
        outcome = state.run(delete, state.snapshot(LEAD, NUMBER, AT), AT)

        expected = TransitionDeleted(
            funnel="Sales", lead=LEAD, transition=entered.transition, stage=None
        )
        assert (expected,) == outcome.actions

    def test_deleting_an_unknown_record_is_noted(self, state):
        """An unknown transition id changes nothing, yields nothing and says why."""
        outcome = state.run(DeleteTransition(id="d1", transition="tr-nope"), Snapshot(), AT)

        assert ((), ()) == (outcome.changes, outcome.actions)
        assert ["transition tr-nope is unknown: nothing deleted"] == list(outcome.notes)

    def test_unknown_funnel_is_noted(self, state):
        """A manual move into an unknown funnel changes nothing and says why."""
        move = SetStage(id="m1", at=AT, funnel="Nope", lead=LEAD, stage="X")
        outcome = state.run(move, Snapshot(), AT)

        assert ((), ()) == (outcome.changes, outcome.actions)
        assert "unknown_funnel" in outcome.notes[0]


def test_naive_now_is_refused(state):
    """decide needs an aware now."""
    with pytest.raises(ValueError, match="aware"):
        state.engine.decide(Snapshot(), message("wamid.1", text="Hi"), now=dt.datetime(2026, 1, 1))  # noqa: DTZ001


class TestEventPhones:
    def test_phones_are_normalised_when_an_event_is_made(self):
        """A phone written the usual way becomes digits; one that is no phone is refused."""
        event = message("wamid.1", lead="+91 98000-00001", number="+91 (80) 4000 1234", text="Hi")

        assert (LEAD, NUMBER) == (event.lead, event.number)
        with pytest.raises(PhoneNumberError):
            message("wamid.2", lead="not a phone", text="Hi")

    def test_typed_national_number_refused(self):
        """A national number written without its country code is not read as another country's."""
        with pytest.raises(PhoneNumberError, match=r"\+98"):
            message("wamid.1", lead="98000 00001", text="Hi")

    def test_digits_taken_as_given(self):
        """Digits, as WhatsApp sends them, are kept as they are: never re-read."""
        event = message("wamid.1", lead="9800000001", text="Hi")

        assert "9800000001" == event.lead


class TestWhyIgnored:
    @pytest.mark.parametrize("reason", list(IgnoredReason))
    def test_every_reason_has_words(self, reason):
        """Every reason a funnel gives for recording nothing is said in words, its value after."""
        said = why_ignored(FunnelOutcome(funnel="Sales", reason=reason, phrase="see you"))

        assert said.endswith(f" ({reason})")
        assert len(said) > len(f" ({reason})") + 10
