"""
The numbers' Cloud API ids a service knows its store holds, so as not to read them per event.

Part of the shell, beside `convroute._snapshots`.  Every webhook gives the
``phone_number_id`` of the number it was sent to; a number whose config
declares none has the webhook's remembered in the store, and the engine
asks the snapshot whether the store holds it already.  A service that
read or saved that very id answers from what it knows: the stored ids are
read only when the event gives an id the service does not know the store
holds, or when a send needs the id and the event gives none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from convroute._snapshots import ReadOnFirstUse
from convroute.engine import Change, Event, IncomingMessage, OutgoingMessage, SavePhoneNumberId
from convroute.model import Phone
from convroute.ports import UnitOfWork


class KnownPhoneNumberIds:
    """
    What one service last read or saved of its store's ``phone_number_id``s.

    Another process may save another id for a number meanwhile: a number's
    id changes only when it moves to another WhatsApp Business account,
    and the webhooks then give the new one, which this service does not
    know and so reads and saves.
    """

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[Phone, str] = {}

    def for_event(self, uow: UnitOfWork, event: Event) -> Mapping[Phone, str]:
        """
        The stored ids, as the snapshot of *event* in *uow* gives them to the engine.

        Returns:
            A mapping that gives the id *event* carries for its number
            without a read when this service knows the store holds it, and
            reads the store the first time it is asked anything else.
        """
        stored: Mapping[Phone, str] = ReadOnFirstUse(lambda: self._read(uow))
        if isinstance(event, IncomingMessage | OutgoingMessage):
            given = event.phone_number_id
            if given is not None and self._known.get(event.number) == given:
                return _HeldAlready(event.number, given, stored)
        return stored

    def committed(self, changes: Iterable[Change]) -> None:
        """
        Take note of the ids saved by *changes*, once their unit has committed.
        """
        for change in changes:
            if isinstance(change, SavePhoneNumberId):
                self._known[change.number] = change.phone_number_id

    def _read(self, uow: UnitOfWork) -> Mapping[Phone, str]:
        found = uow.numbers.all()
        # Replaced whole, never changed in place: a thread reading the old
        # one meanwhile sees it whole.
        self._known = dict(found)
        return found


class _HeldAlready(Mapping[Phone, str]):
    # The stored ids, known to hold *phone_number_id* for *number*: asked
    # for that number, answers without reading; anything else reads.

    __slots__ = ("_number", "_phone_number_id", "_stored")

    def __init__(self, number: Phone, phone_number_id: str, stored: Mapping[Phone, str]) -> None:
        self._number = number
        self._phone_number_id = phone_number_id
        self._stored = stored

    def __getitem__(self, key: Phone) -> str:
        if key == self._number:
            return self._phone_number_id
        return self._stored[key]

    def get(self, key: Phone, default: Any = None) -> Any:
        """
        The id of *key*, or *default*.
        """
        if key == self._number:
            return self._phone_number_id
        return self._stored.get(key, default)

    def __iter__(self) -> Iterator[Phone]:
        return iter({**self._stored, self._number: self._phone_number_id})

    def __len__(self) -> int:
        return len({**self._stored, self._number: self._phone_number_id})
