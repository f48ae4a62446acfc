"""
The ports: what convroute needs of the host's storage and transport.

Each is a `typing.Protocol`; implement it in your CRM, or use the adapters
in `convroute.adapters` (SQLite) and `convroute.testing` (in memory).  The
service is the only part of convroute that calls them.  Datetimes given to
a store are aware; a naive one is refused with `ValueError`.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from convroute.funnel import Transition
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, OutboxItem, OutboxStatus, Removed


__all__ = [
    "ConversationRepository",
    "FunnelRecordRepository",
    "LeadRepository",
    "NumberRepository",
    "OpportunityRepository",
    "Outbox",
    "ProcessedEvents",
    "Store",
    "TickRepository",
    "Transport",
    "TurnRepository",
    "UnitOfWork",
    "UserRepository",
]


class LeadRepository(Protocol):
    """
    **Protocol**: leads by phone.
    """

    def get(self, phone: Phone) -> Lead | None:
        """
        The lead with this phone, or ``None``.
        """
        ...

    def save(self, lead: Lead) -> None:
        """
        Add the lead, or replace the one with its phone.
        """
        ...

    def remove(self, phone: Phone) -> bool:
        """
        Delete the lead with this phone, if there is one.

        Returns:
            Whether there was one.
        """
        ...


class OpportunityRepository(Protocol):
    """
    **Protocol**: each lead's opportunities.
    """

    def for_lead(self, phone: Phone) -> Sequence[Opportunity]:
        """
        The lead's opportunities, in the order they were first saved.
        """
        ...

    def save(self, lead: Phone, opportunity: Opportunity) -> None:
        """
        Add the opportunity to the lead, or replace the one with its id.
        """
        ...

    def get(self, opportunity: str) -> tuple[Phone, Opportunity] | None:
        """
        The opportunity of id *opportunity*, with its lead, whichever lead.

        ``None`` when no lead has it; when several have one of that id (a
        host's slip), the first saved.
        """
        ...

    def remove(self, lead: Phone, opportunity: str) -> None:
        """
        Forget the lead's opportunity of id *opportunity*, if it has one.
        """
        ...

    def remove_for_lead(self, lead: Phone) -> Removed[Opportunity]:
        """
        Delete every opportunity of the lead, even one that cannot be read.

        Returns:
            Those deleted, in first-saved order, and the ids of any deleted
            unread.
        """
        ...


class ConversationRepository(Protocol):
    """
    **Protocol**: conversations by lead and business number.

    A repository may give the users who hold open conversations with an
    ``assignees(since)`` method (the shipped stores have one): each user
    that `held_by` (with this *since*) gives any conversation for, once,
    in order.  A new service's first tick reads it once, to find the
    conversations of users its config no longer has.  It is no part of
    the protocol: without it, those conversations are found at their
    lead's next message, or when a new config given to `Service.configure`
    names the users it dropped.
    """

    def get(self, lead: Phone, number: Phone) -> Conversation | None:
        """
        The conversation of the lead with the number, or ``None``.
        """
        ...

    def save(self, conversation: Conversation) -> None:
        """
        Add the conversation, or replace the one of its lead and number.
        """
        ...

    def for_lead(self, lead: Phone) -> Sequence[Conversation]:
        """
        The lead's conversations with every number, ordered by number.
        """
        ...

    def open_counts(self, users: Collection[str], since: dt.datetime) -> Mapping[str, int]:
        """
        Count the open conversations each of *users* holds.

        A conversation counts when it is assigned to the user and saw a
        message at or after *since*; users holding none may be left out.
        """
        ...

    def due(self, now: dt.datetime, limit: int) -> Sequence[Conversation]:
        """
        The conversations a tick must look at by *now*, and claim them.

        Those whose `Conversation.due_at` is at or before *now*, earliest
        due time first (ties by lead, then number), at most *limit* (none
        when *limit* is 0 or less).  They are found through an index on the
        due time, never by reading every open conversation: a store keeps
        that index in step with every `save`, one that sets, moves or
        clears the due time alike.

        A store shared by workers that run units at once holds the
        conversations returned until the unit ends, and another unit's
        `due` passes over them rather than waiting (PostgreSQL: ``FOR
        UPDATE SKIP LOCKED``): two workers' ticks never take the same
        conversation for the same due time, once the first saves it with
        its next one.  Such a store may leave out a conversation whose
        lead another unit holds (that unit may write it), and so return
        fewer than *limit* while more are due: a later tick takes it.

        Raises:
            ValueError: When *now* is naive.
        """
        ...

    def waiting(
        self,
        since: dt.datetime,
        limit: int,
        *,
        rule: str | None = None,
        after: tuple[dt.datetime, Phone, Phone] | None = None,
    ) -> Sequence[Conversation]:
        """
        The conversations waiting to be routed, oldest wait first, and claim them.

        Those ``unrouted`` with `Conversation.waiting_since` set and a
        message at or after *since* (still open), in the order of their
        wait's start (ties by lead, then number), at most *limit*; through
        an index on the wait's start, never a read of every conversation.
        Claimed as `due` claims.

        Args:
            since: The earliest last message of an open conversation.
            limit: The most conversations returned.
            rule: Only the waits of the routing rule of this name, through
                an index on the rule and the wait's start.
            after: Only the waits strictly after this key, ``(waiting_since,
                lead, number)``, in the order above: the next batch of a
                pass that read up to it.

        Raises:
            ValueError: When *since*, or the time of *after*, is naive.
        """
        ...

    def held_by(self, user: str, since: dt.datetime) -> Sequence[Conversation]:
        """
        The open conversations *user* holds, in lead then number order.

        Those ``assigned`` to *user* that saw a message at or after
        *since*, the conversations `open_counts` counts; through the same
        index.  A store shared by workers holds their leads until the unit
        ends, as a read of each lead would.

        Raises:
            ValueError: When *since* is naive.
        """
        ...

    def remove_for_lead(self, lead: Phone) -> Removed[Conversation]:
        """
        Delete the lead's conversations with every number, whatever their status.

        Their pending menus go with them, and they leave the store's due,
        waiting and capacity indexes.  One that cannot be read goes too.

        Returns:
            Those deleted, ordered by number, and the business numbers of
            any deleted unread.
        """
        ...

    def prune_closed(self, before: dt.datetime, limit: int) -> int:
        """
        Delete the oldest conversations closed before *before*.

        Those ``closed`` whose `Conversation.last_message_at` (the close's
        time, for a conversation the host closed) is before *before*,
        earliest first, at most *limit* (none when *limit* is 0 or less);
        through an index on that time.  A store shared by workers passes
        over rows another unit holds rather than wait for them.

        Returns:
            How many were deleted.

        Raises:
            ValueError: When *before* is naive.
        """
        ...


class TurnRepository(Protocol):
    """
    **Protocol**: the round-robin turn record of each pool.
    """

    def all(self) -> Mapping[str, TurnRecord]:
        """
        Every stored turn record, by pool label.
        """
        ...

    def get(self, pool: str) -> TurnRecord | None:
        """
        The record of the pool, or ``None`` when none is stored.

        The service reads a pool's record only to pick from it.  A store
        shared by workers that run units at once holds the pool until the
        unit ends (a row or advisory lock), so that the pick and its record
        are one step: two workers never pick from the same record.
        """
        ...

    def save(self, record: TurnRecord) -> None:
        """
        Replace the record of its pool.
        """
        ...


class NumberRepository(Protocol):
    """
    **Protocol**: the Cloud API id of each business number, as webhooks gave it.
    """

    def all(self) -> Mapping[Phone, str]:
        """
        Every stored ``phone_number_id``, by business number.
        """
        ...

    def save(self, number: Phone, phone_number_id: str) -> None:
        """
        Add or replace the ``phone_number_id`` of *number*.
        """
        ...


class UserRepository(Protocol):
    """
    **Protocol**: users the host reported at run time, and their presence.
    """

    def all(self) -> Mapping[str, User]:
        """
        Every stored user, by id.
        """
        ...

    def presence(self) -> Mapping[str, bool]:
        """
        Every stored presence, by user id.
        """
        ...

    def save(self, user: User) -> None:
        """
        Add the user, or replace the one with its id.
        """
        ...

    def set_presence(self, user: str, available: bool) -> None:
        """
        Record whether the user is available.
        """
        ...

    def away_since(self) -> Mapping[str, dt.datetime]:
        """
        Since when each user recorded as away has been away, in UTC, by user id.
        """
        ...

    def set_away_since(self, user: str, since: dt.datetime | None) -> None:
        """
        Record that the user has been away since *since*; ``None`` clears it.

        Raises:
            ValueError: When *since* is naive.
        """
        ...


class TickRepository(Protocol):
    """
    **Protocol**: the time of the latest tick.
    """

    def last(self) -> dt.datetime | None:
        """
        The latest tick's time, in UTC, or ``None`` before the first.
        """
        ...

    def advance(self, at: dt.datetime) -> None:
        """
        Record a tick at *at*, unless a later one is recorded already.

        The stored time only moves forward: it becomes the later of the
        two.  A store shared by workers does so in one statement, without
        holding a lock until the unit ends, so that ticks never wait for
        each other here.

        Raises:
            ValueError: When *at* is naive.
        """
        ...

    def owe_waiting_pass(self) -> None:
        """
        Record that a full waiting pass is owed: the next tick makes one.

        Counted on the tick's row, so nothing is owed before the first tick
        (which makes the full pass anyway).
        """
        ...

    def waiting_passes_owed(self) -> int | None:
        """
        The count of passes owed so far, when more are owed than done; else ``None``.
        """
        ...

    def waiting_pass_done(self, owed: int) -> None:
        """
        Record the passes owed up to *owed* (a `waiting_passes_owed` count) done.

        Those owed since that count was read stay owed.
        """
        ...


class FunnelRecordRepository(Protocol):
    """
    **Protocol**: funnel transition records.
    """

    def for_lead(self, phone: Phone) -> Sequence[Transition]:
        """
        The lead's records, in every funnel, in no particular order.
        """
        ...

    def get(self, transition: str) -> Transition | None:
        """
        The record with this id, or ``None``.
        """
        ...

    def add(self, transition: Transition) -> None:
        """
        Add a record; one with the same id already there is kept as it is.
        """
        ...

    def remove(self, transitions: Collection[str]) -> None:
        """
        Remove the records with these ids; unknown ids are passed over.
        """
        ...

    def remove_for_lead(self, phone: Phone) -> Removed[Transition]:
        """
        Delete every record of the lead, in every funnel, even one that cannot be read.

        Returns:
            Those deleted, in the order they were added, and the ids of any
            deleted unread.
        """
        ...

    def scan(self) -> Iterator[Transition]:
        """
        Every record, for reports, in no particular order.
        """
        ...


class ProcessedEvents(Protocol):
    """
    **Protocol**: the ids of the events already processed.
    """

    def claim(self, event: str, at: dt.datetime) -> bool:
        """
        Record *event* as processed.

        Returns:
            ``True`` when the id was new, ``False`` when it was processed
            before (nothing is recorded then).
        """
        ...

    def add(self, events: Collection[str], at: dt.datetime) -> None:
        """
        Record *events* as processed, without asking whether each was new.

        An id recorded already is kept as it is, with its first time; the
        ids recorded are not new to a later `claim`.  For ids whose answer
        nobody needs (the service's own sends), which a store may then
        send with the commit rather than wait for.

        Raises:
            ValueError: When *at* is naive.
        """
        ...

    def remove(self, events: Collection[str]) -> None:
        """
        Forget these ids, whenever they were recorded; unknown ids are passed over.

        A forgotten id is new to `claim` again.
        """
        ...

    def prune(self, before: dt.datetime, limit: int) -> int:
        """
        Forget the oldest ids recorded before *before*.

        Those whose claim's time is before *before*, earliest first, at
        most *limit* (none when *limit* is 0 or less); through an index on
        that time.  A forgotten id is new to `claim` again.

        Returns:
            How many were forgotten.

        Raises:
            ValueError: When *before* is naive.
        """
        ...


class Outbox(Protocol):
    """
    **Protocol**: actions waiting for the transport.

    An outbox may clear the claims a dispatch no longer needs with an
    ``unclaim(ids, until)`` method (the shipped stores have one): the
    pending items among *ids* whose claim lapses at *until* are free at
    once, their attempts, last error and next attempt time unchanged
    (they were never tried); other items, and ids no item has, are left
    as they are.  A dispatch interrupted (Ctrl-C, a shutdown) releases
    with it the items it had not yet handed to the transport.  It is no
    part of the protocol: without it, those items wait for their claim
    to lapse, as before.
    """

    def add(self, items: Sequence[OutboxItem]) -> None:
        """
        Add items; one whose id is there already is kept as it is.
        """
        ...

    def claim(
        self,
        limit: int,
        now: dt.datetime,
        until: dt.datetime,
        *,
        ids: Collection[str] | None = None,
    ) -> Sequence[OutboxItem]:
        """
        Take up to *limit* pending items due at *now* that nobody holds.

        An item is due from its ``next_attempt_at`` once a delivery failed,
        and from its ``created_at`` while never tried.  The earliest due
        come first, ties in the order they were added: an item the
        transport keeps refusing goes behind the others at each failure.
        The items are held until *until*, and those returned show that
        claim.  A store finds the due items without reading the others
        (an index on status and due time): a backlog of failing items
        waiting for their next attempt costs a claim nothing.

        Args:
            limit: The most items to take.
            now: The current time, aware.
            until: When the claim lapses, aware.
            ids: Only items with these ids (the actions of the events just
                handled); any pending item due when omitted.
        """
        ...

    def mark_sent(self, item: str) -> None:
        """
        Record the item as delivered.

        Raises:
            UnknownOutboxItemError: When no item has this id (a
                `StoreError`).
        """
        ...

    def release(self, item: str, error: str, retry_at: dt.datetime) -> OutboxStatus | None:
        """
        Record a failed delivery, to be tried again at *retry_at*.

        The item is pending again, with one attempt more, *error* as its
        last error and *retry_at* as its ``next_attempt_at``.  An item
        already sent stays sent: another dispatcher delivered it.

        Returns:
            The item's status now: ``SENT`` for an item left sent, else
            ``PENDING``.  A store of a host's own may return None, which
            the service reads as ``PENDING``.

        Raises:
            UnknownOutboxItemError: When no item has this id (a
                `StoreError`).
            ValueError: When *retry_at* is naive.
        """
        ...

    def mark_dead(self, item: str, error: str) -> OutboxStatus | None:
        """
        Record a failed delivery after which the item is never tried again.

        The item is dead, with one attempt more and *error* as its last
        error; only `requeue` makes it pending again.  An item already sent
        stays sent.

        Returns:
            The item's status now: ``SENT`` for an item left sent, else
            ``DEAD``.  A store of a host's own may return None, which the
            service reads as ``DEAD``.

        Raises:
            UnknownOutboxItemError: When no item has this id (a
                `StoreError`).
        """
        ...

    def requeue(self, ids: Collection[str]) -> Mapping[str, OutboxStatus]:
        """
        Make the dead items among *ids* pending again, due at once.

        A requeued item starts afresh: no attempts, no next attempt time,
        its last error kept.  Items of other statuses are left as they are.

        Returns:
            The status each known id had before: those that were dead are
            pending now.  An id no item has is absent.
        """
        ...

    def counts(self) -> Mapping[OutboxStatus, int]:
        """
        How many items each status has; a status with none is absent.
        """
        ...

    def items(self, status: OutboxStatus | None = None) -> Sequence[OutboxItem]:
        """
        Every item, or those of *status*, oldest first.
        """
        ...

    def remove_for_lead(self, lead: Phone) -> Removed[OutboxItem]:
        """
        Delete every item about the lead, whatever its status.

        Those whose `OutboxItem.lead` is *lead*, found through an index on
        it: pending, sent and dead alike, and one that cannot be read.

        Returns:
            The items deleted, oldest first, and the ids of any deleted
            unread.
        """
        ...

    def prune_sent(self, before: dt.datetime, limit: int) -> int:
        """
        Delete the oldest sent items created before *before*.

        Only items sent: pending ones (and any other kind a store keeps)
        stay.  Oldest first (ties in the order they were added), at most
        *limit* (none when *limit* is 0 or less); through an index on the
        time of the sent items.

        Returns:
            How many were deleted.

        Raises:
            ValueError: When *before* is naive.
        """
        ...


class UnitOfWork(Protocol):
    """
    **Protocol**: the repositories of one transaction.

    Got from `Store.unit_of_work`; everything done through it is committed
    together when the ``with`` block ends, or not at all.
    """

    @property
    def leads(self) -> LeadRepository:
        """
        Leads by phone.
        """
        ...

    @property
    def opportunities(self) -> OpportunityRepository:
        """
        The leads' opportunities.
        """
        ...

    @property
    def conversations(self) -> ConversationRepository:
        """
        Conversations by lead and number.
        """
        ...

    @property
    def turns(self) -> TurnRepository:
        """
        Round-robin turn records.
        """
        ...

    @property
    def users(self) -> UserRepository:
        """
        Users reported at run time, and their presence.
        """
        ...

    @property
    def funnel_records(self) -> FunnelRecordRepository:
        """
        Funnel transition records.
        """
        ...

    @property
    def processed(self) -> ProcessedEvents:
        """
        Ids of the events processed.
        """
        ...

    @property
    def outbox(self) -> Outbox:
        """
        Actions waiting for the transport.
        """
        ...

    @property
    def ticks(self) -> TickRepository:
        """
        The time of the latest tick.
        """
        ...

    @property
    def numbers(self) -> NumberRepository:
        """
        The business numbers' Cloud API ids.
        """
        ...


class Store(Protocol):
    """
    **Protocol**: where convroute's state lives.

    Units of work that touch the same data never interleave: SQLite takes
    its write lock when the unit begins; PostgreSQL holds a lead's lock from
    the unit's first read of that lead, and a pool's from its read of the
    pool's turn record, which makes a round-robin pick and its record
    atomic.  A store may end a unit that lost a race with another
    (a deadlock, say) with `StoreConflictError`: nothing of it is kept, and the
    service runs the event again.

    A store holds any number of accounts (businesses).  Every repository of
    a unit sees and changes only its account's values: the same phone,
    pool, user, event id or outbox id in two accounts are two values.  The
    locks are per account too: two accounts' units never wait for each
    other over the same lead or pool (a store may still run all its units
    one at a time, as SQLite does).

    A store whose units that write run one at a time, whatever their
    account, may say so with a ``single_writer`` attribute that is
    ``True`` (`convroute.adapters.SQLiteStore` does): a prune then rests
    between its batches, so that the writers beside it get the lock.  It is
    no part of the protocol: a store without it is pruned without rests.

    A store may list the accounts it holds a value of with an
    ``accounts()`` method returning a ``frozenset`` of their names (the
    shipped stores do): the commands then say when an ``--account`` names
    none of them.  It is no part of the protocol either: a store without
    it is read as before, and the commands say nothing of the account.
    """

    def unit_of_work(self, account: str = "default") -> AbstractContextManager[UnitOfWork]:
        """
        Open a unit of work on one account's values.

        It commits when the block ends, and rolls back when the block raises.

        Args:
            account: The account whose values the unit's repositories see;
                what a store held before it had accounts is ``"default"``'s.

        Raises:
            AccountError: When *account* is not an account name: text of 1
                to 64 characters once stripped of the whitespace around it
                (which is no part of the name), with no control character.
            StoreError: When the store cannot be reached, the commit fails,
                or this thread already has a unit of work open.
        """
        ...


class Transport(Protocol):
    """
    **Protocol**: how actions reach the host: WhatsApp sends, CRM updates.
    """

    def deliver(self, item: OutboxItem) -> None:
        """
        Carry out one action.

        Raise any exception to say it failed: the item stays pending and is
        tried again later.  The same item may come again after a crash: use
        its id to do it once.
        """
        ...
