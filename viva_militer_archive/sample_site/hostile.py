"""A hostile copy of the sample site: good articles mixed with links, redirects and bodies meant
to break a crawl (ids beyond 64 bits, foreign hosts, non-http schemes, redirect loops and long
chains, redirects onto other articles, oversized bodies, a gzip bomb).

Everything stays on loopback: the "foreign host" is a second :class:`SampleSite` on another
loopback address (``127.0.0.2``), whose pages sit at the same paths with other content, so a
crawler that followed a redirect there would store that content under our article ids."""

from __future__ import annotations

import functools
import html
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from viva_militer_archive.sample_site.render import ArticleSpec
from viva_militer_archive.sample_site.server import Hit, SampleSite, SiteHandler

GZIP_BOMB_BYTES = 1024**3
"""What the gzip bomb inflates to: 1 GiB of zeros (about 1 MB on the wire)."""
OVERSIZED_BYTES = 20 * 1024**2
"""An article body far beyond ``DOWNLOAD_MAXSIZE``."""
FOREIGN_HOST = "127.0.0.2"
FOREIGN_TITLE_MARK = "ASING"
"""Every title on the foreign site starts with this: no archived row may hold one."""
_CHUNK = 1024**2


@functools.cache
def gzip_bomb(size: int = GZIP_BOMB_BYTES) -> bytes:
    """``size`` zero bytes gzip-compressed, made 1 MiB at a time (never held inflated)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    zeros = bytes(_CHUNK)
    parts = [compressor.compress(zeros) for _ in range(size // _CHUNK)]
    return b"".join([*parts, compressor.flush()])


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """A 200 answer given as bytes, with extra headers."""

    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    streamed: bool = False
    """No ``Content-Length``: the body ends when the connection closes."""


def oversized_page(size: int = OVERSIZED_BYTES, *, streamed: bool = False) -> RawAnswer:
    """An HTML page of ``size`` bytes (a valid start, then filler)."""
    head = b"<!DOCTYPE html><html><head><title>besar</title></head><body><p>"
    return RawAnswer(head + b"x" * (size - len(head)), streamed=streamed)


def bomb_page() -> RawAnswer:
    """A gzip bomb served as a gzip-encoded HTML page."""
    return RawAnswer(gzip_bomb(), headers=(("Content-Encoding", "gzip"),))


class HostileSite(SampleSite):
    """The sample site plus hostile links (in every listing, date index page and the news
    sitemap), redirects and raw answers, all keyed by path whatever the query."""

    def __init__(
        self,
        articles: Iterable[ArticleSpec],
        *,
        today: date,
        unlisted: Iterable[int] = (),
        **kw: Any,
    ) -> None:
        super().__init__(articles, today=today, **kw)
        self.unlisted = set(unlisted)
        """Articles served but linked from nowhere (reached only through a redirect)."""
        self.hostile_links: list[str] = []
        """Hrefs added to every listing and date index page."""
        self.sitemap_links: list[str] = []
        """``<loc>`` values added to the news sitemap."""
        self.redirects: dict[str, tuple[int, str]] = {}
        self.raw_answers: dict[str, RawAnswer] = {}

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        """Answer ``path`` with ``status`` and ``Location: location``."""
        self.redirects[path] = (status, location)

    def live(self) -> list[ArticleSpec]:
        return [spec for spec in super().live() if spec.article_id not in self.unlisted]

    def rows(self, specs: list[ArticleSpec]) -> str:
        hostile = "".join(
            '<div class="article-list-row"><div class="article-list-info">'
            f'<a class="article-list-title" href="{html.escape(link)}"><h2>Berita</h2></a>'
            "</div></div>"
            for link in self.hostile_links
        )
        return super().rows(specs) + hostile

    def news_sitemap(self) -> str:
        extra = "".join(f"<url><loc>{html.escape(loc)}</loc></url>" for loc in self.sitemap_links)
        return super().news_sitemap().replace("</urlset>", f"{extra}</urlset>")


class HostileHandler(SiteHandler):
    """Serves the hostile site's redirects and raw answers, the sample site's pages otherwise."""

    site: HostileSite

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path in self.site.redirects:
            status, location = self.site.redirects[path]
            self._record(status)
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path in self.site.raw_answers:
            self._record(200)
            self._send_raw(self.site.raw_answers[path])
        else:
            super().do_GET()

    def _record(self, status: int) -> None:
        parts = urlsplit(self.path)
        self.site.hits.append(Hit(parts.path, parts.query, status))

    def _send_raw(self, answer: RawAnswer) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in answer.headers:
            self.send_header(name, value)
        if answer.streamed:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        try:
            for start in range(0, len(answer.body), _CHUNK):
                self.wfile.write(answer.body[start : start + _CHUNK])
        except (BrokenPipeError, ConnectionResetError):  # the crawler gave up: as it should
            self.close_connection = True


HostileSite.handler_class = HostileHandler


def foreign_copy(specs: Iterable[ArticleSpec], *, today: date) -> SampleSite:
    """Another host serving other content at the paths of ``specs`` (not yet serving)."""
    foreign = [
        replace(spec, title=f"{FOREIGN_TITLE_MARK} {spec.title}", pages=(("Konten asing.",),))
        for spec in specs
    ]
    return SampleSite(foreign, today=today, host=FOREIGN_HOST)
