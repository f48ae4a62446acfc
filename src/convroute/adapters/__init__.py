"""
Reference adapters for convroute's ports (`convroute.ports`).

`SQLiteStore` keeps the state in one SQLite file: the embedded default,
standard library only.  The in-memory store and a recording transport,
for tests and scripts, are in `convroute.testing`.
"""

from convroute.adapters.sqlite import SQLiteStore


__all__ = ["SQLiteStore"]
