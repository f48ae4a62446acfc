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
from convroute.engine._actions import (
    Assign,
    CreateOpportunity,
    Send,
    Unrouted,
    UnroutedReason,
    trace_of,
)
from convroute.engine._changes import ConversationContext, SaveConversation, SaveTurn, Snapshot
from convroute.engine._compiled import Compiled
from convroute.engine._effects import Effects
from convroute.engine._events import IncomingMessage
from convroute.engine._routing import (
    RoutingState,
    due_when_assigned,
    hand_over,
    later,
    start_wait,
)
from convroute.engine._time import take_from_removed
from convroute.menus import (
    BusinessNumber,
    InvalidReply,
    Menu,
    MenuKind,
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


# Enum members read once (see docs/performance.md, "How the hot paths are written").
_MENU = ConversationStatus.MENU
_ASSIGNED = ConversationStatus.ASSIGNED
_UNROUTED = ConversationStatus.UNROUTED
_CLOSED = ConversationStatus.CLOSED
_FIRST_RESPONSE = MenuKind.FIRST_RESPONSE
_SECOND_RESPONSE = MenuKind.SECOND_RESPONSE


@attrs.frozen
class MessageContext:
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


def converse(message: MessageContext, effects: Effects) -> None:
    """
    Carry an incoming message through its conversation.
    """
    config = message.compiled.config
    conversation = message.snapshot.conversation
    at = message.event.at
    if conversation is not None and conversation.status is not _CLOSED:
        idle = at - conversation.last_message_at
        status = conversation.status
        if status is _ASSIGNED and idle < config.conversation_timeout:
            if not _assignee_known(message, conversation):
                _assignee_removed(message, effects, _heard(message, conversation))
                return
            effects.change(SaveConversation(_heard(message, conversation)))
            effects.note(f"the conversation is open with {conversation.assignee}: not routed")
            return
        if status is _MENU and _menu_open(conversation, message):
            if _sent_before_menu(conversation, message):
                # Typed before the menu existed, so it answers nothing:
                # the menu keeps waiting, and no reprompt is used up.
                effects.note("the message was sent before the pending menu: not a reply to it")
                return
            _reply(message, effects, conversation)
            return
        if (
            status is _UNROUTED
            and conversation.rule is not None
            and idle < config.conversation_timeout
        ):
            effects.note("nobody took the conversation before: its rule is tried again")
            opportunity = _find(effects, conversation.opportunity)
            _route(message, effects, conversation.rule, opportunity, waiting=conversation)
            return
        if status is not _UNROUTED:
            effects.note(f"the {status} conversation expired: it starts over")
    _start(message, effects)


def _assignee_known(message: MessageContext, conversation: Conversation) -> bool:
    assignee = conversation.assignee
    return assignee is None or message.compiled.knows_user(assignee, message.snapshot.users)


def _assignee_removed(
    message: MessageContext, effects: Effects, conversation: Conversation
) -> None:
    # The assignee is no longer a known user: the conversation's rule
    # takes it again, as a tick would; without the rule, the message
    # starts a new conversation.
    compiled = message.compiled
    snapshot = message.snapshot
    rule_name = conversation.rule
    if rule_name is None or rule_name not in compiled.rules:
        effects.note(
            f"user {conversation.assignee!r} and routing rule {rule_name!r} are unknown: "
            "it starts over"
        )
        _start(message, effects)
        return
    router = RoutingState(
        compiled,
        compiled.all_users(snapshot.users),
        snapshot.presence,
        snapshot.open_conversations,
        snapshot.turns,
        message.event.at,
        snapshot.away_since,
    )
    context = ConversationContext(conversation, message.lead, tuple(effects.opportunities))
    take_from_removed(router, effects, context, message.event.at, now=message.now)


def _heard(message: MessageContext, conversation: Conversation) -> Conversation:
    # A lead's message in an open assigned conversation: when no reply was
    # awaited (the assignee answered), the reply clock starts again, and
    # its deadline may make the conversation due earlier.
    at = message.event.at
    awaited = conversation.reply_awaited_since
    due = conversation.due_at
    if awaited is None:
        awaited = at
        rule_name = conversation.rule
        rule = None if rule_name is None else message.compiled.rules.get(rule_name)
        if (
            rule is not None
            and rule.reply_within is not None
            and conversation.reassignments < rule.max_reassignments
        ):
            deadline = later(at, rule.reply_within)
            if deadline is not None and (due is None or deadline < due):
                due = deadline
    return conversation.heard_at(at, awaited, due)


def _menu_open(conversation: Conversation, message: MessageContext) -> bool:
    sent = conversation.menu_sent_at
    return (
        conversation.menu is not None
        and sent is not None
        and message.event.at - sent < message.compiled.config.menu_timeout
    )


def _sent_before_menu(conversation: Conversation, message: MessageContext) -> bool:
    sent = conversation.menu_sent_at
    at = message.event.at
    # Meta's times have whole seconds: a reply in the menu's own second
    # may answer it.  (Compared as it is first: most replies come after.)
    return sent is not None and at < sent and at < sent.replace(microsecond=0)


def _start(message: MessageContext, effects: Effects) -> None:
    compiled = message.compiled
    number = compiled.numbers.get(message.event.number)
    if number is None:
        rule = compiled.config.lead_level_rule
        if rule is None:
            effects.note(
                f"number {message.event.number} has no mapping, and the account no "
                "lead-level rule: unrouted"
            )
        else:
            effects.note(
                f"number {message.event.number} has no mapping: the lead-level rule routes it"
            )
        _route(message, effects, rule, None)
        return
    if number.first_response is not None:
        _send_menu(
            message, effects, compiled.menus_of(number).first_response(message.lead), product=None
        )
        return
    found = latest_match(number, effects.opportunities)
    if found is not None:
        # What no product takes (the default type's) is routed as what the
        # number creates.
        product = found.product
        rule = number.create_new_rule if product is None else product.rule
        _route(message, effects, rule, found.opportunity)
    elif number.creates_new_opportunity and number.default_opportunity_type is not None:
        kind = number.default_opportunity_type
        created = _create(message, effects, kind, kind, {})
        _route(message, effects, number.create_new_rule, created)
    else:
        _route(message, effects, number.create_new_rule, None)


def _reply(message: MessageContext, effects: Effects, conversation: Conversation) -> None:
    menu = conversation.menu
    number = message.compiled.numbers.get(conversation.number)
    if menu is None or number is None:
        effects.note("the menu's number has no mapping any more: it starts over")
        _start(message, effects)
        return
    event = message.event
    # The reply is read against the menu the lead saw; what it picks is
    # then taken only if the config (which may have changed since) still
    # has it.
    outcome = interpret_reply(
        menu,
        reply_id=event.reply_id,
        text=event.text_or_caption,
        number_words=message.compiled.menus_of(number).number_words(message.lead),
    )
    if isinstance(outcome, InvalidReply):
        _invalid(message, effects, conversation, number, outcome)
        return
    option = outcome.option
    compiled = message.compiled
    product = compiled.product(number, conversation.product)
    match option.kind:
        case OptionKind.OTHER_QUERIES if _offers_other_queries(number):
            _route(message, effects, number.other_queries_rule, None)
        case OptionKind.PRODUCT if (chosen := compiled.product(number, option.key)) is not None:
            _product_chosen(message, effects, number, chosen)
        case OptionKind.OPPORTUNITY if product is not None:
            opportunity = _find(effects, option.key)
            if opportunity is None or not opportunity.is_open:
                # A stale choice, like an option the config no longer has:
                # the product's menu is built again from what is open now.
                why = "gone" if opportunity is None else opportunity.status
                effects.note(
                    f"opportunity {option.key} is {why} since the menu was sent: "
                    "the menu is built again"
                )
                _product_chosen(message, effects, number, product)
            else:
                _route(message, effects, product.rule, opportunity)
        case OptionKind.NEW_OPPORTUNITY if product is not None:
            _new_opportunity(message, effects, number, product)
        case OptionKind.PRODUCT | OptionKind.OTHER_QUERIES:
            what = f"product {option.key!r}" if option.key else f"the option {option.title!r}"
            _send_again(
                message,
                effects,
                conversation,
                number,
                reprompt=False,
                why=f"{what} is no longer offered",
            )
        case _:
            _send_again(message, effects, conversation, number, reprompt=False)


def _offers_other_queries(number: BusinessNumber) -> bool:
    response = number.first_response
    return response is not None and response.other_queries


def _invalid(
    message: MessageContext,
    effects: Effects,
    conversation: Conversation,
    number: BusinessNumber,
    outcome: InvalidReply,
) -> None:
    config = message.compiled.config
    if conversation.reprompts < config.max_reprompts:
        why = f"invalid reply ({outcome.reason})"
        _send_again(message, effects, conversation, number, reprompt=True, why=why)
        return
    rule = number.other_queries_rule or config.lead_level_rule
    effects.note(f"invalid reply ({outcome.reason}) after {conversation.reprompts} reprompts")
    _route(message, effects, rule, None)


def _send_again(
    message: MessageContext,
    effects: Effects,
    conversation: Conversation,
    number: BusinessNumber,
    *,
    reprompt: bool,
    why: str | None = None,
) -> None:
    # The pending menu, sent again as the config builds it now: a config
    # changed since it was sent never has the lead offered an option it
    # no longer has.  A *reprompt* (after an invalid reply) counts; a
    # choice the config dropped is no mistake of the lead's, and does not.
    # *why* is noted, and followed by "the menu is sent again" only when
    # it is: a menu the config no longer builds is not.
    sent = conversation.menu
    assert sent is not None  # noqa: S101 - only a pending menu is sent again
    compiled = message.compiled
    product = compiled.product(number, conversation.product)
    second = sent.kind is _SECOND_RESPONSE
    if second and product is None:
        if why is not None:
            effects.note(why)
        effects.note(
            f"product {conversation.product!r} of the second menu is no longer offered: "
            "it starts over"
        )
        _start(message, effects)
        return
    if second and product is not None:
        menu = _second_menu(message, effects, number, product)
    else:
        menu = _first_menu(message, number)
    if menu is None:
        if why is not None:
            effects.note(why)
        effects.note("the menu is no longer in the config: the message is taken as it is now")
        if second and product is not None:
            _product_chosen(message, effects, number, product)
        else:
            _start(message, effects)
        return
    if why is not None:
        effects.note(f"{why}: the menu is sent again")
    if _option_ids(menu) != _option_ids(sent):
        effects.note(
            "the menu's options changed since it was sent: it is sent as the config builds it now"
        )
    hint = compiled.menus_of(number).reprompt_hint(message.lead)
    effects.act(_send(message, with_hint(menu, hint)))
    effects.change(
        SaveConversation(conversation.reprompted_at(message.event.at, menu=menu, counted=reprompt))
    )


def _option_ids(menu: Menu) -> list[str]:
    return [option.id for option in menu.options]


def _first_menu(message: MessageContext, number: BusinessNumber) -> Menu | None:
    if number.first_response is None:
        return None
    return message.compiled.menus_of(number).first_response(message.lead)


def _second_menu(
    message: MessageContext, effects: Effects, number: BusinessNumber, product: Product
) -> Menu | None:
    # The second menu of *product*, when the config sends one for the
    # lead's open opportunities now.
    matching = matching_opportunities(product, effects.opportunities)
    if len(matching) < 2 or number.second_response is None:
        return None
    owners = message.compiled.all_users(message.snapshot.users)
    # The matching opportunities, already in order, are all the menu
    # looks at: it finds the same ones among them, in the same order.
    return message.compiled.menus_of(number).second_response(
        product, message.lead, matching, owners
    )


def _product_chosen(
    message: MessageContext, effects: Effects, number: BusinessNumber, product: Product
) -> None:
    matching = matching_opportunities(product, effects.opportunities)
    if not matching:
        _new_opportunity(message, effects, number, product)
        return
    menu = _second_menu(message, effects, number, product)
    if menu is None:
        _route(message, effects, product.rule, matching[0])
        return
    if menu.left_out:
        effects.note(f"{len(menu.left_out)} older opportunities did not fit the menu")
    _send_menu(message, effects, menu, product=product.label)


def _new_opportunity(
    message: MessageContext, effects: Effects, number: BusinessNumber, product: Product
) -> None:
    created = None
    if number.creates_new_opportunity:
        fields = {}
        if product.field is not None and len(product.values) == 1:
            fields[product.field] = product.values[0]
        created = _create(message, effects, product.opportunity_type, product.label, fields)
    _route(message, effects, product.rule, created)


def _create(
    message: MessageContext, effects: Effects, kind: str, name: str, fields: dict[str, str]
) -> Opportunity:
    known = message.compiled.types.get(kind)
    opportunity = Opportunity(
        id=new_opportunity_id(message.event.id),
        type=kind,
        name=name,
        fields=fields,
        stage=known.stages[0] if known is not None and known.stages else None,
        updated_at=message.event.at,
    )
    effects.save_opportunity(opportunity)
    effects.act(CreateOpportunity.of(message.lead.phone, opportunity))
    return opportunity


def _find(effects: Effects, opportunity: str | None) -> Opportunity | None:
    return next((o for o in effects.opportunities if o.id == opportunity), None)


def _send(message: MessageContext, menu: Menu) -> Send:
    event = message.event
    return Send(to=event.lead, from_=event.number, message=render_menu(menu, event.lead))


def _send_menu(
    message: MessageContext, effects: Effects, menu: Menu, *, product: str | None
) -> None:
    effects.act(_send(message, menu))
    waiting = Conversation.menu_sent(
        message.lead.phone, message.event.number, menu, message.event.at, product=product
    )
    effects.change(SaveConversation(waiting))


def _route(
    message: MessageContext,
    effects: Effects,
    rule_name: str | None,
    opportunity: Opportunity | None,
    *,
    waiting: Conversation | None = None,
) -> None:
    # Routes the message's conversation; *waiting* is the conversation it
    # continues, when nobody took it before and it still waits.
    compiled = message.compiled
    snapshot = message.snapshot
    event = message.event
    rule = None if rule_name is None else compiled.rules.get(rule_name)
    opportunity_id = None if opportunity is None else opportunity.id
    held = () if waiting is None else waiting.held_before
    reassignments = 0 if waiting is None else waiting.reassignments
    if rule is None:
        decision = Decision(rule=None)
    else:
        # By position, each argument named as its field (docs/performance.md).
        availability = Availability(
            compiled.all_users(snapshot.users),
            snapshot.presence,
            snapshot.open_conversations,
            compiled.schedules,
            event.at,
            frozenset(held) if held else _NONE_HELD,
        )
        context = RoutingContext(
            availability, compiled.groups, snapshot.turns, message.lead, opportunity
        )
        decision = resolve(rule, context)
    if decision.turn is not None:
        effects.change(SaveTurn(decision.turn))
    assignee = decision.assignee
    if assignee is not None and decision.target is not None and rule is not None:
        since = None if waiting is None else waiting.waiting_since
        action = Assign.conversation(
            event.lead,
            event.number,
            opportunity=opportunity_id,
            user=assignee,
            rule=rule.name,
            target=decision.target.label,
            trace=trace_of(decision),
            waited=None if since is None else max((event.at - since).total_seconds(), 0.0),
        )
        if opportunity is not None and opportunity.owner is None:
            # The person who takes a new opportunity's first conversation
            # owns it: the next conversation about it goes to them.
            opportunity = opportunity.owned_by(assignee)
            effects.save_opportunity(opportunity)
        # Just assigned, so not away: due at its expiry, its reply deadline
        # or its assignee's next closing.
        due = due_when_assigned(
            compiled,
            rule.name,
            at=event.at,
            last_message_at=event.at,
            reply_awaited_since=event.at,
            reassignments=reassignments,
            assignee=assignee,
            users=availability.users,
            away_start=None,
        )
        assigned = Conversation.assigned(
            message.lead.phone,
            event.number,
            event.at,
            assignee,
            opportunity=opportunity_id,
            rule=rule.name,
            held_before=held,
            reassignments=reassignments,
            due_at=due,
        )
        hand_over(
            effects,
            assigned,
            action,
            message.lead,
            compiled=compiled,
            opportunity=opportunity,
            users=availability.users,
            at=message.now,
        )
        return
    reason = _NO_TARGET_AVAILABLE
    if rule_name is None:
        reason = _NO_RULE
    elif rule is None:
        reason = _RULE_REMOVED
        effects.note(f"routing rule {rule_name!r} is unknown")
    effects.act(
        Unrouted.conversation(
            event.lead,
            event.number,
            opportunity=opportunity_id,
            rule=rule_name,
            trace=trace_of(decision),
            reason=reason,
        )
    )
    # Only a rule that may take it later makes it wait.
    since = None if waiting is None else waiting.waiting_since
    unrouted = Conversation.unrouted(
        message.lead.phone,
        event.number,
        event.at,
        opportunity=opportunity_id,
        rule=rule_name,
        waiting_since=(since or event.at) if rule is not None else None,
        away_message_sent=False if waiting is None else waiting.away_message_sent,
        held_before=held,
        reassignments=reassignments,
    )
    if rule is None:
        effects.change(SaveConversation(unrouted))
        return
    if since is not None and waiting is not None:
        # The wait goes on, and so does its due time (`start_wait` only
        # brings it on): the tick then sets the new expiry.
        unrouted = attrs.evolve(unrouted, due_at=waiting.due_at)
    start_wait(
        effects,
        unrouted,
        message.lead,
        compiled=compiled,
        opportunity=opportunity,
        users=compiled.all_users(snapshot.users),
        at=message.now,
    )


_NONE_HELD: frozenset[str] = frozenset()
_NO_RULE = UnroutedReason.NO_RULE
_NO_TARGET_AVAILABLE = UnroutedReason.NO_TARGET_AVAILABLE
_RULE_REMOVED = UnroutedReason.RULE_REMOVED
