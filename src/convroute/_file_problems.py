"""
The lines that tell why a file cannot be used, each naming the file.

``convroute`` reads configurations and test files, and the pytest plugin
reads both too: each tells a file's problems the same way, one
``path: problem`` line per problem, through `file_problems`.
"""

from __future__ import annotations

import os

from convroute.errors import ConfigError, ConvrouteError


__all__ = ["file_problems"]


def file_problems(path: str | os.PathLike[str], error: ConvrouteError | OSError) -> tuple[str, ...]:
    """
    The lines that tell why the file at *path* cannot be used.

    Args:
        path: The file, as its reader was given it.
        error: What reading it raised.

    Returns:
        One ``path: problem`` line per problem of a `ConfigError`; one
        ``cannot read path: reason`` line for an `OSError`; one ``cannot use
        path: error`` line for any other `ConvrouteError`.
    """
    shown = os.fspath(path)
    if isinstance(error, ConfigError):
        return tuple(f"{shown}: {problem}" for problem in error.errors)
    if isinstance(error, OSError):
        return (f"cannot read {shown}: {error.strerror or error}",)
    return (f"cannot use {shown}: {error}",)
