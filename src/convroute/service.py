"""
The service: the shell around the engine, the one part that talks to ports.

Per event it opens a unit of work, passes over an event id seen before,
reads the state the event needs, lets the engine decide, stores the
changes, writes the actions to the outbox and records the event id, all in
one transaction; after the commit it hands the outbox to the transport.
What an event reads is `convroute._snapshots`' part of the shell.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import logging
import threading

from collections import Counter
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import Any, assert_never

import attrs

from convroute._accounts import DEFAULT_ACCOUNT, account_name
from convroute._arguments import iterable_argument, wrong_type
from convroute._erasure import forget
from convroute._frozen import aware, fixed_offset, named_text
from convroute._ids import action_id
from convroute._known_numbers import KnownPhoneNumberIds
from convroute._retention import prune
from convroute._snapshots import (
    WAITING_BATCH,
    load_snapshot,
    load_tick_snapshot,
    prefetch_lead,
    unknown_assignees,
)
from convroute.config import Config
from convroute.engine import (
    AddTransition,
    AdvanceTick,
    Change,
    Engine,
    Event,
    Outcome,
    RemoveOpportunity,
    RemoveTransitions,
    SaveAwaySince,
    SaveConversation,
    SaveLead,
    SaveOpportunity,
    SavePhoneNumberId,
    SavePresence,
    SaveTurn,
    SaveUser,
    Snapshot,
    Tick,
    action_json,
)
from convroute.errors import (
    FutureEventError,
    StoreConflictError,
    StoreError,
    UnknownOutboxItemError,
    WebhookError,
)
from convroute.model import Phone, full_phone
from convroute.ports import Store, Transport, UnitOfWork
from convroute.state import Conversation, OutboxItem, OutboxStatus, bounded_error
from convroute.whatsapp import (
    FailedStatus,
    FailureCause,
    PassedOver,
    SkippedItem,
    WebhookBatch,
    parse_webhook,
    verify_signature,
)


__all__ = [
    "DispatchReport",
    "ForgetReport",
    "Handled",
    "Processed",
    "PruneReport",
    "RequeueReport",
    "Service",
    "TickReport",
    "WebhookHandled",
]

_log = logging.getLogger(__name__)

_DEFAULT_LEASE = dt.timedelta(minutes=5)
"""
How long a dispatcher holds the items it delivers before others may.
"""

_LONGEST_LEASE = dt.timedelta(days=365)
"""
The longest lease a service takes: a year, far beyond any delivery (an
item a dead dispatcher held waits for its lease to lapse), and short of
the calendar's end for any time an event may have.
"""

_LARGEST_LIMIT = 1_000_000_000
"""
The most items one dispatch may claim: every store takes it as a limit.
"""

_FIRST_RETRY = dt.timedelta(seconds=5)
"""
How long after a first failed delivery the item is tried again; each
further failure doubles it.
"""

_LONGEST_RETRY = dt.timedelta(hours=1)
"""
The longest an item waits between two attempts.
"""

_DEFAULT_MAX_ATTEMPTS = 10
"""
How many failed deliveries make an item dead.
"""

_ATTEMPTS = 5
"""
How many times an event is processed when its unit keeps losing races.
"""

_TICK_BATCH = 100
"""
The most due (or waiting) conversations one unit of work of a tick serves.
"""

_FUTURE_MARGIN = dt.timedelta(minutes=5)
"""
How far after the service's clock an event may be dated: clocks of hosts
and of Meta drift a little, but nothing may hold a conversation or a
capacity slot by a time to come.
"""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _items(values: Iterable[OutboxItem]) -> tuple[OutboxItem, ...]:
    return tuple(values)


def _notes(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _failures(values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((ident, error) for ident, error in values)


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class Handled:
    """
    What processing one event came to.

    Attributes:
        event: The event's id.
        duplicate: Whether the id was processed before: then nothing
            changed and no action was written.
        actions: The actions written to the outbox, in order.
        notes: The engine's notes on what it decided, and why.
        failed_deliveries: ``(item id, error)`` of each of its actions the
            transport refused when `Service.handle` delivered them, in
            order: they stay in the outbox, retried later.
    """

    event: str
    duplicate: bool = False
    actions: tuple[OutboxItem, ...] = attrs.field(default=(), converter=_items)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_notes)
    failed_deliveries: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)


def _handled(values: Iterable[Handled]) -> tuple[Handled, ...]:
    return tuple(values)


@attrs.frozen
class WebhookHandled:
    """
    What handling one webhook delivery came to.

    Attributes:
        batch: The delivery as parsed: its messages and what was passed over.
        handled: One `Handled` per message processed, in order.
        failed: ``(message id, error)`` of each message whose unit of work
            failed, or that was dated more than 5 minutes after the
            service's clock, in order: nothing of it was kept.  When there are any,
            answer the delivery with an error status, so that Meta delivers
            it again; the messages handled are then passed over as
            duplicates.
        failed_deliveries: ``(item id, error)`` of each action of the
            messages handled that the transport refused, in order: they
            stay in the outbox, retried later.
    """

    batch: WebhookBatch
    handled: tuple[Handled, ...] = attrs.field(converter=_handled)
    failed: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)
    failed_deliveries: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)


@attrs.frozen
class Processed:
    """
    What processing many events came to (`Service.process_many`).

    Attributes:
        handled: One `Handled` per event processed, in order.
        failed: ``(event id, error)`` of each event whose unit of work
            failed, or that was dated more than 5 minutes after the
            service's clock, in order: nothing of it was kept, and it may be
            processed again.
    """

    handled: tuple[Handled, ...] = attrs.field(converter=_handled)
    failed: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)


@attrs.frozen
class TickReport:
    """
    What one tick came to.

    Attributes:
        at: The tick's time.
        actions: The actions written to the outbox, in order; each one's
            ``event`` is the key it serves (``tick:<lead>:<number>:<time>``).
        notes: The engine's notes on what it decided, and why (a tick at or
            before the latest one says it did nothing).
        failed_deliveries: ``(item id, error)`` of each of its actions the
            transport refused, in order: they stay in the outbox, retried
            later.
    """

    at: dt.datetime
    actions: tuple[OutboxItem, ...] = attrs.field(default=(), converter=_items)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_notes)
    failed_deliveries: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)


@attrs.frozen
class DispatchReport:
    """
    What one pass over the outbox delivered.

    Attributes:
        sent: The ids of the items the transport took, in order.
        failed: ``(id, error)`` of the items it refused, in order: pending
            again, due after their back-off, or dead when that was their
            last attempt (listed in *dead* too), or gone when their lead
            was forgotten while they were delivered (in neither), or sent
            by another dispatcher meanwhile, once this one's lease lapsed
            during the refusal (in neither: it stays sent).  Each error is the
            exception's type and message, at most 2 000 characters
            (`convroute.state.bounded_error`).
        dead: The ids of the failed items that will not be tried again.
    """

    sent: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    failed: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)
    dead: tuple[str, ...] = attrs.field(default=(), converter=_ids)


@attrs.frozen
class RequeueReport:
    """
    What `Service.requeue` came to.

    Attributes:
        requeued: The ids of the dead items made pending again, in the order
            given.
        not_dead: ``(id, status)`` of the items passed over because they
            were not dead (``pending`` or ``sent``).
        unknown: The ids no item has.
    """

    requeued: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    not_dead: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)
    unknown: tuple[str, ...] = attrs.field(default=(), converter=_ids)


def _retry_delay(attempts: int) -> dt.timedelta:
    # How long an item waits after its *attempts*-th failed delivery (one
    # at least): 5 seconds after the first, doubling, at most an hour.
    # Past 11 doublings the hour is reached: no need for huge powers.
    delay: dt.timedelta = _FIRST_RETRY * 2 ** min(attempts - 1, 11)
    return min(delay, _LONGEST_RETRY)


@attrs.frozen
class ForgetReport:
    """
    What forgetting a lead removed.

    Attributes:
        leads: The leads deleted: 1, or 0 when the store held none of the
            phone.
        conversations: The conversations deleted, with every number.
        menus: The menus among them that awaited the lead's reply.
        opportunities: The opportunities deleted.
        outbox: The outbox items deleted, pending, sent and dead alike.
        funnel_records: The funnel records kept under the token.
        unread: The rows of the lead deleted without being read, of any
            kind (text that is not JSON, a value of the wrong shape): not
            counted above; a funnel record among them is gone, not kept
            under the token.
        token: The token that stands for the lead in those records, the
            same in each (``forgotten-`` and 32 random hex digits);
            ``None`` when none was kept.
    """

    leads: int = 0
    conversations: int = 0
    menus: int = 0
    opportunities: int = 0
    outbox: int = 0
    funnel_records: int = 0
    unread: int = 0
    token: str | None = None


@attrs.frozen
class PruneReport:
    """
    What one prune deleted.

    Attributes:
        processed: The processed event ids forgotten.
        sent: The sent outbox items deleted.
        closed: The closed conversations deleted.
    """

    processed: int = 0
    sent: int = 0
    closed: int = 0


def _describe(exc: Exception) -> str:
    # What an error report keeps of *exc*: its type and what it says, cut
    # to the outbox's limit; an exception whose str() fails is still told.
    name = type(exc).__name__
    try:
        text = f"{name}: {exc}"
    except Exception:  # noqa: BLE001 - any failure of the exception's own __str__
        text = f"{name} (its message cannot be read)"
    return bounded_error(text)


class Service:
    """
    Process events against a store, and deliver their actions.

    Args:
        config: The account's setup, or an engine compiled from it.
        store: Where the state lives.
        transport: How actions reach the host.
        clock: Gives the current time, aware; the wall clock by default.
            A time it gives without a zone (``datetime.now``) is refused
            (`ValueError`) by each method that reads it.
        lease: How long a dispatch holds the items it delivers.
        app_secret: The Meta app's secret, with which `handle_webhook`
            checks each delivery's signature.
        max_attempts: How many failed deliveries make an item dead: kept,
            listed, and never tried again unless requeued.
        account: The account (business) whose state the service keeps in
            the store: everything it stores, reads, counts and prunes is
            that account's, event ids included.  Text of 1 to 64 characters
            once stripped of the whitespace around it, which is no part of
            the name.

    Attributes:
        account: The account's name, stripped.
        engine: The config compiled, as each event and each unit of a tick
            reads it when it begins.  Change it with `configure`.

    Raises:
        ValueError: When *max_attempts* is less than 1, or *lease* is not
            longer than nothing and 365 days at most.
        AccountError: When *account* is not an account name (a
            `ValueError` too).
        TypeError: When *max_attempts* is not an ``int``, *lease* not
            a ``timedelta`` or *clock* not callable; or when the transport's ``deliver`` is a
            coroutine function: the service calls it and takes its return as done,
            so nothing would await it and every action would be lost.
    """

    def __init__(
        self,
        config: Config | Engine,
        store: Store,
        transport: Transport,
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
        lease: dt.timedelta = _DEFAULT_LEASE,
        app_secret: str | bytes | None = None,
        max_attempts: int = _DEFAULT_MAX_ATTEMPTS,
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        if not callable(clock):
            raise wrong_type("clock", clock, "a callable giving the current time")
        if not isinstance(max_attempts, int) or isinstance(max_attempts, bool):
            raise wrong_type("max_attempts", max_attempts, "an int")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        if not isinstance(lease, dt.timedelta):
            raise wrong_type("lease", lease, "a datetime.timedelta")
        if not dt.timedelta(0) < lease <= _LONGEST_LEASE:
            raise ValueError(
                f"the lease must be longer than nothing and a year at most, not {lease}"
            )
        self.account = account_name(account)
        if inspect.iscoroutinefunction(getattr(transport, "deliver", None)):
            raise TypeError(
                f"the transport {type(transport).__name__}'s deliver is a coroutine function: "
                "the service calls it in its own thread and takes its return as done; give "
                "it a plain deliver (in an asyncio host, one that hands the item to the "
                "event loop and waits for the outcome)"
            )
        self.engine = config if isinstance(config, Engine) else Engine.from_config(config)
        self.store = store
        self.transport = transport
        self._clock = clock
        self._lease = lease
        self._app_secret = app_secret
        self._max_attempts = max_attempts
        self._config_lock = threading.Lock()
        # What the next tick's waiting pass owes the config: None when it
        # owes nothing, else the names of the rules removed since the last
        # pass.  A new service's config may be new to the store.
        self._config_news: frozenset[str] | None = frozenset()
        # The users a new config removed since the last tick: that tick
        # takes the conversations they hold.  None when not known: a new
        # service's config may be new to the store, so its first tick
        # reads who holds open conversations.
        self._removed_users: frozenset[str] | None = None
        # The numbers' Cloud API ids this service read or saved: an event
        # giving one the store holds already reads and saves nothing.
        self._phone_number_ids = KnownPhoneNumberIds()

    def configure(self, config: Config | Engine) -> None:
        """
        Use *config* from the next event on, and the next tick.

        Safe to call from any thread while others handle events: an event,
        or a unit of a tick, under way finishes with the config it began
        with.  The next tick makes a waiting pass, so that what waits is
        routed by the new config (a rule that reaches someone new takes
        it), and ends with ``rule_removed`` every wait of a rule *config*
        no longer has; and it routes again, by their rules, the open
        conversations held by each user *config* removed (unless the host
        stored them): ``reassign`` or ``unassign`` with the reason
        ``assignee_removed``.

        Args:
            config: The account's new setup, or an engine compiled from it.
        """
        engine = config if isinstance(config, Engine) else Engine.from_config(config)
        names = frozenset(rule.name for rule in engine.config.routing_rules)
        users = frozenset(user.id for user in engine.config.users)
        with self._config_lock:
            old = frozenset(rule.name for rule in self.engine.config.routing_rules)
            removed = self._config_news or frozenset()
            self._config_news = (removed | (old - names)) - names
            before = frozenset(user.id for user in self.engine.config.users)
            if self._removed_users is not None:
                self._removed_users = (self._removed_users | (before - users)) - users
            self.engine = engine

    def _take_config_news(self) -> frozenset[str] | None:
        with self._config_lock:
            news, self._config_news = self._config_news, None
            return news

    def _take_removed_users(self) -> frozenset[str] | None:
        with self._config_lock:
            removed, self._removed_users = self._removed_users, frozenset()
            return removed

    def _keep_removed_users(self, removed: frozenset[str] | None) -> None:
        # A tick that failed leaves them to the next one.
        with self._config_lock:
            if removed is None or self._removed_users is None:
                self._removed_users = None
                return
            users = frozenset(user.id for user in self.engine.config.users)
            self._removed_users = (self._removed_users | removed) - users

    def _keep_config_news(self, news: frozenset[str]) -> None:
        # A pass that failed leaves what it owed to the next tick.
        with self._config_lock:
            names = frozenset(rule.name for rule in self.engine.config.routing_rules)
            self._config_news = ((self._config_news or frozenset()) | news) - names

    def __repr__(self) -> str:
        return (
            f"Service(store={self.store!r}, transport={self.transport!r}, account={self.account!r})"
        )

    def handle(self, event: Event) -> Handled:
        """
        Process an event, then deliver its actions.

        Only the actions of this event are delivered: a backlog of failing
        items never slows the intake of new events (`dispatch_pending`
        delivers those).  A failed delivery does not fail the event: it is
        reported in `Handled.failed_deliveries` and its item is retried
        after its back-off.

        Raises:
            FutureEventError: When the event is dated more than
                5 minutes after the service's clock; nothing of it is
                kept.
            StoreError: When the store fails.  While processing, nothing of
                the event is kept and it may be handled again; while
                dispatching, the event is processed and its actions wait in
                the outbox.
        """
        handled = self.process(event)
        if not handled.actions:
            return handled
        report = self._deliver([item.id for item in handled.actions])
        return attrs.evolve(handled, failed_deliveries=report.failed)

    def handle_webhook(
        self, raw_body: bytes, signature: str | None = None, *, verify: bool = True
    ) -> WebhookHandled:
        """
        Handle one Cloud API webhook delivery, then deliver its actions.

        Each message is its own unit of work: one whose unit fails (a store
        error, a stored value that cannot be read) or that is dated more
        than 5 minutes after the service's clock is reported in
        `WebhookHandled.failed`, and the messages after it are still
        handled.  Meta's redelivery of the whole batch changes nothing for
        the messages already processed.  Only the actions of the messages
        handled are delivered; those the transport refuses are reported in
        `WebhookHandled.failed_deliveries` and retried later.  A ``failed``
        status (a message WhatsApp could not deliver) is passed over like
        every status, and logged as a WARNING with its error codes.

        Args:
            raw_body: The request body, as received: the signature is over
                these bytes.
            signature: The ``X-Hub-Signature-256`` header.
            verify: Whether to check the signature, with the service's app
                secret.  Pass ``False`` only for deliveries you trust (tests,
                replays of stored bodies): anyone can post to a webhook URL.

        Returns:
            The parsed batch, what each message came to, and the messages
            and deliveries that failed.

        Raises:
            WebhookError: When the signature does not match (or cannot be
                checked: the service has no app secret), or the body is not
                a Cloud API webhook.
            StoreError: When the store fails while delivering the outbox;
                the messages are processed and their actions wait in it.
        """
        if verify:
            if self._app_secret is None:
                raise WebhookError(
                    "the service has no app_secret to check the signature with: give "
                    "Service one, or pass verify=False for deliveries you trust"
                )
            verify_signature(raw_body, signature, self._app_secret)
        batch = parse_webhook(raw_body)
        _log_passed_over(self.account, batch.skipped)
        handled, failed = self._process_each(batch.events)
        ids = [item.id for one in handled for item in one.actions]
        report = self._deliver(ids) if ids else DispatchReport()
        refused = dict(report.failed)
        handled = [
            attrs.evolve(
                one,
                failed_deliveries=[(i.id, refused[i.id]) for i in one.actions if i.id in refused],
            )
            for one in handled
        ]
        return WebhookHandled(
            batch=batch, handled=handled, failed=failed, failed_deliveries=report.failed
        )

    def process(self, event: Event) -> Handled:
        """
        Process an event in one unit of work, without delivering anything.

        Returns:
            The actions written to the outbox; none for an event id seen
            before.

        A unit of work that loses a race with another worker's
        (`StoreConflictError`) is run again, a few times.

        Raises:
            FutureEventError: When the event is dated more than
                5 minutes after the service's clock; nothing of it is
                kept, its id included.
            StoreError: When the store fails; nothing of the event is kept.
            TypeError: When given a `Tick` (`tick` runs those), or anything
                that is no event.
        """
        try:
            return self._process(event)
        except StoreError as exc:
            _log_store_failure(self.account, event, exc)
            raise

    def process_many(self, events: Iterable[Event]) -> Processed:
        """
        Process events in order, each in a unit of work of its own, without delivering anything.

        As `process` for each, but for a store that can (the PostgreSQL
        store: `convroute.adapters.postgres.PostgresStore.pipelined`), one
        unit's COMMIT is sent with the next unit's first reads, rather than
        waited for alone: a round trip fewer an event, for a worker that
        takes events from a queue of its own.  An event whose unit fails,
        or that is dated more than 5 minutes after the service's clock, is
        reported in `Processed.failed`, and the events after it are still
        processed.

        Returns:
            What each event came to.

        Raises:
            TypeError: When *events* is not an iterable of events: text, a
                mapping, or one holding a `Tick` (`tick` runs those) or
                anything that is no event; nothing is processed.
        """
        given = list(iterable_argument(events, "events", "events"))
        for event in given:
            _refuse_non_event(event, "each of events")
        handled, failed = self._process_each(given)
        return Processed(handled=handled, failed=failed)

    def _process_each(self, events: Sequence[Event]) -> tuple[list[Handled], list[tuple[str, str]]]:
        # Each event in a unit of its own, pipelined while the units go
        # well; the event a run stops at alone, as `process` does it, then
        # the next ones alone too until one goes well, and pipelined again.
        handled: list[Handled] = []
        failed: list[tuple[str, str]] = []
        at = 0
        while at < len(events):
            done = self._pipelined(events[at:])
            handled.extend(done)
            at += len(done)
            went_well = False
            while at < len(events) and not went_well:
                went_well = self._process_alone(events[at], handled, failed)
                at += 1
        return handled, failed

    def _process_alone(
        self, event: Event, handled: list[Handled], failed: list[tuple[str, str]]
    ) -> bool:
        # *event* processed as `process` does it, its outcome added to
        # *handled* or *failed*; whether it went well.
        try:
            handled.append(self._process(event))
        except StoreError as exc:
            # Nothing of it was kept; the host's error answer brings the
            # message back with Meta's redelivery.
            _log_store_failure(self.account, event, exc)
            failed.append((event.id, _describe(exc)))
        except FutureEventError as exc:
            # Kept for when the clock has caught up: Meta redelivers.
            _log.warning(
                "event %s refused: dated after the service's clock",
                event.id,
                extra=_fields(self.account, event=event.id, kind=_kind(event)),
            )
            failed.append((event.id, _describe(exc)))
        else:
            return True
        return False

    def _pipelined(self, events: Sequence[Event]) -> list[Handled]:
        # The first events, as many as the store's run of units committed
        # one after another, each unit's COMMIT sent with the next one's
        # reads; none when the store has no such runs.  At the first event
        # that does not go well (its unit failed, or a unit before it
        # failed to commit, or it is refused), the run ends: that event is
        # left to `_process`, which retries conflicts and tells failures
        # apart.
        pipelined = getattr(self.store, "pipelined", None)
        if pipelined is None or len(events) < 2:
            return []
        done: list[tuple[Event, Handled, tuple[Change, ...]]] = []
        run = pipelined(self.account)
        with contextlib.suppress(StoreError), run:
            for event in events:
                try:
                    engine, now = self._before_unit(event)
                    with run.unit_of_work() as uow:
                        handled, changes = self._in_unit(uow, engine, event, now)
                except Exception:  # noqa: BLE001 - `_process` runs it again, and tells
                    break
                done.append((event, handled, changes))
        committed: int = run.committed
        for event, handled, changes in done[:committed]:
            self._phone_number_ids.committed(changes)
            _log_handled(self.account, event, handled)
        return [handled for _, handled, _ in done[:committed]]

    def _now(self) -> dt.datetime:
        # The clock's time, its zone an offset: elapsed time, as events' (`fixed_offset`).
        # A naive time would fail far from here, comparing it with an event's.
        return fixed_offset(aware(self._clock(), "the time the service's clock gave"))

    def _process(self, event: Event) -> Handled:
        # process without logging a store failure: the caller does.
        _refuse_non_event(event, "event")
        for _ in range(_ATTEMPTS - 1):
            try:
                handled = self._process_once(event)
                break
            except StoreConflictError:
                # Rolled back whole: the event was not processed, and the
                # unit that won the race has committed or gone on by now.
                continue
        else:
            handled = self._process_once(event)
        _log_handled(self.account, event, handled)
        return handled

    def _process_once(self, event: Event) -> Handled:
        engine, now = self._before_unit(event)
        with self.store.unit_of_work(self.account) as uow:
            handled, changes = self._in_unit(uow, engine, event, now)
        self._phone_number_ids.committed(changes)
        return handled

    def _before_unit(self, event: Event) -> tuple[Engine, dt.datetime]:
        # The engine of the config as the event begins, and the clock's
        # time; an event dated past it is refused before any unit opens.
        now = self._now()
        _refuse_future(event.id, getattr(event, "at", None), now)
        return self.engine, now

    def _in_unit(
        self, uow: UnitOfWork, engine: Engine, event: Event, now: dt.datetime
    ) -> tuple[Handled, tuple[Change, ...]]:
        # What *event* comes to in *uow*, decided by *engine* (the config
        # when the event began), and the changes written, to take note of
        # once the unit has committed.
        prefetch_lead(uow, event)
        if not uow.processed.claim(event.id, now):
            return Handled(event=event.id, duplicate=True), ()
        numbers = self._phone_number_ids.for_event(uow, event)
        snapshot = load_snapshot(uow, event, engine, now, phone_number_ids=numbers)
        outcome = engine.decide(snapshot, event, now=now)
        items = _store(uow, outcome, now, event.id)
        if len(snapshot.waiting) == WAITING_BATCH:
            # More may wait than the event routed: the next tick makes
            # the full pass.
            uow.ticks.owe_waiting_pass()
        return Handled(event=event.id, actions=items, notes=outcome.notes), outcome.changes

    def tick(self, now: dt.datetime | None = None) -> TickReport:
        """
        Do everything due by *now*, then deliver the actions it wrote.

        Due conversations are served in units of work of at most 100, until
        none is left; then, when that freed someone, a schedule opened, or
        an event owed it, the waiting pass: the 100 oldest waits, then each
        routing rule that can reach someone now, in the config's order, its
        waits oldest first in units of at most 100, while a unit routes any
        (to the end of the rule's queue for a rule with an owner target).
        A tick at or before the latest one does nothing.  Each action's id
        comes from the conversation and the due time (or wait) it serves,
        so two workers serving one never write it twice.

        Args:
            now: The tick's time, aware; the service's clock when omitted.

        Returns:
            The actions written, the engine's notes, and the deliveries the
            transport refused (retried later).

        Raises:
            TypeError: When *now* is no datetime.
            ValueError: When *now* is naive.
            FutureEventError: When *now* is more than 5 minutes after the
                service's clock: nothing is done (it would serve deadlines
                early, and stand as the last tick until its time).
            StoreError: When the store fails: the units committed before
                are kept; the rest is done by the next tick.
        """
        clock = self._now()
        at = clock if now is None else fixed_offset(aware(now, "now"))
        _refuse_future(f"tick:{at.isoformat()}", at, clock)
        try:
            report, ran = self._tick(at)
        except StoreError:
            _log.exception(
                "tick at %s failed: the store failed",
                at.isoformat(),
                extra=_fields(self.account, tick=at.isoformat()),
            )
            raise
        # Hosts tick each account every minute or so, from each worker: a
        # tick that did nothing, or that another worker's tick got ahead
        # of (its note says so), is no news at INFO.
        did_something = ran and (report.actions or report.notes or report.failed_deliveries)
        _log.log(
            logging.INFO if did_something else logging.DEBUG,
            "tick at %s: %s",
            at.isoformat(),
            _outcome_words(report.actions, report.notes, report.failed_deliveries),
            extra=_fields(
                self.account,
                tick=at.isoformat(),
                actions=len(report.actions),
                notes=len(report.notes),
                failed_deliveries=len(report.failed_deliveries),
            ),
        )
        return report

    def _tick(self, at: dt.datetime) -> tuple[TickReport, bool]:
        # The tick's report, and whether it ran: not at or before the latest.
        with self.store.unit_of_work(self.account) as uow:
            last = uow.ticks.last()
            owed = uow.ticks.waiting_passes_owed()
        if last is not None and at <= last:
            # Nothing is read: the engine says why nothing is done.
            stale = self.engine.decide(Snapshot(last_tick=last), Tick(at), now=at)
            return TickReport(at=at, notes=stale.notes), False
        items: list[OutboxItem] = []
        notes: list[str] = []
        frees = False
        for batch in [*self._due_pass(at, last), *self._removed_users_pass(at, last)]:
            items.extend(batch.items)
            notes.extend(batch.outcome.notes)
            frees = frees or batch.outcome.frees_someone
        news = self._take_config_news()
        if frees or owed is not None or news is not None:
            try:
                for batch in self._waiting_pass(at, last, news or frozenset()):
                    items.extend(batch.items)
                    notes.extend(batch.outcome.notes)
            except BaseException:
                if news is not None:
                    self._keep_config_news(news)
                raise
            if owed is not None:
                with self.store.unit_of_work(self.account) as uow:
                    uow.ticks.waiting_pass_done(owed)
        if not items:
            return TickReport(at=at, notes=notes), True
        report = self._deliver([item.id for item in items], log_errors=False)
        return (
            TickReport(at=at, actions=items, notes=notes, failed_deliveries=report.failed),
            True,
        )

    def _due_pass(self, at: dt.datetime, last: dt.datetime | None) -> Iterator[_TickBatch]:
        # What is due, a batch a unit of work, until a batch is not full.
        served: set[tuple[str, str, dt.datetime | None]] = set()
        while True:
            batch = self._tick_unit(at, last, due=_TICK_BATCH)
            yield batch
            # A batch of only conversations served before cannot happen (a
            # tick sets each one's next due time after it): stop all the same.
            keys = {(c.lead, c.number, c.due_at) for c in batch.conversations}
            if len(keys) < _TICK_BATCH or keys <= served:
                break
            served |= keys

    def _removed_users_pass(self, at: dt.datetime, last: dt.datetime | None) -> list[_TickBatch]:
        # The open conversations of each user a new config removed, one
        # unit of work a user: each is routed again unless the host stored
        # the user.  A failure leaves the users to the next tick.
        removed = self._take_removed_users()
        try:
            if removed is None:
                with self.store.unit_of_work(self.account) as uow:
                    users = unknown_assignees(uow, self.engine, at)
            else:
                users = sorted(removed)
            return [self._tick_unit(at, last, held_by=user) for user in users]
        except BaseException:
            self._keep_removed_users(removed)
            raise

    def _waiting_pass(
        self, at: dt.datetime, last: dt.datetime | None, removed: frozenset[str]
    ) -> Iterator[_TickBatch]:
        # The oldest waits first, whatever their rule (a wait whose rule
        # was removed is told so there); then each rule that can reach
        # someone, in the config's order, through its own queue; then the
        # queue of each rule *removed* by a new config, to its end.
        yield self._tick_unit(at, last, waiting=_TICK_BATCH)
        engine = self.engine
        with self.store.unit_of_work(self.account) as uow:
            passes = engine.rule_passes(load_tick_snapshot(uow, engine, at, last_tick=last), at)
        for rule_pass in passes:
            yield from self._rule_queue(at, last, rule_pass.rule, to_end=rule_pass.by_owner)
        for name in sorted(removed):
            # Each of its waits ends: read to the end.
            yield from self._rule_queue(at, last, name, to_end=True)

    def _rule_queue(
        self, at: dt.datetime, last: dt.datetime | None, rule: str, *, to_end: bool
    ) -> Iterator[_TickBatch]:
        # One rule's waits, oldest first, a unit of work a batch: to the
        # end of its queue, or while a batch routes any.
        after = None
        while True:
            batch = self._tick_unit(at, last, waiting=_TICK_BATCH, rule=rule, after=after)
            yield batch
            routed = any(item.type == "assign" for item in batch.items)
            if len(batch.conversations) < _TICK_BATCH or not (routed or to_end):
                break
            newest = batch.conversations[-1]
            assert newest.waiting_since is not None  # noqa: S101 - read as waiting
            after = (newest.waiting_since, newest.lead, newest.number)

    def _tick_unit(
        self,
        at: dt.datetime,
        last: dt.datetime | None,
        *,
        due: int = 0,
        waiting: int = 0,
        rule: str | None = None,
        after: tuple[dt.datetime, Phone, Phone] | None = None,
        held_by: str | None = None,
    ) -> _TickBatch:
        # One batch of a tick in one unit of work, run again when it loses
        # a race with another worker's unit.
        for _ in range(_ATTEMPTS - 1):
            try:
                return self._tick_unit_once(
                    at, last, due=due, waiting=waiting, rule=rule, after=after, held_by=held_by
                )
            except StoreConflictError:
                continue
        return self._tick_unit_once(
            at, last, due=due, waiting=waiting, rule=rule, after=after, held_by=held_by
        )

    def _tick_unit_once(
        self,
        at: dt.datetime,
        last: dt.datetime | None,
        *,
        due: int,
        waiting: int,
        rule: str | None,
        after: tuple[dt.datetime, Phone, Phone] | None,
        held_by: str | None = None,
    ) -> _TickBatch:
        engine = self.engine
        with self.store.unit_of_work(self.account) as uow:
            snapshot = load_tick_snapshot(
                uow,
                engine,
                at,
                last_tick=last,
                due=due,
                waiting=waiting,
                rule=rule,
                after=after,
                held_by=held_by,
            )
            outcome = engine.decide(snapshot, Tick(at), now=at)
            items = _store(uow, outcome, at)
        served = snapshot.due or snapshot.waiting
        return _TickBatch(tuple(c.conversation for c in served), outcome, tuple(items))

    def dispatch_pending(self, limit: int = 100) -> DispatchReport:
        """
        Deliver the pending actions that are due, earliest due first.

        A worker loop's job: `handle` delivers only its own event's
        actions, so the items whose delivery failed wait for this.  Items
        are claimed for the lease first, so that dispatchers running at
        once never deliver the same item twice; each is then marked sent,
        or released with its error when the transport raised: tried again
        after 5 seconds, doubling at each failure up to an hour, and dead
        after the service's ``max_attempts``.

        Interrupted (Ctrl-C, ``sys.exit``: an exception that is not an
        `Exception`), it frees at once the items it claimed and had not
        yet handed to the transport, through the outbox's ``unclaim`` when
        it has one, and raises the interruption unchanged; the item being
        delivered stays claimed until its lease lapses, since it may have
        gone out.  `handle`, `handle_webhook` and `tick` deliver their own
        actions the same way.

        Args:
            limit: The most items to deliver in this pass: 1 to
                1 000 000 000.

        Returns:
            What was delivered and what failed.

        Raises:
            TypeError: When *limit* is not an ``int``.
            ValueError: When *limit* is not 1 to 1 000 000 000.
            StoreError: When the store fails; an item whose outcome was not
                recorded is taken again once its claim lapses.
        """
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise wrong_type("limit", limit, "an int")
        if not 1 <= limit <= _LARGEST_LIMIT:
            raise ValueError(f"limit must be 1 to {_LARGEST_LIMIT:_} items, not {limit}")
        return self._deliver(None, limit)

    def requeue(self, ids: Iterable[str]) -> RequeueReport:
        """
        Make dead items pending again, due at once, with no attempts.

        Args:
            ids: The items' ids.

        Returns:
            The ids requeued; those passed over, not being dead; and the
            ids no item has (one holding a NUL character among them, on
            every store).

        Raises:
            TypeError: When *ids* is one string (write ``[id]``), a
                mapping, ``None`` or anything else that is no iterable of
                ids, or an id is not text; nothing is requeued.
            TextError: When an id is not Unicode text (a ``ValueError``):
                no item has it; nothing is requeued.
            StoreError: When the store fails; nothing is requeued.
        """
        given = iterable_argument(ids, "ids", "outbox item ids (a list of str)")
        named = [named_text(one, f"ids[{at}]") for at, one in enumerate(given)]
        wanted = list(dict.fromkeys(named))
        # No item the service writes has a NUL in its id, and PostgreSQL's
        # text cannot hold one: asked for it, that store fails, where the
        # others find nothing.  Such an id is unknown on every store.
        asked = [one for one in wanted if "\x00" not in one]
        try:
            with self.store.unit_of_work(self.account) as uow:
                found = uow.outbox.requeue(asked)
        except StoreError:
            _log.exception("requeue failed: the store failed", extra=_fields(self.account))
            raise
        requeued = [one for one in wanted if found.get(one) == OutboxStatus.DEAD]
        _log.info(
            "requeued %s",
            _counted(len(requeued), "dead item"),
            extra=_fields(self.account, requeued=requeued),
        )
        return RequeueReport(
            requeued=requeued,
            not_dead=[
                (one, str(found[one]))
                for one in wanted
                if one in found and found[one] != OutboxStatus.DEAD
            ],
            unknown=[one for one in wanted if one not in found],
        )

    def _deliver(
        self, ids: Collection[str] | None, limit: int | None = None, *, log_errors: bool = True
    ) -> DispatchReport:
        # Claim the due items (those of *ids*, or any), deliver each, and
        # record its outcome.
        now = self._now()
        until = now + self._lease
        try:
            with self.store.unit_of_work(self.account) as uow:
                if ids is None:
                    claimed = uow.outbox.claim(limit or 0, now, until)
                else:
                    claimed = uow.outbox.claim(len(ids), now, until, ids=ids)
            sent: list[str] = []
            failed: list[tuple[str, str]] = []
            dead: list[str] = []
            for index, item in enumerate(claimed):
                try:
                    outcome = self._deliver_one(item, now, failed)
                except BaseException as exc:
                    if not isinstance(exc, Exception):
                        # Interrupted (Ctrl-C, a shutdown): this item may
                        # have gone out, so its lease keeps guarding it; the
                        # others were never handed over: none need wait.
                        self._release_untried(claimed[index + 1 :], until)
                    raise
                if outcome == OutboxStatus.SENT:
                    sent.append(item.id)
                elif outcome == OutboxStatus.DEAD:
                    dead.append(item.id)
        except StoreError:
            if log_errors:
                _log.exception(
                    "delivering the outbox failed: the store failed", extra=_fields(self.account)
                )
            raise
        return DispatchReport(sent=sent, failed=failed, dead=dead)

    def _release_untried(self, items: Sequence[OutboxItem], until: dt.datetime) -> None:
        # Free the claimed *items*, never handed to the transport, through
        # the outbox's unclaim when it has one; else they wait for *until*.
        # Nothing here may replace the interruption being raised.
        if not items:
            return
        ids = [item.id for item in items]
        extra = _fields(self.account, items=ids, claimed_until=until.isoformat())
        freed = False
        try:
            with self.store.unit_of_work(self.account) as uow:
                unclaim: Callable[[Collection[str], dt.datetime], object] | None = getattr(
                    uow.outbox, "unclaim", None
                )
                if callable(unclaim):
                    unclaim(ids, until)
                    freed = True
        except Exception:  # noqa: BLE001 - any failure of the store: the interruption goes on
            _log.exception(
                "delivery interrupted: freeing the %s not yet delivered failed; "
                "they are taken again when their claim lapses at %s",
                _counted(len(ids), "item"),
                until.isoformat(),
                extra=extra,
            )
            return
        if freed:
            _log.info(
                "delivery interrupted: %s not yet delivered freed",
                _counted(len(ids), "item"),
                extra=extra,
            )
        else:
            _log.info(
                "delivery interrupted: %s not yet delivered wait until their claim "
                "lapses at %s (the store's outbox has no unclaim)",
                _counted(len(ids), "item"),
                until.isoformat(),
                extra=extra,
            )

    def _deliver_one(
        self, item: OutboxItem, now: dt.datetime, failed: list[tuple[str, str]]
    ) -> OutboxStatus | None:
        # The status *item* has once delivered, or None when it was removed
        # as the transport refused it (its lead forgotten): nothing is left
        # of it to be pending or dead; None too when another dispatcher
        # delivered it meanwhile (this one's lease lapsed during a refusal).
        # A refusal is recorded, logged and added to *failed*.
        try:
            # Typed to return None; a host's transport may still hand back more.
            returned: object = self.transport.deliver(item)  # type: ignore[func-returns-value]
            _refuse_awaitable(returned)
        except Exception as exc:  # noqa: BLE001 - any failure of the host's transport
            error = _describe(exc)
            failed.append((item.id, error))
            attempts = item.attempts + 1
            retry_at: dt.datetime | None = None
            try:
                with self.store.unit_of_work(self.account) as uow:
                    # What the item is now: a store of the host's own may say nothing.
                    now_is: object
                    if attempts >= self._max_attempts:
                        now_is = uow.outbox.mark_dead(item.id, error)
                    else:
                        # From the failure, not the claim: a slow refusal counts.
                        retry_at = max(now, self._now()) + _retry_delay(attempts)
                        now_is = uow.outbox.release(item.id, error, retry_at)
            except UnknownOutboxItemError:
                self._gone(item)
                return None
            outcome: OutboxStatus | None
            if now_is == OutboxStatus.SENT:
                # This dispatcher's lease lapsed while the transport took its
                # time, and another delivered the item meanwhile: neither a
                # delivery of this one's nor a dead item, only a failure.
                outcome, retry_at = None, None
                said = "another dispatcher delivered it meanwhile, it stays sent"
            elif retry_at is None:
                outcome, said = OutboxStatus.DEAD, "dead, not tried again"
            else:
                outcome, said = OutboxStatus.PENDING, f"retried at {retry_at.isoformat()}"
            event = _loggable_event(item.event)
            _log.warning(
                "delivery of %s (%s, event %s) failed, attempt %d: %s",
                item.id,
                item.type,
                event,
                attempts,
                said,
                exc_info=exc,
                extra=_fields(
                    self.account,
                    item=item.id,
                    event=event,
                    type=item.type,
                    attempts=attempts,
                    retry_at=None if retry_at is None else retry_at.isoformat(),
                    dead=outcome == OutboxStatus.DEAD,
                ),
            )
            return outcome
        try:
            with self.store.unit_of_work(self.account) as uow:
                uow.outbox.mark_sent(item.id)
        except UnknownOutboxItemError:
            self._gone(item)
        _log.debug("delivered %s: %r", item.id, item.body)
        return OutboxStatus.SENT

    def _gone(self, item: OutboxItem) -> None:
        # The item was removed while it was delivered (its lead forgotten):
        # nothing is left to record its outcome on, and nothing is wrong.
        _log.info(
            "outbox item %s (%s) was removed while it was delivered: its lead was forgotten",
            item.id,
            item.type,
            extra=_fields(self.account, item=item.id, type=item.type, removed=True),
        )

    def prune(self, before: dt.datetime, *, batch: int = 1000) -> PruneReport:
        """
        Delete what the account no longer needs from before *before*.

        Processed event ids recorded before it, sent outbox items created
        before it, and conversations closed before it (``closed``, their
        last message or close before it).  Never pending (or dead) outbox
        items, funnel records, leads, opportunities, users, turn records, or
        conversations that are not closed.  Each kind goes in batches of at
        most *batch* rows, each its own unit of work, so that events are
        handled beside it: no batch holds a lock for long.  On a store
        with one writer at a time (SQLite, whose ``single_writer`` is
        true) the prune also rests between two for a quarter of the time
        the last took (at most 10 ms), so that the writers waiting get
        in; other stores are pruned without rests.

        Args:
            before: What is older than this goes; aware, and at least 7 days
                before the service's clock.
            batch: The most rows of one kind a unit of work deletes.

        Returns:
            How many of each kind were deleted.

        Raises:
            RetentionError: When *before* is less than 7 days before the
                service's clock: Meta retries a failed webhook delivery for
                up to 7 days, and a forgotten event id would make a late
                retry look new.
            TypeError: When *batch* is not an ``int``.
            ValueError: When *before* is naive, or *batch* is not 1 to
                1 000 000 000 rows.
            StoreError: When the store fails: the batches committed before
                stay deleted; running it again goes on.
        """
        try:
            processed, sent, closed = prune(
                self.store, before, now=self._now(), batch=batch, account=self.account
            )
        except StoreError:
            _log.exception("prune failed: the store failed", extra=_fields(self.account))
            raise
        report = PruneReport(processed=processed, sent=sent, closed=closed)
        _log.info(
            "pruned what is older than %s: %s, %s, %s",
            before.isoformat(),
            _counted(processed, "processed id"),
            _counted(sent, "sent item"),
            _counted(closed, "closed conversation"),
            extra=_fields(self.account, before=before.isoformat(), **attrs.asdict(report)),
        )
        return report

    def forget(self, phone: str) -> ForgetReport:
        """
        Forget a lead, as a request to be forgotten asks, keeping its conversions counted.

        In one unit of work: the lead, its conversations with every number
        (its pending menus with them), its opportunities and every outbox
        item about it (pending, sent and dead: its sends, the CRM updates
        and Meta events about it) are deleted, and its funnel records are
        kept under a random token in the place of its phone, the same for
        all of them, each with a new random id, so that funnel and cohort
        reports count the same.  Processed event ids stay: they are kept as
        digests, and a redelivered message must still be a duplicate.  A
        later message from the phone starts afresh, as a new lead's.  A row
        of the lead that cannot be read is deleted too, counted apart
        (`ForgetReport.unread`, logged as a WARNING); a funnel record among
        them cannot be given the token, and goes.

        Args:
            phone: The lead's phone as events name it: its digits with
                country code, 8 to 15 (``5511912345678``; 7 for a country whose
                numbers are that short, Niue's ``6834002``), or as typed, with its
                ``+`` and country code (``+55 11 91234-5678``).

        Returns:
            How many of each kind were removed, and the token.

        Raises:
            PhoneNumberError: When *phone* is no phone, or digits alone
                fewer than a full number's 8 (``"12"``); nothing is
                removed.
            StoreError: When the store fails; nothing is removed.
        """
        lead = full_phone(phone)
        try:
            report = ForgetReport(**attrs.asdict(forget(self.store, lead, account=self.account)))
        except StoreError:
            # The phone stays out of the record, as in every record above DEBUG.
            _log.exception(
                "forgetting a lead failed: the store failed", extra=_fields(self.account)
            )
            raise
        # Rows deleted unread are bad state the operator should look into.
        _log.log(
            logging.WARNING if report.unread else logging.INFO,
            "forgot a lead: %s, %s, %s, %s kept under a token, %s removed unread",
            _counted(report.conversations, "conversation"),
            _counted(report.opportunities, "opportunity", "opportunities"),
            _counted(report.outbox, "outbox item"),
            _counted(report.funnel_records, "funnel record"),
            _counted(report.unread, "row"),
            # The token stays out of the log: kept beside the request, it
            # would link the phone to the records again.
            extra=_fields(self.account, **attrs.asdict(report, filter=_not_token)),
        )
        return report


@attrs.frozen
class _TickBatch:
    # What one unit of a tick read and did.
    conversations: tuple[Conversation, ...]
    outcome: Outcome
    items: tuple[OutboxItem, ...]


def _store(
    uow: UnitOfWork, outcome: Outcome, now: dt.datetime, event: str | None = None
) -> list[OutboxItem]:
    # The outcome's changes stored and its actions written to the outbox,
    # with ids from the event, or (a tick's) from the keys they serve.
    for change in outcome.changes:
        _apply(uow, change)
    items = []
    lead: Phone | None = None
    if event is not None:
        for index, action in enumerate(outcome.actions):
            body = action_json(action, event)
            lead = _lead_of(body, lead)
            items.append(
                OutboxItem(action_id(event, index), event, body["type"], body, now, lead=lead)
            )
    else:
        counts: dict[str, int] = {}
        for action, key in zip(outcome.actions, outcome.keys, strict=True):
            index = counts[key] = counts.get(key, -1) + 1
            body = action_json(action, key)
            lead = _lead_of(body, lead)
            items.append(OutboxItem(action_id(key, index), key, body["type"], body, now, lead=lead))
    uow.outbox.add(items)
    # A host that reports convroute's own sends back as outgoing messages,
    # by the action's id, is not heard: they never answer a lead, nor move
    # one in a funnel.
    sends = [item.id for item in items if item.type == "send"]
    if sends:
        uow.processed.add(sends, now)
    return items


def _lead_of(body: Mapping[str, Any], before: Phone | None) -> Phone | None:
    # The lead an action is about: the one it names, else that of the
    # action before it.  Only a funnel record's board moves and Meta event
    # name none, and the engine asks for them right after the record's own
    # action, which names its lead.
    named = body.get("to" if body["type"] == "send" else "lead")
    return Phone(named) if isinstance(named, str) else before


def _not_token(field: attrs.Attribute[object], _value: object) -> bool:
    return field.name != "token"


def _refuse_awaitable(result: object) -> None:
    # A deliver that hands back an awaitable carried nothing out: counted
    # done, its item would be lost.  A coroutine is closed, so that Python
    # does not warn of it later.
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        what = "a coroutine" if inspect.iscoroutine(result) else "an awaitable"
        raise TypeError(
            f"the transport's deliver returned {what}, which nothing awaits: "
            "deliver must carry the action out before it returns"
        )


def _fields(account: str, **values: object) -> dict[str, dict[str, object]]:
    # The structured fields of a record: its ``convroute`` attribute, which
    # names the service's account first.
    return {"convroute": {"account": account, **values}}


def _loggable_event(event: str) -> str:
    # A tick's action names the conversation it serves, phones and all
    # (``tick:<lead>:<number>:<time>``): above DEBUG it is only "tick".
    return "tick" if event.startswith("tick:") else event


def _log_store_failure(account: str, event: Event, exc: StoreError) -> None:
    # One ERROR record, with the traceback, for an event the store failed.
    _log.error(
        "event %s failed: the store failed",
        event.id,
        exc_info=exc,
        extra=_fields(account, event=event.id, kind=_kind(event)),
    )


def _refuse_non_event(event: object, name: str) -> None:
    # A Tick is `tick`'s; anything else that is no event has no id to claim.
    if isinstance(event, Tick):
        raise TypeError("a Tick has no id and is not an event to process: call Service.tick")
    if not isinstance(event, Event):
        raise wrong_type(name, event, "an event of convroute.engine (IncomingMessage…)")


def _kind(event: Event) -> str:
    return type(event).__name__


def _outcome_words(
    actions: Sequence[OutboxItem], notes: Sequence[str], failed: Sequence[tuple[str, str]] = ()
) -> str:
    words = f"{_counted(len(actions), 'action')}, {_counted(len(notes), 'note')}"
    if not failed:
        return words
    return f"{words}, {_counted(len(failed), 'failed delivery', 'failed deliveries')}"


def _counted(count: int, noun: str, plural: str | None = None) -> str:
    # "1 note", "2 notes": *plural* for a noun that takes no plain "s".
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural or noun + 's'}"


# What a webhook delivery holds by design that convroute does not act on:
# statuses of the business's own messages, other fields, reactions and the
# like.  Routine, and frequent: no news above DEBUG (but a failed status,
# told on its own).
_ROUTINELY_PASSED_OVER = frozenset(
    (PassedOver.STATUS, PassedOver.OTHER_FIELD, PassedOver.UNSUPPORTED_TYPE)
)


def _log_passed_over(account: str, skipped: Sequence[SkippedItem]) -> None:
    # A lead's message passed over for its shape (malformed, oversize, no
    # sender...) is lost: one WARNING a delivery, naming each by its path
    # and reason.  The details quote what was found (a phone, a text), so
    # they are at DEBUG.  A failed status is one WARNING of its own.
    for one in skipped:
        _log.debug("webhook %s passed over (%s): %s", one.path, one.reason, one.detail)
        if one.failed_status is not None:
            _log_failed_status(account, one.failed_status)
    lost = {
        one.path: str(one.reason) for one in skipped if one.reason not in _ROUTINELY_PASSED_OVER
    }
    if not lost:
        return
    counts = Counter(lost.values())
    _log.warning(
        "webhook delivery: %s passed over: %s",
        _counted(len(lost), "message"),
        ", ".join(f"{counts[reason]} {reason}" for reason in sorted(counts)),
        extra=_fields(account, passed_over=lost),
    )


def _log_failed_status(account: str, failure: FailedStatus) -> None:
    # The lead never got a message convroute sent (a menu, a notice): one
    # WARNING a failed status, with WhatsApp's codes and titles only (the
    # parser keeps neither the phone nor the errors' texts).
    causes = ", ".join(_cause_words(cause) for cause in failure.causes) or "no error given"
    if failure.causes_left_off:
        causes = f"{causes}, and {failure.causes_left_off} more"
    _log.warning(
        "%s was not delivered: WhatsApp reported it failed: %s",
        "a message (no id)" if failure.message_id is None else f"message {failure.message_id}",
        causes,
        extra=_fields(
            account,
            message_id=failure.message_id,
            status="failed",
            errors=[{"code": cause.code, "title": cause.title} for cause in failure.causes],
            errors_left_off=failure.causes_left_off,
        ),
    )


def _cause_words(cause: FailureCause) -> str:
    code = "(no code)" if cause.code is None else str(cause.code)
    title = "(no title)" if cause.title is None else repr(cause.title)
    return f"error {code} {title}"


def _log_handled(account: str, event: Event, handled: Handled) -> None:
    # One INFO record an event: ids, kind and counts only, no phone, no
    # text; what the event held, at DEBUG.  Nothing is built for a logger
    # that keeps neither.
    if not _log.isEnabledFor(logging.INFO):
        return
    kind = _kind(event)
    if handled.duplicate:
        _log.info(
            "event %s (%s): duplicate",
            event.id,
            kind,
            extra=_fields(account, event=event.id, kind=kind, duplicate=True),
        )
        return
    _log.info(
        "event %s (%s): %s",
        event.id,
        kind,
        _outcome_words(handled.actions, handled.notes),
        extra=_fields(
            account,
            event=event.id,
            kind=kind,
            duplicate=False,
            actions=[item.id for item in handled.actions],
            action_types=[item.type for item in handled.actions],
            notes=len(handled.notes),
        ),
    )
    _log.debug("event %s: %r; notes: %r", event.id, event, handled.notes)


def _refuse_future(what: str, at: object, now: dt.datetime) -> None:
    # An event's own time, whichever kinds carry one: a conversation, a
    # capacity slot or a funnel record dated ahead would be held until then.
    # A tick's: it would serve deadlines before they pass, and stand as the
    # last tick, so that every tick until its time would do nothing.
    # A difference, not now + margin: that overflows at the calendar's end.
    if isinstance(at, dt.datetime) and at - now > _FUTURE_MARGIN:
        raise FutureEventError(what, at, now, _FUTURE_MARGIN)


def _apply(uow: UnitOfWork, change: Change) -> None:  # noqa: C901, PLR0912 - one case a change
    match change:
        case SaveLead(lead=lead):
            uow.leads.save(lead)
        case SaveOpportunity(lead=lead, opportunity=opportunity):
            uow.opportunities.save(lead, opportunity)
        case RemoveOpportunity(lead=lead, opportunity=opportunity):
            uow.opportunities.remove(lead, opportunity)
        case SaveConversation(conversation=conversation):
            uow.conversations.save(conversation)
        case SaveTurn(record=record):
            uow.turns.save(record)
        case AddTransition(transition=transition):
            uow.funnel_records.add(transition)
        case RemoveTransitions(ids=ids):
            uow.funnel_records.remove(ids)
        case SaveUser(user=user):
            uow.users.save(user)
        case SavePresence(user=user, available=available):
            uow.users.set_presence(user, available)
        case SaveAwaySince(user=user, since=since):
            uow.users.set_away_since(user, since)
        case AdvanceTick(at=at):
            uow.ticks.advance(at)
        case SavePhoneNumberId(number=number, phone_number_id=phone_number_id):
            uow.numbers.save(number, phone_number_id)
        case _:  # pragma: no cover - the match above is exhaustive
            assert_never(change)
