"""What the tests, the benchmarks and the demo share to run real crawls on this machine: fast
crawl settings, the ``scrapy crawl`` command line and its environment, the sample site served on
loopback in a thread, and a fresh archive database (a SQLite file or a throw-away PostgreSQL
schema).

It lives in the package (not in ``tests/`` or ``bench/``) so that ``pip install -e '.[bench]'``
is enough to run a benchmark and the demo needs no test code. Nothing here leaves 127.0.0.1."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.config import error_summary, mask_url
from storage.engine import dispose_all, get_session_factory
from storage.models import CrawlRun
from viva_militer_archive.sample_site.server import SampleSite

if TYPE_CHECKING:
    from datetime import date

    from viva_militer_archive.sample_site.render import ArticleSpec

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
"""The checkout (``scrapy crawl`` finds ``scrapy.cfg`` here)."""

FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "8",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "BACKOFF_BASE_DELAY": "0.2",
    "BACKOFF_MAX_DELAY": "3",
    "STORE_FLUSH_SECONDS": "1",
    "LOG_LEVEL": "INFO",
}
"""Politeness delays off and short back-offs: the site is local (robots.txt is still obeyed)."""

DEFAULT_TEST_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# -- crawls ---------------------------------------------------------------------------------


def crawl_command(*arguments: str, settings: dict[str, str] | None = None) -> list[str]:
    """``python -m scrapy crawl viva_militer -a k=v ... -s K=V ...`` with :data:`FAST_SETTINGS`
    (``settings`` on top). A ``name=value`` argument is a spider argument; others go as is."""
    command = [sys.executable, "-m", "scrapy", "crawl", "viva_militer"]
    for argument in arguments:
        is_spider_argument = "=" in argument and not argument.startswith(("-", "/"))
        command += ["-a", argument] if is_spider_argument else [argument]
    for key, value in {**FAST_SETTINGS, **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    return command


def crawl_env(base_url: str, database_url: str, archive_dir: Path | None = None) -> dict[str, str]:
    """The crawl child's environment: the sample site as the VIVA root, the given archive, and
    the WARC folder when one is given."""
    env = {
        **os.environ,
        "VIVA_BASE_URL": base_url,
        "DATABASE_URL": database_url,
        "SCRAPY_SETTINGS_MODULE": "crawler.settings",
    }
    if archive_dir is not None:
        env["ARCHIVE_DIR"] = str(archive_dir)
    return env


def crawl_runs(database_url: str) -> list[CrawlRun]:
    """Every recorded crawl run, oldest first."""
    with get_session_factory(database_url)() as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def last_run(database_url: str) -> CrawlRun:
    """The newest recorded crawl run."""
    return crawl_runs(database_url)[-1]


# -- the sample site ------------------------------------------------------------------------


@contextmanager
def serving(
    articles: Sequence[ArticleSpec], today: date, *, prerender: bool = False, **options: Any
) -> Iterator[SampleSite]:
    """The sample site on a free loopback port, served by a thread until the block ends;
    ``prerender`` renders every article page first (so a timed crawl does not time the site)."""
    site = SampleSite(articles, today=today, **options)
    if prerender:
        for spec in articles:
            site.article(spec.article_id, "all")
    with site:
        yield site


# -- databases ------------------------------------------------------------------------------


def postgres_base_url() -> str:
    """The PostgreSQL server of tests and benchmarks: ``TEST_DATABASE_URL`` or the local one."""
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_POSTGRES


@functools.cache
def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL cannot be used here, or None when the server answers."""
    url = postgres_base_url()
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure means: no usable server
        return (
            f"PostgreSQL not reachable at {mask_url(url)} ({error_summary(exc)}); "
            "set TEST_DATABASE_URL to run the PostgreSQL tests"
        )
    finally:
        engine.dispose()
    return None


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a new, empty schema, dropped afterwards."""
    base = postgres_base_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """An empty database: ``sqlite`` (a file in a temp folder) or ``postgresql`` (a new schema
    on :func:`postgres_base_url`), gone afterwards. Raises ``RuntimeError`` without a server."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="viva-archive-") as folder:
            yield f"sqlite:///{Path(folder) / 'archive.sqlite3'}"
            dispose_all()
        return
    reason = postgres_unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    with postgres_schema_url() as url:
        yield url
        dispose_all()
