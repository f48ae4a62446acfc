"""
The rules every reference unit of work keeps, with the errors that say so.

A unit of work is entered once, never inside another of the same thread,
and its repositories work only while it is open.
"""

from __future__ import annotations

from convroute.errors import StoreError


def refuse_reuse(*, opened: bool, ended: bool) -> None:
    """
    Refuse to enter a unit of work that is open or has ended.

    Raises:
        StoreError: When it is.
    """
    if opened or ended:
        raise StoreError("a unit of work is used once: open a new one with unit_of_work()")


def nested() -> StoreError:
    """
    The error of a unit of work opened inside another of the same thread.
    """
    return StoreError(
        "a unit of work is already open in this thread: finish it before opening another"
    )


def not_open() -> StoreError:
    """
    The error of a repository used outside its unit of work.
    """
    return StoreError(
        "this unit of work is not open: use its repositories inside "
        "`with store.unit_of_work() as uow:`"
    )
