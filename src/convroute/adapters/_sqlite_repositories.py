"""
The SQLite store's repositories: the ports' methods as SQL.

Each table keeps the whole value as JSON (``data``, through the codec)
beside the columns it is found or filtered by; see `_sqlite_schema`.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from convroute.adapters._codec import dumps, loads
from convroute.adapters._instants import require_aware, to_micros
from convroute.errors import StoreError
from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, ConversationStatus, OutboxItem, OutboxStatus


if TYPE_CHECKING:
    from convroute.adapters._sqlite_unit import SQLiteUnit


# Fewer than SQLite's smallest limit on bound parameters (999 before 3.32).
_CHUNK = 500
# Funnel records are read in pages: no statement stays open between the
# records handed out, whatever the caller does in between.
_PAGE = 1000
# Filled with one placeholder per user: no value is ever formatted in.
_OPEN_COUNTS = (
    "SELECT assignee, COUNT(*) FROM conversations "
    "WHERE status = ? AND assignee IN ({marks}) AND last_message_at >= ? GROUP BY assignee"
)


class _Repository:
    __slots__ = ("_unit",)

    def __init__(self, unit: SQLiteUnit) -> None:
        self._unit = unit


class SQLiteLeads(_Repository):
    """
    Leads by phone.
    """

    __slots__ = ()

    def get(self, phone: Phone) -> Lead | None:
        row = self._unit.row("SELECT data FROM leads WHERE phone = ?", (phone,))
        return None if row is None else loads(row[0], Lead)

    def save(self, lead: Lead) -> None:
        self._unit.run(
            "INSERT INTO leads (phone, data) VALUES (?, ?) "
            "ON CONFLICT (phone) DO UPDATE SET data = excluded.data",
            (lead.phone, dumps(lead)),
        )


class SQLiteOpportunities(_Repository):
    """
    Each lead's opportunities, in first-saved order.
    """

    __slots__ = ()

    def for_lead(self, phone: Phone) -> Sequence[Opportunity]:
        rows = self._unit.rows(
            "SELECT data FROM opportunities WHERE lead = ? ORDER BY seq", (phone,)
        )
        return tuple(loads(data, Opportunity) for (data,) in rows)

    def save(self, lead: Phone, opportunity: Opportunity) -> None:
        # An upsert keeps the row, and so its seq: a re-save keeps its place.
        self._unit.run(
            "INSERT INTO opportunities (lead, id, data) VALUES (?, ?, ?) "
            "ON CONFLICT (lead, id) DO UPDATE SET data = excluded.data",
            (lead, opportunity.id, dumps(opportunity)),
        )


class SQLiteConversations(_Repository):
    """
    Conversations by lead and business number.
    """

    __slots__ = ()

    def get(self, lead: Phone, number: Phone) -> Conversation | None:
        row = self._unit.row(
            "SELECT data FROM conversations WHERE lead = ? AND number = ?", (lead, number)
        )
        return None if row is None else loads(row[0], Conversation)

    def save(self, conversation: Conversation) -> None:
        self._unit.run(
            "INSERT INTO conversations (lead, number, status, assignee, last_message_at, data) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (lead, number) DO UPDATE SET "
            "status = excluded.status, assignee = excluded.assignee, "
            "last_message_at = excluded.last_message_at, data = excluded.data",
            (
                conversation.lead,
                conversation.number,
                conversation.status.value,
                conversation.assignee,
                to_micros(conversation.last_message_at),
                dumps(conversation),
            ),
        )

    def open_counts(self, users: Collection[str], since: dt.datetime) -> Mapping[str, int]:
        since_micros = to_micros(require_aware(since, "since"))
        wanted = list(dict.fromkeys(users))
        counts: dict[str, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = self._unit.rows(
                _OPEN_COUNTS.format(marks=", ".join("?" * len(chunk))),
                (ConversationStatus.ASSIGNED.value, *chunk, since_micros),
            )
            counts.update(rows)
        return counts


class SQLiteTurns(_Repository):
    """
    The round-robin turn record of each pool.
    """

    __slots__ = ()

    def all(self) -> Mapping[str, TurnRecord]:
        rows = self._unit.rows("SELECT pool, data FROM turns")
        return {pool: loads(data, TurnRecord) for pool, data in rows}

    def save(self, record: TurnRecord) -> None:
        self._unit.run(
            "INSERT INTO turns (pool, data) VALUES (?, ?) "
            "ON CONFLICT (pool) DO UPDATE SET data = excluded.data",
            (record.pool, dumps(record)),
        )


class SQLiteUsers(_Repository):
    """
    Users reported at run time, and their presence.
    """

    __slots__ = ()

    def all(self) -> Mapping[str, User]:
        rows = self._unit.rows("SELECT id, data FROM users")
        return {user: loads(data, User) for user, data in rows}

    def presence(self) -> Mapping[str, bool]:
        rows = self._unit.rows("SELECT user, available FROM presence")
        return {user: bool(available) for user, available in rows}

    def save(self, user: User) -> None:
        self._unit.run(
            "INSERT INTO users (id, data) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            (user.id, dumps(user)),
        )

    def set_presence(self, user: str, available: bool) -> None:
        self._unit.run(
            "INSERT INTO presence (user, available) VALUES (?, ?) "
            "ON CONFLICT (user) DO UPDATE SET available = excluded.available",
            (user, int(available)),
        )


class SQLiteFunnelRecords(_Repository):
    """
    Funnel transition records.
    """

    __slots__ = ()

    def for_lead(self, phone: Phone) -> Sequence[Transition]:
        rows = self._unit.rows(
            "SELECT data FROM funnel_records WHERE lead = ? ORDER BY seq", (phone,)
        )
        return tuple(loads(data, Transition) for (data,) in rows)

    def get(self, transition: str) -> Transition | None:
        row = self._unit.row("SELECT data FROM funnel_records WHERE id = ?", (transition,))
        return None if row is None else loads(row[0], Transition)

    def add(self, transition: Transition) -> None:
        self._unit.run(
            "INSERT INTO funnel_records (id, lead, data) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (transition.id, transition.lead, dumps(transition)),
        )

    def remove(self, transitions: Collection[str]) -> None:
        self._unit.run_many(
            "DELETE FROM funnel_records WHERE id = ?", [(record,) for record in transitions]
        )

    def scan(self) -> Iterator[Transition]:
        self._unit.check_open()
        return self._pages()

    def _pages(self) -> Iterator[Transition]:
        last = 0
        while True:
            rows = self._unit.rows(
                "SELECT seq, data FROM funnel_records WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, _PAGE),
            )
            for _, data in rows:
                yield loads(data, Transition)
            if len(rows) < _PAGE:
                return
            last = rows[-1][0]


class SQLiteProcessed(_Repository):
    """
    The ids of the events already processed.
    """

    __slots__ = ()

    def claim(self, event: str, at: dt.datetime) -> bool:
        changed = self._unit.run(
            "INSERT INTO processed_events (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
            (event, to_micros(require_aware(at, "at"))),
        )
        return changed == 1


class SQLiteOutbox(_Repository):
    """
    Actions waiting for the transport.
    """

    __slots__ = ()

    def add(self, items: Sequence[OutboxItem]) -> None:
        self._unit.run_many(
            "INSERT INTO outbox (id, status, attempts, created_at, claimed_until, data) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            [
                (
                    item.id,
                    item.status.value,
                    item.attempts,
                    to_micros(item.created_at),
                    _until(item),
                    dumps(item),
                )
                for item in items
            ],
        )

    def claim(self, limit: int, now: dt.datetime, until: dt.datetime) -> Sequence[OutboxItem]:
        now_micros = to_micros(require_aware(now, "now"))
        require_aware(until, "until")
        self._unit.check_open()
        if limit <= 0:
            # SQLite reads a negative LIMIT as no limit at all.
            return ()
        rows = self._unit.rows(
            "SELECT seq, data FROM outbox WHERE status = ? "
            "AND (claimed_until IS NULL OR claimed_until <= ?) "
            "ORDER BY attempts, created_at, seq LIMIT ?",
            (OutboxStatus.PENDING.value, now_micros, limit),
        )
        claimed = [
            (seq, attrs.evolve(loads(data, OutboxItem), claimed_until=until)) for seq, data in rows
        ]
        self._unit.run_many(
            "UPDATE outbox SET claimed_until = ?, data = ? WHERE seq = ?",
            [(to_micros(until), dumps(item), seq) for seq, item in claimed],
        )
        return tuple(item for _, item in claimed)

    def mark_sent(self, item: str) -> None:
        stored = self._known(item)
        self._replace(attrs.evolve(stored, status=OutboxStatus.SENT, claimed_until=None))

    def release(self, item: str, error: str) -> None:
        stored = self._known(item)
        if stored.status == OutboxStatus.SENT:
            # Another dispatcher delivered it after this one's claim lapsed.
            return
        self._replace(
            attrs.evolve(
                stored,
                status=OutboxStatus.PENDING,
                attempts=stored.attempts + 1,
                last_error=error,
                claimed_until=None,
            )
        )

    def items(self) -> Sequence[OutboxItem]:
        rows = self._unit.rows("SELECT data FROM outbox ORDER BY created_at, seq")
        return tuple(loads(data, OutboxItem) for (data,) in rows)

    def _known(self, item: str) -> OutboxItem:
        row = self._unit.row("SELECT data FROM outbox WHERE id = ?", (item,))
        if row is None:
            raise StoreError(f"no outbox item has the id {item!r}")
        return loads(row[0], OutboxItem)

    def _replace(self, item: OutboxItem) -> None:
        self._unit.run(
            "UPDATE outbox SET status = ?, attempts = ?, claimed_until = ?, data = ? WHERE id = ?",
            (item.status.value, item.attempts, _until(item), dumps(item), item.id),
        )


def _until(item: OutboxItem) -> int | None:
    return None if item.claimed_until is None else to_micros(item.claimed_until)
