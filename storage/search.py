"""Full-text search over article titles and bodies: ranked hits with a highlighted snippet.

PostgreSQL matches :data:`PG_DOCUMENT`, the exact expression of the GIN index ``ix_articles_search``
(migration 0002), so the index serves the query; SQLite matches the FTS5 table ``articles_fts``
that triggers keep in sync. Title matches always rank before body-only matches, then relevance
(``ts_rank`` / ``bm25`` with the title weighted higher) orders each group."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import TextualSelect, text
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import get_session_factory
from storage.types import UTCDateTime

PG_DOCUMENT = (
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(body, '')), 'B')"
)
"""The indexed document; a query must use exactly this expression for the index to apply."""

TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
"""bm25 column weights on SQLite (title first)."""

SNIPPET_WORDS = 24

_PG_SEARCH = f"""
WITH hits AS (
    SELECT a.article_id, a.title, a.url, a.subchannel, a.published_at, a.status, a.body,
           to_tsvector('indonesian'::regconfig, coalesce(a.title, '')) @@ q.query AS in_title,
           ts_rank({PG_DOCUMENT}, q.query) AS score, q.query
    FROM articles a, websearch_to_tsquery('indonesian'::regconfig, :query) AS q(query)
    WHERE ({PG_DOCUMENT}) @@ q.query
    ORDER BY in_title DESC, score DESC, a.article_id DESC
    LIMIT :limit
)
SELECT article_id, title, url, subchannel, published_at, status, in_title, score,
       ts_headline('indonesian'::regconfig, body, query, :options) AS snippet
FROM hits ORDER BY in_title DESC, score DESC, article_id DESC
"""

_SQLITE_SEARCH = """
SELECT a.article_id, a.title, a.url, a.subchannel, a.published_at, a.status,
       a.article_id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :title_query)
           AS in_title,
       -bm25(articles_fts, :title_weight, :body_weight) AS score,
       snippet(articles_fts, 1, :start, :stop, '…', :words) AS snippet
FROM articles_fts JOIN articles a ON a.article_id = articles_fts.rowid
WHERE articles_fts MATCH :query
ORDER BY in_title DESC, score DESC, a.article_id DESC
LIMIT :limit
"""

_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching article, best first."""

    article_id: int
    title: str
    url: str
    subchannel: str | None
    published_at: datetime | None
    status: str
    in_title: bool
    """Whether the query matched the title (such hits come first)."""
    score: float
    """Relevance within its group; higher is better (scales differ between databases)."""
    snippet: str
    """A passage of the body on one line, the matched words between the two marks."""


def fts5_query(query: str) -> str:
    """A safe FTS5 expression for free text: every word must occur (quoted, so no operator of
    FTS5's query language can be injected or cause a syntax error)."""
    return " ".join(f'"{word}"' for word in _WORD_RE.findall(query))


def search_words(query: str) -> list[str]:
    """The words a query searches for (empty: nothing to search)."""
    return _WORD_RE.findall(query)


def _typed(sql: str) -> TextualSelect:
    """``sql`` with its timestamp column read back as an aware UTC datetime."""
    return text(sql).columns(published_at=UTCDateTime())


class ArchiveSearch:
    """Runs full-text queries against one archive."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def search(
        self, query: str, *, limit: int = 20, marks: tuple[str, str] = ("[", "]")
    ) -> list[SearchHit]:
        """The best ``limit`` articles for ``query``; ``marks`` surround matches in snippets."""
        if not search_words(query):
            return []
        with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                options = (
                    f'StartSel="{marks[0]}", StopSel="{marks[1]}", MaxWords={SNIPPET_WORDS}, '
                    f"MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, "
                    'FragmentDelimiter=" … "'
                )
                params = {"query": query, "limit": limit, "options": options}
                rows = session.execute(_typed(_PG_SEARCH), params).all()
            else:
                match = fts5_query(query)
                params = {
                    "query": match,
                    "title_query": f"title : ({match})",
                    "title_weight": TITLE_WEIGHT,
                    "body_weight": BODY_WEIGHT,
                    "start": marks[0],
                    "stop": marks[1],
                    "words": SNIPPET_WORDS,
                    "limit": limit,
                }
                rows = session.execute(_typed(_SQLITE_SEARCH), params).all()
        return [
            SearchHit(
                article_id=int(row.article_id),
                title=row.title,
                url=row.url,
                subchannel=row.subchannel,
                published_at=row.published_at,
                status=row.status,
                in_title=bool(row.in_title),
                score=float(row.score),
                snippet=" ".join((row.snippet or "").split()),
            )
            for row in rows
        ]
