"""
An incoming message's way through a conversation (docs/engine.md).

Open assigned conversations stay with their assignee; a pending menu takes
the reply; otherwise the conversation starts: first menu, or straight to a
rule.  Every routing ends in an ``assign`` or an ``unrouted`` action.
"""

from __future__ import annotations

import datetime as dt

import attrs

from convroute._ids import new_opportunity_id
from convroute.engine._actions import Assign, CreateOpportunity, Send, Unrouted, trace_of
from convroute.engine._changes import SaveConversation, SaveTurn, Snapshot
from convroute.engine._compiled import Compiled
from convroute.engine._effects import Effects
from convroute.engine._events import IncomingMessage
from convroute.engine._lead_messages import assigned_message, away_message
from convroute.menus import (
    BusinessNumber,
    InvalidReply,
    Menu,
    OptionKind,
    Product,
    interpret_reply,
    latest_match,
    matching_opportunities,
    render_menu,
    with_hint,
)
from convroute.model import Lead, Opportunity
from convroute.routing import Availability, Decision, RoutingContext, resolve
from convroute.state import Conversation, ConversationStatus


REPROMPT_HINT = "Sorry, I did not get that. Please choose one of the options."
"""
The line put before a menu sent again after an invalid reply.
"""

# Enum members read once (see docs/performance.md, "How the hot paths are written").
_MENU = ConversationStatus.MENU
_ASSIGNED = ConversationStatus.ASSIGNED
_UNROUTED = ConversationStatus.UNROUTED
_CLOSED = ConversationStatus.CLOSED


@attrs.frozen
class Turn:
    """
    One incoming message in context: what the flow reads.

    Attributes:
        compiled: The config.
        snapshot: The stored state.
        event: The message.
        lead: The lead, as stored or just created.
        now: The time of the decision: a message to the lead is sent then,
            so WhatsApp's 24-hour window is measured to it.
    """

    compiled: Compiled
    snapshot: Snapshot
    event: IncomingMessage
    lead: Lead
    now: dt.datetime


def converse(turn: Turn, effects: Effects) -> None:
    """
    Carry an incoming message through its conversation.
    """
    config = turn.compiled.config
    conversation = turn.snapshot.conversation
    at = turn.event.at
    if conversation is not None and conversation.status is not _CLOSED:
        idle = at - conversation.last_message_at
        status = conversation.status
        if status is _ASSIGNED and idle < config.conversation_timeout:
            effects.change(SaveConversation(conversation.seen_at(at)))
            effects.note(f"the conversation is open with {conversation.assignee}: not routed")
            return
        if status is _MENU and _menu_open(conversation, turn):
            if _sent_before_menu(conversation, turn):
                # Typed before the menu existed, so it answers nothing:
                # the menu keeps waiting, and no reprompt is used up.
                effects.note("the message was sent before the pending menu: not a reply to it")
                return
            _reply(turn, effects, conversation)
            return
        if (
            status is _UNROUTED
            and conversation.rule is not None
            and idle < config.conversation_timeout
        ):
            effects.note("nobody took the conversation before: its rule is tried again")
            opportunity = _find(effects, conversation.opportunity)
            _route(turn, effects, conversation.rule, opportunity)
            return
        if status is not _UNROUTED:
            effects.note(f"the {status} conversation expired: it starts over")
    _start(turn, effects)


def _menu_open(conversation: Conversation, turn: Turn) -> bool:
    sent = conversation.menu_sent_at
    return (
        conversation.menu is not None
        and sent is not None
        and turn.event.at - sent < turn.compiled.config.menu_timeout
    )


def _sent_before_menu(conversation: Conversation, turn: Turn) -> bool:
    sent = conversation.menu_sent_at
    at = turn.event.at
    # Meta's times have whole seconds: a reply in the menu's own second
    # may answer it.  (Compared as it is first: most replies come after.)
    return sent is not None and at < sent and at < sent.replace(microsecond=0)


def _start(turn: Turn, effects: Effects) -> None:
    compiled = turn.compiled
    number = compiled.numbers.get(turn.event.number)
    if number is None:
        rule = compiled.config.lead_level_rule
        if rule is None:
            effects.note(
                f"number {turn.event.number} has no mapping, and the account no "
                "lead-level rule: unrouted"
            )
        else:
            effects.note(
                f"number {turn.event.number} has no mapping: the lead-level rule routes it"
            )
        _route(turn, effects, rule, None)
        return
    if number.first_response is not None:
        _send_menu(turn, effects, compiled.menus_of(number).first_response(turn.lead), product=None)
        return
    found = latest_match(number, effects.opportunities)
    if found is not None:
        # What no product takes (the default type's) is routed as what the
        # number creates.
        product = found.product
        rule = number.create_new_rule if product is None else product.rule
        _route(turn, effects, rule, found.opportunity)
    elif number.creates_new_opportunity and number.default_opportunity_type is not None:
        kind = number.default_opportunity_type
        created = _create(turn, effects, kind, kind, {})
        _route(turn, effects, number.create_new_rule, created)
    else:
        _route(turn, effects, number.create_new_rule, None)


def _reply(turn: Turn, effects: Effects, conversation: Conversation) -> None:
    menu = conversation.menu
    number = turn.compiled.numbers.get(conversation.number)
    if menu is None or number is None:
        effects.note("the menu's number has no mapping any more: it starts over")
        _start(turn, effects)
        return
    event = turn.event
    outcome = interpret_reply(menu, reply_id=event.reply_id, text=event.text_or_caption)
    if isinstance(outcome, InvalidReply):
        _invalid(turn, effects, conversation, number, outcome)
        return
    option = outcome.option
    product = turn.compiled.product(number, conversation.product)
    match option.kind:
        case OptionKind.OTHER_QUERIES:
            _route(turn, effects, number.other_queries_rule, None)
        case OptionKind.PRODUCT:
            chosen = turn.compiled.product(number, option.key)
            if chosen is None:
                effects.note(f"product {option.key!r} is no longer offered: it starts over")
                _start(turn, effects)
            else:
                _product_chosen(turn, effects, number, chosen)
        case OptionKind.OPPORTUNITY if product is not None:
            opportunity = _find(effects, option.key)
            if opportunity is None:
                effects.note(f"opportunity {option.key} is gone: routed without it")
            _route(turn, effects, product.rule, opportunity)
        case OptionKind.NEW_OPPORTUNITY if product is not None:
            _new_opportunity(turn, effects, number, product)
        case _:
            effects.note("the product of the second menu is no longer offered: it starts over")
            _start(turn, effects)


def _invalid(
    turn: Turn,
    effects: Effects,
    conversation: Conversation,
    number: BusinessNumber,
    outcome: InvalidReply,
) -> None:
    config = turn.compiled.config
    menu = conversation.menu
    if menu is not None and conversation.reprompts < config.max_reprompts:
        effects.note(f"invalid reply ({outcome.reason}): the menu is sent again")
        effects.act(_send(turn, with_hint(menu, REPROMPT_HINT)))
        effects.change(SaveConversation(conversation.reprompted_at(turn.event.at)))
        return
    rule = number.other_queries_rule or config.lead_level_rule
    effects.note(f"invalid reply ({outcome.reason}) after {conversation.reprompts} reprompts")
    _route(turn, effects, rule, None)


def _product_chosen(turn: Turn, effects: Effects, number: BusinessNumber, product: Product) -> None:
    matching = matching_opportunities(product, effects.opportunities)
    if not matching:
        _new_opportunity(turn, effects, number, product)
    elif len(matching) == 1 or number.second_response is None:
        _route(turn, effects, product.rule, matching[0])
    else:
        owners = turn.compiled.all_users(turn.snapshot.users)
        # The matching opportunities, already in order, are all the menu
        # looks at: it finds the same ones among them, in the same order.
        menus = turn.compiled.menus_of(number)
        menu = menus.second_response(product, turn.lead, matching, owners)
        if menu.left_out:
            effects.note(f"{len(menu.left_out)} older opportunities did not fit the menu")
        _send_menu(turn, effects, menu, product=product.label)


def _new_opportunity(
    turn: Turn, effects: Effects, number: BusinessNumber, product: Product
) -> None:
    created = None
    if number.creates_new_opportunity:
        fields = {}
        if product.field is not None and len(product.values) == 1:
            fields[product.field] = product.values[0]
        created = _create(turn, effects, product.opportunity_type, product.label, fields)
    _route(turn, effects, product.rule, created)


def _create(
    turn: Turn, effects: Effects, kind: str, name: str, fields: dict[str, str]
) -> Opportunity:
    known = turn.compiled.types.get(kind)
    opportunity = Opportunity(
        id=new_opportunity_id(turn.event.id),
        type=kind,
        name=name,
        fields=fields,
        stage=known.stages[0] if known is not None and known.stages else None,
        updated_at=turn.event.at,
    )
    effects.save_opportunity(opportunity)
    effects.act(CreateOpportunity.of(turn.lead.phone, opportunity))
    return opportunity


def _find(effects: Effects, opportunity: str | None) -> Opportunity | None:
    return next((o for o in effects.opportunities if o.id == opportunity), None)


def _send(turn: Turn, menu: Menu) -> Send:
    event = turn.event
    return Send(to=event.lead, from_=event.number, message=render_menu(menu, event.lead))


def _send_menu(turn: Turn, effects: Effects, menu: Menu, *, product: str | None) -> None:
    effects.act(_send(turn, menu))
    waiting = Conversation.menu_sent(
        turn.lead.phone, turn.event.number, menu, turn.event.at, product=product
    )
    effects.change(SaveConversation(waiting))


def _route(
    turn: Turn, effects: Effects, rule_name: str | None, opportunity: Opportunity | None
) -> None:
    compiled = turn.compiled
    snapshot = turn.snapshot
    rule = None if rule_name is None else compiled.rules.get(rule_name)
    users = compiled.all_users(snapshot.users)
    if rule is None:
        decision = Decision(rule=None)
    else:
        # By position, each argument named as its field (docs/performance.md).
        availability = Availability(
            users, snapshot.presence, snapshot.open_conversations, compiled.schedules, turn.event.at
        )
        context = RoutingContext(
            availability, compiled.groups, snapshot.turns, turn.lead, opportunity
        )
        decision = resolve(rule, context)
    if decision.turn is not None:
        effects.change(SaveTurn(decision.turn))
    event = turn.event
    at = event.at
    opportunity_id = None if opportunity is None else opportunity.id
    if decision.assignee is not None and decision.target is not None and rule is not None:
        effects.act(
            Assign.conversation(
                event.lead,
                event.number,
                opportunity=opportunity_id,
                user=decision.assignee,
                rule=rule.name,
                target=decision.target.label,
                trace=trace_of(decision),
            )
        )
        if opportunity is not None and opportunity.owner is None:
            # The person who takes a new opportunity's first conversation
            # owns it: the next conversation about it goes to them.
            opportunity = opportunity.owned_by(decision.assignee)
            effects.save_opportunity(opportunity)
        conversation = attrs.evolve(
            Conversation.assigned(
                turn.lead.phone,
                event.number,
                at,
                decision.assignee,
                opportunity=opportunity_id,
                rule=rule.name,
            ),
            last_incoming_at=at,
        )
        sent = assigned_message(
            compiled, conversation, turn.lead, opportunity=opportunity, users=users, at=turn.now
        )
    else:
        if rule_name is not None and rule is None:
            effects.note(f"routing rule {rule_name!r} is unknown")
        effects.act(
            Unrouted.conversation(
                event.lead,
                event.number,
                opportunity=opportunity_id,
                rule=rule_name,
                trace=trace_of(decision),
            )
        )
        conversation = Conversation.unrouted(
            turn.lead.phone, event.number, at, opportunity=opportunity_id, rule=rule_name
        )
        sent = None
        if rule is not None:
            # Its rule found nobody: the conversation waits for someone.
            conversation = _waiting(conversation, _wait_before(turn), at)
            sent = away_message(
                compiled, conversation, turn.lead, opportunity=opportunity, users=users, at=turn.now
            )
            if sent is not None:
                conversation = attrs.evolve(conversation, away_message_sent=True)
    if sent is not None:
        effects.act(sent)
    effects.change(SaveConversation(conversation))


def _wait_before(turn: Turn) -> Conversation | None:
    # The wait this message goes on with: its conversation, unrouted by a
    # rule and still open (what `converse` tries again), or none.
    conversation = turn.snapshot.conversation
    if (
        conversation is None
        or conversation.status is not _UNROUTED
        or conversation.rule is None
        or turn.event.at - conversation.last_message_at >= turn.compiled.config.conversation_timeout
    ):
        return None
    return conversation


def _waiting(
    conversation: Conversation, before: Conversation | None, at: dt.datetime
) -> Conversation:
    # A wait goes on from the one before, keeping when it began and whether
    # the away message was sent; otherwise it begins now.
    if before is None:
        return attrs.evolve(conversation, waiting_since=at, last_incoming_at=at)
    return attrs.evolve(
        conversation,
        waiting_since=before.waiting_since or at,
        away_message_sent=before.away_message_sent,
        last_incoming_at=at,
    )
