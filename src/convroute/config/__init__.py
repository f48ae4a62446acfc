"""
The configuration file: one account's whole setup, in TOML, JSON or YAML.

`load_config` reads and checks a file (or a parsed mapping), `loads_config`
the text of one, reporting every problem with its path; `dump_config` writes
it back.
"""

from convroute.config._check import check_config, find_problems
from convroute.config._config import DEFAULT_TIMEOUT, Config
from convroute.config._converter import format_duration, parse_duration
from convroute.config._loading import (
    MAX_FILE_BYTES,
    Format,
    dump_config,
    load_config,
    loads_config,
)


__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_FILE_BYTES",
    "Config",
    "Format",
    "check_config",
    "dump_config",
    "find_problems",
    "format_duration",
    "load_config",
    "loads_config",
    "parse_duration",
]
