"""
The scenario driver: a config driven the way leads and agents drive it.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from convroute._decisions import decision_of
from convroute.config import Config, parse_duration
from convroute.engine import (
    CloseConversation,
    Engine,
    Event,
    IncomingMessage,
    OutgoingMessage,
    SetPresence,
    UpdateLead,
)
from convroute.errors import ConvrouteError, ScenarioError
from convroute.model import Lead, Opportunity, Phone, lead_phone
from convroute.routing import (
    Decision,
)
from convroute.service import Service
from convroute.state import ConversationStatus, OutboxItem
from convroute.testing._actions import ScenarioAction
from convroute.testing._adapters import MemoryStore, RecordingTransport
from convroute.testing._sent_menu import SentMenu


DEFAULT_START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
"""
When a scenario starts unless told: a Monday morning, never the wall clock.
"""

_ROUTING_ACTIONS = frozenset({"assign", "reassign", "unassign", "unrouted"})
_T = TypeVar("_T")


class Scenario:
    """
    A config driven as leads and agents drive it, in memory.

    Each step runs as an event through the real `convroute.service.Service`,
    over a `MemoryStore`, and every action is delivered at once to a
    `RecordingTransport`.  The clock stands still until `wait` moves it.
    Event ids are numbered in order (``scenario-1``…): a run is
    reproducible.

        >>> from convroute import load_config
        >>> scenario = Scenario(load_config("examples/account.toml"))
        >>> priya = scenario.lead("+91 98000 00001", name="Priya")
        >>> scenario.says(priya, "Hi")
        >>> scenario.menu(priya).titles
        ('AI', 'Data Science', 'Something else')
        >>> scenario.taps(priya, "AI")
        >>> scenario.assignee(priya)
        'u-asha'
        >>> for line in scenario.explain(priya):
        ...     print(line)
        opportunity_owner: skipped, no owner
        chat_group:AI counsellors: picked Asha Rao (u-asha)

    Args:
        config: The account's setup, or an engine compiled from it.
        start: When the scenario starts (aware).

    Attributes:
        now: The scenario's clock: *start*, moved on by each `wait`.
        store: The `MemoryStore` the service keeps its state in.
        transport: The `RecordingTransport` every action was delivered to.
        service: The `convroute.service.Service` the steps run through.

    Raises:
        ScenarioError: When *start* is not an aware datetime, or *config*
            is neither a `Config` nor an `Engine`.
    """

    def __init__(self, config: Config | Engine, start: dt.datetime = DEFAULT_START) -> None:
        if not isinstance(start, dt.datetime) or start.utcoffset() is None:
            raise ScenarioError(
                f"a scenario starts at an aware datetime (with its time zone), not {start!r}"
            )
        if not isinstance(config, Config | Engine):
            raise ScenarioError(
                f"a scenario runs a Config (see load_config) or an Engine, not {config!r}"
            )
        self.now = start
        self.store = MemoryStore()
        self.transport = RecordingTransport()
        self.service = Service(config, self.store, self.transport, clock=self._clock)
        self._config = self.service.engine.config
        self._names = {user.id: user.name for user in self._config.users}
        self._rules = {rule.name: rule for rule in self._config.routing_rules}
        self._events = 0
        self._seen = 0
        self._numbers: dict[Phone, Phone] = {}
        self._menus: dict[Phone, SentMenu] = {}
        self._decisions: dict[Phone, Decision] = {}
        self._actions: list[ScenarioAction] = []

    def __repr__(self) -> str:
        return f"<Scenario at {self.now.isoformat()} actions={len(self.transport.sent)}>"

    # Steps.

    def lead(
        self,
        phone: str,
        *,
        name: str = "",
        owner: str | None = None,
        language: str | None = None,
        opportunities: Iterable[Opportunity] = (),
    ) -> Phone:
        """
        Add a lead the CRM knows (or change it), with its opportunities.

        Returns:
            The lead's phone as digits, to name the lead in later steps.

        Raises:
            ScenarioError: When a value is not of its kind.
            PhoneNumberError: When *phone* is no phone.
        """
        lead = self._phone(phone)
        _require_text(name, "a lead's name")
        if owner is not None:
            _require_text(owner, "a lead's owner")
        values = _sequence(opportunities, "opportunities")
        for value in values:
            if not isinstance(value, Opportunity):
                raise ScenarioError(f"opportunities are Opportunity values, not {value!r}")
        self._run(
            "lead",
            lambda event_id: UpdateLead(
                event_id,
                Lead(lead, name, owner=owner, language=language),
                opportunities=values,
            ),
        )
        return lead

    def user(self, user: str, *, available: bool = True) -> None:
        """
        Say whether a user of the config can take conversations.

        Raises:
            ScenarioError: When *user* is not a known user (the message lists
                them) or *available* is not a bool.
        """
        known = self._user(user)
        if not isinstance(available, bool):
            raise ScenarioError(f"available is True or False, not {available!r}")
        self._run("user", lambda event_id: SetPresence(event_id, known, available, at=self.now))

    def away(self, user: str) -> None:
        """
        The user goes away: `user` with ``available=False``.
        """
        self.user(user, available=False)

    def back(self, user: str) -> None:
        """
        The user is back: `user` with ``available=True``.
        """
        self.user(user, available=True)

    def says(self, lead: str, text: str, number: str | None = None) -> None:
        """
        The lead writes *text* to *number* (the config's first number by default).

        Raises:
            ScenarioError: When *text* is not text, or no number is named and
                the config has none.
        """
        phone = self._phone(lead)
        to = self._number(number)
        _require_text(text, "what a lead says")
        self._numbers[phone] = to
        self._run("says", lambda event_id: IncomingMessage(event_id, self.now, phone, to, text))

    def taps(self, lead: str, title: str) -> None:
        """
        The lead taps the option of *title* in the last menu it was sent.

        See `SentMenu.option` for the titles an option answers to.

        Raises:
            ScenarioError: When the lead was sent no menu, or no option of
                that menu answers to *title* (the message lists the titles).
        """
        phone = self._phone(lead)
        _require_text(title, "a title")
        sent = self._menus.get(phone)
        if sent is None:
            raise ScenarioError(f"no menu was sent to {phone}: there is nothing to tap")
        option = sent.option(title)
        self._numbers[phone] = sent.number
        self._run(
            "taps",
            lambda event_id: IncomingMessage(
                event_id, self.now, phone, sent.number, reply_id=option.id
            ),
        )

    def answers(self, lead: str, *, by: str, text: str = "(an answer)") -> None:
        """
        The user *by* answers the lead, on the number the lead last wrote to.

        Args:
            lead: The lead's phone.
            by: The user who answers.
            text: What the answer says; a funnel's follow-up phrase in it
                moves the lead on.

        Raises:
            ScenarioError: When the lead never wrote, or *by* is unknown.
        """
        phone = self._phone(lead)
        user = self._user(by)
        _require_text(text, "an answer")
        number = self._last_number(phone, "answer")
        self._run(
            "answers",
            lambda event_id: OutgoingMessage(event_id, self.now, phone, number, text, by=user),
        )

    def close(self, lead: str) -> None:
        """
        The host closes the lead's conversation on the number it last wrote to.

        Raises:
            ScenarioError: When the lead never wrote.
        """
        phone = self._phone(lead)
        number = self._last_number(phone, "close")
        self._run("close", lambda event_id: CloseConversation(event_id, self.now, phone, number))

    def wait(self, duration: str | dt.timedelta) -> None:
        """
        Move the clock on by *duration* (``"15m"``, ``"2h"``…), then tick.

        Raises:
            ScenarioError: When *duration* is not a positive duration, or
                would take the clock past the end of the calendar.
        """
        step = _duration(duration)
        try:
            self.now += step
        except OverflowError:
            raise ScenarioError(
                f"wait: {duration} from {self.now.isoformat()} passes the end of the calendar"
            ) from None
        try:
            self.service.tick(self.now)
        except ConvrouteError as error:
            raise ScenarioError(f"wait: {error}") from None
        self._collect()

    # Reading.

    @property
    def actions(self) -> tuple[ScenarioAction, ...]:
        """
        Every action of the run, in the order it was delivered.

        Each is a `ScenarioAction`: its type and the parts a test asks
        about (lead, user, rule, target, funnel, source, stage, fields,
        text), with the outbox item itself as `ScenarioAction.item`.
        """
        return tuple(self._actions)

    def menu(self, lead: str) -> SentMenu | None:
        """
        The last menu sent to the lead, or ``None`` when it was sent none.
        """
        return self._menus.get(self._phone(lead))

    def assignee(self, lead: str) -> str | None:
        """
        Who holds the lead's conversation now (a user id), or ``None``.

        The conversation is the one on the number the lead last wrote to.
        """
        phone = self._phone(lead)
        number = self._numbers.get(phone)
        if number is None:
            return None
        with self.store.unit_of_work() as uow:
            conversation = uow.conversations.get(phone, number)
        if conversation is None or conversation.status is not ConversationStatus.ASSIGNED:
            return None
        return conversation.assignee

    def explain(self, lead: str) -> list[str]:
        """
        The last routing decision about the lead, one line per target tried.

        The lines are those of `convroute.routing.Decision.explain`, with the
        config's user names; empty when nothing was routed for the lead.
        """
        decision = self._decisions.get(self._phone(lead))
        if decision is None:
            return []
        return decision.explain(self._names).splitlines()

    # The machinery.

    def _clock(self) -> dt.datetime:
        return self.now

    def _run(self, step: str, make: Callable[[str], Event]) -> None:
        self._events += 1
        try:
            event = make(f"scenario-{self._events}")
            self.service.handle(event)
        except ConvrouteError as error:
            if isinstance(error, ScenarioError):
                raise
            raise ScenarioError(f"{step}: {error}") from None
        except (TypeError, ValueError) as error:
            raise ScenarioError(f"{step}: {error}") from None
        self._collect()

    def _collect(self) -> None:
        # Deliver whatever a tick left waiting, then read the new actions.
        self.service.dispatch_pending(limit=1_000_000)
        new = self.transport.sent[self._seen :]
        self._seen = len(self.transport.sent)
        for item in new:
            self._read(item)

    def _read(self, item: OutboxItem) -> None:
        self._actions.append(ScenarioAction.of(item))
        body = item.body
        if item.type == "send" and body["message"].get("type") == "interactive":
            lead, number = Phone(body["to"]), Phone(body["from"])
            with self.store.unit_of_work() as uow:
                conversation = uow.conversations.get(lead, number)
            if conversation is not None and conversation.menu is not None:
                self._menus[lead] = SentMenu(number, conversation.menu)
        elif item.type in _ROUTING_ACTIONS:
            self._decisions[Phone(body["lead"])] = decision_of(body, self._rules)

    def _phone(self, text: str) -> Phone:
        return read_phone(text, self._config)

    def _number(self, number: str | None) -> Phone:
        if number is not None:
            return self._phone(number)
        if not self._config.numbers:
            raise ScenarioError("the config has no [[numbers]]: name the number written to")
        return self._config.numbers[0].number

    def _user(self, user: str) -> str:
        _require_text(user, "a user id")
        with self.store.unit_of_work() as uow:
            known = [*self._names, *[id_ for id_ in uow.users.all() if id_ not in self._names]]
        if user not in known:
            raise ScenarioError(f"no user {user!r}: the users are {', '.join(known) or 'none'}")
        return user

    def _last_number(self, lead: Phone, step: str) -> Phone:
        number = self._numbers.get(lead)
        if number is None:
            raise ScenarioError(f"{lead} has written to no number yet: nothing to {step}")
        return number


def read_phone(text: str, config: Config) -> Phone:
    """
    A lead's phone as a scenario reads it: as typed, or as digits.

    Raises:
        ScenarioError: When *text* is not text.
        PhoneNumberError: When it is no phone.
    """
    _require_text(text, "a phone")
    return lead_phone(text, country_code=config.default_country_code)


def _require_text(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise ScenarioError(f"{what} is text, not {value!r}")


def _sequence(values: Iterable[_T], what: str) -> Sequence[_T]:
    if isinstance(values, str | bytes | Mapping):
        raise ScenarioError(f"{what} is a list, not {values!r}")
    return tuple(values)


def _duration(value: str | dt.timedelta) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        if value <= dt.timedelta(0):
            raise ScenarioError(f"wait takes a positive duration, not {value}")
        return value
    if not isinstance(value, str):
        raise ScenarioError(f"wait takes a duration such as '15m', not {value!r}")
    try:
        return parse_duration(value)
    except ConvrouteError:
        raise ScenarioError(
            f"wait takes a duration such as '90s', '15m', '2h' or '1d', not {value!r}"
        ) from None
