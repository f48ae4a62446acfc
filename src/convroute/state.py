"""
The values a store keeps between events: conversations and outbox items.

`Removed` is what a store hands back when it deletes a lead's rows.

Leads, opportunities and users are in `convroute.model`, round-robin turns
are `convroute.routing.TurnRecord`, funnel records are
`convroute.funnel.Transition`.  Every value here is frozen; a store saves
and returns whole values.
"""

from __future__ import annotations

import datetime as dt
import enum

from collections.abc import Iterable, Mapping
from typing import Any, Final, Generic, TypeVar

import attrs

from convroute._arguments import (
    bool_field,
    field_name,
    int_field,
    mapping_field,
    optional_text_field,
    text_field,
    wrong_type,
)
from convroute._frozen import require_aware, require_aware_time, text_tuple
from convroute.menus import Menu
from convroute.model import Phone


__all__ = [
    "Conversation",
    "ConversationStatus",
    "OutboxItem",
    "OutboxStatus",
    "Removed",
    "bounded_error",
]

_T = TypeVar("_T")


_LAST_ERROR_LIMIT: Final = 2000
"""
The most characters of a failed delivery's error an outbox item keeps.
"""


class ConversationStatus(enum.StrEnum):
    """
    Where a conversation between a lead and a business number stands.
    """

    MENU = "menu"
    """
    A menu was sent and the lead's reply is awaited.
    """
    ASSIGNED = "assigned"
    """
    A user holds the conversation: new messages are theirs.
    """
    UNROUTED = "unrouted"
    """
    Nobody could take it; the next message tries the same rule again.
    """
    CLOSED = "closed"
    """
    Closed by the host; the next message starts over.
    """


def _status(value: str) -> ConversationStatus:
    # A member is taken as it is: calling the enum on one costs more than
    # the rest of a conversation, made for every message.
    if type(value) is ConversationStatus:
        return value
    if not isinstance(value, str):
        raise wrong_type("Conversation.status", value, "a ConversationStatus or its value")
    return ConversationStatus(value)


def _held_before(users: tuple[str, ...]) -> tuple[str, ...]:
    # Run for every conversation made, nearly always with none.
    if users == ():
        return ()
    return text_tuple(users, "Conversation.held_before")


def _menu_field(instance: object, attribute: attrs.Attribute[Menu | None], value: object) -> None:
    # An attrs validator: the pending menu is a Menu, or None.
    if value is not None and not isinstance(value, Menu):
        raise wrong_type(field_name(instance, attribute), value, "a Menu or None")


# Read once: the constructors below run for nearly every message.
_MENU: Final = ConversationStatus.MENU
_ASSIGNED: Final = ConversationStatus.ASSIGNED
_UNROUTED: Final = ConversationStatus.UNROUTED


@attrs.frozen
class Conversation:
    """
    One lead writing to one business number, and where that stands.

    Attributes:
        lead: The lead's phone.
        number: The business number.
        status: Where it stands.
        last_message_at: When the last message either way was seen; an
            open conversation idle for the conversation timeout is over.
        menu: The menu awaiting a reply, when `status` is ``menu``.
        menu_sent_at: When that menu was sent; it expires after the menu
            timeout.
        product: The product chosen in the first menu, while the second
            menu awaits a reply.
        reprompts: How many times the pending menu was sent again after
            an invalid reply.
        assignee: The user holding the conversation, when assigned.
        opportunity: The id of the opportunity the conversation is about,
            if any.
        rule: The name of the routing rule that routed it (or could not),
            if any.
        waiting_since: When the current wait began: set while its rule
            could not route it, kept across retries, reset by an
            unassignment.
        away_message_sent: Whether the number's away message was sent
            during the current wait.
        assigned_at: When the current assignee took it.
        reply_awaited_since: When the assignee's reply clock started (the
            assignment, or the first lead message after an answer);
            ``None`` while no reply is awaited.
        last_incoming_at: When the lead last wrote: free-form messages may
            be sent for 24 hours after it.
        held_before: The users who held it before and were moved off it,
            in order; routing again skips them.
        reassignments: How many times it was reassigned or unassigned.
        due_at: When a tick must next look at it; ``None`` when nothing
            about it is timed.  A store finds due conversations by this,
            through an index.
    """

    lead: Phone = attrs.field(validator=text_field)
    number: Phone = attrs.field(validator=text_field)
    status: ConversationStatus = attrs.field(converter=_status)
    last_message_at: dt.datetime = attrs.field(validator=require_aware_time)
    menu: Menu | None = attrs.field(default=None, validator=_menu_field)
    menu_sent_at: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    product: str | None = attrs.field(default=None, validator=optional_text_field)
    reprompts: int = attrs.field(default=0, validator=int_field)
    assignee: str | None = attrs.field(default=None, validator=optional_text_field)
    opportunity: str | None = attrs.field(default=None, validator=optional_text_field)
    rule: str | None = attrs.field(default=None, validator=optional_text_field)
    waiting_since: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    away_message_sent: bool = attrs.field(default=False, validator=bool_field)
    assigned_at: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    reply_awaited_since: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    last_incoming_at: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    held_before: tuple[str, ...] = attrs.field(default=(), converter=_held_before)
    reassignments: int = attrs.field(default=0, validator=int_field)
    due_at: dt.datetime | None = attrs.field(default=None, validator=require_aware)

    # The constructors below give every field by position, the one place
    # that does: docs/performance.md, "Frozen values made per message".

    @classmethod
    def menu_sent(
        cls, lead: Phone, number: Phone, menu: Menu, at: dt.datetime, *, product: str | None
    ) -> Conversation:
        """
        A conversation awaiting the reply to *menu*, sent at *at*.

        Args:
            lead: The lead's phone.
            number: The business number.
            menu: The menu sent.
            at: When it was sent, and the last message seen.
            product: The product chosen in the first menu, when *menu* is
                the second.
        """
        return cls(lead, number, _MENU, at, menu, at, product)

    @classmethod
    def assigned(
        cls,
        lead: Phone,
        number: Phone,
        at: dt.datetime,
        assignee: str,
        *,
        opportunity: str | None,
        rule: str,
        held_before: tuple[str, ...] = (),
        reassignments: int = 0,
        due_at: dt.datetime | None = None,
    ) -> Conversation:
        """
        A conversation assigned to *assignee* at a lead's message at *at* by the rule named *rule*.

        The assignee's reply clock starts at *at*.  *held_before* and
        *reassignments* carry on from the wait it ends, if any.
        """
        return cls(
            lead,
            number,
            _ASSIGNED,
            at,
            None,
            None,
            None,
            0,
            assignee,
            opportunity,
            rule,
            None,
            False,
            at,
            at,
            at,
            held_before,
            reassignments,
            due_at,
        )

    @classmethod
    def unrouted(
        cls,
        lead: Phone,
        number: Phone,
        at: dt.datetime,
        *,
        opportunity: str | None,
        rule: str | None,
        waiting_since: dt.datetime | None = None,
        away_message_sent: bool = False,
        held_before: tuple[str, ...] = (),
        reassignments: int = 0,
    ) -> Conversation:
        """
        A conversation nobody could take at a lead's message at *at*.

        The next message tries *rule* again; it waits since *waiting_since*,
        when its rule may take it later.
        """
        return cls(
            lead,
            number,
            _UNROUTED,
            at,
            None,
            None,
            None,
            0,
            None,
            opportunity,
            rule,
            waiting_since,
            away_message_sent,
            None,
            None,
            at,
            held_before,
            reassignments,
        )

    def seen_at(self, at: dt.datetime) -> Conversation:
        """
        The conversation with a message seen at *at*: its last message time is the later.

        The same as ``attrs.evolve`` of the last message time, made directly.
        """
        latest = max(self.last_message_at, at)
        return self.__class__(
            self.lead,
            self.number,
            self.status,
            latest,
            self.menu,
            self.menu_sent_at,
            self.product,
            self.reprompts,
            self.assignee,
            self.opportunity,
            self.rule,
            self.waiting_since,
            self.away_message_sent,
            self.assigned_at,
            self.reply_awaited_since,
            self.last_incoming_at,
            self.held_before,
            self.reassignments,
            self.due_at,
        )

    def heard_at(
        self, at: dt.datetime, reply_awaited_since: dt.datetime | None, due_at: dt.datetime | None
    ) -> Conversation:
        """
        The conversation with a lead's message at *at*, and its reply clock and due time.

        Its last message and last incoming times become the later of theirs
        and *at*.  Like `seen_at`, made directly.
        """
        latest = max(self.last_message_at, at)
        incoming = self.last_incoming_at
        return self.__class__(
            self.lead,
            self.number,
            self.status,
            latest,
            self.menu,
            self.menu_sent_at,
            self.product,
            self.reprompts,
            self.assignee,
            self.opportunity,
            self.rule,
            self.waiting_since,
            self.away_message_sent,
            self.assigned_at,
            reply_awaited_since,
            at if incoming is None or at > incoming else incoming,
            self.held_before,
            self.reassignments,
            due_at,
        )

    def reprompted_at(
        self, at: dt.datetime, *, menu: Menu | None = None, counted: bool = True
    ) -> Conversation:
        """
        The conversation with its pending menu sent again at *at*.

        Args:
            at: When it was sent again.
            menu: The menu sent, when the config built it anew; the pending
                one is kept otherwise.
            counted: Whether it was sent after an invalid reply, and counts
                as a reprompt; a menu sent again because the config no
                longer has the option chosen does not.
        """
        return attrs.evolve(
            self,
            menu=self.menu if menu is None else menu,
            reprompts=self.reprompts + 1 if counted else self.reprompts,
            menu_sent_at=at,
            last_message_at=at,
        )


class OutboxStatus(enum.StrEnum):
    """
    Whether an action has reached the host's transport.
    """

    PENDING = "pending"
    """
    Not delivered yet (never tried, or the last try failed and another is
    due at its ``next_attempt_at``).
    """
    SENT = "sent"
    """
    The transport took it.
    """
    DEAD = "dead"
    """
    Every attempt allowed failed: kept, listed, never tried again unless
    requeued.
    """


def bounded_error(text: str) -> str:
    r"""
    *text*, cut to 2 000 characters, the last an ellipsis, when longer.

    A transport's exception may carry a whole response body, or more: the
    outbox keeps enough of it to say what went wrong, and no more.  A lone
    surrogate (bytes read with ``surrogateescape``), which no store can
    write, is kept escaped: ``\udcff``.
    """
    if not text.isascii():
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) <= _LAST_ERROR_LIMIT:
        return text
    return text[: _LAST_ERROR_LIMIT - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _last_error(text: str | None) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise wrong_type("OutboxItem.last_error", text, "a str or None")
    return bounded_error(text)


def _outbox_status(value: OutboxStatus) -> OutboxStatus:
    # A member is taken as it is; its value (a store's text) is read as one.
    if type(value) is OutboxStatus:
        return value
    if not isinstance(value, str):
        raise wrong_type("OutboxItem.status", value, "an OutboxStatus or its value")
    return OutboxStatus(value)


@attrs.frozen
class OutboxItem:
    """
    An action waiting in the outbox, or delivered from it.

    Attributes:
        id: The action's stable id: the same action always has the same
            id, so a host can ignore one it has seen.
        event: The id of the event that caused the action.
        type: The action's type: ``send``, ``assign``, ``unrouted``,
            ``create_opportunity``, ``enter_funnel``, ``transition``,
            ``transition_deleted``, ``move_opportunity`` or ``meta_event``.
        body: The action as JSON-ready values, in the form of the simulate
            contract (``type`` and ``event`` included).
        created_at: When the action was written.
        status: Delivered or not.
        attempts: How many deliveries failed.
        last_error: Why the last try failed, if it did: at most
            2 000 characters (a longer text is cut short: `bounded_error`).
        claimed_until: While a dispatcher delivers the item, when its claim
            lapses; another dispatcher leaves it alone until then.
        next_attempt_at: After a failed delivery, when the next one is due;
            none for an item never tried (due at once) or no longer pending.
        lead: The phone of the lead the action is about: the one its body
            names (``lead``, or a send's ``to``), else, for the actions
            that follow a funnel record (``move_opportunity``,
            ``meta_event``), the lead of that record; ``None`` for an item
            about no lead.  `convroute.service.Service.forget` finds a
            lead's items by it.
    """

    id: str = attrs.field(validator=text_field)
    event: str = attrs.field(validator=text_field)
    type: str = attrs.field(validator=text_field)
    body: Mapping[str, Any] = attrs.field(hash=False, validator=mapping_field)
    created_at: dt.datetime = attrs.field(validator=require_aware_time)
    status: OutboxStatus = attrs.field(default=OutboxStatus.PENDING, converter=_outbox_status)
    attempts: int = attrs.field(default=0, validator=int_field)
    last_error: str | None = attrs.field(default=None, converter=_last_error)
    claimed_until: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    next_attempt_at: dt.datetime | None = attrs.field(default=None, validator=require_aware)
    lead: Phone | None = attrs.field(default=None, validator=optional_text_field)


def _unread_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    return text_tuple(keys, "Removed.unread")


def _removed_values(values: Iterable[Any]) -> tuple[Any, ...]:
    # Any iterable a store gives (a host's store may give a list), frozen.
    return tuple(values)


@attrs.frozen
class Removed(Generic[_T]):
    """
    What a store deleted of a lead's: the values it read, and the rows it could not read.

    An erasure deletes every row of the lead, even one a store cannot read
    back (text that is not JSON, a value of the wrong shape): such a row is
    deleted unread, and named here by a key that is not the lead's phone.

    Attributes:
        values: The values deleted that could be read, in the order the
            method says.
        unread: The keys of the rows deleted without being read: an
            opportunity's, funnel record's or outbox item's id, or a
            conversation's business number.  Always empty for a store
            that keeps values, not text (the memory store).
    """

    values: tuple[_T, ...] = attrs.field(converter=_removed_values)
    unread: tuple[str, ...] = attrs.field(default=(), converter=_unread_keys)
