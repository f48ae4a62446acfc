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

from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar, assert_never

from convroute.engine import (
    CloseConversation,
    DeleteTransition,
    Engine,
    Event,
    IncomingMessage,
    OutgoingMessage,
    SetPresence,
    SetStage,
    Snapshot,
    UpdateLead,
    UpdateUser,
)
from convroute.model import User
from convroute.ports import UnitOfWork
from convroute.routing import TurnRecord


_K = TypeVar("_K")
_V = TypeVar("_V")

_FIRST_INSTANT = dt.datetime.min.replace(tzinfo=dt.UTC)


def load_snapshot(uow: UnitOfWork, event: Event, engine: Engine) -> Snapshot:  # noqa: PLR0911 - one case an event
    """
    The stored state *engine* needs to decide *event*, read from *uow*.

    Returns:
        A snapshot whose users, presence, capacities and turns (for an
        incoming message) are read from *uow* when first looked at: decide
        with it before the unit of work ends.
    """
    match event:
        case IncomingMessage(lead=lead, number=number, at=at):
            users: Mapping[str, User] = ReadOnFirstUse(uow.users.all)
            since = _earlier(at, engine.config.conversation_timeout)
            return Snapshot(
                lead=uow.leads.get(lead),
                opportunities=uow.opportunities.for_lead(lead),
                conversation=uow.conversations.get(lead, number),
                users=users,
                presence=ReadOnFirstUse(uow.users.presence),
                open_conversations=ReadOnFirstUse(
                    lambda: _open_counts(uow, engine.all_users(users), since)
                ),
                turns=TurnRecordsByPool(uow.turns.get, uow.turns.all),
                records=uow.funnel_records.for_lead(lead),
            )
        case OutgoingMessage(lead=lead, number=number):
            return Snapshot(
                lead=uow.leads.get(lead),
                opportunities=uow.opportunities.for_lead(lead),
                conversation=uow.conversations.get(lead, number),
                records=uow.funnel_records.for_lead(lead),
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
        case CloseConversation(lead=lead, number=number):
            return Snapshot(conversation=uow.conversations.get(lead, number))
        case UpdateUser() | SetPresence() | UpdateLead():
            return Snapshot()
        case _:  # pragma: no cover - the match above is exhaustive
            assert_never(event)


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


def _open_counts(
    uow: UnitOfWork, everyone: Mapping[str, User], since: dt.datetime
) -> Mapping[str, int]:
    # Only users with a capacity are counted: the others are never full.
    limited = [u.id for u in everyone.values() if u.max_open_conversations is not None]
    return uow.conversations.open_counts(limited, since) if limited else {}


def _earlier(at: dt.datetime, span: dt.timedelta) -> dt.datetime:
    # A timeout reaching back past the calendar's first day (years long)
    # reaches back to it: every conversation since counts.
    try:
        return at - span
    except OverflowError:
        return _FIRST_INSTANT
