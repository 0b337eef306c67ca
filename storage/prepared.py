"""SQLAlchemy selects compiled once for a bare DB-API connection (psycopg's async one on
PostgreSQL, :mod:`sqlite3`'s on SQLite) with SQLAlchemy's own parameter and column processing,
so the rows come out as ``connection.execute(stmt).mappings()`` would give them, without the
per-call work of an SQLAlchemy connection (execution context, result metadata, pool events)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

DIALECT = PGDialect_psycopg()
"""PostgreSQL through psycopg 3, as :mod:`storage.engine`'s engines speak it."""
SQLITE_DIALECT = SQLiteDialect_pysqlite(paramstyle="named")
"""SQLite through :mod:`sqlite3`, with ``:name`` parameters (values passed as a mapping)."""


@dataclass(frozen=True, slots=True)
class PreparedSelect:
    """One select: its SQL (named parameters), the values fixed in it (filters), how each
    parameter and column is converted, and the column names of its rows."""

    sql: str
    fixed: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    keys: tuple[str, ...]
    converted: tuple[tuple[str, Callable[[Any], Any]], ...]
    """The columns whose database values need converting, with their converter."""

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        """Every parameter's database value, ``values`` overriding the fixed ones."""
        merged = {**self.fixed, **values}
        for name, convert in self.binds.items():
            merged[name] = convert(merged[name])
        return merged

    def row(self, raw: tuple[Any, ...]) -> dict[str, Any]:
        """One row as a mapping of column names to Python values (a dict made in one go, then
        only the columns that need it converted: most are plain numbers and strings)."""
        record = dict(zip(self.keys, raw, strict=True))
        for key, convert in self.converted:
            value = record[key]
            if value is not None:
                record[key] = convert(value)
        return record

    async def rows(self, connection: AsyncConnection, values: dict[str, Any]) -> list[dict]:
        """The rows for ``values``, through a server-side prepared statement."""
        cursor = await connection.execute(self.sql, self.params(values), prepare=True)
        return [self.row(raw) for raw in await cursor.fetchall()]

    def sqlite_rows(self, connection: sqlite3.Connection, values: dict[str, Any]) -> list[dict]:
        """The rows for ``values`` on a :mod:`sqlite3` connection (which caches the statement)."""
        return [self.row(raw) for raw in connection.execute(self.sql, self.params(values))]


def bind_processors(compiled: SQLCompiler, dialect: Dialect) -> dict[str, Callable[[Any], Any]]:
    """Each bound parameter's converter to its database value (by its name in the SQL), from
    the public type API: SQLAlchemy applies them only inside its own ``execute``."""
    processors: dict[str, Callable[[Any], Any]] = {}
    for bind, name in compiled.bind_names.items():
        if bind in compiled.literal_execute_params:  # rendered into the SQL, never bound
            continue
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    return processors


def prepare(stmt: Select[Any], dialect: Dialect = DIALECT) -> PreparedSelect:
    """``stmt`` compiled for ``dialect`` (:data:`DIALECT` or :data:`SQLITE_DIALECT`), once."""
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    fixed = compiled.params  # the values present; the others are given per call
    keys = tuple(stmt.selected_columns.keys())
    types = [column.type.dialect_impl(dialect) for column in stmt.selected_columns]
    converters = [each.result_processor(dialect, None) for each in types]
    return PreparedSelect(
        sql=compiled.string,
        fixed=dict(fixed),
        binds=bind_processors(compiled, dialect),
        keys=keys,
        converted=tuple((k, c) for k, c in zip(keys, converters, strict=True) if c is not None),
    )
