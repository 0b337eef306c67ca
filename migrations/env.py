"""Alembic environment: the archive's models as target, the database from DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.config import resolve_database_url
from storage.engine import get_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )


SEARCH_OBJECTS = ("articles_fts", "ix_articles_search", "search_title", "search_document")
"""Dialect-specific full-text search objects made by migrations 0002 and 0005, not by the
models."""


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the full-text search objects out of the drift check."""
    return not (reflected and compare_to is None and (name or "").startswith(SEARCH_OBJECTS))


def run_migrations_offline() -> None:
    """Emit SQL for a database URL without connecting (``alembic upgrade --sql``)."""
    url = config.attributes.get("database_url") or resolve_database_url()
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run on a given connection (programmatic use) or on the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = get_engine(config.attributes.get("database_url"))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
