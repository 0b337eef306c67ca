"""Helpers shared by the WARC and re-extraction tests."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.arguments import WIB
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite


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
