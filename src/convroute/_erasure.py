"""
Erasure: a lead forgotten, its conversions still counted.

`convroute.service.Service.forget` and ``convroute forget`` both run
`forget`: in one unit of work it deletes the lead, its conversations (and
so its pending menus), its opportunities and every outbox item about it,
and puts a random token in the place of its phone in its funnel records,
so that reports count the lead's conversions as before.  A row that cannot
be read is deleted all the same, and counted apart: erasure is a legal
duty, and a row convroute cannot read still holds the phone.
"""

from __future__ import annotations

import secrets

from collections.abc import Sequence

import attrs

from convroute._accounts import DEFAULT_ACCOUNT
from convroute.errors import StoreConflictError
from convroute.funnel import Transition
from convroute.model import Phone
from convroute.ports import Store, UnitOfWork
from convroute.state import ConversationStatus


__all__ = ["FORGOTTEN_PREFIX", "Erased", "forget"]

FORGOTTEN_PREFIX = "forgotten-"
"""
How a forgotten lead's token begins: no phone does, so that a token is
never taken for a lead's phone, nor a phone for a token.
"""

_ATTEMPTS = 5
"""
How many times the unit is run when it keeps losing races.
"""


@attrs.frozen(kw_only=True)
class Erased:
    """
    What forgetting a lead removed, each count by its name.

    `convroute.service.ForgetReport` is built from it field by field, by
    name: the two name their counts alike.

    Attributes:
        leads: The leads deleted: 1, or 0 when the store held none.
        conversations: The conversations deleted, with every number.
        menus: The menus among them that awaited the lead's reply.
        opportunities: The opportunities deleted.
        outbox: The outbox items deleted, of every status.
        funnel_records: The funnel records kept under the token.
        unread: The rows deleted without being read, of any kind.
        token: The token the kept records carry in the place of the
            phone; ``None`` when no record was kept.
    """

    leads: int
    conversations: int
    menus: int
    opportunities: int
    outbox: int
    funnel_records: int
    unread: int
    token: str | None


def forget(store: Store, phone: Phone, *, account: str = DEFAULT_ACCOUNT) -> Erased:
    """
    Forget the lead of *phone* in *store*, in one unit of work.

    Args:
        store: The store.
        phone: The lead's phone, as it is stored.
        account: The account whose lead it is.

    Returns:
        What was removed, and the token its funnel records now carry.

    Raises:
        StoreError: When the store fails: nothing is removed.
    """
    for _ in range(_ATTEMPTS - 1):
        try:
            return _forget_once(store, phone, account)
        except StoreConflictError:
            # Rolled back whole: run it again.
            continue
    return _forget_once(store, phone, account)


def _forget_once(store: Store, phone: Phone, account: str) -> Erased:
    with store.unit_of_work(account) as uow:
        # First: a store shared by workers holds the lead from here on.
        leads = int(uow.leads.remove(phone))
        conversations = uow.conversations.remove_for_lead(phone)
        opportunities = uow.opportunities.remove_for_lead(phone)
        items = uow.outbox.remove_for_lead(phone)
        # A tick's send is claimed as processed by its id, a digest of a key
        # that holds the phone: with the phone and the tick's time, anyone
        # could find it.  An event's ids derive from its own id, not the
        # phone.  An item that cannot be read may be a tick's send: its
        # claim goes too (an id never claimed removes nothing).
        uow.processed.remove(
            [
                *(i.id for i in items.values if i.type == "send" and i.event.startswith("tick:")),
                *items.unread,
            ]
        )
        # A record that cannot be read cannot be given the token: it is
        # deleted with the others, and the reports count it no more.
        records = uow.funnel_records.remove_for_lead(phone)
        token = _rename(uow, records.values) if records.values else None
    removals = (conversations, opportunities, items, records)
    unread = sum(len(removed.unread) for removed in removals)
    return Erased(
        leads=leads,
        conversations=len(conversations.values),
        menus=sum(c.status == ConversationStatus.MENU for c in conversations.values),
        opportunities=len(opportunities.values),
        outbox=len(items.values),
        funnel_records=len(records.values),
        unread=unread,
        token=token,
    )


def _rename(uow: UnitOfWork, records: Sequence[Transition]) -> str:
    # The records, removed already, added back under a new random token,
    # each with a new random id: an id is a digest of the event, the funnel
    # and the phone, which anyone knowing the event's id could match
    # against phones.  The new ids keep the old ones' order, which breaks
    # ties between records of one instant.  The ad click's id goes too:
    # Meta can tie it to the person who clicked.
    token = FORGOTTEN_PREFIX + secrets.token_hex(16)
    ids = sorted("tr-" + secrets.token_hex(16) for _ in records)
    renamed = [
        attrs.evolve(record, id=ident, lead=Phone(token), ctwa_clid=None)
        for record, ident in zip(sorted(records, key=lambda r: r.id), ids, strict=True)
    ]
    for record in renamed:
        uow.funnel_records.add(record)
    return token
