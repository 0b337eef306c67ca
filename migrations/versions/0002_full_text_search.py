"""full-text search over article titles and bodies

PostgreSQL: a GIN index on the weighted ``indonesian`` tsvector of title (A) and body (B)
(``PG_DOCUMENT`` below); the queries of that time used the same expression, so the index served
them. Migration 0005 replaced both with stored ``search_document`` columns and dropped it.
SQLite: an external-content FTS5 table ``articles_fts`` kept in sync with ``articles`` by
triggers. Neither is described by the models (they are dialect-specific), so the drift check
skips them by name (``migrations/env.py``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_DOCUMENT = (
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(body, '')), 'B')"
)

SQLITE_UP = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', "
    "content_rowid='article_id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); "
    "END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
    "VALUES ('delete', old.article_id, old.title, old.body); "
    "INSERT INTO articles_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); "
    "END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS articles_fts_update",
    "DROP TRIGGER IF EXISTS articles_fts_delete",
    "DROP TRIGGER IF EXISTS articles_fts_insert",
    "DROP TABLE IF EXISTS articles_fts",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin (({PG_DOCUMENT}))")
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
    else:
        for statement in SQLITE_DOWN:
            op.execute(statement)
