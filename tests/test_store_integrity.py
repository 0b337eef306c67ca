"""The store pipeline against poison items and database faults, on SQLite and PostgreSQL: one bad
item costs only itself, a passing fault costs nothing, a lasting one fails the run."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from crawler.outcome import outcome_from_stats
from crawler.pipelines.store import StorePipeline
from storage.engine import get_engine, get_session_factory
from storage.isolation import log as isolation_log
from storage.models import Article, ArticleRevision
from storage.validation import InvalidItem
from storage.writes import ArchiveWriter
from tests.factories import make_item
from viva_militer_archive.crawl_stats.keys import STORE_ERRORS, STORE_RETRIES, UNSTORED

GOOD = range(1_000_001, 1_000_201)
FAST_RETRIES = "0.05,0.1,0.2"


def run_store(
    url: str, items: Iterable[dict[str, Any]], gone: Iterable[int] = (), **settings: Any
) -> dict[str, Any]:
    """Feed ``items`` (and ``gone`` article ids) through a real :class:`StorePipeline` in one
    batch and close it; returns its stats."""
    crawler = get_crawler(
        settings_dict={
            "DATABASE_URL": url,
            "STORE_BATCH_SIZE": 10_000,
            "STORE_FLUSH_SECONDS": 3600,
            **settings,
        }
    )
    pipeline = StorePipeline.from_crawler(crawler)

    async def feed() -> None:
        await pipeline.open_spider()
        for item in items:
            await pipeline.process_item(item)
        for article_id in gone:
            pipeline.on_article_gone(article_id, f"https://www.viva.co.id/{article_id}")
        await pipeline.close_spider()

    asyncio.run(feed())
    assert crawler.stats is not None
    return crawler.stats.get_stats()


def stored(url: str) -> dict[int, int]:
    """Archived article id -> number of revisions."""
    with get_session_factory(url)() as session:
        ids = set(session.scalars(select(Article.article_id)))
        counts = session.execute(
            select(ArticleRevision.article_id, func.count()).group_by(ArticleRevision.article_id)
        )
        revisions = dict(counts.all())
    return {article_id: revisions.get(article_id, 0) for article_id in ids}


def dropped(stats: dict[str, Any]) -> dict[str, int]:
    """The drop reasons the run's ledger records (as ``crawl_runs.dropped_reasons``)."""
    return outcome_from_stats(stats).dropped_reasons


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def forbid_titles_in_sql(url: str, word: str) -> None:
    """A rule of the test database's own that the validation knows nothing of: a title with
    ``word`` is refused by the database itself (constraint violation)."""
    with get_engine(url).begin() as conn:
        if is_sqlite(url):
            conn.execute(
                text(
                    f"CREATE TRIGGER test_forbidden BEFORE INSERT ON articles "
                    f"WHEN NEW.title LIKE '%{word}%' BEGIN SELECT RAISE(ABORT, 'forbidden'); END"
                )
            )
        else:
            conn.execute(
                text(
                    f"ALTER TABLE articles ADD CONSTRAINT test_forbidden "
                    f"CHECK (title NOT LIKE '%{word}%')"
                )
            )


POISON = {
    "invalid_published_at": [
        make_item(2_000_001, published_at="9999-12-31T23:59:00+07:00"),
        make_item(2_000_002, published_at="0001-01-01T00:30:00+07:00"),
    ],
    "invalid_subchannel": [make_item(2_000_003, subchannel="x" * 500)],
    "invalid_title": [make_item(2_000_004, title="Judul\x00Beracun")],
    "invalid_article_id": [make_item(2**63)],
    "invalid_tags": [make_item(2_000_006, tags="NATO, Rusia")],
    "invalid_authors": [make_item(2_000_007, authors=[{"name": "Andi"}])],
    "store_failed_integrityerror": [make_item(2_000_008, title="Berita TERLARANG")],
}


def test_poison_items_cost_only_themselves(archive_url: str) -> None:
    forbid_titles_in_sql(archive_url, "TERLARANG")
    good = [make_item(article_id, title=f"Berita {article_id}") for article_id in GOOD]
    poison = [item for items in POISON.values() for item in items]
    batch = good[:50] + poison[:4] + good[50:150] + poison[4:] + good[150:]

    stats = run_store(archive_url, batch)

    assert stored(archive_url) == dict.fromkeys(GOOD, 1), "every good item exactly once"
    assert dropped(stats) == {reason: len(items) for reason, items in POISON.items()}
    assert stats["archive/new"] == len(GOOD)
    assert STORE_ERRORS not in stats and UNSTORED not in stats
    assert outcome_from_stats({**stats, "finish_reason": "finished"}).status == "finished"


def test_repository_refuses_invalid_items_before_any_sql(archive_url: str) -> None:
    writer = ArchiveWriter(archive_url)
    with pytest.raises(InvalidItem) as refused:
        writer.store_articles(
            [make_item(1), make_item(2, published_at="9999-12-31T23:59:00+07:00")]
        )
    assert (refused.value.reason, refused.value.article_id) == ("invalid published_at", 2)
    assert stored(archive_url) == {}, "nothing of the batch was written"


def test_broken_schema_is_no_reason_to_drop_good_items(archive_url: str) -> None:
    with get_engine(archive_url).begin() as conn:
        conn.execute(text("ALTER TABLE article_revisions RENAME TO test_moved"))
    stats = run_store(archive_url, [make_item(article_id) for article_id in GOOD[:20]])
    assert dropped(stats) == {}, "a database fault is never blamed on the items"
    assert (stats[STORE_ERRORS], stats[UNSTORED]) == (1, 20)
    assert outcome_from_stats(stats).status == "failed"
    with get_engine(archive_url).begin() as conn:
        conn.execute(text("ALTER TABLE test_moved RENAME TO article_revisions"))
    assert stored(archive_url) == {}, "nothing half-written"


def drop_connections(url: str, times: int, on: str = "INSERT") -> None:
    """PostgreSQL kills the writer's own connection on its first ``times`` article inserts (or
    updates: ``on``); the backend terminates itself, as ``pg_terminate_backend`` would."""
    with get_engine(url).begin() as conn:
        conn.execute(text("CREATE SEQUENCE test_faults"))
        conn.execute(
            text(
                "CREATE FUNCTION test_drop_connection() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF nextval('test_faults') <= {times} THEN "
                "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); END IF; "
                "RETURN NULL; END $$"
            )
        )
        conn.execute(
            text(
                f"CREATE TRIGGER test_drop_connection BEFORE {on} ON articles "
                "FOR EACH STATEMENT EXECUTE FUNCTION test_drop_connection()"
            )
        )


class ReleaseOnRetry(logging.Handler):
    """Ends the other writer's SQLite lock as soon as the store announces a retry."""

    def __init__(self, holder: sqlite3.Connection) -> None:
        super().__init__()
        self.holder = holder

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying" in record.getMessage() and self.holder.in_transaction:
            self.holder.rollback()


def locked_sqlite(url: str) -> sqlite3.Connection:
    """Another connection holding SQLite's write lock (``BEGIN IMMEDIATE``)."""
    holder = sqlite3.connect(make_url(url).database or "", check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def run_store_through_fault(
    url: str, items: list[dict[str, Any]], gone: Iterable[int] = (), on: str = "INSERT"
) -> dict[str, Any]:
    """:func:`run_store` while the database fails for a moment: SQLite locked by another writer
    until the store retries, PostgreSQL dropping the store's connection twice."""
    if not is_sqlite(url):
        drop_connections(url, times=2, on=on)
        return run_store(url, items, gone)
    holder = locked_sqlite(url)
    handler = ReleaseOnRetry(holder)
    isolation_log.addHandler(handler)
    try:
        return run_store(url + "?timeout=0.2", items, gone)  # waits 0.2 s for a lock, not 30
    finally:
        isolation_log.removeHandler(handler)
        holder.close()


def test_passing_database_fault_is_retried_and_nothing_is_lost(archive_url: str) -> None:
    stats = run_store_through_fault(archive_url, [make_item(article_id) for article_id in GOOD])
    assert stored(archive_url) == dict.fromkeys(GOOD, 1)
    assert stats[STORE_RETRIES] >= 1
    assert dropped(stats) == {}, "nothing dropped as poison"
    assert STORE_ERRORS not in stats and UNSTORED not in stats


def test_lasting_database_fault_leaves_the_batch_unstored(archive_url: str) -> None:
    items = [make_item(article_id) for article_id in GOOD]
    settings = {"STORE_RETRY_DELAYS": FAST_RETRIES}
    if is_sqlite(archive_url):
        holder = locked_sqlite(archive_url)
        try:
            stats = run_store(archive_url + "?timeout=0.1", items, **settings)
        finally:
            holder.close()
    else:
        drop_connections(archive_url, times=1000)
        stats = run_store(archive_url, items, **settings)
    assert stats[STORE_RETRIES] == 3
    assert dropped(stats) == {}, "the database being down is no reason to drop good items"
    assert (stats[STORE_ERRORS], stats[UNSTORED]) == (1, len(GOOD))
    assert outcome_from_stats(stats).status == "failed"
    assert stored(archive_url) == {}


def test_gone_marks_survive_a_passing_fault(archive_url: str) -> None:
    ArchiveWriter(archive_url).store_articles([make_item(a) for a in GOOD[:10]])
    stats = run_store_through_fault(archive_url, [], gone=GOOD[:4], on="UPDATE")
    assert (stats["archive/gone"], stats[STORE_RETRIES] >= 1, dropped(stats)) == (4, True, {})
    with get_session_factory(archive_url)() as session:
        gone = session.scalars(select(Article.article_id).where(Article.status == "gone"))
        assert sorted(gone) == list(GOOD[:4])


def test_connection_killed_between_batches_costs_nothing(archive_url: str) -> None:
    """``pg_terminate_backend`` of the store's pooled connection after its first batch (a
    database restart, an idle timeout): the next batch still lands."""
    if is_sqlite(archive_url):
        pytest.skip("PostgreSQL only: SQLite has no server connection to lose")
    killed: list[int] = []

    def items_killing_after_first_batch() -> Iterator[dict[str, Any]]:
        for index, article_id in enumerate(GOOD):
            if index == 100:  # the first batch of 100 is committed by now
                with get_engine(archive_url).connect() as pooled:
                    killed.append(pooled.execute(text("SELECT pg_backend_pid()")).scalar_one())
                admin = create_engine(archive_url)
                with admin.connect() as conn:
                    conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed[0]})
                admin.dispose()
            yield make_item(article_id)

    stats = run_store(archive_url, items_killing_after_first_batch(), STORE_BATCH_SIZE=100)
    assert killed and stored(archive_url) == dict.fromkeys(GOOD, 1)
    assert dropped(stats) == {} and STORE_ERRORS not in stats
