"""
Every error convroute raises on purpose.

The hierarchy::

    ConvrouteError
    ├── ConfigError (ValueError)          an account setup that cannot be used
    ├── PhoneNumberError (ValueError)     text that is not a phone number
    ├── MenuError (ValueError)            a menu WhatsApp would not accept
    ├── ReplyError (ValueError)           a lead's reply that selects nothing
    ├── WebhookError (ValueError)         an inbound webhook that cannot be read
    ├── TextError (ValueError)            text that is not Unicode: a lone surrogate
    ├── TimeRangeError (ValueError)       a time too near the calendar's ends to reckon with
    ├── FutureEventError (ValueError)     an event or tick dated after the service's clock
    ├── EventLineError (ValueError)       a line of a simulate event file that is not an event
    ├── RetentionError (ValueError)       a prune that would forget what a webhook retry needs
    ├── AccountError (ValueError)         an account name a store cannot keep
    ├── ScenarioError (ValueError)        a step of a testing.Scenario that cannot be taken
    ├── StoreError (RuntimeError)         a store that failed or holds bad state
    │   ├── StoreConflictError            a unit of work that lost a race: run it again
    │   ├── StoreUnusableError            a store that cannot be used as it is found
    │   ├── UnknownOutboxItemError        an outbox item that is not (or no longer) there
    │   └── UnreadableRowError            a stored row that cannot be read, named by its key
    └── MissingExtraError (ImportError)   an optional extra that is not installed

Each error also subclasses the builtin it really is, so code that already
catches ``ValueError`` keeps working.  An unrouted conversation is *not* an
error: it is a normal outcome of routing.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Iterable


class ConvrouteError(Exception):
    """
    The base of every error convroute raises on purpose.
    """


class ConfigError(ConvrouteError, ValueError):
    """
    An account setup that cannot be used, with every problem found.

    Attributes:
        errors: One readable line per problem, each ending with the path of
            the offending value, e.g.
            ``unknown chat group 'AI' @ $.routing_rules[1].targets[1].group``.
    """

    errors: tuple[str, ...]

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = tuple(errors)
        count = len(self.errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} configuration {noun}:\n" + "\n".join(self.errors))


class PhoneNumberError(ConvrouteError, ValueError):
    """
    Text that cannot be read as an international phone number.

    Attributes:
        text: The text that was given.
    """

    text: str

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        super().__init__(f"not a phone number {text!r}: {reason}")


class MenuError(ConvrouteError, ValueError):
    """
    A menu that WhatsApp would not accept, built by hand.

    The menu builders never make one; this guards menus put together
    otherwise.

    Attributes:
        problems: One readable line per problem.
    """

    problems: tuple[str, ...]

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("not a valid menu: " + "; ".join(self.problems))


class ReplyError(ConvrouteError, ValueError):
    """
    A lead's reply to a menu that selects none of its options.
    """


class WebhookError(ConvrouteError, ValueError):
    """
    An inbound webhook that cannot be read or whose signature does not hold.
    """


class TextError(ConvrouteError, ValueError):
    r"""
    Text that is not Unicode text: it holds a lone surrogate.

    Python strings can hold one (a ``\ud800`` escape in JSON, or bytes that
    are not UTF-8 read with ``errors="surrogateescape"``); no store, file or
    transport can write it, so it is refused where text enters convroute.

    Attributes:
        position: Where the first lone surrogate is in the text.
    """

    position: int

    def __init__(self, text: str, position: int) -> None:
        self.position = position
        super().__init__(
            f"not Unicode text: a lone surrogate {text[position]!r} at position {position} "
            "(bytes that are not UTF-8, or a broken \\u escape)"
        )


class TimeRangeError(ConvrouteError, ValueError):
    """
    A time too near the ends of the calendar (years 1 and 9999) to reckon with.

    An event's time is reckoned with a day either side (timeouts, leases,
    other time zones), so events are taken from 0001-01-02 to 9999-12-30
    in UTC; any other time needs a UTC time inside the calendar.

    Attributes:
        at: The time refused.
    """

    at: dt.datetime

    def __init__(self, at: dt.datetime, taken: str) -> None:
        self.at = at
        super().__init__(
            f"time {at.isoformat()} is too near the ends of the calendar: {taken} are taken"
        )


class FutureEventError(ConvrouteError, ValueError):
    """
    An event dated more than the allowed margin after the service's clock.

    Nothing may hold a conversation, or a user's capacity, by a time to come:
    the service refuses such an event unprocessed, and processes it when it
    comes again once its time has come.  A tick so dated is refused too
    (its ``event`` is then ``tick:<its time>``).

    Attributes:
        event: The event's id.
        at: The time the event carries.
        now: The service's clock when it was refused.
        margin: How far after the clock an event may be dated.
    """

    event: str
    at: dt.datetime
    now: dt.datetime
    margin: dt.timedelta

    def __init__(self, event: str, at: dt.datetime, now: dt.datetime, margin: dt.timedelta) -> None:
        self.event = event
        self.at = at
        self.now = now
        self.margin = margin
        minutes = f"{margin / dt.timedelta(minutes=1):g} minutes"
        super().__init__(
            f"event {event!r} is dated {at.isoformat()}, more than {minutes} after the "
            f"service's clock ({now.isoformat()}): refused"
        )


class EventLineError(ConvrouteError, ValueError):
    """
    A line of a simulate event file that is not an event.

    `convroute.simulate` turns it into an ``error`` line and goes on.
    """


class RetentionError(ConvrouteError, ValueError):
    """
    A prune whose window is shorter than the shortest one allowed.

    Meta retries a webhook delivery that failed for up to 7 days: an event
    id forgotten sooner would make a late retry look new, and it would be
    processed twice.

    Attributes:
        before: The time before which the prune would delete.
        now: The service's clock when it was refused.
        shortest: The shortest window allowed.
    """

    before: dt.datetime
    now: dt.datetime
    shortest: dt.timedelta

    def __init__(self, before: dt.datetime, now: dt.datetime, shortest: dt.timedelta) -> None:
        self.before = before
        self.now = now
        self.shortest = shortest
        super().__init__(
            f"cannot prune what is newer than {shortest.days} days: {before.isoformat()} is "
            f"less than {shortest.days} days before the service's clock ({now.isoformat()}), "
            f"and Meta retries a failed webhook delivery for up to {shortest.days} days "
            "(a forgotten event id would make a late retry look new)"
        )


class AccountError(ConvrouteError, ValueError):
    """
    An account name that cannot name an account of a store.

    A name is text of 1 to 64 characters once the whitespace around it is
    stripped, with no control character and no lone surrogate.

    Attributes:
        account: The name refused, as given.
    """

    account: object

    def __init__(self, account: object, reason: str) -> None:
        self.account = account
        super().__init__(f"not an account name: {account!r} ({reason})")


class ScenarioError(ConvrouteError, ValueError):
    """
    A step of a `convroute.testing.Scenario` that cannot be taken.

    A title no option of the last menu has, a user the config does not know,
    a duration that is none: the message says what was wrong, and lists
    the titles or users there are.
    """


class StoreError(ConvrouteError, RuntimeError):
    """
    A store that failed, or that holds state convroute cannot use.

    Its message names the store and what it was doing, and never holds a
    value of a row (a phone, a message text): a database's error text that
    can quote one is left out, and the database's error is not its cause.

    Attributes:
        sqlstate: The SQLSTATE of the database's error behind it (PostgreSQL's
            five characters, e.g. ``23505`` for a unique violation), or None
            when the database gave none.
    """

    sqlstate: str | None

    def __init__(self, *args: object, sqlstate: str | None = None) -> None:
        super().__init__(*args)
        self.sqlstate = sqlstate


class StoreUnusableError(StoreError):
    """
    A store that cannot be used as it is found, whatever is tried again.

    Nothing failed on the way: what is there is not what convroute can use.
    No store where a reader looks (a missing SQLite file, a PostgreSQL
    schema with no store in it); a file that is no SQLite database, or
    another program's; a schema this convroute does not know (newer, or a
    negative version), or one older than its own when the store is opened
    read-only or not to upgrade (an upgrade writes); a SQLite file, or its
    folder, that the process may not write when it opens the store to write;
    a PostgreSQL role refused a privilege the store needs (SQLSTATE 42501).
    The command line exits with status 2 for it, as for any input that
    cannot be used.
    """


class UnknownOutboxItemError(StoreError):
    """
    An outbox item the store does not hold (any more).

    Raised when a delivery's outcome is recorded for an item another unit
    removed meanwhile (a lead forgotten while its item was being
    delivered) or that was never there.

    Attributes:
        item: The item's id.
    """

    def __init__(self, item: str) -> None:
        self.item = item
        super().__init__(f"no outbox item has the id {item!r}")


class UnreadableRowError(StoreError):
    """
    A stored row that cannot be read, met by a read of many rows.

    The message names the row by its table and a key that is not personal
    data (an outbox item's seq and id, a funnel record's seq, a
    conversation's ``last_message_at`` as stored), then says what was
    wrong with it: the kind and path of each bad value, never the value.

    Attributes:
        table: The table, e.g. ``outbox``.
        key: What finds the row in it, e.g. ``seq 12, id act-3f…``.
    """

    table: str
    key: str

    def __init__(self, table: str, key: str, problem: str) -> None:
        self.table = table
        self.key = key
        super().__init__(f"{table} row {key}: {problem}")


class StoreConflictError(StoreError):
    """
    A unit of work that lost a race with another and was rolled back.

    The database ended it to let another go on (PostgreSQL's deadlock
    detection, or a serialization failure).  Nothing of it was kept, and
    running it again can succeed: `convroute.service.Service` does so a
    few times before it gives up and raises this.
    """


class MissingExtraError(ConvrouteError, ImportError):
    """
    A feature needs an optional extra that is not installed.

    Attributes:
        extra: The name of the extra, as in ``pip install 'convroute[extra]'``.
    """

    extra: str

    def __init__(self, feature: str, extra: str) -> None:
        self.extra = extra
        super().__init__(f"{feature} needs the {extra!r} extra: pip install 'convroute[{extra}]'")
