"""Helpers shared by the WARC and re-extraction tests."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.arguments import WIB
from crawler.warc.writer import Exchange
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite


def html_exchange(article_id: int, body: str, second: int, port: int = 1) -> Exchange:
    """A ``?page=all`` page of article ``article_id`` answered 200 with ``body``, fetched at
    second ``second`` of a fixed minute (for WARC tests that need no site)."""
    return Exchange(
        url=f"http://127.0.0.1:{port}/militer/militer-dunia/{article_id}-x?page=all",
        method="GET",
        request_headers=[("User-Agent", "test")],
        status=200,
        reason="OK",
        protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body.encode(),
        fetched_at=datetime(2026, 11, 1, 10, 0, second, tzinfo=UTC),
    )


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    """``warcio check -v FILE``: digests and structure of every record."""
    command = [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def warc_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.warc.gz"))


def records(path: Path) -> list[tuple[str, str | None, bytes]]:
    """(type, target URI, decoded payload) of every record of a file."""
    with path.open("rb") as handle:
        return [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(handle)
        ]


def sample_site() -> SampleSite:
    """The twelve sample articles (two of them multi-page), not yet serving."""
    now = datetime.now(WIB).replace(microsecond=0)
    return SampleSite(sample_articles(now), today=now.date(), listing_size=3)
