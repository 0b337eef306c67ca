"""SQLAlchemy selects compiled once for psycopg, to run on a bare (async) psycopg connection
with SQLAlchemy's own parameter and column processing, so the rows come out as
``connection.execute(stmt).mappings()`` would give them, without the per-call work of an
SQLAlchemy connection (execution context, result metadata, pool events)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

DIALECT = PGDialect_psycopg()
"""PostgreSQL through psycopg 3, as :mod:`storage.engine`'s engines speak it."""


@dataclass(frozen=True, slots=True)
class PreparedSelect:
    """One select: its SQL (``%(name)s`` parameters), the values fixed in it (filters), how
    each parameter and column is converted, and the column names of its rows."""

    sql: str
    fixed: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    keys: tuple[str, ...]
    columns: tuple[Callable[[Any], Any] | None, ...]

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        """Every parameter's database value, ``values`` overriding the fixed ones."""
        merged = {**self.fixed, **values}
        for name, convert in self.binds.items():
            merged[name] = convert(merged[name])
        return merged

    def row(self, raw: tuple[Any, ...]) -> dict[str, Any]:
        """One row as a mapping of column names to Python values."""
        return {
            key: value if convert is None or value is None else convert(value)
            for key, convert, value in zip(self.keys, self.columns, raw, strict=True)
        }

    async def rows(self, connection: AsyncConnection, values: dict[str, Any]) -> list[dict]:
        """The rows for ``values``, through a server-side prepared statement."""
        cursor = await connection.execute(self.sql, self.params(values), prepare=True)
        return [self.row(raw) for raw in await cursor.fetchall()]


def prepare(stmt: Select[Any]) -> PreparedSelect:
    """``stmt`` compiled for psycopg, once."""
    compiled = stmt.compile(dialect=DIALECT)
    fixed = compiled.construct_params(_check=False)
    columns = [column.type.dialect_impl(DIALECT) for column in stmt.selected_columns]
    return PreparedSelect(
        sql=compiled.string,
        fixed={key: value for key, value in fixed.items()},
        binds=dict(compiled._bind_processors),  # the public API runs them only inside execute
        keys=tuple(stmt.selected_columns.keys()),
        columns=tuple(each.result_processor(DIALECT, None) for each in columns),
    )
