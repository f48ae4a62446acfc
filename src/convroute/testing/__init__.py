"""
Reference adapters for tests and scripts: a store in memory, a transport that records.

`MemoryStore` implements `convroute.ports.Store` in plain dicts, with real
units of work: one at a time, committed when the ``with`` block ends, undone
when it raises.  `RecordingTransport` implements `convroute.ports.Transport`
by keeping every item it delivers in `RecordingTransport.sent`, and fails
when told to.  `Scenario` drives a config over both the way leads and
agents do: it says, taps options by their titles, goes away, waits, and
reads back the menus, the assignee, the actions and why routing decided
as it did.  `load_cases` reads a test file of cases in those words, and
`run_case` runs one on a fresh `Scenario`.

    >>> from convroute.routing import TurnRecord
    >>> store = MemoryStore()
    >>> with store.unit_of_work() as uow:
    ...     uow.turns.save(TurnRecord(pool="admin", assigned=("u-asha",)))
    >>> store.committed
    1

For a store that outlives the process, see `convroute.adapters.SQLiteStore`.
"""

from convroute.errors import ScenarioError
from convroute.testing._actions import ScenarioAction
from convroute.testing._adapters import DeliveryFailed, MemoryStore, RecordingTransport
from convroute.testing._cases import CASE_FILE_SUFFIXES, Case, CaseFile, is_test_file, load_cases
from convroute.testing._run import CaseResult, run_case
from convroute.testing._scenario import DEFAULT_START, Scenario
from convroute.testing._sent_menu import SentMenu


__all__ = [
    "CASE_FILE_SUFFIXES",
    "DEFAULT_START",
    "Case",
    "CaseFile",
    "CaseResult",
    "DeliveryFailed",
    "MemoryStore",
    "RecordingTransport",
    "Scenario",
    "ScenarioAction",
    "ScenarioError",
    "SentMenu",
    "is_test_file",
    "load_cases",
    "run_case",
]
