"""
``convroute demo``: the seed's worked example, end to end, on SQLite.

The story runs as simulate events through the real service on a SQLite
store in a temporary directory (or on PostgreSQL, in a schema of its own
dropped afterwards); the transcript is drawn from the events and the
actions they yield.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import pathlib
import secrets
import sys
import tempfile

from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from convroute._accounts import DEFAULT_ACCOUNT
from convroute._decisions import decision_of
from convroute.adapters import SQLiteStore
from convroute.cli._common import EXIT_INVALID, EXIT_OK, CommandError, Commands
from convroute.cli._store import add_account_option, postgres_spec, shown_store
from convroute.config import Config, loads_config
from convroute.funnel import Transition, funnel_progress, funnel_report, render_funnel
from convroute.menus import OptionKind, option_id
from convroute.ports import Store
from convroute.simulate import simulate


NUMBER = "918040001234"
RAVI = "919800000001"
ARJUN = "919800000002"
MEENA = "919800000003"
KIRAN = "919800000004"
DAY = "2026-11-02T{}:00+05:30"
AI = option_id(OptionKind.PRODUCT, "AI")


def add_demo_command(commands: Commands) -> None:
    """
    Add the ``demo`` command to the command line's subparsers.
    """
    demo = commands.add_parser(
        "demo",
        help="run the worked example end to end and print its transcript",
        description="Run the seed's worked example through the service on a SQLite store in a "
        "temporary directory: an Instagram lead enters the funnel and gets the first menu, a new "
        "enquiry is routed round robin, a returning student reaches his sister's counsellor "
        "through the second menu, an owner who is away is skipped, the business's "
        "scheduling message moves the lead on, and a lead nobody can take waits with an away "
        "message until a counsellor is back. Prints who wrote what, each menu as the lead "
        "sees it, each assignment with its reason, and the funnel report.",
    )
    demo.add_argument("--json", action="store_true", help="print the actions as JSON lines")
    demo.add_argument(
        "--store",
        metavar="URL",
        help="run on PostgreSQL instead, in a schema of its own dropped afterwards: "
        "postgresql://USER@HOST/DB, with no ?schema= (refused: the demo never runs in, nor "
        "drops, a schema you name)",
    )
    add_account_option(demo)
    demo.set_defaults(run=_demo)


def _demo(arguments: argparse.Namespace) -> int:
    run_demo(
        sys.stdout, as_json=arguments.json, postgres=arguments.store, account=arguments.account
    )
    return EXIT_OK


def seed_config() -> Config:
    """
    The seed's account setup, as shipped with convroute.
    """
    text = (
        importlib.resources.files("convroute.cli").joinpath("_data/account.toml").read_text("utf-8")
    )
    return loads_config(text)


def story() -> list[dict[str, Any]]:
    """
    The demo's events, in the simulate contract's form.
    """
    return [
        _incoming("wamid.ravi.1", "09:00", RAVI, text="Hi, I came from Instagram!",
                  name="Ravi Kumar", referral=_AD),
        _incoming("wamid.ravi.2", "09:01", RAVI, reply_id=AI),
        {"type": "lead", "id": "crm.arjun", "phone": ARJUN, "name": "Arjun Mehta",
         "opportunities": [
             _course("opp-arjun-2027", "Arjun's PG AI 2027", "u-meera", "2026-10-20"),
             _course("opp-priya-2026", "Priya's PG AI 2026", "u-ben", "2026-10-05"),
             _course("opp-arjun-2025", "Arjun's PG AI 2025", "u-meera", "2025-06-01"),
         ]},
        _incoming("wamid.arjun.1", "09:10", ARJUN, text="Hello again", name="Arjun Mehta"),
        _incoming("wamid.arjun.2", "09:11", ARJUN, text="ai"),
        _incoming("wamid.arjun.3", "09:12", ARJUN,
                  reply_id=option_id(OptionKind.OPPORTUNITY, "opp-priya-2026")),
        {"type": "presence", "id": "presence.asha", "user": "u-asha", "available": False,
         "at": DAY.format("09:20")},
        {"type": "lead", "id": "crm.meena", "phone": MEENA, "name": "Meena Pillai",
         "opportunities": [_course("opp-meena", "Meena's PG AI 2027", "u-asha", "2026-10-30")]},
        _incoming("wamid.meena.1", "09:21", MEENA, text="Hi", name="Meena Pillai"),
        _incoming("wamid.meena.2", "09:22", MEENA, text="1"),
        {"type": "outgoing", "id": "out.ravi.1", "at": DAY.format("09:30"), "from": NUMBER,
         "to": RAVI, "text": "Thank you for scheduling with us! Your time is: 3:00 PM"},
        {"type": "presence", "id": "presence.ben", "user": "u-ben", "available": False,
         "at": DAY.format("09:40")},
        {"type": "presence", "id": "presence.meera", "user": "u-meera", "available": False,
         "at": DAY.format("09:40")},
        _incoming("wamid.kiran.1", "09:41", KIRAN, text="Hello", name="Kiran Das"),
        _incoming("wamid.kiran.2", "09:42", KIRAN, reply_id=AI),
        _incoming("wamid.kiran.3", "09:45", KIRAN, text="Is anyone there?"),
        {"type": "presence", "id": "presence.ben.back", "user": "u-ben", "available": True,
         "at": DAY.format("09:50")},
        _incoming("wamid.kiran.4", "09:51", KIRAN, text="Hello?"),
    ]  # fmt: skip


# The Instagram ad Ravi tapped: his phrase names the source, the ad rides along.
_AD = {
    "source_id": "120210000000000001",
    "source_type": "ad",
    "headline": "Learn AI this winter",
    "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ",
}


def _incoming(ident: str, time: str, lead: str, **fields: Any) -> dict[str, Any]:
    event = {"type": "incoming", "id": ident, "at": DAY.format(time), "from": lead, "to": NUMBER}
    return {**event, **fields}


def _course(ident: str, name: str, owner: str, day: str) -> dict[str, Any]:
    return {
        "id": ident,
        "type": "Postgraduate Course",
        "name": name,
        "fields": {"Course": "AI"},
        "owner": owner,
        "stage": "Enquiry",
        "updated_at": f"{day}T09:00:00+05:30",
    }


def run_demo(
    out: TextIO,
    *,
    as_json: bool = False,
    postgres: str | None = None,
    account: str = DEFAULT_ACCOUNT,
) -> None:
    """
    Run the demo, writing the transcript (or the actions as JSON lines).

    Args:
        out: Where to write.
        as_json: Write the actions, one JSON object a line, instead.
        postgres: A PostgreSQL URL to run on, in a new schema dropped
            afterwards, instead of SQLite in a temporary directory.
        account: The account of the store the story runs in.

    Raises:
        CommandError: When *postgres* is not a PostgreSQL URL.
        ConvrouteError: When the store fails.
    """
    config = seed_config()
    events = story()
    lines = [json.dumps(event) for event in events]
    if postgres is None:
        where = "on a SQLite store in a temporary directory"
        with (
            tempfile.TemporaryDirectory(prefix="convroute-demo-") as folder,
            SQLiteStore(pathlib.Path(folder) / "demo.db") as store,
        ):
            actions, records = _run(config, store, lines, account)
    else:
        where = "on PostgreSQL, in a schema of its own dropped afterwards"
        actions, records = _run_on_postgres(config, postgres, lines, account)
    if account != DEFAULT_ACCOUNT:
        where = f"{where}, as the account {account!r}"
    if as_json:
        out.writelines(json.dumps(action, ensure_ascii=False) + "\n" for action in actions)
        return
    out.write(
        "convroute demo: the seed's worked example (Example University, one WhatsApp number),\n"
        f"run through the service {where}.\n"
    )
    transcript = Transcript(config)
    out.writelines(line + "\n" for line in transcript.lines(events, actions))
    out.write("\n")
    out.writelines(
        render_funnel(funnel_report(funnel_progress(funnel, records))) for funnel in config.funnels
    )


def _run(
    config: Config, store: Store, lines: list[str], account: str
) -> tuple[list[dict[str, Any]], list[Transition]]:
    actions = list(simulate(config, store, lines, account=account))
    with store.unit_of_work(account) as uow:
        records = list(uow.funnel_records.scan())
    return actions, records


def _run_on_postgres(
    config: Config, spec: str, lines: list[str], account: str
) -> tuple[list[dict[str, Any]], list[Transition]]:
    found = postgres_spec(spec)
    if found is None:
        raise CommandError(EXIT_INVALID, f"not a PostgreSQL URL: {shown_store(spec)!r}")
    if found[1] is not None:
        # The story needs an empty store, and its schema is dropped after:
        # run in a schema a user named, it would write into their store,
        # or drop it.
        raise CommandError(
            EXIT_INVALID,
            f"demo --store takes no ?schema= (it names {found[1]!r}): the demo runs in a "
            "schema of its own, dropped afterwards, and never touches another; give the URL "
            "without it",
        )
    from convroute.adapters.postgres import PostgresStore  # noqa: PLC0415 - an extra

    # A schema no one else uses: the demo's story needs an empty store.
    store = PostgresStore(found[0], schema=f"convroute_demo_{secrets.token_hex(6)}")
    try:
        return _run(config, store, lines, account)
    finally:
        store.drop()
        store.close()


class Transcript:
    """
    Tells the demo's events and actions as a person would read them.
    """

    def __init__(self, config: Config) -> None:
        self.users = {user.id: user.name for user in config.users}
        self.rules = {rule.name: rule for rule in config.routing_rules}
        self.leads: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        self.opportunities: dict[str, str] = {}

    def lines(self, events: list[dict[str, Any]], actions: list[dict[str, Any]]) -> Iterator[str]:
        """
        The transcript, a line at a time.
        """
        by_event: dict[str, list[dict[str, Any]]] = {}
        for action in actions:
            by_event.setdefault(action.get("event", ""), []).append(action)
        for event in events:
            yield from self._event(event)
            for action in by_event.get(event["id"], []):
                yield from self._action(action)

    def _name(self, user: str | None) -> str:
        return "nobody" if user is None else self.users.get(user, user)

    def _lead(self, phone: str) -> str:
        return self.leads.get(phone, phone)

    def _event(self, event: Mapping[str, Any]) -> Iterator[str]:
        kind = event["type"]
        time = str(event.get("at", ""))[11:16]
        if kind == "incoming":
            self.leads.setdefault(event["from"], event.get("name", event["from"]))
            who = self._lead(event["from"])
            if "reply_id" in event:
                title = self.titles.get(event["reply_id"], event["reply_id"])
                yield f"\n[{time}] {who} taps “{title}”"
            else:
                yield f"\n[{time}] {who}: “{event['text']}”"
        elif kind == "outgoing":
            yield f"\n[{time}] Example University → {self._lead(event['to'])}: “{event['text']}”"
        elif kind == "presence":
            state = "is back" if event["available"] else "is away"
            yield f"\n[{time}] {self._name(event['user'])} {state}"
        elif kind == "lead":
            self.leads[event["phone"]] = event["name"]
            yield f"\n[CRM] {event['name']} ({event['phone']}) has these enquiries:"
            for opportunity in event["opportunities"]:
                self.opportunities[opportunity["id"]] = opportunity["name"]
                yield f"      {opportunity['name']}, owner {self._name(opportunity['owner'])}"

    def _action(self, action: Mapping[str, Any]) -> Iterator[str]:
        kind = action["type"]
        if kind == "send":
            yield from self._send(action["message"])
        elif kind == "enter_funnel":
            stage, source = action["stage"], action["source"]
            ad = action.get("ad")
            came = "" if ad is None else f" (ad “{ad['headline'] or ad['source_id']}”)"
            yield f"  ▸ funnel {action['funnel']}: enters “{stage}” from {source}{came}"
        elif kind == "meta_event":
            (event,) = action["payload"]["data"]
            click = event["user_data"].get("ctwa_clid", "none")
            yield f"  ▸ Meta Conversions API: {event['event_name']} (ad click {click})"
        elif kind == "create_opportunity":
            opportunity = action["opportunity"]
            self.opportunities[opportunity["id"]] = opportunity["name"]
            fields = ", ".join(f"{k}={v}" for k, v in opportunity["fields"].items())
            yield f"  ▸ new opportunity “{opportunity['name']}” ({opportunity['type']}, {fields})"
        elif kind == "assign":
            about = self.opportunities.get(action["opportunity"], "no opportunity")
            who = self._name(action["user"])
            yield f"  ▸ assigned to {who} by rule “{action['rule']}” ({about})"
            yield from self._why(action)
        elif kind == "unrouted":
            yield f"  ▸ unrouted by rule “{action['rule']}”"
            yield from self._why(action)
        elif kind == "transition":
            cause = action["cause"].replace("_", "-")
            yield f"  ▸ funnel {action['funnel']}: {action['from']} → {action['to']} ({cause})"
        elif kind == "move_opportunity":
            name = self.opportunities.get(action["opportunity"], action["opportunity"])
            yield f"  ▸ board: “{name}” {action['from']} → {action['to']}"
        elif kind == "error":
            yield f"  ▸ error on line {action['line']}: {action['error']}"

    def _why(self, action: Mapping[str, Any]) -> Iterator[str]:
        # The decision's own explanation, a line a target tried: the lines
        # `Decision.explain` gives and ``convroute test`` prints.
        explained = decision_of(action, self.rules).explain(self.users).splitlines()
        for index, line in enumerate(explained):
            yield f"    {'why:' if index == 0 else '    '} {line}"

    def _send(self, message: Mapping[str, Any]) -> Iterator[str]:
        if message["type"] != "text":
            yield from self._menu(message["interactive"])
            return
        first, *rest = message["text"]["body"].splitlines() or [""]
        yield f"  ✉ {first}"
        for line in rest:
            yield f"    {line}"

    def _menu(self, interactive: Mapping[str, Any]) -> Iterator[str]:
        action = interactive["action"]
        header = interactive.get("header", {}).get("text")
        if header:
            yield f"  ┌ {header}"
        for line in interactive["body"]["text"].splitlines():
            yield f"  │ {line}"
        if "footer" in interactive:
            yield f"  │ {interactive['footer']['text']}"
        if interactive["type"] == "button":
            buttons = [button["reply"] for button in action["buttons"]]
            for button in buttons:
                self.titles[button["id"]] = button["title"]
            yield "  └ " + "  ".join(f"[ {button['title']} ]" for button in buttons)
            return
        yield f"  │ ≡ {action['button']}"
        rows = [row for section in action["sections"] for row in section["rows"]]
        for index, row in enumerate(rows):
            self.titles[row["id"]] = row["title"]
            corner = "└" if index == len(rows) - 1 else "│"
            description = f" — {row['description']}" if row.get("description") else ""
            yield f"  {corner}   • {row['title']}{description}"
