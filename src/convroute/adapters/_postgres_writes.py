"""
A PostgreSQL unit's queued writes, sent as few statements as they can be.

A unit queues its writes until its next read or its commit.  Most of them
are inserts of one row that keep or replace a row of the same key (``INSERT
… VALUES … ON CONFLICT``): a lead, a conversation, an outbox item, a sent
message's id.  A run of those in the queue is sent as one statement: each
table's rows as one JSON array of objects, one parameter, made into rows by
the server (``json_to_recordset``, in the rows' order, which keeps the
order their ``seq`` numbers are drawn in), the tables' inserts joined by
``WITH`` (a data-modifying common table expression each).  One JSON text
a table costs the worker one C call and psycopg one parameter, where an
array a column costs psycopg's Python work for each array.

That is only the same as running them one by one when no two of them touch
the same row: the parts of one statement do not see each other's changes,
and PostgreSQL refuses to change one row twice in one statement.  So a run
ends where a row's key comes again, and every other write (a delete, an
update, an advisory lock) is sent as it was queued, in its place, between
runs.  Across tables the order of the parts does not matter then, and each
combination of tables is written in one order: one statement text for it,
which psycopg prepares once a connection, as it does the others.
"""

# ruff: noqa: S608 - the names formatted in are the store's tables and columns; values are bound.
from __future__ import annotations

import json

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import psycopg
import regex

from convroute.adapters._postgres_schema import quoted
from convroute.adapters._sql_statements import Statements


# An insert of one row, kept or replaced by its key, as _sql_statements writes it.
_UPSERT = regex.compile(
    r"INSERT INTO (?P<table>\S+) \((?P<columns>[^()]*)\) VALUES \((?P<marks>[^()]*)\) "
    r"(?P<conflict>ON CONFLICT \((?P<key>[^()]*)\) .*)",
    regex.DOTALL,
)

Queued = tuple[bool, str, Any]
"""
A queued statement: (once per row of a list of rows?, its text, its values).
"""


@attrs.frozen
class Upsert:
    """
    An insert of one row that keeps or replaces the row of its key, taken apart.

    Attributes:
        statement: Its text, as the repositories queue it.
        table: The table, as the statement names it (with its schema).
        columns: The columns it gives, in the order of its values.
        key: The places, in *columns*, of the columns of its conflict key.
        conflict: Its ``ON CONFLICT`` clause.
        types: The type of each column (``text``, ``bigint`` …).
    """

    statement: str
    table: str
    columns: tuple[str, ...]
    key: tuple[int, ...]
    conflict: str
    types: tuple[str, ...]
    _names: tuple[str, ...] = attrs.field(init=False)
    _binary: tuple[int, ...] = attrs.field(init=False)

    @_names.default
    def _unquoted(self) -> tuple[str, ...]:
        return tuple(column.strip('"') for column in self.columns)

    @_binary.default
    def _bytea(self) -> tuple[int, ...]:
        return tuple(place for place, kind in enumerate(self.types) if kind == "bytea")

    def of_rows(self) -> str:
        """
        The same insert of any number of rows, given as one JSON array of objects.
        """
        columns = ", ".join(self.columns)
        typed = ", ".join(
            f"{column} {kind}" for column, kind in zip(self.columns, self.types, strict=True)
        )
        return (
            f"INSERT INTO {self.table} ({columns}) SELECT {columns} "
            f"FROM ROWS FROM (json_to_recordset(%s::json) AS ({typed})) "
            f"WITH ORDINALITY AS given ({columns}, place) ORDER BY place {self.conflict}"
        )

    def rows_json(self, rows: Iterable[Sequence[Any]]) -> str:
        """
        *rows*, the values of `of_rows`: each row an object by column name.

        Bytes are given in bytea's hex form, which the server reads back.
        """
        names, binary = self._names, self._binary
        objects = []
        for row in rows:
            values = list(row)
            for place in binary:
                value = values[place]
                if isinstance(value, bytes):
                    values[place] = "\\x" + value.hex()
            objects.append(dict(zip(names, values, strict=True)))
        return json.dumps(objects, ensure_ascii=False, separators=(",", ":"))


def column_types(connection: psycopg.Connection[Any], schema: str) -> dict[tuple[str, str], str]:
    """
    The type of each column of the store's tables, read from PostgreSQL's catalog.

    Args:
        connection: A connection not inside a transaction; left so.
        schema: The store's schema.

    Returns:
        Each (table, column)'s type (``text``, ``bigint`` …), the table
        named with its schema as the statements name it.
    """
    name = quoted(schema)
    with connection.transaction():
        rows = connection.execute(
            "SELECT class.relname, attribute.attname, "
            "format_type(attribute.atttypid, attribute.atttypmod) "
            "FROM pg_catalog.pg_attribute AS attribute "
            "JOIN pg_catalog.pg_class AS class ON class.oid = attribute.attrelid "
            "JOIN pg_catalog.pg_namespace AS namespace ON namespace.oid = class.relnamespace "
            "WHERE namespace.nspname = %s AND class.relkind = 'r' "
            "AND attribute.attnum > 0 AND NOT attribute.attisdropped",
            (schema,),
        ).fetchall()
    return {(f"{name}.{table}", column): kind for table, column, kind in rows}


def upserts(sql: Statements, types: Mapping[tuple[str, str], str]) -> list[Upsert]:
    """
    The store's statements that insert one row kept or replaced by its key, taken apart.

    In the order of the statements' fields, each once.
    """
    found: dict[str, Upsert] = {}
    for statement in attrs.astuple(sql):
        if isinstance(statement, str) and statement not in found:
            taken = upsert(statement, types)
            if taken is not None:
                found[statement] = taken
    return list(found.values())


def upsert(statement: str, types: Mapping[tuple[str, str], str]) -> Upsert | None:
    """
    *statement* taken apart, when it is an insert of one row kept or replaced by its key.

    Args:
        statement: A statement of the store.
        types: Each (table, column)'s type, as PostgreSQL names it; the
            table as the statement names it, the column unquoted.

    Returns:
        ``None`` for any other statement, or one whose columns' types
        are not all known.
    """
    found = _UPSERT.fullmatch(statement)
    if found is None:
        return None
    table = found["table"]
    columns = tuple(found["columns"].split(", "))
    key = tuple(found["key"].split(", "))
    if len(found["marks"].split(", ")) != len(columns) or not set(key) <= set(columns):
        return None
    wanted = [types.get((table, column.strip('"'))) for column in columns]
    known = [one for one in wanted if one is not None]
    if len(known) != len(columns):
        return None
    return Upsert(
        statement=statement,
        table=table,
        columns=columns,
        key=tuple(columns.index(one) for one in key),
        conflict=found["conflict"],
        types=tuple(known),
    )


class Batcher:
    """
    Joins runs of a unit's queued upserts into one statement each.

    Made once a store; shared by its units (and their threads).

    Args:
        upserts: The store's upserts that may be joined, in the order
            their parts are written in a joined statement.
    """

    def __init__(self, upserts: Iterable[Upsert]) -> None:
        self._upserts = {one.statement: one for one in upserts}
        self._place = {statement: place for place, statement in enumerate(self._upserts)}
        # Each combination of tables' statement text, made when first met:
        # two threads that meet it at once make the same text.
        self._joined: dict[tuple[str, ...], str] = {}

    def batched(self, queued: Sequence[Queued]) -> list[Queued]:
        """
        *queued*, with each run of upserts of distinct rows joined into one statement.

        A run of one row is left as it was queued.
        """
        return list(self._batches(queued))

    def _batches(self, queued: Sequence[Queued]) -> Iterator[Queued]:
        run: dict[str, list[Sequence[Any]]] = {}
        keys: set[tuple[str, tuple[Any, ...]]] = set()
        for many, statement, values in queued:
            found = self._upserts.get(statement)
            if found is None:
                yield from self._joined_run(run)
                run, keys = {}, set()
                yield many, statement, values
                continue
            for row in values if many else (values,):
                key = (statement, tuple(row[place] for place in found.key))
                if key in keys:
                    # The same row again: written after the run, not in it.
                    yield from self._joined_run(run)
                    run, keys = {}, set()
                keys.add(key)
                run.setdefault(statement, []).append(row)
        yield from self._joined_run(run)

    def _joined_run(self, run: Mapping[str, list[Sequence[Any]]]) -> Iterator[Queued]:
        if not run:
            return
        if len(run) == 1:
            ((statement, rows),) = run.items()
            if len(rows) == 1:
                yield False, statement, rows[0]
                return
        tables = tuple(sorted(run, key=self._place.__getitem__))
        values = [self._upserts[statement].rows_json(run[statement]) for statement in tables]
        yield False, self._statement(tables), values

    def _statement(self, tables: tuple[str, ...]) -> str:
        text = self._joined.get(tables)
        if text is None:
            parts = [self._upserts[statement].of_rows() for statement in tables]
            # Every part but the last a common table expression, run to
            # its end whatever the statement reads of it.
            named = ", ".join(f"w{place} AS ({part})" for place, part in enumerate(parts[:-1]))
            text = f"WITH {named} {parts[-1]}" if named else parts[-1]
            self._joined[tables] = text
        return text
