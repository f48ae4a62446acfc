"""
The pytest plugin: test files collected next to the tests, one item per case.

Installed with convroute: the ``convroute`` entry point of the ``pytest11``
group, `_convroute_pytest`, which pytest loads by itself, hands this module
the files whose names may be test files', so that convroute is imported
only where there are some.  It collects ``*.convroute.toml``
(``.json``, ``.yaml``, ``.yml``) files; each names its configuration with a
top-level ``config = "account.toml"``, relative to the test file.  A failing
case is reported with the lines ``convroute test`` prints, a malformed file
as a collection error listing every problem with its path.

This module alone imports pytest: convroute itself never needs it.
"""

from __future__ import annotations

import pathlib

from collections.abc import Iterator
from typing import Any

import pytest

from convroute._file_problems import file_problems
from convroute.config import Config, load_config
from convroute.engine import Engine
from convroute.errors import ConfigError, ConvrouteError
from convroute.testing import (
    CASE_FILE_SUFFIXES,
    Case,
    CaseFile,
    CaseResult,
    is_test_file,
    load_cases,
    run_case,
)


__all__ = ["CaseFailedError", "CaseItem", "ConvrouteFile", "pytest_collect_file"]


def pytest_collect_file(file_path: pathlib.Path, parent: pytest.Collector) -> ConvrouteFile | None:
    """
    Collect *file_path* when its name ends as a test file's does.
    """
    if file_path.name.lower().endswith(CASE_FILE_SUFFIXES):
        file: ConvrouteFile = ConvrouteFile.from_parent(parent, path=file_path)
        return file
    return None


class CaseFailedError(Exception):
    """
    A case whose expectations did not all hold, with its result.
    """

    def __init__(self, result: CaseResult) -> None:
        self.result = result
        super().__init__("\n".join(result.lines))


class ConvrouteFile(pytest.File):
    """
    A test file: its configuration is read once, and each case is an item.
    """

    def collect(self) -> Iterator[CaseItem]:
        """
        The file's cases, as items; a file or configuration that cannot be used fails here.
        """
        config = self._config(self._cases(None))
        # Read again, now that its configuration is known: each lead's phone
        # is read in its country, and one that is no phone is a problem.
        cases = self._cases(config)
        engine = Engine.from_config(config)
        for case in cases.cases:
            yield CaseItem.from_parent(self, name=case.name, case=case, engine=engine)

    def _cases(self, config: Config | None) -> CaseFile:
        try:
            return load_cases(self.path, config=config)
        except ConfigError as error:
            raise self.CollectError(_problems(self.path, error)) from None
        except (ConvrouteError, OSError) as error:
            raise self.CollectError(f"{self.path}: {error}") from None

    def _config(self, cases: CaseFile) -> Config:
        if cases.config is None:
            raise self.CollectError(
                f'{self.path}: names no configuration: add config = "account.toml" at the '
                "top (a path relative to the test file) @ $.config"
            )
        try:
            return load_config(cases.config)
        except ConfigError as error:
            if is_test_file(cases.config):
                raise self.CollectError(
                    f"{self.path}: config names a test file, not a configuration @ $.config"
                ) from None
            raise self.CollectError(_problems(cases.config, error)) from None
        except (ConvrouteError, OSError) as error:
            raise self.CollectError(f"{self.path}: cannot use {cases.config}: {error}") from None


class CaseItem(pytest.Item):
    """
    One case of a test file, run on a fresh scenario.
    """

    def __init__(self, *, case: Case, engine: Engine, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.engine = engine

    def runtest(self) -> None:
        """
        Run the case; a failed one raises with its lines.
        """
        result = run_case(self.engine, self.case)
        if not result.passed:
            raise CaseFailedError(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        """
        A failed case as ``convroute test`` tells it; anything else as pytest does.
        """
        if isinstance(excinfo.value, CaseFailedError):
            return "\n".join(excinfo.value.result.lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[pathlib.Path, int, str]:
        """
        Where the case is, for pytest's report.
        """
        return self.path, 0, f"case: {self.name}"


def _problems(path: pathlib.Path, error: ConfigError) -> str:
    return "\n".join(file_problems(path, error))
