"""
The in-memory store's units of work and repositories.

`convroute.testing.MemoryStore` is the public face; the state and the undo
journal are in `_memory_state`.
"""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import heapq
import threading

from collections.abc import Collection, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Self

import attrs

from convroute._frozen import aware
from convroute._ids import event_key
from convroute.adapters._instants import to_micros
from convroute.adapters._memory_state import Held, Journal, MemoryGate, MemoryState, Timed
from convroute.adapters._sorted_keys import SortedKeys
from convroute.adapters._unit_rules import nested, not_open, refuse_reuse
from convroute.errors import UnknownOutboxItemError
from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, ConversationStatus, OutboxItem, OutboxStatus, Removed


class MemoryUnit:
    """
    One unit of work of a `MemoryStore` on one account's state: holds the store's lock throughout.
    """

    def __init__(self, gate: MemoryGate, state: MemoryState) -> None:
        self._gate = gate
        self._state = state
        self._journal = Journal()
        self._open = False
        self._ended = False
        self.leads = _Leads(self)
        self.opportunities = _Opportunities(self)
        self.conversations = _Conversations(self)
        self.turns = _Turns(self)
        self.users = _Users(self)
        self.funnel_records = _FunnelRecords(self)
        self.processed = _Processed(self)
        self.outbox = _Outbox(self)
        self.ticks = _Ticks(self)
        self.numbers = _Numbers(self)

    def __enter__(self) -> Self:
        refuse_reuse(opened=self._open, ended=self._ended)
        gate = self._gate
        # The lock is not reentrant: a nested unit in the same thread would
        # wait for itself forever, so it is refused instead.
        if gate.owner == threading.get_ident():
            raise nested()
        gate.lock.acquire()
        gate.owner = threading.get_ident()
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        gate = self._gate
        try:
            if exc_type is None:
                gate.committed += 1
            else:
                self._journal.undo()
                gate.rolled_back += 1
        finally:
            self._open = False
            self._ended = True
            gate.owner = None
            gate.lock.release()

    def begin_write(self) -> tuple[MemoryState, Journal]:
        """
        The state and the journal, once the unit is known to be open.

        Raises:
            StoreError: When the unit is not open.
        """
        if not self._open:
            raise not_open()
        return self._state, self._journal

    def state(self) -> MemoryState:
        """
        The state, once the unit is known to be open.

        Raises:
            StoreError: When the unit is not open.
        """
        return self.begin_write()[0]


class _Repository:
    __slots__ = ("_unit",)

    def __init__(self, unit: MemoryUnit) -> None:
        self._unit = unit


class _Leads(_Repository):
    __slots__ = ()

    def get(self, phone: Phone) -> Lead | None:
        return self._unit.state().leads.get(phone)

    def save(self, lead: Lead) -> None:
        state, journal = self._unit.begin_write()
        journal.put(state.leads, lead.phone, lead)

    def remove(self, phone: Phone) -> bool:
        state, journal = self._unit.begin_write()
        found = phone in state.leads
        journal.pop(state.leads, phone)
        return found


class _Opportunities(_Repository):
    __slots__ = ()

    def for_lead(self, phone: Phone) -> Sequence[Opportunity]:
        return tuple(self._unit.state().opportunities.get(phone, {}).values())

    def save(self, lead: Phone, opportunity: Opportunity) -> None:
        state, journal = self._unit.begin_write()
        mine = state.opportunities.get(lead)
        if mine is None:
            mine = {}
            journal.put(state.opportunities, lead, mine)
        # Replacing a key keeps its place in a dict: first-saved order.
        journal.put(mine, opportunity.id, opportunity)

    def get(self, opportunity: str) -> tuple[Phone, Opportunity] | None:
        for lead, mine in self._unit.state().opportunities.items():
            found = mine.get(opportunity)
            if found is not None:
                return lead, found
        return None

    def remove(self, lead: Phone, opportunity: str) -> None:
        state, journal = self._unit.begin_write()
        mine = state.opportunities.get(lead)
        if mine is not None:
            journal.pop(mine, opportunity)
            if not mine:
                # No key of a lead with nothing left: a forgotten phone stays nowhere.
                journal.pop(state.opportunities, lead)

    def remove_for_lead(self, lead: Phone) -> Removed[Opportunity]:
        state, journal = self._unit.begin_write()
        mine = state.opportunities.get(lead, {})
        journal.pop(state.opportunities, lead)
        return Removed(tuple(mine.values()))


class _Conversations(_Repository):
    __slots__ = ()

    def get(self, lead: Phone, number: Phone) -> Conversation | None:
        return self._unit.state().conversations.get((lead, number))

    def for_lead(self, lead: Phone) -> Sequence[Conversation]:
        conversations = self._unit.state().conversations
        return tuple(
            conversations[key] for key in sorted(key for key in conversations if key[0] == lead)
        )

    def save(self, conversation: Conversation) -> None:
        state, journal = self._unit.begin_write()
        key = (conversation.lead, conversation.number)
        old = state.conversations.get(key)
        if old is not None:
            _unindex(state, journal, old)
            if old.due_at != conversation.due_at:
                _move(journal, state.by_due, _due(old), _due(conversation))
            if (old.waiting_since, old.status, old.rule) != (
                conversation.waiting_since,
                conversation.status,
                conversation.rule,
            ):
                _move(journal, state.by_waiting, _waiting(old), _waiting(conversation))
                _move_waiting_rule(state, journal, old, conversation)
        else:
            _move(journal, state.by_due, None, _due(conversation))
            _move(journal, state.by_waiting, None, _waiting(conversation))
            _move_waiting_rule(state, journal, None, conversation)
        _index(state, journal, conversation)
        journal.put(state.conversations, key, conversation)

    def open_counts(self, users: Collection[str], since: dt.datetime) -> Mapping[str, int]:
        since_held = (to_micros(aware(since, "since")),)
        state = self._unit.state()
        counts = {}
        for user in dict.fromkeys(users):
            held = state.by_assignee.get(user)
            if held:
                # A 1-tuple sorts before every longer tuple it begins: the
                # first entry at or after since.
                count = len(held) - bisect.bisect_left(held, since_held)
                if count:
                    counts[user] = count
        return counts

    def due(self, now: dt.datetime, limit: int) -> Sequence[Conversation]:
        bound = to_micros(aware(now, "now"))
        state = self._unit.state()
        found = []
        if limit > 0:
            for micros, lead, number in state.by_due:
                if micros > bound:
                    break
                found.append(state.conversations[lead, number])
                if len(found) == limit:
                    break
        return tuple(found)

    def waiting(
        self,
        since: dt.datetime,
        limit: int,
        *,
        rule: str | None = None,
        after: tuple[dt.datetime, Phone, Phone] | None = None,
    ) -> Sequence[Conversation]:
        aware(since, "since")
        state = self._unit.state()
        index = state.by_waiting if rule is None else state.by_waiting_rule.get(rule)
        found = []
        if limit > 0 and index is not None:
            if after is None:
                keys = iter(index)
            else:
                keys = index.after((to_micros(aware(after[0], "after")), after[1], after[2]))
            for _, lead, number in keys:
                conversation = state.conversations[lead, number]
                # A wait whose conversation is over is passed over: its
                # lead's next message starts a new conversation.
                if conversation.last_message_at >= since:
                    found.append(conversation)
                    if len(found) == limit:
                        break
        return tuple(found)

    def held_by(self, user: str, since: dt.datetime) -> Sequence[Conversation]:
        since_held = (to_micros(aware(since, "since")),)
        state = self._unit.state()
        held = state.by_assignee.get(user, ())
        # Bisected as open_counts counts, then put in lead, number order.
        start = bisect.bisect_left(held, since_held)
        pairs = sorted((lead, number) for _, lead, number in held[start:])
        return tuple(map(state.conversations.__getitem__, pairs))

    def assignees(self, since: dt.datetime) -> Sequence[str]:
        since_micros = to_micros(aware(since, "since"))
        state = self._unit.state()
        # Each user's list is in last-message order: its last entry is the
        # latest.
        return tuple(
            sorted(
                user
                for user, held in state.by_assignee.items()
                if held and held[-1][0] >= since_micros
            )
        )

    def remove_for_lead(self, lead: Phone) -> Removed[Conversation]:
        state, journal = self._unit.begin_write()
        mine = sorted(
            (c for key, c in state.conversations.items() if key[0] == lead), key=lambda c: c.number
        )
        for conversation in mine:
            _drop(state, journal, conversation)
        return Removed(tuple(mine))

    def prune_closed(self, before: dt.datetime, limit: int) -> int:
        aware(before, "before")
        state, journal = self._unit.begin_write()
        closed = [
            conversation
            for conversation in state.conversations.values()
            if conversation.status == ConversationStatus.CLOSED
            and conversation.last_message_at < before
        ]
        oldest = heapq.nsmallest(
            max(limit, 0), closed, key=lambda c: (c.last_message_at, c.lead, c.number)
        )
        for conversation in oldest:
            _drop(state, journal, conversation)
        return len(oldest)


def _drop(state: MemoryState, journal: Journal, conversation: Conversation) -> None:
    # A conversation deleted, and its entries in every index.
    _unindex(state, journal, conversation)
    _move(journal, state.by_due, _due(conversation), None)
    _move(journal, state.by_waiting, _waiting(conversation), None)
    before = _waiting(conversation)
    if before is not None:
        _move(journal, state.by_waiting_rule[conversation.rule], before, None)
    journal.pop(state.conversations, (conversation.lead, conversation.number))


def _held(conversation: Conversation) -> tuple[str, Held] | None:
    if conversation.status != ConversationStatus.ASSIGNED or conversation.assignee is None:
        return None
    entry = (to_micros(conversation.last_message_at), conversation.lead, conversation.number)
    return conversation.assignee, entry


def _due(conversation: Conversation) -> Timed | None:
    if conversation.due_at is None:
        return None
    return to_micros(conversation.due_at), conversation.lead, conversation.number


def _waiting(conversation: Conversation) -> Timed | None:
    if conversation.status != ConversationStatus.UNROUTED or conversation.waiting_since is None:
        return None
    return to_micros(conversation.waiting_since), conversation.lead, conversation.number


def _move_waiting_rule(
    state: MemoryState, journal: Journal, old: Conversation | None, new: Conversation
) -> None:
    # A conversation's entry in its rule's waiting index.
    before = None if old is None else _waiting(old)
    after = _waiting(new)
    if before is not None and old is not None:
        _move(journal, state.by_waiting_rule[old.rule], before, None)
    if after is not None:
        _move(journal, state.by_waiting_rule.setdefault(new.rule, SortedKeys()), None, after)


def _move(journal: Journal, index: SortedKeys, old: Timed | None, new: Timed | None) -> None:
    # Replace a conversation's entry in a due or waiting index (either may
    # be missing), undone in reverse.
    if old == new:
        return
    if old is not None:
        index.remove(old)
        journal.on_undo(lambda: index.add(old))
    if new is not None:
        index.add(new)
        journal.on_undo(lambda: index.remove(new))


def _index(state: MemoryState, journal: Journal, conversation: Conversation) -> None:
    found = _held(conversation)
    if found is None:
        return
    assignee, entry = found
    held = state.by_assignee.get(assignee)
    if held is None:
        held = []
        journal.put(state.by_assignee, assignee, held)
    bisect.insort(held, entry)
    journal.on_undo(lambda: held.pop(bisect.bisect_left(held, entry)))


def _unindex(state: MemoryState, journal: Journal, conversation: Conversation) -> None:
    found = _held(conversation)
    if found is None:
        return
    assignee, entry = found
    held = state.by_assignee[assignee]
    del held[bisect.bisect_left(held, entry)]
    journal.on_undo(lambda: bisect.insort(held, entry))


class _Turns(_Repository):
    __slots__ = ()

    def all(self) -> Mapping[str, TurnRecord]:
        return dict(self._unit.state().turns)

    def get(self, pool: str) -> TurnRecord | None:
        return self._unit.state().turns.get(pool)

    def save(self, record: TurnRecord) -> None:
        state, journal = self._unit.begin_write()
        journal.put(state.turns, record.pool, record)


class _Numbers(_Repository):
    __slots__ = ()

    def all(self) -> Mapping[Phone, str]:
        return dict(self._unit.state().numbers)

    def save(self, number: Phone, phone_number_id: str) -> None:
        state, journal = self._unit.begin_write()
        journal.put(state.numbers, number, phone_number_id)


class _Users(_Repository):
    __slots__ = ()

    def all(self) -> Mapping[str, User]:
        return dict(self._unit.state().users)

    def presence(self) -> Mapping[str, bool]:
        return dict(self._unit.state().presence)

    def save(self, user: User) -> None:
        state, journal = self._unit.begin_write()
        journal.put(state.users, user.id, user)

    def set_presence(self, user: str, available: bool) -> None:
        state, journal = self._unit.begin_write()
        journal.put(state.presence, user, available)

    def away_since(self) -> Mapping[str, dt.datetime]:
        return dict(self._unit.state().away)

    def set_away_since(self, user: str, since: dt.datetime | None) -> None:
        if since is None:
            state, journal = self._unit.begin_write()
            journal.pop(state.away, user)
            return
        utc = aware(since, "since").astimezone(dt.UTC)
        state, journal = self._unit.begin_write()
        journal.put(state.away, user, utc)


class _Ticks(_Repository):
    __slots__ = ()

    def last(self) -> dt.datetime | None:
        return self._unit.state().last_tick.get(None)

    def advance(self, at: dt.datetime) -> None:
        utc = aware(at, "at").astimezone(dt.UTC)
        state, journal = self._unit.begin_write()
        stored = state.last_tick.get(None)
        if stored is None or utc > stored:
            journal.put(state.last_tick, None, utc)
        if not state.passes:
            journal.put(state.passes, "owed", 0)
            journal.put(state.passes, "done", 0)

    def owe_waiting_pass(self) -> None:
        state, journal = self._unit.begin_write()
        # Before the first tick nothing is owed: the first tick makes the
        # full pass.
        if state.passes:
            journal.put(state.passes, "owed", state.passes["owed"] + 1)

    def waiting_passes_owed(self) -> int | None:
        passes = self._unit.state().passes
        owed = passes.get("owed", 0)
        return owed if owed > passes.get("done", 0) else None

    def waiting_pass_done(self, owed: int) -> None:
        state, journal = self._unit.begin_write()
        if state.passes and owed > state.passes["done"]:
            journal.put(state.passes, "done", owed)


class _FunnelRecords(_Repository):
    __slots__ = ()

    def for_lead(self, phone: Phone) -> Sequence[Transition]:
        state = self._unit.state()
        return tuple(state.records[record] for record in state.records_by_lead.get(phone, ()))

    def get(self, transition: str) -> Transition | None:
        return self._unit.state().records.get(transition)

    def add(self, transition: Transition) -> None:
        state, journal = self._unit.begin_write()
        if transition.id in state.records:
            return
        journal.put(state.records, transition.id, transition)
        mine = state.records_by_lead.get(transition.lead)
        if mine is None:
            mine = {}
            journal.put(state.records_by_lead, transition.lead, mine)
        journal.put(mine, transition.id, None)

    def remove(self, transitions: Collection[str]) -> None:
        state, journal = self._unit.begin_write()
        for transition in transitions:
            record = state.records.get(transition)
            if record is not None:
                journal.pop(state.records, transition)
                mine = state.records_by_lead[record.lead]
                journal.pop(mine, transition)
                if not mine:
                    journal.pop(state.records_by_lead, record.lead)

    def remove_for_lead(self, phone: Phone) -> Removed[Transition]:
        mine = self.for_lead(phone)
        self.remove([record.id for record in mine])
        return Removed(tuple(mine))

    def scan(self) -> Iterator[Transition]:
        # A snapshot: the caller may write records while it reads them.
        return iter(tuple(self._unit.state().records.values()))


class _Processed(_Repository):
    __slots__ = ()

    def claim(self, event: str, at: dt.datetime) -> bool:
        aware(at, "at")
        state, journal = self._unit.begin_write()
        key = event_key(event)
        if key in state.processed:
            return False
        journal.put(state.processed, key, at)
        return True

    def add(self, events: Collection[str], at: dt.datetime) -> None:
        aware(at, "at")
        # A claim whose answer is not asked for, as the port says.
        for event in events:
            self.claim(event, at)

    def remove(self, events: Collection[str]) -> None:
        state, journal = self._unit.begin_write()
        for event in events:
            journal.pop(state.processed, event_key(event))

    def prune(self, before: dt.datetime, limit: int) -> int:
        aware(before, "before")
        state, journal = self._unit.begin_write()
        oldest = heapq.nsmallest(
            max(limit, 0),
            ((at, key) for key, at in state.processed.items() if at < before),
        )
        for _, key in oldest:
            journal.pop(state.processed, key)
        return len(oldest)


class _Outbox(_Repository):
    __slots__ = ()

    def add(self, items: Sequence[OutboxItem]) -> None:
        state, journal = self._unit.begin_write()
        for item in items:
            if item.id in state.outbox:
                continue
            journal.put(state.outbox, item.id, item)
            journal.put(state.outbox_order, item.id, next(state.serial))
            if item.status == OutboxStatus.PENDING:
                journal.put(state.pending, item.id, None)

    def claim(
        self,
        limit: int,
        now: dt.datetime,
        until: dt.datetime,
        *,
        ids: Collection[str] | None = None,
    ) -> Sequence[OutboxItem]:
        aware(now, "now")
        aware(until, "until")
        state, journal = self._unit.begin_write()
        if limit <= 0:
            return ()
        pending = (
            state.pending
            if ids is None
            else [one for one in dict.fromkeys(ids) if one in state.pending]
        )
        free = [
            item
            for item in map(state.outbox.__getitem__, pending)
            if (item.claimed_until is None or item.claimed_until <= now)
            and _outbox_due(item) <= now
        ]
        order = state.outbox_order
        taken = heapq.nsmallest(limit, free, key=lambda item: (_outbox_due(item), order[item.id]))
        claimed = tuple(attrs.evolve(item, claimed_until=until) for item in taken)
        for item in claimed:
            journal.put(state.outbox, item.id, item)
        return claimed

    def unclaim(self, ids: Collection[str], until: dt.datetime) -> None:
        """
        Free the pending items among *ids* held until *until*, counting no attempt.

        Items held until another instant (claimed since by another
        dispatcher), items not pending, and ids no item has are left as
        they are.

        Raises:
            ValueError: When *until* is naive.
        """
        aware(until, "until")
        state, journal = self._unit.begin_write()
        for ident in dict.fromkeys(ids):
            if ident not in state.pending:
                continue
            stored = state.outbox[ident]
            if stored.claimed_until == until:
                journal.put(state.outbox, ident, attrs.evolve(stored, claimed_until=None))

    def mark_sent(self, item: str) -> None:
        state, journal = self._unit.begin_write()
        stored = _known(state, item)
        sent = attrs.evolve(
            stored, status=OutboxStatus.SENT, claimed_until=None, next_attempt_at=None
        )
        journal.put(state.outbox, item, sent)
        journal.pop(state.pending, item)

    def release(self, item: str, error: str, retry_at: dt.datetime) -> OutboxStatus:
        aware(retry_at, "retry_at")
        return self._fail(item, error, OutboxStatus.PENDING, retry_at)

    def mark_dead(self, item: str, error: str) -> OutboxStatus:
        return self._fail(item, error, OutboxStatus.DEAD, None)

    def _fail(
        self, item: str, error: str, status: OutboxStatus, retry_at: dt.datetime | None
    ) -> OutboxStatus:
        state, journal = self._unit.begin_write()
        stored = _known(state, item)
        if stored.status == OutboxStatus.SENT:
            # Another dispatcher delivered it after this one's claim lapsed.
            return OutboxStatus.SENT
        failed = attrs.evolve(
            stored,
            status=status,
            attempts=stored.attempts + 1,
            last_error=error,
            claimed_until=None,
            next_attempt_at=retry_at,
        )
        journal.put(state.outbox, item, failed)
        if status == OutboxStatus.PENDING:
            journal.put(state.pending, item, None)
        else:
            journal.pop(state.pending, item)
        return status

    def requeue(self, ids: Collection[str]) -> Mapping[str, OutboxStatus]:
        state, journal = self._unit.begin_write()
        found: dict[str, OutboxStatus] = {}
        for ident in ids:
            stored = state.outbox.get(ident)
            if stored is None or ident in found:
                continue
            found[ident] = stored.status
            if stored.status == OutboxStatus.DEAD:
                fresh = attrs.evolve(stored, status=OutboxStatus.PENDING, attempts=0)
                journal.put(state.outbox, ident, fresh)
                journal.put(state.pending, ident, None)
        return found

    def counts(self) -> Mapping[OutboxStatus, int]:
        return dict(collections.Counter(item.status for item in self._unit.state().outbox.values()))

    def items(self, status: OutboxStatus | None = None) -> Sequence[OutboxItem]:
        state = self._unit.state()
        order = state.outbox_order
        chosen = [item for item in state.outbox.values() if status is None or item.status == status]
        return tuple(sorted(chosen, key=lambda item: (item.created_at, order[item.id])))

    def remove_for_lead(self, lead: Phone) -> Removed[OutboxItem]:
        state, journal = self._unit.begin_write()
        order = state.outbox_order
        # A read of every item: the memory store keeps no index by lead, an
        # erasure being rare beside the writes an index would slow.
        mine = sorted(
            (item for item in state.outbox.values() if item.lead == lead),
            key=lambda item: (item.created_at, order[item.id]),
        )
        for item in mine:
            journal.pop(state.outbox, item.id)
            journal.pop(state.outbox_order, item.id)
            journal.pop(state.pending, item.id)
        return Removed(tuple(mine))

    def prune_sent(self, before: dt.datetime, limit: int) -> int:
        aware(before, "before")
        state, journal = self._unit.begin_write()
        order = state.outbox_order
        oldest = heapq.nsmallest(
            max(limit, 0),
            (
                item
                for item in state.outbox.values()
                if item.status == OutboxStatus.SENT and item.created_at < before
            ),
            key=lambda item: (item.created_at, order[item.id]),
        )
        for item in oldest:
            journal.pop(state.outbox, item.id)
            journal.pop(state.outbox_order, item.id)
        return len(oldest)


def _outbox_due(item: OutboxItem) -> dt.datetime:
    # When a pending item may be tried: at once when never tried.
    return item.created_at if item.next_attempt_at is None else item.next_attempt_at


def _known(state: MemoryState, item: str) -> OutboxItem:
    try:
        return state.outbox[item]
    except KeyError:
        raise UnknownOutboxItemError(item) from None
