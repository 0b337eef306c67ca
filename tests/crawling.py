"""Running real crawls in tests: ``scrapy crawl viva_militer`` in a child process against the
sample site on loopback, with politeness delays off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.engine import get_session_factory
from storage.models import Article, ArticleRevision, CrawlRun

REPO_ROOT = Path(__file__).resolve().parent.parent

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


def crawl_command(*arguments: str, settings: dict[str, str] | None = None) -> list[str]:
    """``python -m scrapy crawl viva_militer -a k=v ... -s K=V ...``."""
    command = [sys.executable, "-m", "scrapy", "crawl", "viva_militer"]
    for argument in arguments:  # name=value is a spider argument, anything else goes as is
        is_spider_argument = "=" in argument and not argument.startswith(("-", "/"))
        command += ["-a", argument] if is_spider_argument else [argument]
    for key, value in {**FAST_SETTINGS, **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    return command


def crawl_env(base_url: str, database_url: str) -> dict[str, str]:
    return {**os.environ, "VIVA_BASE_URL": base_url, "DATABASE_URL": database_url}


def crawl(
    base_url: str,
    database_url: str,
    *arguments: str,
    settings: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run one crawl to the end; returns the finished process (stdout/stderr captured)."""
    return subprocess.run(
        crawl_command(*arguments, settings=settings),
        env=crawl_env(base_url, database_url),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def articles(database_url: str) -> dict[int, Article]:
    with get_session_factory(database_url)() as session:
        return {a.article_id: a for a in session.scalars(select(Article))}


def revisions(database_url: str, article_id: int) -> list[ArticleRevision]:
    with get_session_factory(database_url)() as session:
        stmt = (
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article_id)
            .order_by(ArticleRevision.revision)
        )
        return list(session.scalars(stmt))


def runs(database_url: str) -> list[CrawlRun]:
    with get_session_factory(database_url)() as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def last_run(database_url: str) -> CrawlRun:
    return runs(database_url)[-1]


def describe(process: subprocess.CompletedProcess[str]) -> str:
    """The tail of a crawl's log, for assertion messages."""
    return f"exit {process.returncode}\n{process.stderr[-3000:]}"


def stat(run: CrawlRun, key: str) -> Any:
    return (run.stats or {}).get(key)
