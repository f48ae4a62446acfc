"""
Checked by mypy, never run: the reference adapters satisfy their ports.

Each assignment to a port type fails the type check if an adapter drifts
from its Protocol: a method missing, renamed, or typed differently.
"""

import datetime as dt

from contextlib import AbstractContextManager

import psycopg

from convroute.adapters import SQLiteStore
from convroute.adapters.postgres import PostgresStore
from convroute.ports import (
    ConversationRepository,
    FunnelRecordRepository,
    LeadRepository,
    OpportunityRepository,
    Outbox,
    ProcessedEvents,
    Store,
    TickRepository,
    Transport,
    TurnRepository,
    UnitOfWork,
    UserRepository,
)
from convroute.state import OutboxItem
from convroute.testing import DeliveryFailed, MemoryStore, RecordingTransport


memory: Store = MemoryStore()
sqlite: Store = SQLiteStore("convroute.db", timeout=5.0)
transport: Transport = RecordingTransport(fail=lambda item: item.type == "send")
counted: Transport = RecordingTransport(fail=2)

postgres: Store = PostgresStore("postgresql://localhost/crm", schema="convroute")
on_connection: Store = PostgresStore(psycopg.connect("postgresql://localhost/crm"))

units: list[AbstractContextManager[UnitOfWork]] = [
    MemoryStore().unit_of_work(),
    SQLiteStore("convroute.db").unit_of_work(),
    PostgresStore("postgresql://localhost/crm").unit_of_work(),
]

with MemoryStore().unit_of_work() as uow:
    leads: LeadRepository = uow.leads
    opportunities: OpportunityRepository = uow.opportunities
    conversations: ConversationRepository = uow.conversations
    turns: TurnRepository = uow.turns
    users: UserRepository = uow.users
    records: FunnelRecordRepository = uow.funnel_records
    processed: ProcessedEvents = uow.processed
    outbox: Outbox = uow.outbox
    ticks: TickRepository = uow.ticks

with SQLiteStore("convroute.db").unit_of_work() as uow:
    before = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    forgotten: int = uow.processed.prune(before, 1000)
    deleted: int = uow.outbox.prune_sent(before, 1000) + uow.conversations.prune_closed(before, 1)
    uow.processed.prune(before)  # type: ignore[call-arg]

committed: int = MemoryStore().committed
sent: list[OutboxItem] = RecordingTransport().sent
failed_item: OutboxItem = DeliveryFailed(sent[0]).item
error: RuntimeError = DeliveryFailed(sent[0])

with SQLiteStore("convroute.db") as store:
    path: str = store.path
    store.close()

MemoryStore().committed = 3  # type: ignore[misc]
RecordingTransport(fail="twice")  # type: ignore[arg-type]
SQLiteStore("convroute.db", 5.0)  # type: ignore[call-arg]
PostgresStore("postgresql://localhost/crm", "convroute")  # type: ignore[call-arg]
