"""
A plan picker: a lead writes, the bot sends a menu of plans and reads the answer.

Each argument (or, without arguments, each line of standard input) is one
reply of the lead to the menu: typed text, or ``tap:<id>`` for a tap on an
option, which sends the option's id back as WhatsApp does::

    python examples/bots/plan_picker.py "2." "tap:plan-team" "option 1" "☎ talk to us" "7"
"""

from __future__ import annotations

import io
import sys

from collections.abc import Iterable, Sequence

from convroute.menus import (
    InvalidReply,
    Menu,
    fit_text,
    interpret_reply,
    render_menu,
    simple_menu,
)
from convroute.model import Phone


LEAD = Phone("+1 (555) 765-4321")
TAP = "tap:"
# A reply echoed back is cut to this many code points, never inside a character.
ECHO = 40


def plan_menu() -> Menu:
    """
    The menu of plans: four options make a list, with the bot's own ids.
    """
    return simple_menu(
        "Which plan suits you? {Prices in USD}",
        [
            ("Basic", "One seat, email support, $9 a month"),
            ("Pro", "Priority support, $29 a month"),
            ("Team", "Up to 20 seats, $99 a month"),
            "☎️ Talk to us",  # "☎ talk to us", typed without the variation selector, picks it
        ],
        ids=["plan-basic", "plan-pro", "plan-team", "human"],
        header="Plans",
        footer="Pay monthly, cancel any time.",
        list_button="See plans",
    )


def show(menu: Menu) -> list[str]:
    """
    The menu as the lead sees it, under the line saying where it is sent.
    """
    message = render_menu(menu, LEAD)
    lines = [f"to {message['to']}: a {menu.layout} of {len(menu.options)} options"]
    lines.extend(f"  {text}" for text in (menu.header, menu.body) if text is not None)
    for number, option in enumerate(menu.options, start=1):
        described = f": {option.description}" if option.description else ""
        lines.append(f"  {number}. {option.title}{described}")
    if menu.footer is not None:
        lines.append(f"  {menu.footer}")
    if menu.layout == "list":
        lines.append(f"  [{menu.list_button}]")
    return lines


def answer(menu: Menu, reply: str) -> str:
    """
    What the bot makes of one reply: the plan picked, or why nothing was.
    """
    if reply.startswith(TAP):
        outcome = interpret_reply(menu, reply_id=reply.removeprefix(TAP))
    else:
        outcome = interpret_reply(menu, text=reply)
    if isinstance(outcome, InvalidReply):
        return (
            f"not understood ({outcome.reason}): {fit_text(outcome.reply, ECHO)!r};"
            f" reply 1 to {len(menu.options)}, or a plan's name"
        )
    option = outcome.option
    if option.id == "human":
        return f"{option.title} ({option.id}), picked by {outcome.by}: a person will answer"
    return f"{option.title} ({option.id}), picked by {outcome.by}"


def main(argv: Sequence[str] | None = None) -> int:
    """
    Show the menu, then answer each reply given.

    Args:
        argv: The replies; ``None`` reads the command line's arguments, and
            no replies at all reads standard input, one reply a line.

    Returns:
        The exit status: 0.
    """
    tolerate_any_text()
    replies = sys.argv[1:] if argv is None else list(argv)
    lines: Iterable[str] = replies or (line.rstrip("\r\n") for line in sys.stdin)
    menu = plan_menu()
    write(*show(menu))
    for reply in lines:
        write(f"> {fit_text(reply, ECHO)}", answer(menu, reply))
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
