"""Full-text search over article titles and bodies: a page of hits, filters, a capped count.

Both databases index words unstemmed and match the same way (:mod:`storage.word_forms`: every
query word must occur, as any word starting with one of its Indonesian forms). PostgreSQL
matches the stored ``search_title`` / ``search_document`` vectors and their GIN indexes
(migration 0005); SQLite the FTS5 table ``articles_fts`` (migration 0002).

Order: title matches first (every word in the title), then body matches; within each group the
newest article first (highest id: VIVA ids rise with publication time). That order lets the
database stop after the page instead of ranking every match (a common word matches nearly every
article): FTS5 yields matches in id order; PostgreSQL first tries the newest articles (a walk
down the id index with a fixed budget: a common word is found there at once) and otherwise asks
the GIN index (then the matches are few). ``score`` (``ts_rank`` of the stored vector / FTS5
``bm25``) and the snippet are computed for the returned rows only, the snippet from the first
:data:`storage.snippets.SCAN_CHARS` characters of the body (all the database sends). A search may
be given a deadline: the database stops it there (:mod:`storage.deadlines`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from storage.conditions import article_conditions, matching_names, statement
from storage.deadlines import statements_until
from storage.engine import get_engine, get_session_factory
from storage.filters import ArticleFilters
from storage.snippets import SCAN_CHARS, make_snippet
from storage.types import UTCDateTime
from storage.word_forms import QueryWord, parse_query

TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
"""bm25 column weights on SQLite."""
MAX_WINDOW = 100_000
"""Deepest row (offset + limit) a search may ask for."""


SearchFilters = ArticleFilters
"""The search API's name for the filters (the same ones the lists take)."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching article."""

    article_id: int
    title: str
    url: str
    subchannel: str | None
    published_at: datetime | None
    status: str
    in_title: bool
    """Whether every query word matched the title (such hits come first)."""
    score: float
    """Relevance, for information (order is title group, then newest); scales differ between
    databases."""
    snippet: str
    """Plain text (no marks, no markup): a passage of the body on one line."""
    highlights: tuple[tuple[int, int], ...]
    """``(start, end)`` character offsets of the matched words in ``snippet``."""


def postgres_query(words: Sequence[QueryWord]) -> str:
    """``to_tsquery('simple', ...)`` text: every word, each as any of its forms (prefixes)."""
    groups = [
        "(" + " | ".join(f"'{form}':*" for form in word.forms) + ")"
        if word.prefix
        else f"'{word.word}'"
        for word in words
    ]
    return " & ".join(groups)


def fts5_query(words: Sequence[QueryWord]) -> str:
    """An FTS5 expression of the same meaning; every form is quoted, so no operator of FTS5's
    query language can come from the user's text."""
    groups = [
        "(" + " OR ".join(f'"{form}"*' for form in word.forms) + ")"
        if word.prefix
        else f'"{word.word}"'
        for word in words
    ]
    return " AND ".join(groups)


class NoSuchName(LookupError):
    """A tag or author filter names nothing in the archive: nothing can match."""


def _filter_sql(session: Session, filters: SearchFilters | None) -> tuple[str, dict[str, Any]]:
    """``AND ...`` conditions on alias ``a`` and their parameters
    (:func:`storage.conditions.article_conditions`), the tag or author looked up first: the
    planner then knows how many articles carry it. On SQLite ``EXISTS`` lets the walk over the
    newest matches check each by the link table's key instead of first listing every article
    with that tag; PostgreSQL plans ``IN`` as the semi-join that suits the case.
    :class:`NoSuchName` when a tag or author names nothing."""
    ids = matching_names(session, filters)
    postgres = session.get_bind().dialect.name == "postgresql"
    conditions = article_conditions(filters, "a", ids=ids, exists=not postgres)
    if not all(ids.values()):
        raise NoSuchName(", ".join(name for name, found in ids.items() if not found))
    return conditions.where(), conditions.params


PG_MATCH = "to_tsquery('simple'::regconfig, :query)"
PG_TESTS = {
    True: f"a.search_title @@ {PG_MATCH}",
    False: f"a.search_document @@ {PG_MATCH} AND NOT (a.search_title @@ {PG_MATCH})",
}
"""Title group, body group."""
PROBE_ROWS, PROBE_MAX = 100, 10_000
"""The newest ``PROBE_ROWS`` × (offset + limit) rows, at most ``PROBE_MAX``, are tried first."""


def _no_table_scans(session: Session) -> None:
    """Keep this transaction's plans off whole-table scans: the planner prices a row by its
    heap page and misses that testing a stored vector reads it from TOAST, so a scan that
    reads every article's vector (over a second at 100,000) looked cheaper than the index."""
    session.execute(text("SET LOCAL enable_seqscan = off"))


def _postgres_probe(test: str, where: str) -> str:
    """The newest matches among the newest ``:budget`` articles passing the filters: a walk down
    the id index that stops after ``:budget`` rows (a subquery with LIMIT is never flattened)."""
    return (
        "SELECT a.article_id FROM (SELECT a.article_id, a.search_title, a.search_document "
        f"FROM articles a WHERE true{where} ORDER BY a.article_id DESC LIMIT :budget) AS a "
        f"WHERE {test} ORDER BY a.article_id DESC LIMIT :window"
    )


def _postgres_all(test: str, where: str) -> str:
    """The newest matches among all matches, found through the GIN index: the materialized CTE
    keeps the planner from walking the id index instead (its estimate for a query of many word
    starts is high whatever the word, and a walk for a rare word reads the whole table)."""
    return (
        f"WITH hits AS MATERIALIZED (SELECT a.article_id FROM articles a WHERE {test}{where}) "
        "SELECT article_id FROM hits ORDER BY article_id DESC LIMIT :window"
    )


def _sqlite_page(where: str) -> str:
    """Both groups in one statement: FTS5 walks each group's matches in descending id order
    (no sort) and stops after ``:window`` rows passing the filters."""
    arm = (
        "SELECT * FROM (SELECT articles_fts.rowid AS article_id, {in_title} AS in_title, "
        "-bm25(articles_fts, :title_weight, :body_weight) AS score "
        "FROM articles_fts JOIN articles a ON a.article_id = articles_fts.rowid "
        f"WHERE articles_fts MATCH {{match}}{where} "
        "ORDER BY articles_fts.rowid DESC LIMIT :window)"
    )
    title = arm.format(in_title=1, match=":title_query")
    body = arm.format(in_title=0, match=":body_query")
    return (
        f"{title} UNION ALL {body} "
        "ORDER BY in_title DESC, article_id DESC LIMIT :limit OFFSET :offset"
    )


_PG_SCORES = text(
    f"SELECT article_id, ts_rank(search_document, {PG_MATCH}) FROM articles "
    "WHERE article_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_DETAILS = (
    text(
        "SELECT article_id, title, url, subchannel, published_at, status, "
        "substr(body, 1, :scan) AS body FROM articles WHERE article_id IN :ids"
    )
    .bindparams(bindparam("ids", expanding=True), scan=SCAN_CHARS + 1)
    .columns(published_at=UTCDateTime())
)


class ArchiveSearch:
    """Runs full-text queries against one archive."""

    def __init__(self, database_url: str) -> None:
        self.sessions = get_session_factory(database_url)

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
        deadline: float | None = None,
    ) -> list[SearchHit]:
        """Hits ``offset`` to ``offset + limit`` (title matches first, then newest first).

        ``ValueError`` (one line) for a query without a word, or a limit/offset out of range;
        :class:`storage.deadlines.DeadlinePassed` when the database is still at work at
        ``deadline`` (a :func:`time.monotonic` instant; ``None``: no limit)."""
        words = parse_query(query)
        if limit < 1 or offset < 0 or offset + limit > MAX_WINDOW:
            raise ValueError(
                f"limit must be ≥ 1 and offset ≥ 0, with offset + limit ≤ {MAX_WINDOW:,}"
            )
        with self.sessions() as session, statements_until(session, deadline):
            try:
                where, params = _filter_sql(session, filters)
            except NoSuchName:
                return []
            params |= {"limit": limit, "offset": offset, "window": offset + limit}
            page = self._page(session, words, where, params)
            if not page:
                return []
            ids = [article_id for article_id, _, _ in page]
            rows = {row.article_id: row for row in session.execute(_DETAILS, {"ids": ids})}
        hits = []
        for article_id, in_title, score in page:
            row = rows[article_id]
            snippet = make_snippet(row.body or "", words)
            hits.append(
                SearchHit(
                    article_id=int(article_id),
                    title=row.title,
                    url=row.url,
                    subchannel=row.subchannel,
                    published_at=row.published_at,
                    status=row.status,
                    in_title=bool(in_title),
                    score=float(score or 0.0),
                    snippet=snippet.text,
                    highlights=snippet.highlights,
                )
            )
        return hits

    def _page(
        self, session: Session, words: list[QueryWord], where: str, params: dict[str, Any]
    ) -> list[tuple[int, bool, float]]:
        if session.get_bind().dialect.name == "postgresql":
            params["query"] = postgres_query(words)
            return self._postgres_page(session, where, params)
        match = fts5_query(words)
        params |= {
            "title_query": f"title : ({match})",
            "body_query": f"({match}) NOT (title : ({match}))",
            "title_weight": TITLE_WEIGHT,
            "body_weight": BODY_WEIGHT,
        }
        rows = session.execute(statement(_sqlite_page(where), params), params).all()
        return [(row.article_id, bool(row.in_title), float(row.score)) for row in rows]

    def _postgres_page(
        self, session: Session, where: str, params: dict[str, Any]
    ) -> list[tuple[int, bool, float]]:
        """Both groups, each from a probe of the newest articles when that finds enough (a
        common word), else from the index (a rarer word: then the matches are few)."""
        _no_table_scans(session)
        ordered: list[tuple[int, bool]] = []
        for in_title, test in PG_TESTS.items():
            window = params["offset"] + params["limit"] - len(ordered)  # still to find
            if window <= 0:
                break
            arm = params | {"window": window, "budget": min(PROBE_MAX, PROBE_ROWS * window)}
            ids = session.scalars(statement(_postgres_probe(test, where), arm), arm).all()
            if len(ids) < window:
                ids = session.scalars(statement(_postgres_all(test, where), arm), arm).all()
            ordered += [(article_id, in_title) for article_id in ids]
        page = ordered[params["offset"] : params["offset"] + params["limit"]]
        if not page:
            return []
        scores = dict(
            session.execute(
                _PG_SCORES,
                {"ids": [article_id for article_id, _ in page], "query": params["query"]},
            ).all()
        )
        return [(article_id, in_title, scores[article_id]) for article_id, in_title in page]

    def count(
        self,
        query: str,
        *,
        filters: SearchFilters | None = None,
        cap: int = 10_000,
        deadline: float | None = None,
    ) -> int:
        """How many articles match, counted up to ``cap`` (reading at most ``cap`` index hits),
        for "N results" and paging; ``deadline`` as for :meth:`search`."""
        words = parse_query(query)
        with self.sessions() as session, statements_until(session, deadline):
            try:
                where, params = _filter_sql(session, filters)
            except NoSuchName:
                return 0
            params["cap"] = max(0, cap)
            if session.get_bind().dialect.name == "postgresql":
                _no_table_scans(session)
                params["query"] = postgres_query(words)
                sql = (
                    "SELECT count(*) FROM (SELECT 1 FROM articles a WHERE a.search_document @@ "
                    f"to_tsquery('simple'::regconfig, :query){where} LIMIT :cap) AS hits"
                )
            else:
                params["query"] = fts5_query(words)
                # the articles only when a filter reads them: a join costs a lookup per match
                joined = " JOIN articles a ON a.article_id = articles_fts.rowid" if where else ""
                sql = (
                    f"SELECT count(*) FROM (SELECT 1 FROM articles_fts{joined} "
                    f"WHERE articles_fts MATCH :query{where} LIMIT :cap)"
                )
            return int(session.execute(statement(sql, params), params).scalar_one())


def refresh_search_index(database_url: str) -> None:
    """Tidy the search index after a bulk write (import, copy), as the databases' own upkeep
    would later: PostgreSQL merges GIN's pending list and refreshes the planner's statistics
    (``VACUUM ANALYZE``); SQLite merges the FTS5 segments (``optimize``) and runs ``ANALYZE``."""
    engine = get_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(
                text("VACUUM (ANALYZE) articles, article_tags, article_authors, tags, authors")
            )
        return
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')"))
        conn.execute(text("ANALYZE"))
