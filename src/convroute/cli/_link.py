"""
``convroute link``: the click-to-chat link of every trigger phrase.
"""

from __future__ import annotations

import argparse
import json
import pathlib

from convroute.cli._common import EXIT_FAILURE, EXIT_OK, CommandError, Commands, read_config
from convroute.funnel import TriggerLink, trigger_links


__all__ = ["add_link_command"]


def add_link_command(commands: Commands) -> None:
    """
    Add the ``link`` command to the command line's subparsers.
    """
    link = commands.add_parser(
        "link",
        help="print the click-to-chat link of every trigger",
        description="Print the wa.me click-to-chat link of every trigger phrase, one a line: "
        "funnel / source (number): link. A lead who opens it finds the phrase typed, ready "
        "to send.",
    )
    link.add_argument("config", type=pathlib.Path, metavar="CONFIG", help="the configuration")
    link.add_argument("--json", action="store_true", help="print JSON lines instead")
    link.set_defaults(run=_link)


def _link(arguments: argparse.Namespace) -> int:
    config = read_config(arguments.config)
    links = trigger_links(config.funnels)
    if not links:
        raise CommandError(EXIT_FAILURE, f"{arguments.config}: no funnel has trigger phrases")
    for link in links:
        line = _json_line(link) if arguments.json else _text_line(link)
        print(line)  # noqa: T201 - the command's output
    return EXIT_OK


def _text_line(link: TriggerLink) -> str:
    trigger = link.trigger
    return f"{link.funnel} / {trigger.source} ({trigger.number}): {link.url}"


def _json_line(link: TriggerLink) -> str:
    trigger = link.trigger
    fields = {
        "funnel": link.funnel,
        "source": trigger.source,
        "number": trigger.number,
        "phrase": trigger.phrase,
        "url": link.url,
    }
    return json.dumps(fields, ensure_ascii=False)
