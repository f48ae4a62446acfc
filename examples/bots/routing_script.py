"""
A routing script: rules with fallbacks walked by a `Router`, each decision explained.

Each argument (or, without arguments, each line of standard input) is one
command; blank lines and lines starting with ``#`` are passed over:

- ``route RULE`` routes a conversation by the rule (``sales``, ``support``,
  ``returning``, ``vip``); ``route returning owner USER`` for a lead that
  USER owns;
- ``away USER``, ``back USER``: the user is away, or back;
- ``release USER``: one of the user's conversations closed;
- ``status``: who holds how many conversations, and whose turn came last;
- ``check``: what is wrong with the rules, as a configuration's check says.

For example::

    python examples/bots/routing_script.py "route sales" "away u-asha" "route vip" "check"
"""

from __future__ import annotations

import io
import sys

from collections.abc import Iterable, Sequence

from convroute.menus import fit_text
from convroute.model import Lead, User
from convroute.routing import (
    Admin,
    ChatGroup,
    ChatGroupTarget,
    LeadOwner,
    Router,
    RoutingRule,
    SpecificUser,
)


USERS = [
    User(id="u-asha", name="Asha"),
    User(id="u-ben", name="Ben", max_open_conversations=1),
    User(id="u-carlos", name="Carlos"),
    User(id="u-meera", name="Meera", admin=True),
]
GROUPS = [
    ChatGroup(name="Sales", members=("u-asha", "u-ben")),
    ChatGroup(name="Support", members=("u-carlos", "u-asha")),
]
# Each rule's first target is its default; the others are its fallbacks, in order.
RULES = {
    rule.name: rule
    for rule in [
        RoutingRule(name="sales", targets=(ChatGroupTarget(group="Sales"), Admin())),
        RoutingRule(
            name="support",
            targets=(SpecificUser(user="u-carlos"), ChatGroupTarget(group="Support"), Admin()),
        ),
        RoutingRule(
            name="returning", targets=(LeadOwner(), ChatGroupTarget(group="Sales"), Admin())
        ),
        # u-zed has left: `check` says so, and routing falls back to the admin.
        RoutingRule(name="vip", targets=(SpecificUser(user="u-zed"), Admin())),
    ]
}
NAMES = {user.id: user.name for user in USERS}
# The lead's phone, for rules that read who owns the lead.
LEAD = "+1 (555) 765-4321"
# Commands are echoed cut to this many code points.
SHOWN = 80
COMMANDS = "route, away, back, release, status, check"
DONE = {"away": "is away", "back": "is back", "release": "closed a conversation"}


def run(router: Router, command: str) -> list[str]:
    """
    Carry out one *command* on *router*, and say what came of it.
    """
    match command.split():
        case ["route", rule]:
            return route(router, rule, None)
        case ["route", rule, "owner", owner]:
            return route(router, rule, owner)
        case ["away" | "back" | "release" as verb, user]:
            return presence(router, verb, user)
        case ["status"]:
            return status(router)
        case ["check"]:
            return router.check(RULES.values()) or ["no problems"]
        case _:
            shown = fit_text(command.strip(), SHOWN)
            return [f"error: not a command: {shown!r}; the commands are {COMMANDS}"]


def route(router: Router, name: str, owner: str | None) -> list[str]:
    """
    Route one conversation by the rule called *name*, for a lead *owner* owns.
    """
    rule = RULES.get(name)
    if rule is None:
        return [f"error: no rule {name!r}; the rules are {', '.join(RULES)}"]
    try:
        lead = Lead(phone=LEAD, owner=owner)
    except ValueError as error:  # an owner's id that is not text (a lone surrogate)
        return [f"error: {error}"]
    decision = router.route(rule, lead=lead)
    if decision.assignee is None:
        said = "unrouted: nobody could take it"
    else:
        said = f"assigned to {NAMES[decision.assignee]} ({decision.assignee})"
    return [said, *(f"  {line}" for line in decision.explain(names=NAMES).splitlines())]


def presence(router: Router, verb: str, user: str) -> list[str]:
    """
    Mark *user* away or back, or close one of their conversations (*verb*).
    """
    act = {"away": router.away, "back": router.back, "release": router.release}[verb]
    try:
        act(user)
    except ValueError as error:  # a user the router does not know, or who holds none
        return [f"error: {error}"]
    return [f"{NAMES[user]} ({user}) {DONE[verb]}"]


def status(router: Router) -> list[str]:
    """
    Who holds how many conversations, and whose turn came last in each round robin.
    """
    held = ", ".join(f"{NAMES[user]} {count}" for user, count in router.open_conversations.items())
    turns = ", ".join(
        f"{pool} {NAMES[user]}"
        for pool, record in router.turns.items()
        for user in record.assigned[-1:]
    )
    return [f"open conversations: {held or 'none'}", f"last turns: {turns or 'none'}"]


def main(argv: Sequence[str] | None = None) -> int:
    """
    Carry out each command given, on one router.

    Args:
        argv: The commands; ``None`` reads the command line's arguments,
            and no commands at all reads standard input, one a line.

    Returns:
        The exit status: 0.
    """
    tolerate_any_text()
    commands = sys.argv[1:] if argv is None else list(argv)
    lines: Iterable[str] = commands or (line.rstrip("\r\n") for line in sys.stdin)
    router = Router(USERS, GROUPS)
    for command in lines:
        if command.strip() and not command.lstrip().startswith("#"):
            write(f"> {fit_text(command.strip(), SHOWN)}", *run(router, command))
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
