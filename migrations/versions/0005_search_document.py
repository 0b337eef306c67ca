"""stored search documents

PostgreSQL: ``articles`` gains two stored generated ``tsvector`` columns, ``search_title`` (the
title) and ``search_document`` (title weighted A, body B), both in the unstemmed ``simple``
configuration, each with a GIN index; filling them rewrites the table once. The indexes keep
GIN's pending list (``fastupdate``): written at once, a new article costs about ten times more.
Search ranks from the stored vector instead of rebuilding one per matching row, and matches Indonesian affixed
forms itself (``storage.word_forms``), so the ``indonesian`` expression index of 0002 goes.
SQLite: the FTS5 table of 0002 already stores its index; nothing changes.
Neither column is in the models (PostgreSQL only): the drift check skips them by name.

Revision ID: 0005
Revises: 0003 (re-chained onto 0004 when merged)
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TITLE = "to_tsvector('simple'::regconfig, coalesce(title, ''))"
DOCUMENT = (
    f"setweight({TITLE}, 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'B')"
)
OLD_DOCUMENT = (
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(body, '')), 'B')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE articles "
        f"ADD COLUMN search_title tsvector GENERATED ALWAYS AS ({TITLE}) STORED, "
        f"ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    for column in ("search_title", "search_document"):
        op.execute(f"CREATE INDEX ix_articles_{column} ON articles USING gin ({column})")
    op.execute("DROP INDEX IF EXISTS ix_articles_search")
    op.execute("ANALYZE articles")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin (({OLD_DOCUMENT}))")
    op.execute("ALTER TABLE articles DROP COLUMN search_document, DROP COLUMN search_title")
