"""
Reading and writing configuration files.

TOML and JSON always; YAML with the ``yaml`` extra.  Whatever the input,
reading gives a `Config` or a `ConfigError` (or, for a file that cannot be
opened, the `OSError` it is): a file too deep, too large, with integers too
long or with a key given twice is a problem like any other.
"""

from __future__ import annotations

import collections
import errno
import functools
import json
import os
import pathlib
import sys
import tomllib
import types

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

from convroute.config._check import find_problems_around
from convroute.config._config import Config
from convroute.config._converter import unstructure
from convroute.config._structuring import structure_config
from convroute.errors import ConfigError, MissingExtraError


Format: TypeAlias = Literal["toml", "json", "yaml"]
"""
A configuration file format.
"""

MAX_FILE_BYTES = 16 * 1024 * 1024
"""
The largest configuration file read, 16 MiB; a larger one is refused unread.
"""

FileKind: TypeAlias = Literal["configuration", "test file"]
"""
What a file read holds: an account's configuration, or a test file's cases.
"""

_FORMATS: tuple[Format, ...] = ("toml", "json", "yaml")
# How a problem names each kind of file, and what the table at its top holds.
_ARTICLED: dict[FileKind, str] = {"configuration": "a configuration", "test file": "a test file"}
_TOP: dict[FileKind, str] = {"configuration": "settings", "test file": "cases"}

_SUFFIXES: dict[str, Format] = {
    ".toml": "toml",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    format: Format | None = None,  # noqa: A002 - the API's word
) -> Config:
    """
    Read and check an account's setup from a file, or from a parsed mapping.

    A string is always a path: `loads_config` reads text.

    Args:
        source: The path of the file (a `str` or a `pathlib.Path`), or the
            already-parsed mapping.
        format: The format of the file; by default its suffix decides
            (``.toml``, ``.json``, ``.yaml`` or ``.yml``), and a file with
            another suffix is JSON when it starts with ``{``, TOML otherwise.

    Returns:
        The checked setup.

    Raises:
        ConfigError: With every problem found, one line each with its path;
            also for a file over `MAX_FILE_BYTES` (not read) or not UTF-8.
        OSError: When the file cannot be opened, e.g. `FileNotFoundError`
            for a missing one.
        MissingExtraError: For YAML without the ``yaml`` extra.
        ValueError: For an unknown format.
    """
    if isinstance(source, Mapping):
        return _build(source)
    return _build(read_table(pathlib.Path(source), format))


def loads_config(text: str, format: Format | None = None) -> Config:  # noqa: A002 - the API's word
    """
    Read and check an account's setup from the text of a file.

    Args:
        text: The text of a TOML, JSON or YAML file.
        format: Its format; by default text starting with ``{`` is JSON,
            other text TOML.

    Returns:
        The checked setup.

    Raises:
        ConfigError: With every problem found, one line each with its path.
        MissingExtraError: For YAML without the ``yaml`` extra.
        TypeError: When *text* is not a `str`.
        ValueError: For an unknown format.
    """
    if not isinstance(text, str):
        raise TypeError(
            f"loads_config reads text, not {type(text).__name__}: "
            "give load_config a path or a mapping"
        )
    return _build(_parse(text, format or _guess_format(text)))


def dump_config(config: Config, format: Format = "toml") -> str:  # noqa: A002 - the API's word
    """
    Write *config* as text that `loads_config` reads back to an equal value.

    Keys left at their defaults are left out.

    Args:
        config: The setup to write.
        format: ``toml`` (needs the ``toml`` extra), ``json`` or ``yaml``
            (needs the ``yaml`` extra).

    Returns:
        The text of the file.

    Raises:
        MissingExtraError: When the format's extra is not installed.
        ValueError: For an unknown format.
    """
    data = unstructure(config)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "toml":
        try:
            import tomli_w  # noqa: PLC0415 - an optional extra
        except ImportError:
            raise MissingExtraError("writing TOML", "toml") from None
        return tomli_w.dumps(data)
    if format == "yaml":
        yaml = _import_yaml("writing YAML")
        dumped: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        return dumped
    raise ValueError(f"unknown format {format!r}: use 'toml', 'json' or 'yaml'")


def read_table(
    path: pathlib.Path,
    format: Format | None = None,  # noqa: A002 - the API's word
    *,
    holding: FileKind = "configuration",
) -> Mapping[Any, Any]:
    """
    Read a TOML, JSON or YAML file into the table at its top, unchecked.

    The format is *format*, or the one `load_config` takes from the file's
    suffix or text.  Keys given twice are left for `repeated_keys` to find.
    *holding* says what the file is, for the problems to name it: a
    configuration, or a test file of cases.

    Raises:
        ConfigError: For a file too large, not UTF-8 or not of its format.
        OSError: When the file cannot be opened.
        MissingExtraError: For YAML without the ``yaml`` extra.
        ValueError: For an unknown format.
    """
    text = _read(path, holding)
    if format is None:
        format = _SUFFIXES.get(path.suffix.lower()) or _guess_format(text)  # noqa: A001
    return _parse(text, format, holding)


def _build(raw: Mapping[Any, Any]) -> Config:
    config, gaps, problems = structure_config(raw)
    problems = [*repeated_keys(raw), *problems, *find_problems_around(config, gaps)]
    if problems:
        raise ConfigError(problems)
    return config


def _read(path: pathlib.Path, holding: FileKind) -> str:
    try:
        file = path.open("rb")
    except ValueError:  # a NUL in the path: no file has such a name
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path)) from None
    with file:
        size = os.fstat(file.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise _too_large(str(size), holding)
        # A pipe or a device tells no size: read one byte past the limit.
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(f"more than {MAX_FILE_BYTES}", holding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError([f"not UTF-8 text: {error.reason} at byte {error.start} @ $"]) from None


def _too_large(size: str, holding: FileKind) -> ConfigError:
    limit = f"{_ARTICLED[holding]} holds at most 16 MiB ({MAX_FILE_BYTES})"
    return ConfigError([f"the file holds {size} bytes; {limit} @ $"])


def _guess_format(text: str) -> Format:
    return "json" if text.lstrip("\ufeff \t\r\n").startswith("{") else "toml"


def _parse(
    text: str,
    format: Format,  # noqa: A002 - the API's word
    holding: FileKind = "configuration",
) -> Mapping[Any, Any]:
    if format not in _FORMATS:
        raise ValueError(f"unknown format {format!r}: use 'toml', 'json' or 'yaml'")
    name = format.upper()
    try:
        raw = _parse_any(text, format)
    except ConfigError:
        raise
    except RecursionError:
        raise ConfigError([f"invalid {name}: nested too deeply @ $"]) from None
    except ValueError as error:  # an integer longer than Python reads, a date out of range
        raise ConfigError([f"invalid {name}: {_explain(error)} @ $"]) from None
    if not isinstance(raw, Mapping):
        raise ConfigError([f"expected a table of {_TOP[holding]} at the top @ $"])
    return raw


def _parse_any(text: str, format: Format) -> Any:  # noqa: A002
    if format == "yaml":
        yaml = _import_yaml("reading YAML")
        try:
            return yaml.load(text, Loader=_yaml_loader())
        except yaml.YAMLError as error:
            raise ConfigError([f"invalid YAML: {' '.join(str(error).split())} @ $"]) from None
    if format == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError([f"invalid TOML: {error} @ $"]) from None
    try:
        return json.loads(text, object_pairs_hook=_json_table)
    except json.JSONDecodeError as error:
        raise ConfigError([f"invalid JSON: {error} @ $"]) from None


def _explain(error: ValueError) -> str:
    if "integer string conversion" in str(error):
        return f"an integer of more than {sys.get_int_max_str_digits()} digits"
    return str(error)


class _Table(dict[Any, Any]):
    """
    A parsed table whose file gave some of its keys more than once.
    """

    repeated: tuple[object, ...] = ()


def _json_table(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    table = _Table(pairs)
    if len(table) == len(pairs):
        return dict(table)
    counts = collections.Counter(key for key, _ in pairs)
    table.repeated = tuple(key for key, count in counts.items() if count > 1)
    return table


@functools.cache
def _yaml_loader() -> type[Any]:
    yaml = _import_yaml("reading YAML")

    class ConfigLoader(yaml.SafeLoader):  # type: ignore[name-defined,misc]
        """
        YAML's safe loader, remembering the keys a mapping gives twice.
        """

        def construct_yaml_map(self, node: Any) -> Any:
            table = _Table()
            yield table
            # Counted before the merge keys (<<) are flattened into the
            # mapping: a merged value may be overridden.
            keys = collections.Counter(
                self.construct_object(key)
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge"
            )
            table.update(self.construct_mapping(node))
            table.repeated = tuple(key for key, count in keys.items() if count > 1)

    ConfigLoader.add_constructor("tag:yaml.org,2002:map", ConfigLoader.construct_yaml_map)
    return ConfigLoader


def repeated_keys(raw: object) -> list[str]:
    """
    A problem line for each key a table of *raw* was given more than once.
    """
    # Walked with a stack, not recursion, and each table once (YAML aliases
    # may share one table many times).
    problems: list[str] = []
    stack: list[tuple[object, str]] = [(raw, "$")]
    seen: set[int] = set()
    while stack:
        value, path = stack.pop()
        if id(value) in seen:
            continue
        if isinstance(value, Mapping):
            children = [(item, key_path(path, key)) for key, item in value.items()]
            problems.extend(
                f"duplicate key {key!r} @ {key_path(path, key)}"
                for key in getattr(value, "repeated", ())
            )
        elif isinstance(value, list):
            children = [(item, f"{path}[{i}]") for i, item in enumerate(value)]
        else:
            continue
        seen.add(id(value))
        stack.extend(reversed(children))
    return problems


def key_path(path: str, key: object) -> str:
    """
    The path of the value at *key* of the table at *path*: ``$.case``, ``$.fields['Course type']``.
    """
    return f"{path}.{key}" if isinstance(key, str) and key.isidentifier() else f"{path}[{key!r}]"


def _import_yaml(feature: str) -> types.ModuleType:
    try:
        import yaml  # noqa: PLC0415 - an optional extra
    except ImportError:
        raise MissingExtraError(feature, "yaml") from None
    return yaml
