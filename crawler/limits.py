"""Download limits: a response above ``DOWNLOAD_MAXSIZE`` is a counted drop, not a traceback.

Scrapy enforces the limit in two places and reports it in two ways: the HTTP handler cancels a
body that is (or announces itself) too large with ``DownloadCancelledError``, and
``HttpCompressionMiddleware`` stops decompressing past the limit (a gzip bomb: a small body on
the wire that inflates to gigabytes) with an ``IgnoreRequest``. This subclass of the compression
middleware turns both into one counted drop, ``download too large``, raised as a
:class:`~crawler.drops.DroppedRequest` so that errbacks count nothing twice and the crawl goes on.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response

from crawler.drops import drop_request
from viva_militer_archive.crawl_stats.keys import TOO_LARGE


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's ``HttpCompressionMiddleware`` whose size refusals are counted drops."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # its only one: decompressed past DOWNLOAD_MAXSIZE
            raise drop_request(self.stats, TOO_LARGE, request.url) from exc

    def process_exception(self, request: Request, exception: Exception) -> None:
        # The HTTP handler cancels a download on its own only past DOWNLOAD_MAXSIZE (a timeout
        # is a DownloadTimeoutError); below this middleware nothing else cancels one.
        if isinstance(exception, DownloadCancelledError):
            raise drop_request(self.stats, TOO_LARGE, request.url) from exception
