"""
``convroute test``: run the cases of test files against a configuration.
"""

from __future__ import annotations

import argparse
import pathlib
import xml.etree.ElementTree as ET

from collections.abc import Sequence

import regex

from convroute._file_problems import file_problems
from convroute.cli._common import (
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
    Commands,
    read_config,
)
from convroute.config import Config
from convroute.engine import Engine
from convroute.errors import ConvrouteError
from convroute.testing import CaseFile, CaseResult, is_test_file, load_cases, run_case


__all__ = ["add_test_command"]

# What XML 1.0 cannot hold: control characters other than tab and newlines,
# and lone surrogates.  A case's name or a lead's text may carry them.
_NOT_XML = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_ORDER = "give the configuration first (convroute test CONFIG FILE...)"


def add_test_command(commands: Commands) -> None:
    """
    Add the ``test`` command to the command line's subparsers.
    """
    command = commands.add_parser(
        "test",
        help="run test files' cases against a configuration",
        description="Run every case of the test files (TOML, JSON or YAML) on a fresh "
        "in-memory store and print one line per case: 'ok NAME', or 'FAIL NAME: expected ... "
        "got ...' with the explain lines of the lead concerned. The CONFIG given here is used "
        "whatever configuration a test file names. Exit status 0 when every case passes, 1 "
        "when any fails, 2 for an unusable configuration, test file or --junit path.",
    )
    command.add_argument("config", type=_path, metavar="CONFIG", help="the configuration")
    command.add_argument("files", type=_path, nargs="+", metavar="FILE", help="the test files")
    command.add_argument(
        "--junit",
        type=_path,
        metavar="PATH",
        help="also write the results as JUnit XML to PATH, for CI",
    )
    command.set_defaults(run=_test)


def _path(text: str) -> pathlib.Path:
    # pathlib reads "" as ".", the current folder: a path left empty by mistake.
    if not text:
        msg = "an empty path"
        raise argparse.ArgumentTypeError(msg)
    return pathlib.Path(text)


def _test(arguments: argparse.Namespace) -> int:
    if arguments.junit is not None:
        _refuse_report_over_input(arguments.junit, arguments.config, arguments.files)
    try:
        config = read_config(arguments.config)
    except CommandError:
        if is_test_file(arguments.config):
            raise CommandError(
                EXIT_INVALID, f"{arguments.config} is a test file, not a configuration: {_ORDER}"
            ) from None
        raise
    engine = Engine.from_config(config)
    files = _read_files(arguments.files, config)
    results = [(file, [run_case(engine, case) for case in file.cases]) for file in files]
    for _, ran in results:
        for result in ran:
            for line in _report_lines(result):
                print(line)  # noqa: T201 - the command's output
    every = [result for _, ran in results for result in ran]
    failed = sum(not result.passed for result in every)
    print(f"{len(every) - failed} passed, {failed} failed")  # noqa: T201 - the command's output
    if arguments.junit is not None:
        _write_junit(arguments.junit, results)
    return EXIT_FAILURE if failed else EXIT_OK


def _refuse_report_over_input(
    report: pathlib.Path, config: pathlib.Path, files: Sequence[pathlib.Path]
) -> None:
    """
    Refuse a JUnit path that names a file the command reads: writing would destroy it.
    """
    read = [("config", config), *(("test file", file) for file in files)]
    for which, path in read:
        if _same_file(report, path):
            raise CommandError(
                EXIT_INVALID,
                f"--junit {report} is the {which} {path} itself: the report would overwrite it; "
                "give another path",
            )


def _same_file(one: pathlib.Path, other: pathlib.Path) -> bool:
    # Another spelling of the path, a link, a hard link: the same file all the same.
    try:
        return one.samefile(other)
    except (OSError, ValueError):  # one of them missing or unreadable: read or written later
        return False


def _report_lines(result: CaseResult) -> list[str]:
    """
    How ``convroute test`` prints a case's result: ``ok NAME``, or ``FAIL NAME: …`` and more.
    """
    if result.passed:
        return [f"ok {result.name}"]
    first, *rest = result.lines
    return [f"FAIL {result.name}: {first}", *[f"  {line}" for line in rest]]


def _read_files(paths: Sequence[pathlib.Path], config: Config) -> list[CaseFile]:
    files: list[CaseFile] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            # A folder of cases is given by its files: the shell's pattern picks them.
            problems.append(
                f"cannot read {path}: it is a folder; give the test files in it, such as "
                f"{path / '*.convroute.toml'}"
            )
            continue
        try:
            files.append(load_cases(path, config=config))
        except (ConvrouteError, OSError) as error:
            problems.extend(file_problems(path, error))
    if problems:
        raise CommandError(EXIT_INVALID, *problems)
    return files


def _write_junit(path: pathlib.Path, results: Sequence[tuple[CaseFile, list[CaseResult]]]) -> None:
    suites = ET.Element("testsuites")
    for file, ran in results:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=_xml_text(str(file.path)),
            tests=str(len(ran)),
            failures=str(sum(not result.passed for result in ran)),
            errors="0",
        )
        for result in ran:
            case = ET.SubElement(
                suite, "testcase", name=_xml_text(result.name), classname=_xml_text(str(file.path))
            )
            if not result.passed:
                failure = ET.SubElement(case, "failure", message=_xml_text(result.lines[0]))
                failure.text = _xml_text("\n".join(result.lines))
    tree = ET.ElementTree(suites)
    ET.indent(tree)
    try:
        tree.write(path, encoding="utf-8", xml_declaration=True)
    except OSError as error:
        raise CommandError(
            EXIT_INVALID, f"cannot write the JUnit report {path}: {error.strerror or error}"
        ) from None


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
