"""Archive statistics: what the archive holds and how the recent crawls went."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import iso_timestamp
from storage.dialects import site_date
from storage.engine import get_session_factory
from storage.models import Article, ArticleRevision, CrawlRun
from viva_militer_archive.crawl_stats.keys import EXTRACT_PREFIX, ITEMS_WITH_WARNINGS

RECENT_RUNS = 10
"""How many of the latest runs the extraction-warning summary covers."""


class ArchiveStats:
    """Computes the numbers ``viva-archive stats`` prints."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def collect(self, recent_runs: int = RECENT_RUNS) -> dict[str, Any]:
        """All statistics as one JSON-ready mapping (months on the site's calendar)."""
        with self.sessions() as session:
            month = site_date(session, Article.published_at, "month").label("month")
            by_status: dict[str, int] = {
                status: count
                for status, count in session.execute(
                    select(Article.status, func.count()).group_by(Article.status)
                )
            }
            by_subchannel = session.execute(
                select(Article.subchannel, func.count())
                .group_by(Article.subchannel)
                .order_by(func.count().desc(), Article.subchannel)
            ).all()
            by_month = session.execute(
                select(month, func.count()).group_by(month).order_by(month.desc())
            ).all()
            revisions = session.scalar(select(func.count()).select_from(ArticleRevision)) or 0
            revised = session.scalar(select(func.count()).where(Article.revision_count > 1)) or 0
            last_ok = session.scalars(
                select(CrawlRun)
                .where(CrawlRun.status == "finished")
                .order_by(CrawlRun.id.desc())
                .limit(1)
            ).first()
            runs = list(
                session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(recent_runs))
            )
        warnings: Counter[str] = Counter()
        for run in runs:
            for key, value in (run.stats or {}).items():
                if key.startswith(EXTRACT_PREFIX) and key != ITEMS_WITH_WARNINGS:
                    warnings[key[len(EXTRACT_PREFIX) :]] += int(value)
        return {
            "articles": sum(by_status.values()),
            "live": by_status.get("live", 0),
            "gone": by_status.get("gone", 0),
            "revisions": revisions,
            "articles_revised": revised,
            "by_subchannel": {sub or "(unknown)": count for sub, count in by_subchannel},
            "by_month": {m or "(undated)": count for m, count in by_month},
            "last_successful_run": None
            if last_ok is None
            else {
                "id": last_ok.id,
                "mode": last_ok.mode,
                "started_at": iso_timestamp(last_ok.started_at),
                "finished_at": iso_timestamp(last_ok.finished_at),
            },
            "extraction_warnings": {
                "runs": len(runs),
                "items_with_warnings": sum(run.extraction_warnings for run in runs),
                "by_kind": dict(warnings.most_common()),
            },
        }
