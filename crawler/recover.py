"""Recovering a blind spell: articles a crawl fetched but never archived, read back from the
WARC files with today's parser, without asking the site again.

While the parser cannot read the site (a redesign, a wrong selector), a crawl still keeps every
article page it fetches in the WARC files. After the fix, :func:`recover` walks the files of a
period one record at a time, gathers the pages of each article's newest capture there
(``?page=all``, then the ``?page=N`` a crawl chains from it), runs the current parser with the
crawl's normalize and validate steps, and archives each article it can read as a revision with
source ``reextract``. Articles the archive already holds from a capture at least as new are left
to :func:`crawler.reextract.reextract`; one a crawl archives meanwhile is never covered with the
older content. A damaged file costs only its damaged records.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.blocking import detect_wall
from crawler.extraction import PARSER_VERSION, ArticlePage
from crawler.pipelines.validate import Refused
from crawler.reextract import fields_changed, pipeline_item
from crawler.spiders.viva_militer import MAX_PAGES
from crawler.urls import article_id_from_url, page_number
from crawler.warc.location import WarcLocation
from crawler.warc.reader import ResponseHeader, WarcReadError, read_page, response_records
from crawler.warc.writer import file_opened_at
from storage.batching import CHUNK, chunks
from storage.crawl_queries import CrawlQueries
from storage.models import ArticleRevision
from storage.writes import ArchiveWriter
from viva_militer_archive.crawl_stats import keys

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc.gz", ".warc")
FILE_MARGIN = timedelta(hours=1)
"""A file is skipped as outside the period only when its own dates (opened: in its name; last
written: its modification time) miss the period by more than this: the later pages of a
capture may sit in the next file of a run."""


@dataclass(slots=True)
class Capture:
    """The pages of one fetch of an article, in page order."""

    article_id: int
    fetched_at: datetime
    """``WARC-Date`` of its first page."""
    records: list[WarcLocation]


class IncompleteCapture(Exception):
    """The parser says the article goes on, but the crawl never fetched the next page."""


@dataclass(slots=True)
class RecoverReport:
    """What a recovery found and did."""

    parser_version: str
    dry_run: bool = False
    files: int = 0
    """WARC files read."""
    files_skipped: int = 0
    """Files not read: their dates lie outside the period."""
    damaged_files: dict[str, str] = field(default_factory=dict)
    """File -> the damage that ended its reading (its earlier records were used)."""
    captures: int = 0
    """Article captures (first pages answered 2xx) fetched in the period."""
    error_answers: int = 0
    """First pages of articles the site answered with an error status (4xx/5xx: not parsed)."""
    articles: int = 0
    """Distinct articles among the captures (the newest capture of each is examined)."""
    already_archived: int = 0
    """Articles whose latest revision is this capture or a newer one."""
    unchanged: int = 0
    """Articles archived from an older capture whose content this newer one repeats."""
    recovered: list[int] = field(default_factory=list)
    """Articles archived from their capture (a dry run: that would be)."""
    superseded: list[int] = field(default_factory=list)
    """Readable articles a crawl archived with newer content meanwhile (left alone)."""
    unreadable: dict[int, str] = field(default_factory=dict)
    """Article id -> why today's parser cannot make an article of its capture."""
    reasons: Counter[str] = field(default_factory=Counter)
    """Unreadable articles by kind of reason (``missing title``, ``damaged record``...)."""

    def fail(self, article_id: int, kind: str, detail: str) -> None:
        self.unreadable[article_id] = f"{kind}: {detail}"
        self.reasons[kind] += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``--json``)."""
        return {**asdict(self), "reasons": dict(self.reasons.most_common())}


def recover(
    database_url: str | None,
    directory: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
    page_class: type[ArticlePage] = ArticlePage,
    batch_size: int = CHUNK,
) -> RecoverReport:
    """Archive what ``page_class`` reads of the newest capture of each article fetched in
    ``[since, until)`` that the archive lacks or holds only from an older capture."""
    report = RecoverReport(PARSER_VERSION, dry_run=dry_run)
    captures = newest_captures(directory, since, until, report)
    report.articles = len(captures)
    queries, writer = CrawlQueries(database_url), ArchiveWriter(database_url)
    for ids in chunks(sorted(captures), batch_size):
        latest = {
            revision.article_id: revision
            for revision in queries.current_revisions(article_ids=ids, limit=len(ids))
        }
        items = []
        for article_id in ids:
            capture, revision = captures[article_id], latest.get(article_id)
            if revision is not None and covers(revision, capture):
                report.already_archived += 1
                continue
            item = _extract(capture, directory, page_class, report)
            if item is None:
                continue
            if revision is not None and not fields_changed(revision, item):
                report.unchanged += 1  # fetched again unchanged: no revision to add
                continue
            items.append({**item, "based_on": revision.revision if revision else 0})
        if dry_run or not items:
            report.recovered += [int(item["article_id"]) for item in items]
            continue
        written = set(writer.store_reextracted(items))
        for article_id in (int(item["article_id"]) for item in items):
            (report.recovered if article_id in written else report.superseded).append(article_id)
    return report


def covers(revision: ArticleRevision, capture: Capture) -> bool:
    """Whether the archived ``revision`` was read from ``capture`` or from a newer fetch
    (revision times are whole seconds)."""
    first = capture.records[0]
    if any(
        (stored.get("file"), stored.get("offset")) == (first["file"], first["offset"])
        for stored in revision.warc_records or []
    ):
        return True
    return revision.fetched_at >= capture.fetched_at.replace(microsecond=0)


# -- finding the captures -----------------------------------------------------------------------


def newest_captures(
    directory: Path, since: datetime | None, until: datetime | None, report: RecoverReport
) -> dict[int, Capture]:
    """The newest capture of each article whose first page was fetched in ``[since, until)``,
    by article id; only record locations are kept, never bodies."""
    newest: dict[int, Capture] = {}
    chaining: dict[int, Capture | None] = {}  # where an article's next ?page=N belongs
    for name in warc_files(directory, since, until, report):
        report.files += 1
        try:
            for header in response_records(directory, name):
                _take(header, newest, chaining, since, until, report)
        except WarcReadError as exc:
            log.warning("%s", exc)
            report.damaged_files[name] = str(exc)
    return newest


def warc_files(
    directory: Path, since: datetime | None, until: datetime | None, report: RecoverReport
) -> Iterator[str]:
    """Names of the WARC files in ``directory`` that may hold records of the period, oldest
    first (a run's pages follow each other); files clearly outside it are counted and skipped.

    A file written by the crawl names the time it was opened; its modification time is when it
    was last written (a copy that did not keep it only looks newer, and is read)."""
    found: list[tuple[datetime, str]] = []
    for entry in os.scandir(directory):
        if not entry.name.endswith(WARC_SUFFIXES) or not entry.is_file():
            continue
        written = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
        opened = file_opened_at(entry.name)
        if (since and written < since - FILE_MARGIN) or (
            until and opened and opened > until + FILE_MARGIN
        ):
            report.files_skipped += 1
            continue
        found.append((opened or written, entry.name))
    for _, name in sorted(found):
        yield name


def _take(
    header: ResponseHeader,
    newest: dict[int, Capture],
    chaining: dict[int, Capture | None],
    since: datetime | None,
    until: datetime | None,
    report: RecoverReport,
) -> None:
    """Count one response record and file it under its article's capture."""
    uri = header.location["uri"]
    article_id = article_id_from_url(uri)
    if article_id is None or 300 <= header.status < 400:
        return  # not an article page, or a redirect (its target has a record of its own)
    number = page_number(uri) or 1
    if number > 1:
        capture = chaining.get(article_id)
        if header.status < 300 and capture is not None and len(capture.records) == number - 1:
            capture.records.append(header.location)
        return
    in_period = (since is None or header.fetched_at >= since) and (
        until is None or header.fetched_at < until
    )
    if not in_period:
        chaining[article_id] = None
        return
    if header.status >= 400:
        report.error_answers += 1
        return
    report.captures += 1
    capture = Capture(article_id, header.fetched_at, [header.location])
    current = newest.get(article_id)
    is_newest = current is None or capture.fetched_at >= current.fetched_at
    if is_newest:
        newest[article_id] = capture
    chaining[article_id] = capture if is_newest else None


# -- reading one capture ----------------------------------------------------------------------


class CapturedWall(Exception):
    """The capture is a bot challenge or wall, not the article (counted ``blocked``)."""


def _extract(
    capture: Capture, directory: Path, page_class: type[ArticlePage], report: RecoverReport
) -> dict[str, Any] | None:
    """The checked item of ``capture``, or None (the reason is counted in ``report``)."""
    article_id = capture.article_id
    try:
        pages, first_uri, fetched_at = _chained_pages(capture, directory, page_class)
        records = capture.records[: len(pages)]
        return pipeline_item(first_uri, pages, records, fetched_at=fetched_at)
    except WarcReadError as exc:
        log.warning("Article %s: capture unreadable: %s", article_id, exc)
        report.fail(article_id, "damaged record", str(exc))
    except IncompleteCapture as exc:
        report.fail(article_id, "incomplete capture", str(exc))
    except CapturedWall as exc:
        report.fail(article_id, "blocked", str(exc))
    except Refused as exc:
        report.fail(article_id, exc.reason, exc.detail or capture.records[0]["uri"])
    except Exception as exc:  # a parser bug must cost one article, not the run
        log.exception("Parser failed on the capture of article %s", article_id)
        report.fail(article_id, keys.parser_error(exc), str(exc))
    return None


def _chained_pages(
    capture: Capture, directory: Path, page_class: type[ArticlePage]
) -> tuple[list[ArticlePage], str, datetime]:
    """The pages a crawl reading with ``page_class`` would have used: page 1, then the next
    one for as long as a page says the article goes on (as the spider chains them); the URI
    and fetch time of the first page."""
    pages: list[ArticlePage] = []
    first = None
    for location in capture.records:
        stored = read_page(directory, location)
        wall = detect_wall(stored.status, {}, stored.html.encode("utf-8", "replace"))
        if wall is not None:  # a bot challenge was fetched instead of the article
            raise CapturedWall(f"{wall.kind} ({wall.evidence}): {stored.uri}")
        first = first or stored
        pages.append(page_class(stored.html, stored.uri))
        if not pages[-1].has_next or len(pages) >= MAX_PAGES:
            assert first is not None
            return pages, first.uri, first.fetched_at
    raise IncompleteCapture(f"page {len(pages) + 1} was never fetched")
