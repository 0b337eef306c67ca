"""Re-extraction: today's parser on the pages the archive kept, without asking the site again.

For each article (all, some ids, or those whose capture was fetched since a date) the pages of
the capture behind its latest revision are read back from their WARC records, parsed,
normalized and validated exactly as a crawl does, and compared with that revision. Where an
extracted field differs, a revision with source ``reextract`` and the current
``PARSER_VERSION`` is appended and becomes the article's content. Only the latest capture is
re-read: older ones were superseded by newer content, and appending their re-reading would put
old text back on top of the history. A record that cannot be read costs its article only.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter

from crawler.extraction import PARSER_VERSION, ArticlePage, parse_article
from crawler.items import CrawledArticle
from crawler.normalize import normalize_item
from crawler.pipelines.validate import Refused, validated
from crawler.warc.reader import WarcReadError, resolve_capture
from storage.batching import CHUNK
from storage.crawl_queries import CrawlQueries
from storage.models import ArticleRevision
from storage.records import COMPARED_FIELDS, changed_fields
from storage.writes import ArchiveWriter
from viva_militer_archive.crawl_stats import keys

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ArticleChange:
    """One article whose re-extraction differs from its latest revision."""

    article_id: int
    based_on: int
    """The revision compared with (the new one is ``based_on + 1``)."""
    fields: list[str]
    """Names of the fields that differ, e.g. ``["tags"]``."""
    written: bool = False
    """Whether the new revision was stored (not in a dry run, nor when superseded)."""


@dataclass(slots=True)
class ReextractReport:
    """What a re-extraction found and did."""

    parser_version: str
    dry_run: bool = False
    examined: int = 0
    """Articles whose latest revision was looked at."""
    unchanged: int = 0
    no_capture: int = 0
    """Latest revision without WARC records (crawled with WARC writing off, or before it)."""
    changed: list[ArticleChange] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    """Changed articles that gained a newer revision meanwhile (left alone)."""
    unreadable: dict[int, str] = field(default_factory=dict)
    """Article id -> why its capture could not be read (missing, truncated, corrupt record)."""
    rejected: dict[int, str] = field(default_factory=dict)
    """Article id -> why the parser's output was refused (parser error, failed validation)."""

    def field_counts(self) -> dict[str, int]:
        """Changed articles per field, most frequent first."""
        counts = Counter(name for change in self.changed for name in change.fields)
        return dict(counts.most_common())

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``--json``)."""
        return {**asdict(self), "fields": self.field_counts()}


def reextract(
    database_url: str | None,
    directory: Path,
    *,
    article_ids: Sequence[int] | None = None,
    fetched_since: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = CHUNK,
    page_class: type[ArticlePage] = ArticlePage,
) -> ReextractReport:
    """Re-extract the latest capture of the selected articles with ``page_class`` reading the
    pages (the ``ARTICLE_PAGE_CLASS`` a crawl would use); see the module docstring."""
    queries, writer = CrawlQueries(database_url), ArchiveWriter(database_url)
    report = ReextractReport(PARSER_VERSION, dry_run=dry_run)
    after = 0
    while revisions := queries.current_revisions(
        article_ids=article_ids, fetched_since=fetched_since, after_id=after, limit=batch_size
    ):
        after = revisions[-1].article_id
        examined = (_examine(revision, directory, page_class, report) for revision in revisions)
        changed = [item for item in examined if item is not None]
        if changed and not dry_run:
            written = set(writer.store_reextracted(changed))
            for change in report.changed[-len(changed) :]:
                change.written = change.article_id in written
                if not change.written:
                    report.superseded.append(change.article_id)
    return report


def _examine(
    revision: ArticleRevision,
    directory: Path,
    page_class: type[ArticlePage],
    report: ReextractReport,
) -> dict[str, Any] | None:
    """The item to store when re-reading ``revision``'s capture changes it; None otherwise
    (the outcome is counted in ``report``)."""
    report.examined += 1
    article_id = revision.article_id
    if not revision.warc_records:
        report.no_capture += 1
        return None
    try:
        item = reread(revision.url, revision.warc_records, directory, page_class)
    except WarcReadError as exc:
        log.warning("Article %s: capture unreadable: %s", article_id, exc)
        report.unreadable[article_id] = str(exc)
        return None
    except Refused as exc:
        report.rejected[article_id] = str(exc)
        return None
    except Exception as exc:  # a parser bug must cost one article, not the run
        log.exception("Parser failed on the capture of article %s", article_id)
        report.rejected[article_id] = f"{keys.parser_error(exc)}: {exc}"
        return None
    fields = fields_changed(revision, item)
    if not fields:
        report.unchanged += 1
        return None
    report.changed.append(ArticleChange(article_id, revision.revision, fields))
    return {**item, "based_on": revision.revision}


def fields_changed(revision: ArticleRevision, item: dict[str, Any]) -> list[str]:
    """Names of the fields in which ``item`` differs from the stored ``revision``."""
    stored = {name: getattr(revision, name) for name in (*COMPARED_FIELDS, "title", "body")}
    return changed_fields({**stored, "content_hash": revision.content_hash}, item)


def reread(
    url: str,
    records: Sequence[dict[str, Any]],
    directory: Path,
    page_class: type[ArticlePage] = ArticlePage,
) -> dict[str, Any]:
    """The item the current parser makes of the pages stored at ``records``, normalized and
    validated as by the crawl's pipelines (raises :class:`WarcReadError` or :class:`Refused`)."""
    pages = [resolve_capture(directory, location) for location in records]
    parsed = [page_class(page.html, page.uri) for page in pages]
    return pipeline_item(url, parsed, records, fetched_at=pages[0].fetched_at)


def pipeline_item(
    url: str,
    pages: Sequence[ArticlePage],
    records: Sequence[dict[str, Any]],
    *,
    fetched_at: datetime,
) -> dict[str, Any]:
    """The article of ``pages`` (parsed, in page order, stored at ``records``) as the crawl's
    pipelines leave it: normalized, then validated (:class:`Refused` says why not)."""
    parts = urlsplit(url)
    base_url = f"{parts.scheme}://{parts.netloc}"  # the site root the capture was mapped onto
    parsed = parse_article(url, pages, base_url=base_url, fetched_at=fetched_at)
    item = CrawledArticle.of(parsed, parser_version=PARSER_VERSION, warc_records=list(records))
    normalize_item(item, base_url)
    validated(item)
    return ItemAdapter(item).asdict()
