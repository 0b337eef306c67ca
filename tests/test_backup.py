"""``viva-archive backup`` and ``restore`` on real crawled archives (SQLite and PostgreSQL):
the round trip gives the same export, revisions and WARC files; a backup taken while a crawl
writes restores into an archive whose every capture is readable; damaged backups and non-empty
targets are refused with one line, nothing written."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.warcwriter import WARCWriter

from crawler.arguments import WIB
from crawler.warc import read_page
from crawler.warc.reader import whole_records_length
from storage.backup import MANIFEST, read_manifest, sha256_of
from storage.copy import TableCopy, copy_archive
from storage.engine import dispose_all, get_session_factory
from storage.migrate import upgrade
from storage.models import ArticleRevision, CrawlRun
from storage.writes import ArchiveWriter
from tests.cli_helpers import viva
from tests.crawling import REPO_ROOT, crawl, crawl_command, crawl_env, describe
from tests.databases import postgres_schema_url, skip_without_postgres
from tests.factories import make_item
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite


def since(now: datetime) -> str:
    return f"since={(now - timedelta(days=10)).date().isoformat()}"


@pytest.fixture
def crawled(archive_url: str) -> str:
    """A backfill, then a recheck after one article was edited: two revisions of it."""
    now = datetime.now(WIB).replace(microsecond=0)
    site = SampleSite(sample_articles(now), today=now.date())
    with site:
        first = crawl(site.base_url, archive_url, "mode=backfill", since(now))
        assert first.returncode == 0, describe(first)
        edited = min(site.articles)
        site.edit(edited, title="Zirkonium: " + site.articles[edited].title)
        second = crawl(site.base_url, archive_url, "mode=recheck", since(now))
        assert second.returncode == 0, describe(second)
    return archive_url


@pytest.fixture
def restore_url(archive_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``archive_url``."""
    if archive_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    with postgres_schema_url() as url:
        yield url
        dispose_all()


def revision_rows(url: str) -> list[tuple[object, ...]]:
    with get_session_factory(url)() as session:
        rows = session.scalars(select(ArticleRevision).order_by(ArticleRevision.id))
        return [(r.id, r.article_id, r.revision, r.content_hash, r.body, r.warc_records,
                 r.fetched_at, r.crawl_run_id) for r in rows]  # fmt: skip


def export(url: str) -> str:
    done = viva("--database-url", url, "export", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return done.stdout


def captures_readable(url: str, folder: Path) -> int:
    """How many captures the archive at ``url`` refers to; each is read from ``folder``."""
    count = 0
    for row in revision_rows(url):
        for location in row[5] or []:
            assert read_page(folder, location).uri == location["uri"]
            count += 1
    return count


@pytest.mark.slow
def test_round_trip_gives_the_same_archive(crawled: str, restore_url: str, tmp_path: Path) -> None:
    warc = Path(os.environ["ARCHIVE_DIR"])
    backup, restored_warc = tmp_path / "backup", tmp_path / "restored-warc"
    done = viva("--database-url", crawled, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    manifest = read_manifest(backup)
    names = sorted(p.name for p in warc.iterdir())
    assert [Path(e.path).name for e in manifest.warc] == names and names
    for entry in manifest.warc:
        original = warc / Path(entry.path).name
        assert entry.sha256 == sha256_of(original)
        assert os.stat(backup / entry.path).st_ino == original.stat().st_ino, "hard-linked"
    done = viva("--database-url", crawled, "restore", str(backup), "--to", restore_url,
                "--archive-dir", str(restored_warc))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert export(restore_url) == export(crawled)
    assert revision_rows(restore_url) == revision_rows(crawled)
    assert max(row[2] for row in revision_rows(restore_url)) == 2, "the edit came along"
    assert {p.name: sha256_of(p) for p in restored_warc.iterdir()} == {
        p.name: sha256_of(p) for p in warc.iterdir()
    }
    assert captures_readable(restore_url, restored_warc) > 0
    search = viva("--database-url", restore_url, "search", "zirkonium")
    assert search.returncode == 0 and "Zirkonium" in search.stdout, search.stderr
    assert search.stdout == viva("--database-url", crawled, "search", "zirkonium").stdout

    again = viva("--database-url", crawled, "restore", str(backup), "--to", restore_url,
                 "--archive-dir", str(restored_warc))  # fmt: skip
    assert again.returncode == 1
    assert again.stderr.strip().endswith("is not empty: restore only into an empty database")
    assert "Traceback" not in again.stderr


@pytest.mark.slow
def test_a_damaged_backup_is_refused_before_anything_is_written(
    crawled: str, restore_url: str, tmp_path: Path
) -> None:
    backup, restored_warc = tmp_path / "backup", tmp_path / "restored-warc"
    assert viva("--database-url", crawled, "backup", str(backup)).returncode == 0
    entry = read_manifest(backup).warc[0]
    damaged = backup / entry.path
    damaged.unlink()  # the hard link: the original file stays as it is
    data = bytearray((Path(os.environ["ARCHIVE_DIR"]) / damaged.name).read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    done = viva("--database-url", crawled, "restore", str(backup), "--to", restore_url,
                "--archive-dir", str(restored_warc))  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"viva-archive: error: {entry.path} does not match its SHA-256 in {MANIFEST}"
    )
    assert not restored_warc.exists()
    assert viva("--database-url", crawled, "backup", str(backup)).returncode == 2, "not empty"
    missing = viva("--database-url", crawled, "restore", str(tmp_path), "--to", restore_url)
    assert missing.returncode == 1 and "holds no backup" in missing.stderr


@pytest.mark.slow
def test_backups_taken_while_a_crawl_writes_restore_whole(archive_url: str, tmp_path: Path) -> None:
    now = datetime.now(WIB).replace(microsecond=0)
    site = SampleSite(sample_articles(now), today=now.date(), latency=0.3)
    with site:
        crawl_child = subprocess.Popen(
            crawl_command("mode=backfill", since(now), settings={"CONCURRENT_REQUESTS": "1"}),
            env=crawl_env(site.base_url, archive_url), cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        backups, during = [], 0
        try:
            while crawl_child.poll() is None or not backups:
                if any(Path(os.environ["ARCHIVE_DIR"]).glob("*.warc.gz")):
                    folder = tmp_path / f"backup{len(backups)}"
                    done = viva("--database-url", archive_url, "backup", str(folder))
                    assert done.returncode == 0, done.stderr
                    backups.append(folder)
                    during += crawl_child.poll() is None
                time.sleep(0.3)
        finally:
            crawl_child.wait(timeout=120)
    assert crawl_child.returncode == 0
    assert during >= 1, "no backup ran during the crawl"
    running_at_snapshot = 0
    for number, folder in enumerate(backups):
        target = f"sqlite:///{tmp_path / f'restored{number}.sqlite3'}"
        warc = tmp_path / f"restored-warc{number}"
        done = viva("restore", str(folder), "--to", target, "--archive-dir", str(warc))
        assert done.returncode == 0, done.stderr
        captures_readable(target, warc)
        with get_session_factory(target)() as session:
            statuses = session.scalars(select(CrawlRun.status)).all()
        running_at_snapshot += "running" in statuses
    assert running_at_snapshot >= 1, "no snapshot caught the crawl running"


def test_a_torn_last_record_is_left_out(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    ends = []
    for number in range(3):
        payload = io.BytesIO(f"record {number} ".encode() * 200)
        writer.write_record(writer.create_warc_record(f"urn:test:{number}", "resource",
                                                      payload=payload))  # fmt: skip
        ends.append(buffer.tell())
    path = tmp_path / "torn.warc.gz"
    for cut in (ends[2], ends[2] - 1, ends[1] + 20, ends[1] + 1):
        path.write_bytes(buffer.getvalue()[:cut])
        expected = ends[2] if cut == ends[2] else ends[1]
        assert whole_records_length(path) == expected, cut
    assert gzip.decompress(buffer.getvalue()[: ends[1]]).count(b"WARC/1") == 2


@pytest.mark.postgres
@pytest.mark.parametrize("snapshot", [True, False])
def test_a_postgresql_snapshot_is_one_instant(tmp_path: Path, snapshot: bool) -> None:
    """Rows written while the copy runs (after its first table) are in the copy only when it
    is not a snapshot: with ``snapshot`` every table is read as it stood when the copy began."""
    skip_without_postgres()
    with postgres_schema_url() as source:
        upgrade(source)
        writer = ArchiveWriter(source)
        writer.store_articles([make_item(1)])
        written: list[int] = []

        def write_meanwhile(table: str, counts: TableCopy) -> None:
            if not written:
                writer.store_articles([make_item(2)])  # an article and its revision
                written.append(2)

        target = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
        copy_archive(source, target, snapshot=snapshot, progress=write_meanwhile)
        with get_session_factory(target)() as session:
            ids = session.scalars(select(ArticleRevision.article_id)).all()
        dispose_all()
    assert sorted(ids) == ([1] if snapshot else [1, 2])
