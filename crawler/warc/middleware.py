"""Downloader middleware writing every article page response to the run's WARC files.

It sits next to the downloader (order 950, above HttpCompressionMiddleware), so it sees each
response as received (body still compressed, redirects and retried errors included) and each
request with every header the other middlewares added. Only requests the spider marked as
article pages (``meta["article"]``) are kept, not listings or sitemaps. The location of the
record is left in ``meta[WARC_RECORD_META]`` for the spider to attach to the item."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.statscollectors import StatsCollector
from sqlalchemy.exc import SQLAlchemyError

from crawler.warc.location import PREVIOUS_CAPTURE, WARC_RECORD_META, archive_dir
from crawler.warc.writer import DEFAULT_MAX_BYTES, ClosedFile, Exchange, RollingWarcWriter
from storage.config import resolve_database_url
from storage.fixity import FixityLedger
from viva_militer_archive.crawl_stats.keys import (
    WARC_BYTES,
    WARC_ERRORS,
    WARC_FILES,
    WARC_RECORDS,
    WARC_REVISITS,
)

log = logging.getLogger(__name__)

ARTICLE_META = "article"
"""``Request.meta`` key the spider sets on article page requests: those are archived."""
WARC_1_1_SPEC = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


class WarcMiddleware:
    """Archives article page responses (setting ``WARC_ENABLED``, files under ``ARCHIVE_DIR``,
    a new file past ``WARC_MAX_BYTES``); counts ``warc/records``, ``warc/revisits``,
    ``warc/bytes``, ``warc/errors`` and ``warc/files``. A re-check that fetches a page with the
    payload of the article's current capture writes a revisit record (see
    :mod:`crawler.warc.writer`); each closed file's fixity goes to the ``warc_files`` table.
    Writes run in a worker thread, so the event loop never waits on disk."""

    def __init__(self, writer: RollingWarcWriter, stats: StatsCollector | None) -> None:
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcMiddleware:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        run_id = settings.getint("ARCHIVE_RUN_ID")
        ledger = FixityLedger(resolve_database_url(settings.get("DATABASE_URL")))
        writer = RollingWarcWriter(
            archive_dir(settings.get("ARCHIVE_DIR")),
            label=f"run{run_id}" if run_id else "adhoc",
            max_bytes=settings.getint("WARC_MAX_BYTES", DEFAULT_MAX_BYTES),
            info={
                "software": f"viva-militer-archive (warcio {version('warcio')})",
                "format": "WARC File Format 1.1",
                "conformsTo": WARC_1_1_SPEC,
                "isPartOf": f"viva-militer-archive crawl run {run_id or '-'}",
                "hostname": socket.gethostname(),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT"),
            },
            on_close=lambda closed: record_closed_file(ledger, closed, run_id or None),
        )
        middleware = cls(writer, crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get(ARTICLE_META):
            return response
        request.meta.pop(WARC_RECORD_META, None)  # a retried request carries the last one
        exchange = exchange_of(request, response, datetime.now(UTC))
        previous = _previous_record(request, response) if response.status == 200 else None
        try:
            location = await asyncio.to_thread(self.writer.write, exchange, previous)
        except OSError:
            log.exception("Could not write %s to the WARC archive", request.url)
            self._inc(WARC_ERRORS)
            return response
        request.meta[WARC_RECORD_META] = location
        self._inc(WARC_RECORDS)
        if "revisit_of" in location:
            self._inc(WARC_REVISITS)
        self._inc(WARC_BYTES, location["length"])
        return response

    def spider_closed(self) -> None:
        self.writer.close()
        if self.stats is not None:
            self.stats.set_value(WARC_FILES, len(self.writer.files))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)


def _previous_record(request: Request, response: Response) -> dict[str, Any] | None:
    """The record of the article's current revision fetched from the same URL, if any."""
    article = request.meta.get(ARTICLE_META)
    records = article.get(PREVIOUS_CAPTURE) if isinstance(article, dict) else None
    return next((r for r in records or () if r.get("uri") == response.url), None)


def record_closed_file(ledger: FixityLedger, closed: ClosedFile, run_id: int | None) -> None:
    """Record a closed file's fixity; a database failure is logged (the file itself is safe:
    ``viva-archive verify`` then names it as a file the archive does not know)."""
    try:
        ledger.record_file(
            closed.name,
            size=closed.size,
            records=closed.records,
            sha256=closed.sha256,
            closed_at=closed.closed_at,
            run_id=run_id,
        )
    except SQLAlchemyError:
        log.exception("Could not record the fixity of %s", closed.name)


def exchange_of(request: Request, response: Response, fetched_at: datetime) -> Exchange:
    """The request and response as they went over the wire (Twisted keeps ``Host`` and the
    connection headers such as ``Content-Length`` out of Scrapy's view; ``Host`` is restored)."""
    request_headers = _pairs(request.headers)
    if not any(name.lower() == "host" for name, _ in request_headers):
        request_headers.insert(0, ("Host", urlsplit(request.url).netloc))
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Exchange(
        url=response.url,
        method=request.method,
        request_headers=request_headers,
        status=response.status,
        reason=reason,
        protocol=response.protocol or "HTTP/1.1",
        response_headers=_pairs(response.headers),
        body=response.body,
        fetched_at=fetched_at,
        ip_address=str(response.ip_address) if response.ip_address else None,
    )


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    """Header (name, value) pairs, repeated names kept, bytes decoded as Latin-1 (as HTTP)."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name in headers
        for value in headers.getlist(name)
    ]
