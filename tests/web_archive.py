"""An archive for the web reader's tests, filled by real crawls of the sample site: a backfill,
then a recheck after one article was edited and one removed. One article carries hostile
markup (``<script>`` in its title and body, a ``javascript:`` picture URL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from crawler.arguments import WIB
from storage.engine import dispose_all
from tests.crawling import REPO_ROOT, crawl, describe
from tests.databases import postgres_schema_url, skip_without_postgres
from viva_militer_archive.sample_site.catalog import make_article, sample_articles
from viva_militer_archive.sample_site.render import ArticleSpec, BodyImage, ImageSpec
from viva_militer_archive.sample_site.server import SampleSite

HOSTILE_ID = 1_940_001
HOSTILE_TITLE = "<script>alert(1)</script> Serangan Siber Kalajengking"
HOSTILE_BODY = "VIVA – <script>alert(1)</script> Kalajengking menyerang <b>jaringan</b> militer."
HOSTILE_IMAGE = "javascript:alert(1)"
"""A picture the parser refuses (only http(s) pictures are archived)."""
QUOTING_IMAGE = 'https://img.example.test/a.jpg?x="><script>alert(2)</script>'
"""A picture the archive keeps whose URL would break out of an unescaped attribute."""
EDIT_PREFIX = "Gencatan Senjata Diumumkan: "
ADDED_PARAGRAPH = "Gencatan senjata berlaku mulai tengah malam."
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class WebArchive:
    """A crawled archive and what the sample site held."""

    url: str
    ids: list[int]
    """Every archived article id, newest first (the lists' order)."""
    edited_id: int
    removed_id: int
    specs: dict[int, ArticleSpec]


def hostile_article(now: datetime) -> ArticleSpec:
    spec = make_article(HOSTILE_ID, now - timedelta(hours=1))
    return replace(
        spec,
        title=HOSTILE_TITLE,
        tags=("siber", "Kalajengking"),
        pages=((HOSTILE_BODY, "Paragraf kedua tentang pertahanan siber."),),
        images=(
            BodyImage(0, ImageSpec(HOSTILE_IMAGE, "Gambar skrip", "evil.example")),
            BodyImage(0, ImageSpec(QUOTING_IMAGE, "Tangkapan <img src=x>", "evil.example")),
        ),
    )


def crawled_archive(url: str) -> Iterator[WebArchive]:
    """Backfill, then edit one article and remove another, then recheck."""
    now = datetime.now(WIB).replace(microsecond=0)
    since = f"since={(now - timedelta(days=10)).date().isoformat()}"
    site = SampleSite([*sample_articles(now), hostile_article(now)], today=now.date())
    with site:
        first = crawl(site.base_url, url, "mode=backfill", since)
        assert first.returncode == 0, describe(first)
        ids = sorted(site.articles)
        edited_id, removed_id = ids[0], ids[2]
        old = site.articles[edited_id]
        site.edit(
            edited_id,
            title=EDIT_PREFIX + old.title,
            pages=((*old.pages[0], ADDED_PARAGRAPH),),
        )
        site.remove(removed_id)
        second = crawl(site.base_url, url, "mode=recheck", since)
        assert second.returncode == 0, describe(second)
        specs = dict(site.articles)
    yield WebArchive(url, sorted(specs, reverse=True), edited_id, removed_id, specs)
    dispose_all()


@pytest.fixture(scope="module", params=BACKENDS)
def web_archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebArchive]:
    """One crawled archive per backend, shared by a test module."""
    folder: Path = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        yield from crawled_archive(f"sqlite:///{folder / 'archive.sqlite3'}")
        return
    skip_without_postgres()
    with postgres_schema_url() as url:
        yield from crawled_archive(url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running ``viva-archive serve`` child: its base URL, then its exit code and output."""

    base_url: str
    pid: int = 0
    returncode: int | None = None
    output: str = ""


@contextmanager
def serving(
    database_url: str, *options: str, env: dict[str, str] | None = None
) -> Iterator[Served]:
    """``viva-archive serve`` (with ``options``) on a free loopback port, up when entered,
    stopped (SIGINT, as Ctrl-C) when left."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "viva_militer_archive.cli.main", "serve", "--port", str(port),
         "--database-url", database_url, *options],
        cwd=REPO_ROOT, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    served = Served(f"http://127.0.0.1:{port}", pid=server.pid)
    try:
        for _ in range(200):
            if server.poll() is not None:
                break
            try:
                httpx.get(f"{served.base_url}/static/style.css", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield served
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
        served.output, _ = server.communicate(timeout=30)
        served.returncode = server.returncode
