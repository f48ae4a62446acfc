"""
Checked by mypy, never run: the reference adapters satisfy their ports.

Each assignment to a port type fails the type check if an adapter drifts
from its Protocol: a method missing, renamed, or typed differently.
"""

import datetime as dt

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

import psycopg

from convroute.adapters import SQLiteStore
from convroute.adapters.postgres import PostgresStore
from convroute.model import Opportunity, Phone
from convroute.ports import (
    ConversationRepository,
    FunnelRecordRepository,
    LeadRepository,
    NumberRepository,
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
from convroute.state import Conversation, OutboxItem, OutboxStatus
from convroute.testing import DeliveryFailed, MemoryStore, RecordingTransport


now = dt.datetime.now(dt.UTC)
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
    MemoryStore().unit_of_work("acme"),
    SQLiteStore("convroute.db").unit_of_work(account="acme"),
    PostgresStore("postgresql://localhost/crm").unit_of_work("acme"),
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
    numbers: NumberRepository = uow.numbers

with SQLiteStore("convroute.db").unit_of_work() as sqlite_uow:
    sqlite_numbers: NumberRepository = sqlite_uow.numbers

with PostgresStore("postgresql://localhost/crm").unit_of_work() as postgres_uow:
    postgres_numbers: NumberRepository = postgres_uow.numbers

with SQLiteStore("convroute.db").unit_of_work() as sql_uow:
    sql_outbox: Outbox = sql_uow.outbox
    due: Sequence[OutboxItem] = sql_outbox.claim(10, now, now, ids=("a1",))
    sql_outbox.release("a1", "HTTP 503", now)
    sql_outbox.mark_dead("a1", "HTTP 503")
    before: Mapping[str, OutboxStatus] = sql_outbox.requeue(["a1"])
    counts: Mapping[OutboxStatus, int] = sql_outbox.counts()
    dead: Sequence[OutboxItem] = sql_outbox.items(OutboxStatus.DEAD)
    sql_outbox.release("a1", "HTTP 503")  # type: ignore[call-arg]
    desk: Sequence[Conversation] = sql_uow.conversations.waiting(
        now, 100, rule="Desk", after=(now, Phone("919800000001"), Phone("918040001234"))
    )
    sql_uow.conversations.waiting(now, 100, "Desk")  # type: ignore[call-arg]
    sql_uow.ticks.owe_waiting_pass()
    owed: int | None = sql_uow.ticks.waiting_passes_owed()
    sql_uow.ticks.waiting_pass_done(3)

with SQLiteStore("convroute.db").unit_of_work() as uow:
    bound = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    forgotten: int = uow.processed.prune(bound, 1000)
    deleted: int = uow.outbox.prune_sent(bound, 1000) + uow.conversations.prune_closed(bound, 1)
    uow.processed.prune(bound)  # type: ignore[call-arg]

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

with SQLiteStore("convroute.db").unit_of_work() as sql_uow:
    found_opportunity: tuple[Phone, Opportunity] | None = sql_uow.opportunities.get("opp-1")
    sql_uow.opportunities.remove(Phone("919800000001"), "opp-1")
    lead_conversations: Sequence[Conversation] = sql_uow.conversations.for_lead(
        Phone("919800000001")
    )
