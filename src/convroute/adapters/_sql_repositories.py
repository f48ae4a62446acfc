"""
The repositories of the SQL stores: the ports' methods as SQL.

Written once for SQLite and PostgreSQL: the statements come from the
unit's dialect (`_sql_statements`), and the unit takes the locks its
database needs (PostgreSQL serialises the events of one lead, and the
picks of one round-robin pool; SQLite's write lock covers every unit).
Each table keeps the whole value as JSON (``data``, through the codec)
beside the columns it is found or filtered by.

Where the dialect has arrays (PostgreSQL), the first read of any part of
a lead's state reads all of it in one statement (after the lead's lock),
and the first read of users, presence or absences reads all three: the
unit serves the later reads from what it read until it next writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import attrs

from convroute._frozen import aware
from convroute._ids import event_key
from convroute.adapters._codec import RecentValues, loads
from convroute.adapters._instants import from_micros, to_micros
from convroute.adapters._sql_statements import Statements
from convroute.errors import StoreError, UnknownOutboxItemError, UnreadableRowError
from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, ConversationStatus, OutboxItem, OutboxStatus, Removed


_T = TypeVar("_T")

# Fewer than SQLite's smallest limit on bound parameters (999 before 3.32).
_CHUNK = 500
# Funnel records are read in pages: no statement stays open between the
# records handed out, whatever the caller does in between.
_PAGE = 1000

LEAD = "lead"
"""
The lock of a lead's state: its events are decided one at a time.
"""

PEOPLE = ("people", "")
"""
What a unit remembers its account's users, presence and absences by.
"""

POOL = "pool"
"""
The lock of a round-robin pool: its picks and their record, one at a time.
"""

USER = "user"
"""
The lock of a user's capacity: their open conversations, counted and added to.
"""

OPEN = "open"
"""
What a unit remembers the counts of open conversations by, with the users and the date.
"""


class SQLUnit(Protocol):
    """
    What the repositories need of a unit of work of a SQL store.
    """

    sql: Statements
    account: str
    values: RecentValues

    def check_open(self) -> object: ...

    def run(self, sql: str, parameters: Sequence[Any] = ()) -> int: ...

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def write(self, sql: str, parameters: Sequence[Any] = ()) -> None: ...

    def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]: ...

    def row(self, sql: str, parameters: Sequence[Any] = ()) -> Any: ...

    def lock(self, kind: str, keys: Iterable[str]) -> None:
        """
        Hold the locks of *keys* of this *kind* until the unit ends.
        """
        ...

    def try_lock(self, kind: str, keys: Iterable[str]) -> set[str]:
        """
        Take the locks of *keys* of this *kind* that nobody else holds.

        Returns:
            The keys whose locks the unit now holds, until it ends.
        """
        ...

    def remembered(self, key: tuple[str, str], read: Callable[[], _T]) -> _T:
        """
        What *read* gives, read once for *key* until the unit next writes.
        """
        ...


@attrs.frozen
class LeadRows:
    """
    A lead's stored state, read in one statement: each row's ``data``.

    Attributes:
        lead: The lead's, or ``None``.
        opportunities: Its opportunities', in first-saved order.
        conversations: Its conversations' by business number, in number order.
        records: Its funnel records', in the order they were added.
        people: The mark of the account's users' last change (`PeopleRows`).
    """

    lead: str | None
    opportunities: Sequence[str]
    conversations: Mapping[str, str]
    records: Sequence[str]
    people: int | None


@attrs.frozen
class PeopleRows:
    """
    Every user, presence and absence, read in one statement.

    Attributes:
        users: Each user's id and ``data``.
        presence: Each user's id and whether they are available.
        away: Each absent user's id and since when, in microseconds.
        changed: The mark of their last change: the id of the last
            transaction that changed any (kept by the schema's triggers),
            ``None`` when none did since the store was built.  Two reads
            with one mark, committed by others, read the same rows.
        own: Whether the transaction that read them changed them, and has
            not committed yet: then the mark is not yet one other units see.
    """

    users: Sequence[tuple[str, str]]
    presence: Sequence[tuple[str, bool]]
    away: Sequence[tuple[str, int]]
    changed: int | None
    own: bool


@attrs.frozen
class Read:
    """
    A read of a unit that it remembers, and the locks it is read under.

    Attributes:
        key: What the unit remembers it by.
        locks: Each lock's kind and key, taken before the read, in order.
        sql: The statement.
        parameters: Its parameters.
        rows: Makes the remembered value of the statement's rows.
    """

    key: tuple[str, str]
    locks: tuple[tuple[str, str], ...]
    sql: str
    parameters: Sequence[Any]
    rows: Callable[[list[Any]], Any]

    def take_locks(self, unit: SQLUnit) -> None:
        """
        Take the read's locks in *unit*, in their order: those of a kind together.
        """
        for kind, locks in itertools.groupby(self.locks, key=operator.itemgetter(0)):
            unit.lock(kind, [key for _, key in locks])

    def fetch(self, unit: SQLUnit) -> Any:
        """
        Run the read in *unit* now, and make its value from its rows.
        """
        return self.rows(unit.rows(self.sql, self.parameters))


def lead_state_key(phone: Phone) -> tuple[str, str]:
    """
    The lock a lead's state is read under, which is also what a unit remembers it by.
    """
    return (LEAD, phone)


def lead_state_read(unit: SQLUnit, phone: Phone) -> Read:
    """
    The read of a lead's whole state under its lock, where the dialect has `lead_state`.
    """
    key = lead_state_key(phone)
    return Read(
        key=key,
        locks=(key,),
        sql=unit.sql.lead_state,
        # In the statement's order: the lead's, opportunities', records',
        # the users' mark, the conversations'.
        parameters=(*(unit.account, phone) * 3, unit.account, unit.account, phone),
        rows=lambda rows: _lead_rows_of(rows[0]),
    )


def open_counts_read(unit: SQLUnit, users: Collection[str], since: dt.datetime) -> Read:
    """
    The count of each of *users*' open conversations since *since*, under each user's lock.

    Where the dialect takes the users as one list (`Statements.users_listed`).
    """
    since_micros = to_micros(aware(since, "since"))
    # Sorted: the order the locks are taken in, and one key for one set.
    wanted = sorted(dict.fromkeys(users))
    return Read(
        key=(OPEN, f"{since_micros} {wanted!r}"),
        locks=tuple((USER, user) for user in wanted),
        sql=unit.sql.open_counts,
        parameters=(unit.account, ConversationStatus.ASSIGNED.value, wanted, since_micros),
        rows=dict,
    )


def _lead_state(unit: SQLUnit, phone: Phone) -> LeadRows | None:
    """
    The lead's state, under its lock, read whole the first time the unit reads any of it.

    Returns:
        ``None`` where the dialect reads each part on its own (SQLite: in
        process, a read costs no round trip).
    """
    if not unit.sql.lead_state:
        return None
    key = lead_state_key(phone)
    kind, name = key
    unit.lock(kind, (name,))
    # The read is made (and built: an event asks for the state four times)
    # only when the unit does not remember the state, read ahead or earlier.
    state: LeadRows = unit.remembered(key, lambda: _fetched(unit, phone))
    return state


def _fetched(unit: SQLUnit, phone: Phone) -> LeadRows:
    state: LeadRows = lead_state_read(unit, phone).fetch(unit)
    return state


def _people_state(unit: SQLUnit) -> PeopleRows | None:
    """
    Every user, presence and absence, read together the first time the unit reads one.

    Returns:
        ``None`` where the dialect reads each on its own.
    """
    statement = unit.sql.people
    if not statement:
        return None
    return unit.remembered(
        PEOPLE, lambda: _people_rows_of(unit.row(statement, (unit.account,) * 4))
    )


def _lead_rows_of(row: Sequence[Any]) -> LeadRows:
    # An array of no rows is NULL.
    lead, opportunities, numbers, conversations, records, people = row
    return LeadRows(
        lead=lead,
        opportunities=tuple(opportunities or ()),
        conversations=dict(zip(numbers or (), conversations or (), strict=True)),
        records=tuple(records or ()),
        people=people,
    )


def _people_rows_of(row: Sequence[Any]) -> PeopleRows:
    *arrays, changed, transaction = row
    ids, users, present, available, away, since = (values or () for values in arrays)
    return PeopleRows(
        users=tuple(zip(ids, users, strict=True)),
        presence=tuple(zip(present, available, strict=True)),
        away=tuple(zip(away, since, strict=True)),
        changed=changed,
        own=changed is not None and changed == transaction,
    )


class _Repository:
    # What removes a lead's rows (an erasure) forgets every value the
    # store's codec keeps: no copy of the lead's data stays in memory.
    __slots__ = ("_account", "_sql", "_unit", "_values")

    def __init__(self, unit: SQLUnit) -> None:
        self._unit = unit
        self._sql = unit.sql
        # The store's codec, which keeps what it wrote and read lately.
        self._values = unit.values
        # Bound by every statement: the unit sees its account's rows only.
        self._account = unit.account


class SQLLeads(_Repository):
    """
    Leads by phone.
    """

    __slots__ = ()

    def get(self, phone: Phone) -> Lead | None:
        state = _lead_state(self._unit, phone)
        if state is not None:
            return None if state.lead is None else self._values.loads(state.lead, Lead)
        self._unit.lock(LEAD, (phone,))
        row = self._unit.row(self._sql.lead_get, (self._account, phone))
        return None if row is None else self._values.loads(row[0], Lead)

    def save(self, lead: Lead) -> None:
        self._unit.write(self._sql.lead_save, (self._account, lead.phone, self._values.dumps(lead)))

    def remove(self, phone: Phone) -> bool:
        self._unit.lock(LEAD, (phone,))
        self._values.forget()
        return self._unit.run(self._sql.lead_remove, (self._account, phone)) > 0


class SQLOpportunities(_Repository):
    """
    Each lead's opportunities, in first-saved order.
    """

    __slots__ = ()

    def for_lead(self, phone: Phone) -> Sequence[Opportunity]:
        state = _lead_state(self._unit, phone)
        if state is not None:
            return tuple(self._values.loads(data, Opportunity) for data in state.opportunities)
        self._unit.lock(LEAD, (phone,))
        rows = self._unit.rows(self._sql.opportunities_for_lead, (self._account, phone))
        return tuple(self._values.loads(data, Opportunity) for (data,) in rows)

    def save(self, lead: Phone, opportunity: Opportunity) -> None:
        self._unit.write(
            self._sql.opportunity_save,
            (self._account, lead, opportunity.id, self._values.dumps(opportunity)),
        )

    def get(self, opportunity: str) -> tuple[Phone, Opportunity] | None:
        row = self._unit.row(self._sql.opportunity_find, (self._account, opportunity))
        if row is None:
            return None
        lead = Phone(row[0])
        # Read again under the lead's lock, as every read of a lead's
        # opportunities is: another unit may have changed it meanwhile.
        self._unit.lock(LEAD, (lead,))
        found = self._unit.row(self._sql.opportunity_get, (self._account, lead, opportunity))
        return None if found is None else (lead, self._values.loads(found[0], Opportunity))

    def remove(self, lead: Phone, opportunity: str) -> None:
        self._unit.write(self._sql.opportunity_remove, (self._account, lead, opportunity))

    def remove_for_lead(self, lead: Phone) -> Removed[Opportunity]:
        sql = self._sql
        return _removed(
            self._unit, lead, sql.opportunities_of_lead, sql.opportunities_remove, Opportunity
        )


class SQLConversations(_Repository):
    """
    Conversations by lead and business number.
    """

    __slots__ = ()

    def get(self, lead: Phone, number: Phone) -> Conversation | None:
        state = _lead_state(self._unit, lead)
        if state is not None:
            data = state.conversations.get(number)
            return None if data is None else self._values.loads(data, Conversation)
        self._unit.lock(LEAD, (lead,))
        row = self._unit.row(self._sql.conversation_get, (self._account, lead, number))
        return None if row is None else self._values.loads(row[0], Conversation)

    def for_lead(self, lead: Phone) -> Sequence[Conversation]:
        state = _lead_state(self._unit, lead)
        if state is not None:
            return tuple(
                self._values.loads(data, Conversation) for data in state.conversations.values()
            )
        self._unit.lock(LEAD, (lead,))
        rows = self._unit.rows(self._sql.conversations_for_lead, (self._account, lead))
        return tuple(self._values.loads(data, Conversation) for (data,) in rows)

    def save(self, conversation: Conversation) -> None:
        self._unit.write(
            self._sql.conversation_save,
            (
                self._account,
                conversation.lead,
                conversation.number,
                conversation.status.value,
                conversation.assignee,
                to_micros(conversation.last_message_at),
                _micros(conversation.due_at),
                _micros(conversation.waiting_since),
                conversation.rule,
                self._values.dumps(conversation),
            ),
        )

    def open_counts(self, users: Collection[str], since: dt.datetime) -> Mapping[str, int]:
        # Counted under each user's lock, held until the unit ends: a pick
        # that counts next waits until this unit's assignment is committed.
        if self._sql.users_listed:
            read = open_counts_read(self._unit, users, since)
            read.take_locks(self._unit)
            # Remembered as a lead's state is: nobody else adds to the
            # counts while the unit holds the users' locks (a close, under
            # its lead's lock, may lower one: a count remembered is never
            # too low).
            counted: Mapping[str, int] = self._unit.remembered(
                read.key, lambda: read.fetch(self._unit)
            )
            return counted
        since_micros = to_micros(aware(since, "since"))
        wanted = list(dict.fromkeys(users))
        self._unit.lock(USER, sorted(wanted))
        assigned = ConversationStatus.ASSIGNED.value
        counts: dict[str, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            # One mark per user: no value is ever formatted in.
            statement = self._sql.open_counts.format(marks=", ".join("?" * len(chunk)))
            counts.update(
                self._unit.rows(statement, (self._account, assigned, *chunk, since_micros))
            )
        return counts

    def due(self, now: dt.datetime, limit: int) -> Sequence[Conversation]:
        bound = to_micros(aware(now, "now"))
        self._unit.check_open()
        if limit <= 0:
            # SQLite reads a negative LIMIT as no limit at all.
            return ()
        return self._claimed(
            self._unit.rows(self._sql.conversations_due, (self._account, bound, limit))
        )

    def waiting(
        self,
        since: dt.datetime,
        limit: int,
        *,
        rule: str | None = None,
        after: tuple[dt.datetime, Phone, Phone] | None = None,
    ) -> Sequence[Conversation]:
        since_micros = to_micros(aware(since, "since"))
        key = None if after is None else (to_micros(aware(after[0], "after")), *after[1:])
        self._unit.check_open()
        if limit <= 0:
            return ()
        sql = self._sql
        # One statement a combination, each through its index.
        chosen = (
            (sql.conversations_waiting, sql.conversations_waiting_after)
            if rule is None
            else (sql.conversations_waiting_rule, sql.conversations_waiting_rule_after)
        )
        selected: tuple[object, ...] = (self._account,) if rule is None else (self._account, rule)
        if key is None:
            rows = self._unit.rows(chosen[0], (*selected, since_micros, limit))
        else:
            rows = self._unit.rows(chosen[1], (*selected, since_micros, *key, limit))
        return self._claimed(rows)

    def held_by(self, user: str, since: dt.datetime) -> Sequence[Conversation]:
        parameters = (
            self._account,
            ConversationStatus.ASSIGNED.value,
            user,
            to_micros(aware(since, "since")),
        )
        locked: set[str] = set()
        while True:
            rows = self._unit.rows(self._sql.conversations_held, parameters)
            leads = {lead for lead, _, _ in rows}
            if not self._sql.locks or leads <= locked:
                held = (_conversation(self._values, at, data) for _, at, data in rows)
                return tuple(sorted(held, key=lambda one: (one.lead, one.number)))
            # Read again under the leads' locks, as a read of each lead
            # would be: what their events committed meanwhile is seen.
            self._unit.lock(LEAD, sorted(leads - locked))
            locked |= leads

    def assignees(self, since: dt.datetime) -> Sequence[str]:
        parameters = (
            self._account,
            ConversationStatus.ASSIGNED.value,
            to_micros(aware(since, "since")),
        )
        return tuple(
            user for (user,) in self._unit.rows(self._sql.conversations_assignees, parameters)
        )

    def remove_for_lead(self, lead: Phone) -> Removed[Conversation]:
        sql = self._sql
        return _removed(
            self._unit, lead, sql.conversations_of_lead, sql.conversations_remove, Conversation
        )

    def prune_closed(self, before: dt.datetime, limit: int) -> int:
        return _prune(self._unit, self._sql.conversations_prune_closed, before, limit)

    def _claimed(self, rows: list[Any]) -> Sequence[Conversation]:
        # The rows are the unit's until it ends (PostgreSQL: FOR UPDATE SKIP
        # LOCKED).  A conversation whose lead another unit holds is left to
        # a later tick: that unit may have read it before this claim, and
        # would write its own version over this one's.  Waiting for the
        # lead instead could wait for a unit that waits for these rows.
        conversations = [_conversation(self._values, at, data) for at, data in rows]
        free = self._unit.try_lock(LEAD, sorted({c.lead for c in conversations}))
        return tuple(c for c in conversations if c.lead in free)


class SQLNumbers(_Repository):
    """
    The Cloud API id of each business number.
    """

    __slots__ = ()

    def all(self) -> Mapping[Phone, str]:
        rows = self._unit.rows(self._sql.numbers_all, (self._account,))
        return {Phone(number): str(phone_number_id) for number, phone_number_id in rows}

    def save(self, number: Phone, phone_number_id: str) -> None:
        self._unit.write(self._sql.number_save, (self._account, number, phone_number_id))


class SQLTurns(_Repository):
    """
    The round-robin turn record of each pool.
    """

    __slots__ = ()

    def all(self) -> Mapping[str, TurnRecord]:
        rows = self._unit.rows(self._sql.turns_all, (self._account,))
        return {
            pool: _row(self._values.loads, "turns", f"pool {pool}", data, TurnRecord)
            for pool, data in rows
        }

    def get(self, pool: str) -> TurnRecord | None:
        # The pool's lock, held until the unit ends, covers a record not
        # written yet as well as one that is: the pick and its record are
        # one step for every worker.
        self._unit.lock(POOL, (pool,))
        row = self._unit.row(self._sql.turn_get, (self._account, pool))
        return None if row is None else self._values.loads(row[0], TurnRecord)

    def save(self, record: TurnRecord) -> None:
        self._unit.write(
            self._sql.turn_save, (self._account, record.pool, self._values.dumps(record))
        )


class SQLUsers(_Repository):
    """
    Users reported at run time, and their presence.
    """

    __slots__ = ()

    def all(self) -> Mapping[str, User]:
        state = _people_state(self._unit)
        rows = (
            self._unit.rows(self._sql.users_all, (self._account,)) if state is None else state.users
        )
        return {
            user: _row(self._values.loads, "users", f"id {user}", data, User) for user, data in rows
        }

    def presence(self) -> Mapping[str, bool]:
        state = _people_state(self._unit)
        rows = (
            self._unit.rows(self._sql.presence_all, (self._account,))
            if state is None
            else state.presence
        )
        return {user: bool(available) for user, available in rows}

    def save(self, user: User) -> None:
        self._unit.write(self._sql.user_save, (self._account, user.id, self._values.dumps(user)))

    def set_presence(self, user: str, available: bool) -> None:
        self._unit.write(self._sql.presence_save, (self._account, user, available))

    def away_since(self) -> Mapping[str, dt.datetime]:
        state = _people_state(self._unit)
        rows = (
            self._unit.rows(self._sql.away_all, (self._account,)) if state is None else state.away
        )
        return {user: from_micros(since) for user, since in rows}

    def set_away_since(self, user: str, since: dt.datetime | None) -> None:
        if since is None:
            self._unit.write(self._sql.away_clear, (self._account, user))
        else:
            self._unit.write(
                self._sql.away_save, (self._account, user, to_micros(aware(since, "since")))
            )


class SQLTicks(_Repository):
    """
    The time of the latest tick, one row.
    """

    __slots__ = ()

    def last(self) -> dt.datetime | None:
        row = self._unit.row(self._sql.tick_last, (self._account,))
        return None if row is None else from_micros(row[0])

    def advance(self, at: dt.datetime) -> None:
        self._unit.write(self._sql.tick_advance, (self._account, to_micros(aware(at, "at"))))

    def owe_waiting_pass(self) -> None:
        self._unit.write(self._sql.tick_owe_pass, (self._account,))

    def waiting_passes_owed(self) -> int | None:
        row = self._unit.row(self._sql.tick_passes, (self._account,))
        if row is None or row[0] <= row[1]:
            return None
        return int(row[0])

    def waiting_pass_done(self, owed: int) -> None:
        self._unit.write(self._sql.tick_pass_done, (owed, self._account))


class SQLFunnelRecords(_Repository):
    """
    Funnel transition records.
    """

    __slots__ = ()

    def for_lead(self, phone: Phone) -> Sequence[Transition]:
        state = _lead_state(self._unit, phone)
        if state is not None:
            return tuple(self._values.loads(data, Transition) for data in state.records)
        self._unit.lock(LEAD, (phone,))
        rows = self._unit.rows(self._sql.records_for_lead, (self._account, phone))
        return tuple(self._values.loads(data, Transition) for (data,) in rows)

    def get(self, transition: str) -> Transition | None:
        row = self._unit.row(self._sql.record_get, (self._account, transition))
        return None if row is None else self._values.loads(row[0], Transition)

    def add(self, transition: Transition) -> None:
        self._unit.write(
            self._sql.record_add,
            (self._account, transition.id, transition.lead, self._values.dumps(transition)),
        )

    def remove(self, transitions: Collection[str]) -> None:
        self._unit.write_many(
            self._sql.record_remove, [(self._account, record) for record in transitions]
        )

    def remove_for_lead(self, phone: Phone) -> Removed[Transition]:
        sql = self._sql
        return _removed(self._unit, phone, sql.records_of_lead, sql.records_remove, Transition)

    def scan(self) -> Iterator[Transition]:
        self._unit.check_open()
        return self._pages()

    def _pages(self) -> Iterator[Transition]:
        last = 0
        while True:
            rows = self._unit.rows(self._sql.records_page, (self._account, last, _PAGE))
            # A report's scan reads every record once: none is kept, so
            # that the values the workers read back stay kept, and a lead
            # forgotten meanwhile leaves no copy behind.
            for seq, data in rows:
                yield _row(loads, "funnel_records", f"seq {seq}", data, Transition)
            if len(rows) < _PAGE:
                return
            last = rows[-1][0]


class SQLProcessed(_Repository):
    """
    The ids of the events already processed, kept as their digests.
    """

    __slots__ = ()

    def claim(self, event: str, at: dt.datetime) -> bool:
        changed = self._unit.run(
            self._sql.processed_claim,
            (self._account, event_key(event), to_micros(aware(at, "at"))),
        )
        return changed == 1

    def add(self, events: Collection[str], at: dt.datetime) -> None:
        micros = to_micros(aware(at, "at"))
        # The claim's statement, its answer not asked for: queued with the
        # unit's writes where the unit queues them (PostgreSQL).
        self._unit.write_many(
            self._sql.processed_claim,
            [(self._account, event_key(event), micros) for event in events],
        )

    def remove(self, events: Collection[str]) -> None:
        self._unit.write_many(
            self._sql.processed_remove, [(self._account, event_key(one)) for one in events]
        )

    def prune(self, before: dt.datetime, limit: int) -> int:
        return _prune(self._unit, self._sql.processed_prune, before, limit)


class SQLOutbox(_Repository):
    """
    Actions waiting for the transport.
    """

    __slots__ = ()

    def add(self, items: Sequence[OutboxItem]) -> None:
        self._unit.write_many(
            self._sql.outbox_add,
            [
                (
                    self._account,
                    item.id,
                    item.status.value,
                    item.attempts,
                    to_micros(item.created_at),
                    _until(item),
                    _due(item),
                    item.lead,
                    self._values.dumps(item),
                )
                for item in items
            ],
        )

    def claim(
        self,
        limit: int,
        now: dt.datetime,
        until: dt.datetime,
        *,
        ids: Collection[str] | None = None,
    ) -> Sequence[OutboxItem]:
        now_micros = to_micros(aware(now, "now"))
        aware(until, "until")
        self._unit.check_open()
        if limit <= 0:
            # SQLite reads a negative LIMIT as no limit at all.
            return ()
        pending = OutboxStatus.PENDING.value
        if ids is None:
            rows = self._unit.rows(
                self._sql.outbox_claim, (self._account, pending, now_micros, now_micros, limit)
            )
        else:
            # A handful of ids, each found by its unique key, then put in
            # due order: (next_attempt_at, seq, data) rows.
            found = []
            for ident in dict.fromkeys(ids):
                found.extend(
                    self._unit.rows(
                        self._sql.outbox_claim_id,
                        (self._account, ident, pending, now_micros, now_micros),
                    )
                )
            rows = [row[1:] for row in sorted(found)[:limit]]
        claimed = [
            (seq, attrs.evolve(_item(self._values, seq, ident, data), claimed_until=until))
            for seq, ident, data in rows
        ]
        self._unit.write_many(
            self._sql.outbox_hold,
            [
                (to_micros(until), self._values.dumps(item), self._account, seq)
                for seq, item in claimed
            ],
        )
        return tuple(item for _, item in claimed)

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
        self._unit.check_open()
        for ident in dict.fromkeys(ids):
            row = self._unit.row(self._sql.outbox_get, (self._account, ident))
            if row is None:
                continue
            stored = self._values.loads(row[0], OutboxItem)
            if stored.status == OutboxStatus.PENDING and stored.claimed_until == until:
                self._replace(attrs.evolve(stored, claimed_until=None))

    def mark_sent(self, item: str) -> None:
        stored = self._known(item)
        self._replace(
            attrs.evolve(stored, status=OutboxStatus.SENT, claimed_until=None, next_attempt_at=None)
        )

    def release(self, item: str, error: str, retry_at: dt.datetime) -> OutboxStatus:
        aware(retry_at, "retry_at")
        return self._fail(item, error, OutboxStatus.PENDING, retry_at)

    def mark_dead(self, item: str, error: str) -> OutboxStatus:
        return self._fail(item, error, OutboxStatus.DEAD, None)

    def requeue(self, ids: Collection[str]) -> Mapping[str, OutboxStatus]:
        rows = {}
        for ident in ids:
            if ident in rows:
                continue
            row = self._unit.row(self._sql.outbox_get, (self._account, ident))
            if row is None:
                continue
            if row[1] not in _STATUSES:
                # A hand-made edit of the status column, which claims,
                # counts and lists go by: unreadable, as counts() says.
                # Nothing is requeued.
                counted = self._unit.rows(self._sql.outbox_counts, (self._account,))
                raise _unknown_status(row[2], ident, _unknown_statuses(counted))
            rows[ident] = row
        found: dict[str, OutboxStatus] = {}
        for ident, row in rows.items():
            stored = self._values.loads(row[0], OutboxItem)
            found[ident] = stored.status
            if stored.status == OutboxStatus.DEAD:
                self._replace(attrs.evolve(stored, status=OutboxStatus.PENDING, attempts=0))
        return found

    def counts(self) -> Mapping[OutboxStatus, int]:
        rows = self._unit.rows(self._sql.outbox_counts, (self._account,))
        unknown = _unknown_statuses(rows)
        if unknown:
            # The first such row is named.
            seq, ident = self._unit.row(
                self._sql.outbox_first_of_status, (self._account, unknown[0][0])
            )
            raise _unknown_status(seq, ident, unknown)
        return {OutboxStatus(status): int(count) for status, count in rows}

    def items(self, status: OutboxStatus | None = None) -> Sequence[OutboxItem]:
        if status is None:
            rows = self._unit.rows(self._sql.outbox_items, (self._account,))
        else:
            rows = self._unit.rows(
                self._sql.outbox_items_of, (self._account, OutboxStatus(status).value)
            )
        return tuple(_item(self._values, seq, ident, data) for seq, ident, data in rows)

    def _fail(
        self, item: str, error: str, status: OutboxStatus, retry_at: dt.datetime | None
    ) -> OutboxStatus:
        stored = self._known(item)
        if stored.status == OutboxStatus.SENT:
            # Another dispatcher delivered it after this one's claim lapsed.
            return OutboxStatus.SENT
        self._replace(
            attrs.evolve(
                stored,
                status=status,
                attempts=stored.attempts + 1,
                last_error=error,
                claimed_until=None,
                next_attempt_at=retry_at,
            )
        )
        return status

    def remove_for_lead(self, lead: Phone) -> Removed[OutboxItem]:
        sql = self._sql
        return _removed(self._unit, lead, sql.outbox_of_lead, sql.outbox_remove, OutboxItem)

    def prune_sent(self, before: dt.datetime, limit: int) -> int:
        return _prune(self._unit, self._sql.outbox_prune_sent, before, limit)

    def _known(self, item: str) -> OutboxItem:
        row = self._unit.row(self._sql.outbox_get, (self._account, item))
        if row is None:
            raise UnknownOutboxItemError(item)
        return self._values.loads(row[0], OutboxItem)

    def _replace(self, item: OutboxItem) -> None:
        self._unit.write(
            self._sql.outbox_replace,
            (
                item.status.value,
                item.attempts,
                _until(item),
                _due(item),
                self._values.dumps(item),
                self._account,
                item.id,
            ),
        )


def _removed(unit: SQLUnit, lead: Phone, select: str, delete: str, cls: type[_T]) -> Removed[_T]:
    # An erasure's removal: every row of the lead deleted, whether or not
    # it reads.  A row that cannot be read still holds the phone, and the
    # law asks for it to go: it is deleted unread and named by its key.
    unit.lock(LEAD, (lead,))
    rows = unit.rows(select, (unit.account, lead))
    if rows:
        unit.write(delete, (unit.account, lead))
    values: list[_T] = []
    unread: list[str] = []
    for key, data in rows:
        try:
            values.append(unit.values.loads(data, cls))
        except StoreError:
            unread.append(str(key))
    unit.values.forget()
    return Removed(tuple(values), tuple(unread))


def _row(read: Callable[[str, type[_T]], _T], table: str, key: str, data: Any, cls: type[_T]) -> _T:
    # A row met by a read of many, read by *read* (kept or not): one that
    # cannot be read is named by its table and key, none of them a phone,
    # so that it can be found.
    try:
        return read(data, cls)
    except StoreError as error:
        raise UnreadableRowError(table, key, str(error)) from None


def _conversation(values: RecentValues, last_message_at: int, data: Any) -> Conversation:
    # No key of a conversation's row is free of phones (its lead's and its
    # business number): the instant of its last message, as stored, finds it.
    return _row(
        values.loads, "conversations", f"last_message_at {last_message_at}", data, Conversation
    )


_STATUSES = frozenset(status.value for status in OutboxStatus)


def _unknown_statuses(counted: Sequence[Sequence[Any]]) -> list[tuple[str, int]]:
    # The (status, count) rows of the outbox's count whose status is none
    # of convroute's.
    return [(status, int(count)) for status, count in counted if status not in _STATUSES]


def _unknown_status(seq: int, ident: str, unknown: list[tuple[str, int]]) -> UnreadableRowError:
    # The status is not quoted: a hand-made edit may have put anything there.
    known = ", ".join(status.value for status in OutboxStatus)
    return UnreadableRowError(
        "outbox",
        f"seq {seq}, id {ident}",
        f"its status is none of {known}; "
        f"rows with such a status: {sum(count for _, count in unknown)}",
    )


def _item(values: RecentValues, seq: int, ident: str, data: Any) -> OutboxItem:
    return _row(values.loads, "outbox", f"seq {seq}, id {ident}", data, OutboxItem)


def _micros(value: dt.datetime | None) -> int | None:
    return None if value is None else to_micros(value)


def _until(item: OutboxItem) -> int | None:
    return None if item.claimed_until is None else to_micros(item.claimed_until)


def _due(item: OutboxItem) -> int:
    # The instant from which a pending item may be tried: at once when never
    # tried.  Kept for items of any status, so that the column is never NULL.
    return to_micros(item.created_at if item.next_attempt_at is None else item.next_attempt_at)


def _prune(unit: SQLUnit, statement: str, before: dt.datetime, limit: int) -> int:
    # One batch of a prune: at most *limit* rows older than *before*.
    bound = to_micros(aware(before, "before"))
    unit.check_open()
    if limit <= 0:
        # SQLite reads a negative LIMIT as no limit at all.
        return 0
    return unit.run(statement, (unit.account, bound, limit))
