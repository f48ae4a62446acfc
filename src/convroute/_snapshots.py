"""
What the service reads from a unit of work for the engine: an event's snapshot.

Part of the shell, beside `convroute.service`: the two are the only code
that talks to ports.  An incoming message reads its lead, opportunities,
conversation and funnel records at once; users, presence, capacities and
turns matter only when the message is routed (or, for users, offered a
second menu), which most messages are not, so they are read the first time
the engine looks at them, inside the same unit of work.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import (
    Callable,
    ItemsView,
    Iterator,
    KeysView,
    Mapping,
    Sequence,
    ValuesView,
)
from typing import Any, TypeVar, assert_never

import attrs

from convroute.engine import (
    CloseConversation,
    ConversationContext,
    DeleteOpportunity,
    DeleteTransition,
    Engine,
    Event,
    IncomingMessage,
    OutgoingMessage,
    SetPresence,
    SetStage,
    Snapshot,
    UpdateLead,
    UpdateOpportunity,
    UpdateUser,
)
from convroute.model import Lead, Phone, User
from convroute.ports import UnitOfWork
from convroute.routing import TurnRecord
from convroute.state import Conversation, ConversationStatus


_K = TypeVar("_K")
_V = TypeVar("_V")

_FIRST_INSTANT = dt.datetime.min.replace(tzinfo=dt.UTC)


WAITING_BATCH = 100
"""
The most waiting conversations one unit of work routes.
"""


def prefetch_lead(uow: UnitOfWork, event: Event) -> None:
    """
    Tell *uow* the lead whose state `load_snapshot` reads for *event*, before it is read.

    A store whose reads cost a round trip (PostgreSQL) then reads the
    lead's state with the unit's next one, the event id's claim.  Not part
    of the port: a unit of work without ``prefetch_lead`` reads the state
    when asked, as always.
    """
    hint: Callable[[Phone], None] | None = getattr(uow, "prefetch_lead", None)
    if not callable(hint):
        return
    match event:
        case (
            IncomingMessage(lead=lead)
            | OutgoingMessage(lead=lead)
            | SetStage(lead=lead)
            | CloseConversation(lead=lead)
            | UpdateOpportunity(lead=lead)
        ):
            # Each reads its lead's state first, under the lead's lock: the
            # lock comes no earlier among the unit's locks than it did.
            hint(lead)
        case _:
            return


def load_snapshot(  # noqa: C901, PLR0911 - one case an event
    uow: UnitOfWork,
    event: Event,
    engine: Engine,
    now: dt.datetime | None = None,
    *,
    phone_number_ids: Mapping[Phone, str] | None = None,
) -> Snapshot:
    """
    The stored state *engine* needs to decide *event*, read from *uow*.

    Args:
        uow: The unit of work.
        event: The event.
        engine: The engine that decides it.
        now: The service's clock: the time of a presence or user update
            that carries none.
        phone_number_ids: The numbers' Cloud API ids as a message's
            snapshot gives them (`convroute._known_numbers`); by default
            read from *uow* when first looked at.

    Returns:
        A snapshot whose users, presence, capacities and turns (for an
        incoming message) are read from *uow* when first looked at: decide
        with it before the unit of work ends.  A presence or user update,
        and a close of an assigned conversation, read the conversations
        waiting (at most `WAITING_BATCH`), and an update the conversations
        the user holds.  The numbers' Cloud API ids are read when first
        looked at, by any snapshot that may send.
    """
    if phone_number_ids is None:
        phone_number_ids = ReadOnFirstUse(uow.numbers.all)
    match event:
        case IncomingMessage(lead=lead, number=number, at=at):
            users: Mapping[str, User] = ReadOnFirstUse(uow.users.all)
            counts, turns = _counts_and_turns(uow, engine, users, at)
            return Snapshot(
                lead=uow.leads.get(lead),
                opportunities=uow.opportunities.for_lead(lead),
                conversation=uow.conversations.get(lead, number),
                users=users,
                presence=ReadOnFirstUse(uow.users.presence),
                open_conversations=counts,
                turns=turns,
                records=uow.funnel_records.for_lead(lead),
                phone_number_ids=phone_number_ids,
            )
        case OutgoingMessage(lead=lead, number=number):
            # The users are read only to time a conversation this message
            # opens again: is its assignee away?
            return Snapshot(
                lead=uow.leads.get(lead),
                opportunities=uow.opportunities.for_lead(lead),
                conversation=uow.conversations.get(lead, number),
                records=uow.funnel_records.for_lead(lead),
                users=ReadOnFirstUse(uow.users.all),
                presence=ReadOnFirstUse(uow.users.presence),
                away_since=ReadOnFirstUse(uow.users.away_since),
                phone_number_ids=phone_number_ids,
            )
        case SetStage(lead=lead):
            return Snapshot(
                opportunities=uow.opportunities.for_lead(lead),
                records=uow.funnel_records.for_lead(lead),
            )
        case DeleteTransition(transition=transition):
            record = uow.funnel_records.get(transition)
            if record is None:
                return Snapshot()
            return Snapshot(records=uow.funnel_records.for_lead(record.lead))
        case CloseConversation(lead=lead, number=number, at=at):
            conversation = uow.conversations.get(lead, number)
            if conversation is None or conversation.status is not ConversationStatus.ASSIGNED:
                return Snapshot(conversation=conversation)
            # A slot is freed: what waits may take it.
            return attrs.evolve(
                _routing_state(uow, engine, at, waiting=WAITING_BATCH),
                conversation=conversation,
            )
        case SetPresence() | UpdateUser():
            return _presence_snapshot(uow, event, engine, event.at or now or _utc_now())
        case UpdateLead() | UpdateOpportunity() | DeleteOpportunity():
            return _host_record_snapshot(uow, event)
        case _:  # pragma: no cover - the match above is exhaustive
            assert_never(event)


def load_tick_snapshot(
    uow: UnitOfWork,
    engine: Engine,
    at: dt.datetime,
    *,
    last_tick: dt.datetime | None,
    due: int = 0,
    waiting: int = 0,
    rule: str | None = None,
    after: tuple[dt.datetime, Phone, Phone] | None = None,
    held_by: str | None = None,
) -> Snapshot:
    """
    The stored state a tick at *at* needs: a batch of what is due, or of what waits.

    Args:
        uow: The unit of work.
        engine: The engine that decides it.
        at: The tick's time.
        last_tick: The latest tick's time before this tick began (its
            earlier batches advanced it to *at* already).
        due: The most due conversations to read and claim.
        waiting: The most waiting conversations to read and claim.
        rule: Only the waits of this routing rule.
        after: Only the waits after this key: (waiting_since, lead, number).
        held_by: A user a new config removed: the open conversations they
            hold are served as due, whatever their due times.
    """
    state = _routing_state(uow, engine, at, waiting=waiting, rule=rule, after=after)
    found: Sequence[Conversation] = ()
    if held_by is not None:
        found = uow.conversations.held_by(held_by, _earlier(at, engine.config.conversation_timeout))
    elif due > 0:
        found = uow.conversations.due(at, due)
    return attrs.evolve(state, due=tuple(_context(uow, c) for c in found), last_tick=last_tick)


def unknown_assignees(uow: UnitOfWork, engine: Engine, at: dt.datetime) -> list[str]:
    """
    The users holding open conversations at *at* whom neither *engine*'s config nor the host has.

    One read through the index of who holds what, and the host's users;
    none when the store's conversations have no ``assignees``.
    """
    # Not part of the port: a host's store may not have it.
    assignees: Callable[[dt.datetime], Sequence[str]] | None = getattr(
        uow.conversations, "assignees", None
    )
    if not callable(assignees):
        return []
    holders = assignees(_earlier(at, engine.config.conversation_timeout))
    if not holders:
        return []
    known = engine.all_users(uow.users.all())
    return [user for user in holders if user not in known]


def _presence_snapshot(
    uow: UnitOfWork, event: SetPresence | UpdateUser, engine: Engine, at: dt.datetime
) -> Snapshot:
    # Someone who may have become available routes what waits; someone who
    # may have gone away makes the conversations they hold due.
    if isinstance(event, SetPresence):
        state = _routing_state(uow, engine, at, waiting=WAITING_BATCH if event.available else 0)
        if event.available:
            return state
        user = event.user
    else:
        state = _routing_state(uow, engine, at, waiting=WAITING_BATCH)
        user = event.user.id
    held = uow.conversations.held_by(user, _earlier(at, engine.config.conversation_timeout))
    return attrs.evolve(state, held=tuple(held))


def _routing_state(
    uow: UnitOfWork,
    engine: Engine,
    at: dt.datetime,
    *,
    waiting: int,
    rule: str | None = None,
    after: tuple[dt.datetime, Phone, Phone] | None = None,
) -> Snapshot:
    # What routing conversations other than an incoming message's reads:
    # users, presence, capacities, turns and absences, read when first
    # looked at, and the waiting conversations asked for.
    users: Mapping[str, User] = ReadOnFirstUse(uow.users.all)
    since = _earlier(at, engine.config.conversation_timeout)
    found = uow.conversations.waiting(since, waiting, rule=rule, after=after) if waiting > 0 else ()
    counts, turns = _counts_and_turns(uow, engine, users, at)
    return Snapshot(
        users=users,
        presence=ReadOnFirstUse(uow.users.presence),
        open_conversations=counts,
        turns=turns,
        waiting=tuple(_context(uow, c) for c in found),
        away_since=ReadOnFirstUse(uow.users.away_since),
        phone_number_ids=ReadOnFirstUse(uow.numbers.all),
    )


def _context(uow: UnitOfWork, conversation: Conversation) -> ConversationContext:
    lead = conversation.lead
    return ConversationContext(conversation, uow.leads.get(lead), uow.opportunities.for_lead(lead))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ReadOnFirstUse(Mapping[_K, _V]):
    """
    A mapping read from the store the first time it is looked at.

    The engine reads a snapshot's mappings only on the paths that need
    them; the service decides inside the unit of work, so a read put off
    sees what an early one would have.
    """

    __slots__ = ("_read", "_values")

    def __init__(self, read: Callable[[], Mapping[_K, _V]]) -> None:
        self._read: Callable[[], Mapping[_K, _V]] | None = read
        self._values: Mapping[_K, _V] = {}

    @property
    def was_read(self) -> bool:
        """
        Whether the mapping was read already.
        """
        return self._read is None

    def _loaded(self) -> Mapping[_K, _V]:
        read = self._read
        if read is not None:
            self._values = read()
            self._read = None
        return self._values

    def __getitem__(self, key: _K) -> _V:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __contains__(self, key: object) -> bool:
        return key in self._loaded()

    def __repr__(self) -> str:
        return repr(self._loaded())

    def get(self, key: _K, default: Any = None) -> Any:
        """
        The value of *key*, or *default*.
        """
        return self._loaded().get(key, default)

    def keys(self) -> KeysView[_K]:
        """
        The keys, as the store gave them.
        """
        return self._loaded().keys()

    def values(self) -> ValuesView[_V]:
        """
        The values, as the store gave them.
        """
        return self._loaded().values()

    def items(self) -> ItemsView[_K, _V]:
        """
        The items, as the store gave them.
        """
        return self._loaded().items()


class TurnRecordsByPool(Mapping[str, TurnRecord]):
    """
    Turn records read from the store one pool at a time, when looked up.

    Routing looks up only the pools it picks from; a store shared by
    workers holds each pool it is asked for until the unit ends, so only
    those are held.  Going over every record reads them all.
    """

    __slots__ = ("_all", "_get", "_read")

    def __init__(
        self,
        get: Callable[[str], TurnRecord | None],
        every: Callable[[], Mapping[str, TurnRecord]],
    ) -> None:
        self._get = get
        self._all = every
        self._read: dict[str, TurnRecord | None] = {}

    def _one(self, pool: str) -> TurnRecord | None:
        try:
            return self._read[pool]
        except KeyError:
            record = self._read[pool] = self._get(pool)
            return record

    def __getitem__(self, pool: str) -> TurnRecord:
        record = self._one(pool)
        if record is None:
            raise KeyError(pool)
        return record

    def get(self, pool: str, default: Any = None) -> Any:
        """
        The record of *pool*, or *default*.
        """
        record = self._one(pool)
        return default if record is None else record

    def __contains__(self, pool: object) -> bool:
        return isinstance(pool, str) and self._one(pool) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"TurnRecordsByPool(read={self._read!r})"


def _counts_and_turns(
    uow: UnitOfWork, engine: Engine, users: Mapping[str, User], at: dt.datetime
) -> tuple[ReadOnFirstUse[str, int], TurnRecordsByPool]:
    # The users' open conversations (those with a capacity: the others are
    # never full) and the pools' turns, each read when first looked at.
    # Routing reads a pool's turn, then checks its members, capacities
    # last: a unit that can read ahead (``prefetch_open_counts``, not part
    # of the port) is told, when a turn is read before the counts, that
    # the counts come next, and sends them with the turn's round trip.
    since = _earlier(at, engine.config.conversation_timeout)
    limited: ReadOnFirstUse[str, User] = ReadOnFirstUse(
        lambda: {
            user.id: user
            for user in engine.all_users(users).values()
            if user.max_open_conversations is not None
        }
    )

    def count() -> Mapping[str, int]:
        return uow.conversations.open_counts(list(limited), since) if limited else {}

    counts: ReadOnFirstUse[str, int] = ReadOnFirstUse(count)
    hint: Callable[[list[str], dt.datetime], None] | None = getattr(
        uow, "prefetch_open_counts", None
    )
    if not callable(hint):
        return counts, TurnRecordsByPool(uow.turns.get, uow.turns.all)
    hinted = False

    def turn(pool: str) -> TurnRecord | None:
        # Told once, before the first turn read ahead of the counts.
        nonlocal hinted
        if not (hinted or counts.was_read) and limited:
            hint(list(limited), since)
        hinted = True
        return uow.turns.get(pool)

    return counts, TurnRecordsByPool(turn, uow.turns.all)


def _earlier(at: dt.datetime, span: dt.timedelta) -> dt.datetime:
    # A timeout reaching back past the calendar's first day (years long)
    # reaches back to it: every conversation since counts.
    try:
        return at - span
    except OverflowError:
        return _FIRST_INSTANT


def _host_record_snapshot(
    uow: UnitOfWork, event: UpdateLead | UpdateOpportunity | DeleteOpportunity
) -> Snapshot:
    # A lead's update reads nothing; an opportunity's reads its lead, and
    # for a replacement what follows it; a removal finds it by id alone.
    match event:
        case UpdateLead():
            return Snapshot()
        case UpdateOpportunity(lead=lead, replaces=None):
            return Snapshot(lead=uow.leads.get(lead))
        case UpdateOpportunity(lead=lead):
            return Snapshot(
                lead=uow.leads.get(lead),
                opportunities=uow.opportunities.for_lead(lead),
                conversations=uow.conversations.for_lead(lead),
            )
        case DeleteOpportunity(opportunity=opportunity):
            found = uow.opportunities.get(opportunity)
            if found is None:
                return Snapshot()
            phone, held = found
            return Snapshot(lead=uow.leads.get(phone) or Lead(phone=phone), opportunities=(held,))
        case _:  # pragma: no cover - the match above is exhaustive
            assert_never(event)
