"""Shared helpers of the benchmarks: fixture site, throw-away databases, crawls in a child
process with their peak memory, bulk-made items, and table printing.

The fixture site runs in the benchmark's own process and every crawl in a child process, so a
crawl's RSS never includes the site's page cache. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from crawler.arguments import today_wib
from storage.models import CrawlRun
from viva_militer_archive.cli.output import print_table
from viva_militer_archive.sample_site.catalog import generated_articles
from viva_militer_archive.sample_site.harness import (
    FAST_SETTINGS,
    crawl_command,
    crawl_env,
    fresh_database,
    last_run,
)
from viva_militer_archive.sample_site.harness import serving as _serving
from viva_militer_archive.sample_site.render import ArticleSpec
from viva_militer_archive.sample_site.server import SampleSite

ROOT = Path(__file__).resolve().parent.parent

PER_DAY = 40
"""Articles a day on the fixture site (``generated_articles``' default)."""
FAST = {
    **FAST_SETTINGS,
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "STORE_FLUSH_SECONDS": "2",
    "LOGSTATS_INTERVAL": "600",
}
"""More requests in flight on top of the shared fast settings
(``viva_militer_archive.sample_site.harness``)."""
BACKENDS = ("sqlite", "postgresql")


# -- fixture site ---------------------------------------------------------------------------


def fixture_articles(count: int, *, first_id: int = 1_500_000) -> list[ArticleSpec]:
    """``count`` invented articles, ``PER_DAY`` a day back from today (WIB)."""
    return generated_articles(count, today_wib(), per_day=PER_DAY, first_id=first_id)


def backfill_since(count: int) -> str:
    """The ``since=`` day that covers ``count`` fixture articles."""
    return (today_wib() - timedelta(days=(count - 1) // PER_DAY)).isoformat()


@contextmanager
def fixture_site(articles: Sequence[ArticleSpec], **options: Any) -> Iterator[SampleSite]:
    """The sample site on loopback, every article page rendered beforehand (so the crawl's
    timing is not the site's), 20 rows per date-index page unless told otherwise."""
    options.setdefault("index_page_size", 20)
    with _serving(articles, today_wib(), prerender=True, **options) as site:
        yield site


# -- databases ------------------------------------------------------------------------------


@contextmanager
def database(backend: str) -> Iterator[str]:
    """An empty archive database: a SQLite file in a temp dir, or a new PostgreSQL schema
    (on ``TEST_DATABASE_URL`` or the local default) dropped afterwards."""
    try:
        with fresh_database(backend) as url:
            yield url
    except RuntimeError as exc:  # no PostgreSQL server
        raise SystemExit(str(exc)) from None


# -- crawls ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Crawl:
    """One finished crawl child: exit code, wall seconds, peak RSS and its ``crawl_runs`` row."""

    returncode: int
    wall: float
    peak_rss: int
    run: CrawlRun
    log_tail: str

    @property
    def seconds(self) -> float:
        """Scrapy's own elapsed time (engine start to close), else the wall time."""
        return float((self.run.stats or {}).get("elapsed_time_seconds") or self.wall)

    @property
    def responses(self) -> int:
        return int((self.run.stats or {}).get("downloader/response_count") or 0)

    def check(self) -> Crawl:
        """Stop the benchmark with the log's tail unless the crawl finished cleanly."""
        if self.returncode != 0 or self.run.status != "finished":
            raise SystemExit(f"crawl failed (exit {self.returncode}):\n{self.log_tail}")
        return self


class PeakRss:
    """Polls a process's resident set size in a thread; ``peak`` is the highest seen (bytes)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.peak = 0
        self._process = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self._process, *self._process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:  # the process just ended
                return
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(
    command: Sequence[str], env: dict[str, str], *, cwd: Path = ROOT, timeout: float = 3600
) -> tuple[int, float, int, str]:
    """Run ``command`` to the end: exit code, wall seconds, peak RSS and the log's tail."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        with PeakRss(child.pid) as rss:
            child.wait(timeout)
        wall = time.perf_counter() - started
        log.seek(0)
        return child.returncode, wall, rss.peak, log.read()[-4000:]


def crawl(
    base_url: str, database_url: str, *arguments: str, settings: dict[str, str] | None = None
) -> Crawl:
    """``scrapy crawl viva_militer`` with the benchmark settings, measured from outside."""
    command = crawl_command(*arguments, settings={**FAST, **(settings or {})})
    with tempfile.TemporaryDirectory(prefix="viva-bench-warc-") as warc:
        env = {**crawl_env(base_url, database_url), "ARCHIVE_DIR": warc}
        code, wall, peak, tail = run_measured(command, env)
    return Crawl(code, wall, peak, last_run(database_url), tail)


# -- items ----------------------------------------------------------------------------------

PARAGRAPH = (
    "TNI AL kembali menjadi sorotan setelah kapal perang menggelar kegiatan besar pekan ini. "
    "Menurut keterangan resmi, lebih dari {n} personel dilibatkan dalam kegiatan tersebut. "
    "Para pengamat menilai langkah ini berkaitan erat dengan situasi di Laut Natuna."
)


def bulk_item(article_id: int, *, edition: int = 0, now: datetime | None = None) -> dict[str, Any]:
    """An item shaped like the crawler's (about 3 KB of body); ``edition`` changes the text."""
    now = now or datetime.now(UTC)
    title = f"TNI AL dan Kapal Perang: Sorotan Baru di Laut Natuna ({article_id % 1000})"
    body = "\n\n".join(PARAGRAPH.format(n=article_id + edition + k) for k in range(6))
    published = now - timedelta(minutes=article_id % 500_000)
    return {
        "url": f"https://www.viva.co.id/militer/militer-indonesia/{article_id}-tni-al-sorotan",
        "article_id": article_id,
        "section": "militer",
        "subchannel": "militer-indonesia",
        "title": title,
        "description": f"Berita {title} terbaru hari ini.",
        "published_at": published.isoformat(),
        "modified_at": None,
        "authors": ["Andi Saputra", "Rina Wulandari"][: 1 + article_id % 2],
        "editor": None,
        "tags": ["TNI AL", "kapal perang", f"topik {article_id % 50}"],
        "lead_image": {"url": f"https://thumb.viva.co.id/{article_id}.jpg", "caption": "Kapal"},
        "images": [],
        "body": body,
        "word_count": len(body.split()),
        "page_count": 1,
        "fetched_at": now.isoformat(),
        "extraction_warnings": [],
        "content_hash": hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest(),
    }


# -- output ---------------------------------------------------------------------------------


def mib(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


def bench_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A benchmark table: labels in the first column, figures right-aligned, a blank line after."""
    print_table(headers, rows, labels=1, rule=True)
    print()


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], target: str, ok: bool
) -> None:
    """A benchmark's result: what was measured, the table, and the target with its verdict."""
    print(title)
    bench_table(headers, rows)
    print(f"target {target}: {verdict(ok)}")
