"""WARC captures of sample articles written as a crawl writes them, without serving the site:
for tests and benchmarks of what reads the WARC files back (``reextract --unarchived``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crawler.urls import article_page_url
from crawler.warc import Exchange, RollingWarcWriter, WarcLocation
from viva_militer_archive.sample_site.render import render_article_pages
from viva_militer_archive.sample_site.spec import ArticleSpec


def write_capture(
    writer: RollingWarcWriter,
    spec: ArticleSpec,
    when: datetime,
    *,
    pages: Sequence[str | int] = ("all",),
    status: int = 200,
    body: str | None = None,
) -> list[WarcLocation]:
    """The response and request records a crawl of ``spec`` leaves (``?page=all``, then the
    ``pages`` after it), each page answered ``status`` with ``body`` or its rendered HTML;
    where the responses are."""
    rendered = render_article_pages(spec)
    locations = []
    for page in pages:
        html = body if body is not None else rendered[page]
        exchange = Exchange(
            url=article_page_url(spec.canonical, page),
            method="GET",
            request_headers=[("User-Agent", "viva-militer-archive")],
            status=status,
            reason="OK" if status == 200 else "",
            protocol="HTTP/1.1",
            response_headers=[("Content-Type", "text/html; charset=utf-8")],
            body=html.encode(),
            fetched_at=when,
        )
        locations.append(writer.write(exchange))
    return locations
