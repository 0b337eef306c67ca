"""Alembic environment: the archive's models as target, the database from DATABASE_URL.

On SQLite the migrations run with foreign keys off (as Prefect's environment does): a batch
migration recreates a table by copying it and dropping the old one, and with foreign keys on,
dropping ``articles`` would cascade-delete every revision. ``PRAGMA foreign_key_check`` runs
after each migration step, inside the one transaction all the steps of an upgrade run in: a
dangling reference fails it loudly and rolls the whole upgrade back, so none of its revisions is
recorded.

Offline (``alembic upgrade --sql``) the same options apply: batch mode on SQLite, the same
objects left out. Autogenerate writes the models' ``UTCDateTime`` as its database type, so a
migration never imports ``storage`` (see :func:`_render_item`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from storage.config import resolve_database_url
from storage.engine import get_engine
from storage.models import Base
from storage.types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _options(dialect: str) -> dict[str, object]:
    """What online and offline runs configure alike for ``dialect``."""
    return {
        "target_metadata": target_metadata,
        "render_as_batch": dialect == "sqlite",
        "compare_type": True,
        "include_object": _include_object,
        "render_item": _render_item,
    }


def _configure(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        **_options(connection.dialect.name),
        # After each step, in the upgrade's one transaction: a violation rolls it all back.
        on_version_apply=_check_foreign_keys if sqlite else (),
    )


def _render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | bool:
    """``UTCDateTime`` columns written as ``sa.DateTime(timezone=True)`` in a new migration."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


SEARCH_OBJECTS = ("articles_fts", "ix_articles_search", "search_title", "search_document")
"""Dialect-specific full-text search objects made by migrations 0002 and 0005, not by the
models."""


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the full-text search objects out of the drift check."""
    return not (reflected and compare_to is None and (name or "").startswith(SEARCH_OBJECTS))


class ForeignKeyViolation(RuntimeError):
    """A migration left rows that reference missing rows (SQLite, foreign keys were off)."""


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Foreign keys off while the block runs on SQLite (nothing elsewhere), on again after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    _pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        if _pragma(connection, "PRAGMA foreign_keys"):
            raise ForeignKeyViolation("could not turn SQLite foreign keys off (in a transaction)")
        yield
    finally:
        _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection: Connection, statement: str) -> object:
    """Run a pragma outside any transaction we began: SQLite ignores ``foreign_keys`` inside
    one, so the transaction the statement opens is ended at once."""
    ours = not connection.in_transaction()
    result = connection.exec_driver_sql(statement)
    value = result.scalar() if result.returns_rows else None
    if ours:
        connection.commit()
    return value


def _check_foreign_keys(*, ctx: MigrationContext, step: object, **_: object) -> None:
    """Fail loudly when a migration step left rows referencing missing rows (SQLite)."""
    assert ctx.connection is not None
    violations = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        shown = ", ".join(f"{table} rowid {rowid} -> {parent}" for table, rowid, parent, _ in
                          violations[:5])  # fmt: skip
        raise ForeignKeyViolation(
            f"migration {step} left {len(violations)} rows referencing missing rows: {shown}"
        )


def _run(connection: Connection) -> None:
    """Run the migrations on ``connection`` (foreign keys off meanwhile on SQLite)."""
    _configure(connection)
    with _sqlite_foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL for a database URL without connecting (``alembic upgrade --sql``)."""
    url = config.attributes.get("database_url") or resolve_database_url()
    dialect = make_url(url).get_backend_name()
    context.configure(url=url, literal_binds=True, **_options(dialect))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on a given connection (programmatic use) or on the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(config.attributes.get("database_url")).connect() as conn:
        _run(conn)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
