"""
Test files: cases of steps and expectations, read as strictly as a configuration.

A test file is TOML, JSON or YAML, read by the configuration's own reader:
a key given twice, an unknown key, a step or an expectation of an unknown
word or with arguments of the wrong kind is a problem, and every problem is
reported at once, each with its path (``$.case[2].given[0].taps``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import pathlib
import unicodedata

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from convroute._arguments import iterable_argument, wrong_type
from convroute._blank import is_blank
from convroute._describe import described
from convroute._frozen import unicode_text_field
from convroute.config import Config
from convroute.config._converter import structure
from convroute.config._invalid import describe_keys
from convroute.config._loading import key_path, read_table, repeated_keys
from convroute.errors import ConfigError, ConvrouteError, PhoneNumberError
from convroute.testing._expectations import EXPECTATIONS, Expectation, NoneExpected
from convroute.testing._scenario import DEFAULT_START, read_phone
from convroute.testing._steps import STEPS, Step


CASE_FILE_SUFFIXES = (".convroute.toml", ".convroute.json", ".convroute.yaml", ".convroute.yml")
"""
How the name of a test file ends, for the pytest plugin to collect it.
"""

_FILE_KEYS = frozenset({"config", "case"})
# The fields of steps and expectations that name a lead by its phone.
_LEAD_PHONE_FIELDS = frozenset({"lead", "phone"})
_CASE_KEYS = frozenset({"name", "start", "given", "expect"})
# Top-level keys of a configuration, which a test file never has.
_CONFIG_KEYS = frozenset(field.name for field in attrs.fields(Config))
# How many of them the problem names: enough to recognise a configuration.
_KEYS_SHOWN = 5
# What pytest reads in a test's id: the parts' separator, the parameters' brackets.
_PYTEST_ID_MARKS = ("::", "[", "]")
# Control characters and lone surrogates: a case's name cannot be printed with them.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cs"})
# How `datetime.fromisoformat` begins its message for text that is no ISO
# date and time at all, rather than one with a part out of range.
_NOT_ISO = "Invalid isoformat string"


_Part = TypeVar("_Part")
_STEP_CLASSES: tuple[type, ...] = tuple(STEPS.values())
_EXPECTATION_CLASSES: tuple[type, ...] = (*EXPECTATIONS.values(), NoneExpected)


def _steps(values: Iterable[Step]) -> tuple[Step, ...]:
    return _parts(values, "Case.given", "steps", _STEP_CLASSES, "a step")


def _expectations(values: Iterable[Expectation]) -> tuple[Expectation, ...]:
    return _parts(values, "Case.expect", "expectations", _EXPECTATION_CLASSES, "an expectation")


def _parts(
    values: Iterable[_Part], field: str, items: str, kinds: tuple[type, ...], one: str
) -> tuple[_Part, ...]:
    # A case made by hand is checked as a file's is: a dict is no step.
    parts = tuple(iterable_argument(values, field, items))
    for at, part in enumerate(parts):
        if not isinstance(part, kinds):
            raise wrong_type(f"{field}[{at}]", part, f"{one} (see load_cases)")
    return parts


def _cases(values: Iterable[Case]) -> tuple[Case, ...]:
    return tuple(values)


@attrs.frozen
class Case:
    """
    One case of a test file: steps taken from a start, then what should have happened.

    Attributes:
        name: The case's name, unique in its file.
        start: When its scenario starts (aware).
        given: The steps, in order.
        expect: The expectations, each of which must hold.
    """

    name: str = attrs.field(validator=unicode_text_field)
    start: dt.datetime = DEFAULT_START
    given: tuple[Step, ...] = attrs.field(default=(), converter=_steps)
    expect: tuple[Expectation, ...] = attrs.field(default=(), converter=_expectations)


@attrs.frozen
class CaseFile:
    """
    A test file, read and checked.

    Attributes:
        path: Where it was read from.
        config: The configuration its top-level ``config`` names, relative
            to the test file's folder, or ``None`` when it names none.
        cases: Its cases, in order.
    """

    path: pathlib.Path
    config: pathlib.Path | None
    cases: tuple[Case, ...] = attrs.field(converter=_cases)


def load_cases(path: str | os.PathLike[str], *, config: Config | None = None) -> CaseFile:
    """
    Read and check a test file (TOML, JSON or YAML, by its suffix).

    Args:
        path: The file.
        config: The configuration its cases will run on: each lead's phone
            is then read as the scenario reads it, in the configuration's
            country (``default_country_code``), and one that is no phone is
            a problem of the file.  Without it, phones are read when a case
            runs, and one that is no phone fails that case.

    Returns:
        Its cases, and the configuration it names.

    Raises:
        ConfigError: With every problem found, one line each with its path.
        OSError: When the file cannot be opened.
        MissingExtraError: For YAML without the ``yaml`` extra.
    """
    file = _path_argument(path)
    if config is not None and not isinstance(config, Config):
        raise wrong_type("config", config, "a Config (see load_config) or None")
    raw = read_table(file, holding="test file")
    problems = repeated_keys(raw)
    named, cases = _file(raw, problems, config)
    if problems:
        raise ConfigError(problems)
    return CaseFile(file, None if named is None else file.parent / named, cases)


def is_test_file(path: str | os.PathLike[str]) -> bool:
    """
    Whether *path* reads as a well-formed test file.

    A configuration given in a test file's place, or the reverse, is then
    named for what it is rather than by its unknown keys.
    """
    _path_argument(path)
    try:
        load_cases(path)
    except (ConvrouteError, OSError, ValueError):
        return False
    return True


def _path_argument(path: str | os.PathLike[str]) -> pathlib.Path:
    # pathlib's own error for None or bytes names no argument.
    if not isinstance(path, str | os.PathLike) or isinstance(os.fspath(path), bytes):
        raise wrong_type("path", path, "a str or a path")
    return pathlib.Path(path)


def _file(
    raw: Mapping[Any, Any], problems: list[str], config: Config | None
) -> tuple[str | None, list[Case]]:
    if "case" not in raw and not _CONFIG_KEYS.isdisjoint(raw):
        # A configuration given for a test file: say so, not a dozen unknown keys.
        found = sorted(_CONFIG_KEYS.intersection(raw))
        keys = ", ".join(found[:_KEYS_SHOWN]) + (", …" if len(found) > _KEYS_SHOWN else "")
        problems.append(
            f"this is a configuration, not a test file: it has {keys} and no [[case]] @ $"
        )
        return None, []
    _unknown_keys(raw, _FILE_KEYS, "$", problems)
    named = raw.get("config")
    if named is not None and not _is_text(named):
        problems.append(f"expected the configuration's path, not {described(named)} @ $.config")
        named = None
    if "case" not in raw:
        problems.append("a test file needs at least one [[case]] @ $.case")
        return named, []
    tables = _list(raw["case"], "$.case", problems)
    if raw["case"] == []:
        problems.append("a test file needs at least one [[case]] @ $.case")
    cases = [
        _case(table, f"$.case[{index}]", problems, config) for index, table in enumerate(tables)
    ]
    seen: set[str] = set()
    for index, table in enumerate(tables):
        # A case with other problems still takes its name: a repeat of it is found at once.
        name = table.get("name") if isinstance(table, Mapping) else None
        if isinstance(name, str) and name in seen:
            problems.append(f"a case named {name!r} is already above @ $.case[{index}].name")
        elif isinstance(name, str):
            seen.add(name)
    return named, [case for case in cases if case is not None]


def _case(raw: object, path: str, problems: list[str], config: Config | None) -> Case | None:
    if not isinstance(raw, Mapping):
        problems.append(f"expected a table, not {described(raw)} @ {path}")
        return None
    count = len(problems)
    _unknown_keys(raw, _CASE_KEYS, path, problems)
    name = raw.get("name")
    if name is None:
        problems.append(f"required key missing @ {path}.name")
    elif not isinstance(name, str) or is_blank(name):
        # A name that shows nothing cannot be told apart, nor picked out in pytest.
        problems.append(f"expected the case's name, not {described(name)} @ {path}.name")
    elif (unprintable := _unprintable(name)) is not None:
        # A name is printed as one line of a report, and written to JUnit XML.
        problems.append(
            "a case's name is one line of text, without control characters, not "
            f"{name!r} (U+{ord(unprintable):04X}) @ {path}.name"
        )
    elif any(mark in name for mark in _PYTEST_ID_MARKS):
        # pytest splits a test's id at '::' and reads '[…]' as parameters:
        # such a name could not be picked out, or would pick out others.
        problems.append(
            "a case's name is a pytest test's name too, and cannot hold '::', '[' or ']', "
            f"not {name!r} @ {path}.name"
        )
    start = _start(raw.get("start", DEFAULT_START), f"{path}.start", problems)
    given = [
        _step(step, f"{path}.given[{index}]", problems, config)
        for index, step in enumerate(_list(raw.get("given", []), f"{path}.given", problems))
    ]
    expect = [
        _expectation(expected, f"{path}.expect[{index}]", problems, config)
        for index, expected in enumerate(_list(raw.get("expect"), f"{path}.expect", problems))
    ]
    if raw.get("expect") == []:
        problems.append(f"a case needs at least one expectation @ {path}.expect")
    steps = [step for step in given if step is not None]
    expectations = [expected for expected in expect if expected is not None]
    if len(problems) > count:
        return None
    return Case(str(name), start, steps, expectations)


def _start(value: object, path: str, problems: list[str]) -> dt.datetime:
    start = value
    if isinstance(value, str):
        try:
            start = dt.datetime.fromisoformat(value)
        except ValueError as error:
            start = None
            # Written as one, but no day of the calendar: say which part is wrong.
            if not str(error).startswith(_NOT_ISO):
                problems.append(
                    f"{described(value)} is no date and time: {_out_of_range(error)} @ {path}"
                )
                return DEFAULT_START
    if isinstance(start, dt.datetime) and start.utcoffset() is not None:
        return start
    # A date and time written without its offset is shown as written.
    if isinstance(value, dt.datetime):
        shown = f"{value.isoformat()}, which has none"
    elif isinstance(start, dt.datetime):
        shown = f"{described(value)}, which has none"
    else:
        shown = described(value)
    problems.append(
        "expected a date and time with its offset, such as 2026-01-05T09:00:00+00:00, "
        f"not {shown} @ {path}"
    )
    return DEFAULT_START


def _out_of_range(error: ValueError) -> str:
    # Python words a too-large offset with its own reprs of timedeltas.
    reason = str(error)
    return "its offset must be less than 24 hours" if reason.startswith("offset") else reason


def _step(raw: object, path: str, problems: list[str], config: Config | None) -> Step | None:
    word, value = _single_key(raw, path, "a step", "{says = [lead, text]}", problems)
    if word is None:
        return None
    step = STEPS.get(word)
    if step is None:
        problems.append(_unknown_word("step", word, STEPS, key_path(path, word)))
        return None
    found: Step | None = _structured(step, value, key_path(path, word), problems, config)
    return found


def _expectation(
    raw: object, path: str, problems: list[str], config: Config | None
) -> Expectation | None:
    example = "{assigned = {lead = …, user = …}}"
    word, value = _single_key(raw, path, "an expectation", example, problems)
    if word is None:
        return None
    where = key_path(path, word)
    if word == NoneExpected.word:
        if isinstance(value, str) and value in EXPECTATIONS:
            return NoneExpected(value)
        if isinstance(value, str):
            problems.append(_unknown_word("expectation", value, EXPECTATIONS, where))
        else:
            problems.append(f"expected the kind no action is of, not {described(value)} @ {where}")
        return None
    kind = EXPECTATIONS.get(word)
    if kind is None:
        problems.append(_unknown_word("expectation", word, [*EXPECTATIONS, "none"], where))
        return None
    if not isinstance(value, Mapping):
        problems.append(f"expected a table such as {example}, not {described(value)} @ {where}")
        return None
    found: Expectation | None = _structured(kind, value, where, problems, config)
    return None if found is not None and _blank_texts(found, where, problems) else found


def _blank_texts(expected: Expectation, path: str, problems: list[str]) -> bool:
    # A blank text to look for (a user, a stage, a source…) can never be
    # met, or, for `contains`, is met by any text: either way a slip.
    blank = {
        field.name: text
        for field in attrs.fields(type(expected))
        if isinstance(text := getattr(expected, field.name), str) and is_blank(text)
    }
    problems.extend(
        f"expected some text to look for, not {described(text)} @ {path}.{name}"
        for name, text in blank.items()
    )
    return bool(blank)


def _structured(
    cls: type[Any], value: object, path: str, problems: list[str], config: Config | None
) -> Any:
    names = [field.name for field in attrs.fields(cls)]
    positions: dict[str, str] = {}
    if isinstance(value, Mapping):
        arguments = dict(value)
    else:
        given = value if isinstance(value, list) else [value]
        needed = [field.name for field in attrs.fields(cls) if field.default is attrs.NOTHING]
        if not len(needed) <= len(given) <= len(names):
            problems.append(f"{_signature(cls.word, names, needed)}: {_count(given)} @ {path}")
            return None
        arguments = dict(zip(names, given, strict=False))
        # An argument given by position is reported at its index: taps[1], not taps.title.
        positions = {
            name: f"[{index}]" if isinstance(value, list) else ""
            for index, name in enumerate(names)
        }
    try:
        found = structure(arguments, cls, path)
    except ConfigError as error:
        problems.extend(_positional(line, path, positions) for line in error.errors)
        return None
    if config is None:
        return found
    wrong = [
        _positional(f"{reason} @ {path}.{name}", path, positions)
        for name in _LEAD_PHONE_FIELDS.intersection(attrs.fields_dict(cls))
        if (reason := _no_phone(getattr(found, name), config)) is not None
    ]
    problems.extend(wrong)
    return None if wrong else found


def _no_phone(text: str, config: Config) -> str | None:
    # Why *text* is no lead's phone, read as the scenario will read it.
    try:
        read_phone(text, config)
    except PhoneNumberError as error:
        return str(error)
    return None


def _positional(line: str, path: str, positions: Mapping[str, str]) -> str:
    message, _, where = line.rpartition(" @ ")
    for name, position in positions.items():
        named = f"{path}.{name}"
        if where == named or where.startswith((f"{named}.", f"{named}[")):
            return f"{message} @ {path}{position}{where[len(named) :]}"
    return line


def _signature(word: str, names: Sequence[str], needed: Sequence[str]) -> str:
    optional = names[len(needed) :]
    then = f" (then optionally {', '.join(optional)})" if optional else ""
    return f"{word} takes {', '.join(needed)}{then}"


def _count(given: Sequence[object]) -> str:
    return "1 value given" if len(given) == 1 else f"{len(given)} values given"


def _single_key(
    raw: object, path: str, what: str, example: str, problems: list[str]
) -> tuple[str | None, object]:
    if isinstance(raw, Mapping) and len(raw) == 1:
        [(word, value)] = raw.items()
        if isinstance(word, str):
            return word, value
    problems.append(
        f"{what} is a table of one key, its word, such as {example}, not "
        f"{_not_one_word(raw, what)} @ {path}"
    )
    return None, None


def _not_one_word(raw: object, what: str) -> str:
    # What was written instead of a table of one word, in the file's terms.
    if not isinstance(raw, Mapping):
        return described(raw)
    if not raw:
        return "an empty table"
    if len(raw) == 1:
        return f"a table keyed by {described(next(iter(raw)))}"
    kind = what.split(" ", 1)[1]
    return (
        f"a table of {len(raw)} keys ({describe_keys(raw)}): write each {kind} in a table "
        "of its own"
    )


def _unknown_word(what: str, word: str, known: Iterable[str], path: str) -> str:
    words = sorted(known)
    close = difflib.get_close_matches(word, words, n=1)
    hint = f", did you mean {close[0]!r}?" if close else ""
    return f"unknown {what} {word!r}{hint} (known: {', '.join(words)}) @ {path}"


def _unknown_keys(
    raw: Mapping[Any, Any], known: frozenset[str], path: str, problems: list[str]
) -> None:
    unknown = [key for key in raw if key not in known]
    if unknown:
        problems.append(f"unknown key(s): {describe_keys(unknown)} @ {path}")


def _list(value: object, path: str, problems: list[str]) -> Sequence[object]:
    if value is None:
        problems.append(f"required key missing @ {path}")
        return []
    if not isinstance(value, list):
        problems.append(f"expected a list, not {described(value)} @ {path}")
        return []
    return value


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _unprintable(text: str) -> str | None:
    return next(
        (char for char in text if unicodedata.category(char) in _UNPRINTABLE_CATEGORIES), None
    )
