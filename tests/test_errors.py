"""
Every error convroute raises on purpose lives in convroute.errors.
"""

import inspect
import re

import convroute.errors
import convroute.simulate

from convroute.errors import ConvrouteError, EventLineError


def _errors():
    return {
        name
        for name, value in vars(convroute.errors).items()
        if inspect.isclass(value) and issubclass(value, ConvrouteError)
    }


class TestErrorTree:
    def test_tree_draws_every_error(self):
        """The module's docstring names each error it defines in its tree."""
        tree = convroute.errors.__doc__.split("::", 1)[1]
        drawn = set(re.findall(r"^[\s│├└─]*(\w+Error)", tree, flags=re.MULTILINE))
        assert _errors() == drawn

    def test_event_line_error_is_a_value_error(self):
        """A simulate line that is not an event is caught as a ValueError and a convroute error."""
        assert (True, True) == (
            issubclass(EventLineError, ValueError),
            issubclass(EventLineError, ConvrouteError),
        )

    def test_event_line_error_stays_importable_from_simulate(self):
        """EventLineError is still importable from convroute.simulate, where it was first."""
        assert EventLineError is convroute.simulate.EventLineError
