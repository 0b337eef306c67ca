"""Copying a whole archive to another database (SQLite ⇄ PostgreSQL), resumable.

Every table of the models is copied with its keys unchanged (so revisions keep their run, links
their tag), parents before children, each in primary-key order in batches of ``batch_size``
rows: one read per batch on the source, one transaction per batch on the target, so memory stays
constant and an interrupted copy has committed whole batches only. Each batch inserts only the
rows whose key the target lacks, so running the copy again finishes an interrupted one and
changes nothing after a complete one. A key the target holds with other content (a different
archive) stops the copy: nothing of the target is ever overwritten. Into a target that is not
empty, that is decided before anything is written (a read-only pass over the source's keys), so
a refused copy leaves the target exactly as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, or_, select, tuple_

from storage.dialects import advance_id_sequences, reads_one_instant
from storage.engine import get_engine
from storage.migrate import ensure_schema
from storage.models import (
    Article,
    ArticleAuthor,
    ArticleRevision,
    ArticleTag,
    Author,
    CrawlRun,
    Tag,
    Verification,
    WarcFile,
)

TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (
        CrawlRun, Tag, Author, Article, ArticleRevision, ArticleTag, ArticleAuthor, WarcFile,
        Verification,
    )
)  # fmt: skip
"""Parents before children."""
IDENTITY = {
    "crawl_runs": ("mode", "started_at"),
    "tags": ("name",),
    "authors": ("name",),
    "articles": ("first_seen_at",),
    "article_revisions": ("article_id", "revision"),
    "warc_files": ("name",),
    "verifications": ("started_at",),
}
"""Columns that tell whether a key the target already holds is the same row of the same archive."""
SERIAL_TABLES = (
    "crawl_runs", "tags", "authors", "article_revisions", "warc_files", "verifications",
)  # fmt: skip
"""Tables whose ids come from a PostgreSQL sequence, moved past the copied ids afterwards."""
BATCH_SIZE = 1000


class CopyError(RuntimeError):
    """The copy cannot go on; the message is one line."""


@dataclass(slots=True)
class TableCopy:
    """Rows of one table: copied now, and already in the target (skipped)."""

    copied: int = 0
    skipped: int = 0


@dataclass(slots=True)
class CopyReport:
    """What a copy did, per table, and whether it stopped early (``max_batches``)."""

    tables: dict[str, TableCopy] = field(default_factory=dict)
    complete: bool = True


def is_empty(url: str) -> bool:
    """Whether the archive at ``url`` holds no row in any of its tables (or no tables)."""
    engine = get_engine(url)
    with engine.connect() as conn:
        names = set(engine.dialect.get_table_names(conn))
        return not any(
            conn.execute(select(table.c[0]).limit(1)).first()
            for table in TABLES
            if table.name in names
        )


def _key_pages(
    conn: Connection, table: Table, batch_size: int, columns: Sequence[Any] | None = None
) -> Iterator[Sequence[Any]]:
    """All rows of ``table`` (their ``columns``, the key among them; default all) in primary-key
    order, a page at a time (keyset paging: each page is a fresh indexed query, nothing held
    open between pages)."""
    key = list(table.primary_key.columns)
    last: tuple[Any, ...] | None = None
    while True:
        stmt = select(*(columns or [table])).order_by(*key).limit(batch_size)
        if last is not None:
            stmt = stmt.where(_after(key, last))
        rows = conn.execute(stmt).mappings().all()
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][column.name] for column in key)


def _after(key: list[Any], last: tuple[Any, ...]) -> Any:
    """``key > last`` for a one- or two-column key (portable, index-friendly)."""
    if len(key) == 1:
        return key[0] > last[0]
    return or_(key[0] > last[0], and_(key[0] == last[0], key[1] > last[1]))


def _existing(conn: Connection, table: Table, rows: Sequence[Any]) -> dict[tuple[Any, ...], Any]:
    """The target's rows among the keys of ``rows``: key → the row (its identity columns)."""
    key = list(table.primary_key.columns)
    keys = [tuple(row[column.name] for column in key) for row in rows]
    identity = [table.c[name] for name in IDENTITY.get(table.name, ())]
    where = key[0].in_([k[0] for k in keys]) if len(key) == 1 else tuple_(*key).in_(keys)
    found = conn.execute(select(*key, *identity).where(where)).all()
    return {tuple(row[: len(key)]): tuple(row[len(key) :]) for row in found}


def copy_archive(
    source: str,
    target: str,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    progress: Callable[[str, TableCopy], None] | None = None,
    snapshot: bool = False,
) -> CopyReport:
    """Copy every row of ``source`` that ``target`` lacks; both are brought to head first.

    ``max_batches`` stops after that many batches written (``complete`` is then False): an
    interruption on purpose, for testing and for copying in slices. ``snapshot`` reads a
    PostgreSQL source in one REPEATABLE READ transaction, so that every table is copied as it
    stood at one instant while a crawl goes on writing (a backup); otherwise each table is its
    own read."""
    ensure_schema(source)
    ensure_schema(target)
    report, written = CopyReport(), 0
    source_engine, target_engine = get_engine(source), get_engine(target)
    if not is_empty(target):
        _refuse_another_archive(source_engine, target_engine, batch_size)
    with source_engine.connect() as reader:
        one_instant = snapshot and reads_one_instant(source_engine, reader)
        for table in TABLES:
            counts = report.tables.setdefault(table.name, TableCopy())
            for rows in _key_pages(reader, table, batch_size):
                with target_engine.begin() as writer:
                    missing = _missing(writer, table, rows)
                    if missing:
                        writer.execute(table.insert(), [dict(row) for row in missing])
                counts.copied += len(missing)
                counts.skipped += len(rows) - len(missing)
                if progress is not None:
                    progress(table.name, counts)
                written += bool(missing)
                if max_batches is not None and written >= max_batches:
                    report.complete = False
                    advance_id_sequences(get_engine(target), SERIAL_TABLES)
                    return report
            if not one_instant:
                reader.rollback()  # end the read transaction between tables
    advance_id_sequences(get_engine(target), SERIAL_TABLES)
    return report


def _refuse_another_archive(source: Engine, target: Engine, batch_size: int) -> None:
    """:class:`CopyError` if the target holds any key of the source with other identity values
    (see :func:`_missing`), found by reading keys and identities only, before any write."""
    with source.connect() as reader, target.connect() as checker:
        for table in TABLES:
            identity = [table.c[name] for name in IDENTITY.get(table.name, ())]
            columns = [*table.primary_key.columns, *identity]
            for rows in _key_pages(reader, table, batch_size, columns):
                _missing(checker, table, rows)
                checker.rollback()
            reader.rollback()


def _missing(writer: Connection, table: Table, rows: Sequence[Any]) -> list[Any]:
    """The rows of the batch the target lacks; a key it holds with other identity values means
    another archive, and stops the copy."""
    existing = _existing(writer, table, rows)
    key = [column.name for column in table.primary_key.columns]
    identity = IDENTITY.get(table.name, ())
    missing = []
    for row in rows:
        values = tuple(row[name] for name in key)
        if values not in existing:
            missing.append(row)
        elif existing[values] != tuple(row[name] for name in identity):
            raise CopyError(
                f"the target holds another archive: {table.name} {values} differs; "
                "--merge only continues a copy of this archive"
            )
    return missing
