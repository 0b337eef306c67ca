"""Where PostgreSQL and SQLite differ, in one place: each function takes a session (or engine)
and does its job in the SQL of that database, so the modules that use them never branch on the
dialect.

Left elsewhere on purpose: the full-text search SQL (tsvector vs FTS5, ``storage/search.py``:
two query languages, each beside its twin), connection setup (``storage/engine.py``), the lock
kind (``storage/locks.py``) and column types (``storage/types.py``, ``storage/models.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import Column, ColumnElement, Connection, Engine, Insert, Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.batching import chunks
from storage.clock import WIB_OFFSET

POSTGRESQL, SQLITE = "postgresql", "sqlite"
"""The two databases the archive runs on (``storage.config.SUPPORTED_BACKENDS``)."""


def _name(bind: Session | Engine) -> str:
    name = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    if name not in (POSTGRESQL, SQLITE):
        raise NotImplementedError(f"unsupported database dialect {name!r}")
    return name


def reads_one_instant(engine: Engine, connection: Connection) -> bool:
    """Make every read of ``connection`` see the database as it stood at its first read, when
    the database needs telling: PostgreSQL's ``REPEATABLE READ`` (True). SQLite's reader keeps
    one snapshot for as long as its transaction lasts anyway (False: nothing to set)."""
    if _name(engine) != POSTGRESQL:
        return False
    connection.execution_options(isolation_level="REPEATABLE READ")
    return True


def upsert(session: Session, table: Table) -> Any:
    """The database's ``INSERT`` into ``table``, with ``on_conflict_do_update`` and
    ``excluded`` (both dialects offer them, with the same signature)."""
    return (postgresql.insert if _name(session) == POSTGRESQL else sqlite.insert)(table)


def execute_upsert(
    session: Session,
    stmt: Insert,
    rows: Sequence[Mapping[str, Any]],
    key: Column[Any],
    value: Column[Any],
) -> dict[Any, Any]:
    """Execute the upsert ``stmt`` for ``rows``; returns ``{key: value}`` of the rows it
    inserted or updated (a conflict whose ``WHERE`` is false writes nothing and is left out).

    SQLite: ``RETURNING`` with the rows as parameters (one multi-row statement per batch).
    PostgreSQL: the rows go without ``RETURNING``, through psycopg's pipelined ``executemany``
    (about 3x faster than the multi-row ``INSERT ... RETURNING``), and the rows written are then
    read back by their ``xmin``: only rows this transaction inserted or updated carry its id
    there (a conflict whose ``WHERE`` is false only locks the row)."""
    connection = session.connection()
    if _name(session) == SQLITE:
        return {row[0]: row[1] for row in connection.execute(stmt.returning(key, value), rows)}
    connection.execute(stmt, rows)
    table = key.table
    ours = text(f"{table.name}.xmin = pg_current_xact_id()::xid")
    found: dict[Any, Any] = {}
    for keys in chunks(sorted(row[key.name] for row in rows)):
        query = select(key, value).where(key.in_(keys), ours)
        found.update((row[0], row[1]) for row in connection.execute(query))
    return found


def link_names(
    session: Session, names: Table, links: Table, link_key: str, pairs: list[tuple[int, str]]
) -> None:
    """Create the missing ``names`` (tags or authors) and a ``links`` row per (article id, name).

    PostgreSQL: one statement over two arrays (``unnest``), one round trip where row-by-row
    statements spent most of a batch's time. ``DO UPDATE`` (a no-op rename) rather than
    ``DO NOTHING``: it returns the id of a name that exists, including one a concurrent
    transaction has just committed, which a join on the statement's own snapshot could miss.
    Names are locked in name order, so two writers never deadlock on them.
    SQLite (one writer at a time): insert the names, read their ids, insert the links."""
    if _name(session) == POSTGRESQL:
        session.execute(
            text(
                f"WITH wanted AS (SELECT * FROM unnest(CAST(:articles AS bigint[]), "
                f"CAST(:names AS text[])) AS w(article_id, name)), "
                f"named AS (INSERT INTO {names.name} (name) SELECT DISTINCT name FROM wanted "
                f"ORDER BY name ON CONFLICT (name) DO UPDATE SET name = excluded.name "
                f"RETURNING id, name) "
                f"INSERT INTO {links.name} (article_id, {link_key}) "
                f"SELECT w.article_id, n.id FROM wanted w JOIN named n ON n.name = w.name"
            ),
            {"articles": [a for a, _ in pairs], "names": [n for _, n in pairs]},
        )
        return
    distinct = sorted({name for _, name in pairs})
    session.execute(sqlite.insert(names).on_conflict_do_nothing(), [{"name": n} for n in distinct])
    ids: dict[str, int] = {}
    for part in chunks(distinct):
        rows = session.execute(select(names.c.name, names.c.id).where(names.c.name.in_(part)))
        ids.update((name, name_id) for name, name_id in rows)
    session.execute(links.insert(), [{"article_id": a, link_key: ids[n]} for a, n in pairs])


_CALENDAR_FORMATS = {"day": ("YYYY-MM-DD", "%Y-%m-%d"), "month": ("YYYY-MM", "%Y-%m")}


def site_date(
    bind: Session | Engine, column: ColumnElement[Any], unit: Literal["day", "month"]
) -> ColumnElement[str]:
    """``YYYY-MM-DD`` (or ``YYYY-MM``) of the UTC timestamp ``column`` on the site's calendar.

    On PostgreSQL not ``timezone('+07:00', ...)``: a bare offset is read POSIX-style there
    (west of UTC positive), which gives UTC-7."""
    postgres_format, sqlite_format = _CALENDAR_FORMATS[unit]
    if _name(bind) == POSTGRESQL:
        return func.to_char(func.timezone("UTC", column) + WIB_OFFSET, postgres_format)
    seconds = int(WIB_OFFSET.total_seconds())
    return func.strftime(sqlite_format, column, f"{seconds:+d} seconds")


def advance_id_sequences(engine: Engine, tables: Iterable[str]) -> None:
    """Move each table's ``id`` sequence past its highest id (after rows were copied in with
    their ids), so the next row gets a fresh one. SQLite needs nothing: a new rowid is always
    above the highest."""
    if _name(engine) == SQLITE:
        return
    with engine.begin() as conn:
        for name in tables:
            highest = conn.execute(text(f"SELECT max(id) FROM {name}")).scalar()
            if highest is not None:
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value)"),
                    {"table": name, "value": highest},
                )
