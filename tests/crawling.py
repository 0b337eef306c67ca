"""Running real crawls in tests: ``scrapy crawl viva_militer`` in a child process against the
sample site on loopback, with politeness delays off."""

from __future__ import annotations

import subprocess
from typing import Any

from sqlalchemy import select

from storage.engine import get_session_factory
from storage.models import Article, ArticleRevision, CrawlRun
from viva_militer_archive.sample_site.harness import (
    FAST_SETTINGS,
    REPO_ROOT,
    crawl_command,
    crawl_env,
    crawl_runs,
    last_run,
)

__all__ = ["FAST_SETTINGS", "REPO_ROOT", "crawl_command", "crawl_env", "last_run"]


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


runs = crawl_runs


def describe(process: subprocess.CompletedProcess[str]) -> str:
    """The tail of a crawl's log, for assertion messages."""
    return f"exit {process.returncode}\n{process.stderr[-3000:]}"


def stat(run: CrawlRun, key: str) -> Any:
    return (run.stats or {}).get(key)
