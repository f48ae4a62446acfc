"""
A keyword router: each message goes to the team its keyword names, with an answer.

Each argument (or, without arguments, each line of standard input) is one
message; the bot prints the team and its answer, then the message with the
keyword found marked ``[like this]`` where the sender typed it::

    python examples/bots/keyword_router.py "Hi! Can I TALK TO A HUMAN please?" "Qual o preço?"
"""

from __future__ import annotations

import io
import sys
import unicodedata

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from convroute.funnel import KeywordHit, KeywordMatcher
from convroute.menus import fit_text


class Route(NamedTuple):
    """
    Where a keyword sends a message, and what the bot answers.
    """

    team: str
    answer: str


PRICING = Route("Sales", "Our plans start at $9 a month: reply PLANS to see them.")
THANKS = Route("Team", "Thank you! ❤️")
KEYWORDS = KeywordMatcher.from_mapping(
    {
        "price": PRICING,
        "how much": PRICING,
        "preço": PRICING,
        "talk to a human": Route("Front desk", "A person will answer in a few minutes."),
        "refund": Route("Billing", "Refunds take 5 working days; we will confirm by email."),
        "não funciona": Route("Support", "Sentimos muito! Um técnico vai responder."),
        "straße": Route("Office", "Our address is Hauptstraße 5, Berlin."),
        # Keywords are compared as written, emoji variation selectors too: the heart is
        # typed with one and without, so both are keywords.
        "❤️ love": THANKS,
        "❤ love": THANKS,
    }
)
NO_KEYWORD = Route("Front desk", "Thanks for writing: a person will read this.")
# Messages longer than this are shown by their keyword alone, cut to fit.
SHOWN = 80


def route(message: str) -> list[str]:
    """
    The team and answer for *message*, then the message with its keyword marked.
    """
    hit = KEYWORDS.find(message)
    if hit is None:
        return [f"{NO_KEYWORD.team} (no keyword): {NO_KEYWORD.answer}"]
    return [f"{hit.value.team} ({hit.phrase!r}): {hit.value.answer}", f"  {marked(message, hit)}"]


def marked(message: str, hit: KeywordHit[Route]) -> str:
    """
    *message* with the keyword's piece in brackets, where the sender typed it.

    The span counts in the message as given, so the piece is the sender's
    own text, whatever folding did to its length (``STRASSE`` for
    ``straße``, an accent written as a combining mark).
    """
    start, end = hit.span
    piece = f"[{message[start:end]}]"
    if len(message) > SHOWN:
        return f"…{fit_text(piece, SHOWN)}…"
    return f"{message[:start]}{piece}{message[end:]}"


def main(argv: Sequence[str] | None = None) -> int:
    """
    Route each message given.

    Args:
        argv: The messages; ``None`` reads the command line's arguments,
            and no messages at all reads standard input, one a line.

    Returns:
        The exit status: 0.
    """
    tolerate_any_text()
    messages = sys.argv[1:] if argv is None else list(argv)
    lines: Iterable[str] = messages or (line.rstrip("\r\n") for line in sys.stdin)
    for message in lines:
        # Messages arrive in either normal form: an NFD "ç" is two characters.
        nfd = "" if unicodedata.is_normalized("NFC", message) else " (NFD)"
        write(f"> {fit_text(message, SHOWN)}{nfd}", *route(message))
    return 0


def tolerate_any_text() -> None:
    """
    Read bytes that are not UTF-8 as replacement characters, and write any text.
    """
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")


def write(*lines: str) -> None:
    """
    Print *lines* on standard output.
    """
    for line in lines:
        sys.stdout.write(f"{line}\n")


if __name__ == "__main__":
    raise SystemExit(main())
