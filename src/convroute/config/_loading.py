"""
Reading and writing configuration files.

TOML and JSON always; YAML with the ``yaml`` extra.
"""

from __future__ import annotations

import json
import os
import pathlib
import tomllib
import types

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

from convroute.config._check import check_config
from convroute.config._config import Config
from convroute.config._converter import structure, unstructure
from convroute.errors import ConfigError, MissingExtraError


Format: TypeAlias = Literal["toml", "json", "yaml"]
"""
A configuration file format.
"""

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
    Read and check an account's setup.

    Args:
        source: A path (a `pathlib.Path`, or a one-line string ending in
            ``.toml``, ``.json``, ``.yaml`` or ``.yml``), the text of a file,
            or the already-parsed mapping.
        format: The format of text or of a file with another suffix; by
            default the suffix decides, and text starting with ``{`` is JSON,
            other text TOML.

    Returns:
        The checked setup.

    Raises:
        ConfigError: With every problem found, one line each with its path.
        OSError: When the file cannot be read.
        MissingExtraError: For YAML without the ``yaml`` extra.
    """
    raw = source if isinstance(source, Mapping) else _read(source, format)
    config: Config = structure(raw, Config)
    check_config(config)
    return config


def dump_config(config: Config, format: Format = "toml") -> str:  # noqa: A002 - the API's word
    """
    Write *config* as text that `load_config` reads back to an equal value.

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


def _read(source: str | os.PathLike[str], format: Format | None) -> Any:  # noqa: A002
    if isinstance(source, os.PathLike) or _looks_like_path(source):
        path = pathlib.Path(source)
        if format is None:
            format = _SUFFIXES.get(path.suffix.lower())  # noqa: A001
            if format is None:
                raise ConfigError(
                    [f"cannot tell the format of {path.name!r}: use .toml, .json or .yaml @ $"]
                )
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ConfigError(
                [f"not UTF-8 text: {error.reason} at byte {error.start} @ $"]
            ) from None
    else:
        text = source
        if format is None:
            format = "json" if text.lstrip().startswith("{") else "toml"  # noqa: A001
    raw = _parse(text, format)
    if not isinstance(raw, Mapping):
        raise ConfigError(["expected a table of settings at the top @ $"])
    return raw


def _looks_like_path(text: str) -> bool:
    # No configuration text is a single line ending in a file suffix.
    return "\n" not in text and pathlib.PurePath(text.strip()).suffix.lower() in _SUFFIXES


def _parse(text: str, format: Format) -> Any:  # noqa: A002
    if format == "yaml":
        yaml = _import_yaml("reading YAML")
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError([f"invalid YAML: {' '.join(str(error).split())} @ $"]) from None
    try:
        return tomllib.loads(text) if format == "toml" else json.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"invalid TOML: {error} @ $"]) from None
    except json.JSONDecodeError as error:
        raise ConfigError([f"invalid JSON: {error} @ $"]) from None


def _import_yaml(feature: str) -> types.ModuleType:
    try:
        import yaml  # noqa: PLC0415 - an optional extra
    except ImportError:
        raise MissingExtraError(feature, "yaml") from None
    return yaml
