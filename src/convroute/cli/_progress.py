"""
A progress count on a terminal, for long command-line runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar


T = TypeVar("T")

EVERY = 1000
"""
How many items pass between two updates of the count.
"""


def counted(items: Iterable[T], what: str, stream: TextIO) -> Iterator[T]:
    """
    Pass *items* through, counting them on *stream* when it is a terminal.

    The count is rewritten in place (after a carriage return) every `EVERY`
    items and wiped at the end; on anything but a terminal nothing is
    written, so pipes and files stay clean.

    Args:
        items: What to count.
        what: The word for them, e.g. ``lines``.
        stream: Where to show the count, e.g. ``sys.stderr``.

    Yields:
        The items, unchanged.
    """
    if not stream.isatty():
        yield from items
        return
    count = 0
    try:
        for count, item in enumerate(items, 1):
            if count % EVERY == 0:
                stream.write(f"\r{count} {what}")
                stream.flush()
            yield item
    finally:
        if count >= EVERY:
            stream.write("\r" + " " * (len(f"{count} {what}") + 1) + "\r")
            stream.flush()
