"""
The ``pytest11`` entry point of convroute: cheap to load, for every pytest run.

pytest loads every installed plugin at start, in every project of the
environment: importing convroute itself there would cost each run of a
project's own tests the import of the whole library.  This package imports
pytest alone, and hands a file to `convroute.testing.pytest_plugin` only
when its name may be a test file's (``*.convroute.toml`` and the like), so
that convroute is imported only where its test files are.
"""

from __future__ import annotations

import importlib

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    import pathlib

    import pytest


__all__ = ["pytest_collect_file"]


# Every test file's suffix (`convroute.testing.CASE_FILE_SUFFIXES`, the one rule
# of which files are test files) holds this: a name without it is none.
_MARK = ".convroute."


def pytest_collect_file(file_path: pathlib.Path, parent: pytest.Collector) -> pytest.File | None:
    """
    Collect *file_path* when it is a test file, through convroute's plugin.
    """
    if _MARK not in file_path.name.lower():
        return None
    plugin = importlib.import_module("convroute.testing.pytest_plugin")
    collected: pytest.File | None = plugin.pytest_collect_file(file_path, parent)
    return collected
