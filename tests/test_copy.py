"""``viva-archive db copy``: a whole archive SQLite → PostgreSQL and back, exactly, resumable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.copy import TABLES, CopyError, copy_archive, is_empty
from storage.engine import dispose_all, get_engine
from storage.export import ArchiveExport
from storage.migrate import upgrade
from storage.runs import RunJournal
from storage.search import ArchiveSearch
from storage.writes import ArchiveWriter
from tests.cli_helpers import viva
from tests.databases import postgres_schema_url, skip_without_postgres
from tests.factories import make_item

WARC = [{"file": "viva-militer-run1-x-00000.warc.gz", "offset": 0, "length": 812, "uri": "u"}]


def fill(url: str, count: int = 12) -> None:
    """Articles (two of them with a second revision), tags, authors, runs, WARC locations."""
    upgrade(url)
    journal = RunJournal(url)
    run_id = journal.start("backfill", {"since": "2026-11-01"})
    journal.start("latest", {})
    writer = ArchiveWriter(url)
    items = [
        {**make_item(k, tags=[f"Tag {k % 4}", "NATO"]), "parser_version": "2026.11.1"}
        | {"warc_records": WARC}
        for k in range(1, count + 1)
    ]
    writer.store_articles(items, run_id=run_id)
    writer.store_articles([make_item(2, title="Judul Baru"), make_item(5, body="Baru.")])
    writer.mark_gone([7])


def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (keys in order), and the export."""
    engine = get_engine(url)
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            order = list(table.primary_key.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings()
            tables[table.name] = [dict(row) for row in rows]
    tables["export"] = list(ArchiveExport(url).records())
    return tables


@pytest.fixture
def postgres_url() -> Iterator[str]:
    skip_without_postgres()
    with postgres_schema_url() as url:
        yield url
        dispose_all()


def test_sqlite_to_postgresql_and_back_is_exact(tmp_path: Path, postgres_url: str) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    back = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    fill(source)
    report = copy_archive(source, postgres_url, batch_size=5)
    assert report.complete and report.tables["article_revisions"].copied == 14
    assert snapshot(postgres_url) == snapshot(source)
    copy_archive(postgres_url, back, batch_size=5)
    assert snapshot(back) == snapshot(source)
    for url in (postgres_url, back):  # the search index is filled on the way in
        assert ArchiveSearch(url).count("judul baru") == 1
        assert ArchiveSearch(url).count("paragraf") == 11
    # the copy is an archive that works: new runs, revisions and tags get fresh ids
    RunJournal(postgres_url).start("latest", {})
    result = ArchiveWriter(postgres_url).store_articles(
        [make_item(2, title="Judul Ketiga", tags=["Baru"]), make_item(99)]
    )
    assert (result.new, result.updated) == ([99], [2])


@pytest.mark.slow
def test_interrupted_copy_resumes_and_a_full_target_is_refused(
    tmp_path: Path, postgres_url: str
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    fill(source, count=30)
    partial = copy_archive(source, postgres_url, batch_size=4, max_batches=6)
    assert not partial.complete
    copied = sum(table.copied for table in partial.tables.values())
    assert 0 < copied <= 24
    refused = viva("--database-url", source, "db", "copy", "--to", postgres_url)
    assert refused.returncode == 1 and "is not empty: add --merge" in refused.stderr
    resumed = viva("--database-url", source, "db", "copy", "--to", postgres_url, "--merge")
    assert resumed.returncode == 0, resumed.stderr
    assert f"articles: copied {30 - partial.tables['articles'].copied}" in resumed.stdout
    assert "complete" in resumed.stdout
    assert snapshot(postgres_url) == snapshot(source)
    again = copy_archive(source, postgres_url)
    assert all(table.copied == 0 for table in again.tables.values())


def test_another_archive_is_never_overwritten(tmp_path: Path) -> None:
    source, other = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite3", "b.sqlite3"))
    fill(source)
    upgrade(other)
    ArchiveWriter(other).store_articles([make_item(3, title="Lain")])
    before = snapshot(other)
    assert not is_empty(other)
    with pytest.raises(CopyError, match="holds another archive"):
        copy_archive(source, other)
    assert snapshot(other)["articles"] == before["articles"]


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        ("postgresql+psycopg://u:s3cr3t@127.0.0.1:1/x", 1, "cannot use database postgresql"),
        ("notaurl://", 2, "--to: not a database URL"),
        ("not a url", 2, "--to: not a database URL"),
        ("SOURCE", 2, "--to names the archive being copied"),
    ],
)
@pytest.mark.slow
def test_bad_targets_are_one_line(tmp_path: Path, target: str, code: int, message: str) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    fill(source, count=2)
    done = viva("--database-url", source, "db", "copy", "--to", target.replace("SOURCE", source))
    assert done.returncode == code and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr and "s3cr3t" not in done.stderr


@pytest.mark.slow
def test_another_archive_is_refused_before_anything_is_written(
    tmp_path: Path, archive_url: str
) -> None:
    """The source's runs come first and the target has none: they must not be written before
    the target's article 3 shows it is another archive."""
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    fill(source)
    ArchiveWriter(archive_url).store_articles([make_item(3, title="Lain", tags=[], authors=[])])
    before = snapshot(archive_url)
    done = viva("--database-url", source, "db", "copy", "--to", archive_url, "--merge")
    assert done.returncode == 1 and "holds another archive" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(archive_url) == before
