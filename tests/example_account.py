"""
The example account (examples/account.toml), as the routing tests read it.
"""

import pathlib

import attrs

from convroute.config import Config, load_config


EXAMPLE_PATH = pathlib.Path(__file__).parents[1] / "examples" / "account.toml"


def without_lead_messages(config: Config) -> Config:
    """
    *config* with no away or assigned message on any number.

    The tests of menus, routing and the service count every action a
    message yields; the messages to the lead have tests of their own
    (tests/engine/test_lead_messages.py), so the others leave them out.
    """
    numbers = [
        attrs.evolve(number, away_message=None, assigned_message=None) for number in config.numbers
    ]
    return attrs.evolve(config, numbers=numbers)


def routing_example() -> Config:
    """
    The example account without its messages to the lead.
    """
    return without_lead_messages(load_config(EXAMPLE_PATH))
