"""A local copy of the VIVA Militer site on loopback: robots.txt, sitemaps, listings, date
indexes and articles, with switches for edits, removals and transient errors.

It mimics what SITE.md says of the real site, including links on other host variants
(``viva.co.id``, ``beta.viva.co.id``) and with tracking parameters, so that a crawl against it
exercises the same URL mapping as against the real site."""

from __future__ import annotations

import html
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler import site
from crawler.dates import WIB
from viva_militer_archive.sample_site.render import render_article_pages
from viva_militer_archive.sample_site.site_change import (
    ARTICLE_RENAMED,
    LISTING_RENAMED,
    POPULAR_COUNT,
    challenge_page,
    check_redesign,
    redesigned_article,
    redesigned_listing,
)
from viva_militer_archive.sample_site.spec import ArticleSpec

HOST_VARIANTS = ("https://www.viva.co.id", "https://viva.co.id", "https://beta.viva.co.id")
TRACKING = (
    "?medium=home&link=terbaru",
    "?medium=jangan-lewatkan&campaign=militer",
    "?utm_source=x",
)


CHALLENGE_HEADERS = {"Server": "cloudflare", "Cache-Control": "private, max-age=0, no-store"}
"""Headers of the challenge pages (no ``cf-mitigated``: the body alone must tell)."""


@dataclass(slots=True)
class Injected:
    """A canned answer for the next ``times`` requests of a path."""

    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """One request the site answered."""

    path: str
    query: str
    status: int


class SampleSite:
    """The site's content and switches; :meth:`start` serves it on ``127.0.0.1``."""

    handler_class: type[BaseHTTPRequestHandler]
    """The request handler class (set below; a subclass of the site may serve more)."""

    def __init__(
        self,
        articles: Iterable[ArticleSpec],
        *,
        today: date,
        index_page_size: int = 4,
        listing_size: int = 10,
        news_days: int = 2,
        robots: str | None = None,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        redesign: str | None = None,
        port: int = 0,
    ) -> None:
        self.today = today
        self.redesign = check_redesign(redesign)
        """How the site has changed (:mod:`viva_militer_archive.sample_site.site_change`), None: as
        it is today;
        may be switched while serving."""
        self.host = host
        self.port = port
        """Port to serve on; 0: a free one."""
        """Loopback address to serve on (another one, e.g. ``127.0.0.2``, is another host)."""
        self.latency = latency
        """Seconds every answer waits, to make crawls slow enough to interrupt in tests."""
        self.index_page_size = index_page_size
        self.listing_size = listing_size
        self.news_days = news_days
        self.robots = robots or "User-agent: *\nDisallow: /search\nDisallow: /admin\n"
        self.articles: dict[int, ArticleSpec] = {a.article_id: a for a in articles}
        self.removed: set[int] = set()
        self.raw_pages: dict[str, str] = {}
        self.injected: dict[str, list[Injected]] = defaultdict(list)
        self.hits: list[Hit] = []
        self._rendered: dict[int, dict[str | int, str]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    # -- switches ---------------------------------------------------------------------------

    def add(self, spec: ArticleSpec) -> None:
        with self._lock:
            self.articles[spec.article_id] = spec
            self._rendered.pop(spec.article_id, None)

    def edit(self, article_id: int, **changes: Any) -> ArticleSpec:
        """Change an article in place (a new title, other paragraphs...)."""
        spec = replace(self.articles[article_id], **changes)
        self.add(spec)
        return spec

    def remove(self, article_id: int) -> None:
        """The article answers 404 from now on and leaves every listing."""
        with self._lock:
            self.removed.add(article_id)

    def inject(self, path: str, status: int, *, times: int = 1, **headers: str) -> None:
        """Answer the next ``times`` requests of ``path`` (no query) with ``status``."""
        with self._lock:
            self.injected[path].append(Injected(status, times, headers))

    def set_raw(self, path: str, body: str) -> None:
        """Serve ``body`` as HTML at ``path`` whatever the query (e.g. a broken article)."""
        with self._lock:
            self.raw_pages[path] = body

    def article_hits(self) -> list[Hit]:
        """Requests of article pages, in order."""
        return [hit for hit in self.hits if site.ARTICLE_PATH_RE.match(hit.path)]

    # -- serving --------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on the loopback address (a free port unless ``port``); returns the base URL."""
        handler = type("Handler", (self.handler_class,), {"site": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base_url = f"http://{self.host}:{self._server.server_address[1]}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SampleSite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, query: str) -> tuple[int, str, dict[str, str], str]:
        """Status, content type, extra headers and body for one GET."""
        with self._lock:
            queue = self.injected.get(path)
            if queue:
                canned = queue[0]
                canned.times -= 1
                if canned.times <= 0:
                    queue.pop(0)
                return canned.status, "text/html", canned.headers, canned.body or "busy"
            if path in self.raw_pages:
                return 200, "text/html; charset=utf-8", {}, self.raw_pages[path]
        params = parse_qs(query)
        if self.redesign == "challenge-all":
            return 403, "text/html; charset=UTF-8", CHALLENGE_HEADERS, self.challenge()
        if path == "/robots.txt":
            return 200, "text/plain", {}, self.robots
        if path == site.SITEMAP_INDEX_PATH:
            return 200, "application/xml", {}, self.sitemap_index()
        if path == site.NEWS_SITEMAP_PATH:
            return 200, "application/xml", {}, self.news_sitemap()
        if path in site.LISTING_PATHS:
            return 200, "text/html; charset=utf-8", {}, self.listing(path.rsplit("/", 1)[1])
        if path.startswith("/indeks/militer/all/"):
            return self.date_index(path, int((params.get("page") or ["1"])[0] or 1))
        match = site.ARTICLE_PATH_RE.match(path)
        if match:
            return self.article(int(match["id"]), (params.get("page") or [""])[0])
        return 404, "text/html", {}, "<h1>404 Halaman tidak ditemukan</h1>"

    # -- pages ----------------------------------------------------------------------------------

    def live(self) -> list[ArticleSpec]:
        """Live articles, newest first."""
        specs = [a for i, a in self.articles.items() if i not in self.removed]
        return sorted(specs, key=lambda a: a.published_at, reverse=True)

    def link(self, spec: ArticleSpec, n: int) -> str:
        """An article link as the site prints it: host variant and tracking vary."""
        host = HOST_VARIANTS[n % len(HOST_VARIANTS)]
        path = urlsplit(spec.canonical).path
        return f"{host}{path}{TRACKING[n % len(TRACKING)]}"

    def sitemap_index(self) -> str:
        entries = [
            f"{HOST_VARIANTS[0]}{site.NEWS_SITEMAP_PATH}",
            f"{HOST_VARIANTS[0]}/sitemap/news/bola.xml",
        ]
        body = "".join(f"<sitemap><loc>{html.escape(u)}</loc></sitemap>" for u in entries)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
        )

    def news_sitemap(self) -> str:
        first_day = self.today - timedelta(days=self.news_days - 1)
        rows = []
        for n, spec in enumerate(self.live()):
            if spec.published_at.astimezone(WIB).date() < first_day:
                continue
            rows.append(
                f"<url><loc>{html.escape(self.link(spec, n).split('?')[0])}</loc><news:news>"
                "<news:publication><news:name>VIVA</news:name><news:language>id</news:language>"
                f"</news:publication><news:publication_date>{spec.published_at.isoformat()}"
                f"</news:publication_date><news:title>{html.escape(spec.title)}</news:title>"
                f"<news:keywords>{html.escape(', '.join(spec.tags))}</news:keywords>"
                "</news:news></url>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{''.join(rows)}</urlset>"
        )

    def rows(self, specs: list[ArticleSpec]) -> str:
        """Listing rows in the channel/index markup."""
        out = []
        for n, spec in enumerate(specs):
            label = spec.subchannel.replace("-", " ").title()
            when = spec.published_at.astimezone(WIB)
            out.append(
                '<div class="article-list-row"><div class="article-list-info">'
                f'<a class="article-list-cate" href="/militer/{spec.subchannel}">{label}</a>'
                f'<a class="article-list-title" href="{html.escape(self.link(spec, n))}">'
                f"<h2>{html.escape(spec.title)}</h2></a>"
                f'<div class="article-list-date">{when:%d %b %Y | %H:%M} WIB</div></div></div>'
            )
        return "\n".join(out)

    def listing(self, subchannel: str) -> str:
        specs = [a for a in self.live() if a.subchannel == subchannel][: self.listing_size]
        return self.listing_page(
            f"Militer - {subchannel}",
            f'{self.rows(specs)}<button id="load-more-btn">Muat Lainnya</button>',
            specs,
        )

    def listing_page(self, title: str, content: str, listed: list[ArticleSpec]) -> str:
        """A listing or date index page around ``content`` (its rows), in today's markup or,
        under a listing redesign, in the new one with a sidebar of popular articles other than
        the ``listed`` ones."""
        if self.redesign not in LISTING_RENAMED:
            return _page(title, content)
        shown = {spec.article_id for spec in listed}
        others = [spec for spec in self.live() if spec.article_id not in shown]
        popular = [(self.link(spec, n), spec.title) for n, spec in enumerate(others)]
        return redesigned_listing(title, content, popular[:POPULAR_COUNT])

    def challenge(self) -> str:
        """The bot challenge this site answers with (``challenge`` redesigns)."""
        return challenge_page(urlsplit(self.base_url).netloc or self.host)

    def date_index(self, path: str, page: int) -> tuple[int, str, dict[str, str], str]:
        try:
            year, month, day = (int(part) for part in path.rstrip("/").split("/")[-3:])
            wanted = date(year, month, day)
        except ValueError:
            return 404, "text/html", {}, "<h1>404</h1>"
        specs = [a for a in self.live() if a.published_at.astimezone(WIB).date() == wanted]
        size = self.index_page_size
        pages = max(1, -(-len(specs) // size))
        if page > pages:
            return 404, "text/html", {}, "<h1>404</h1>"
        links = "".join(
            f'<a href="{path}?page={n}">{n}</a>' for n in range(1, pages + 1) if n != page
        )
        shown = specs[(page - 1) * size : page * size]
        content = f'{self.rows(shown)}<div class="pagination">{links}</div>'
        return (
            200,
            "text/html; charset=utf-8",
            {},
            self.listing_page(f"Indeks {wanted}", content, shown),
        )

    def article(self, article_id: int, page: str) -> tuple[int, str, dict[str, str], str]:
        if self.redesign == "challenge":  # a challenge answers before the site looks
            return 200, "text/html; charset=UTF-8", CHALLENGE_HEADERS, self.challenge()
        with self._lock:
            spec = self.articles.get(article_id)
            if spec is None or article_id in self.removed:
                return 404, "text/html", {}, "<h1>404 Artikel tidak ditemukan</h1>"
            if article_id not in self._rendered:
                self._rendered[article_id] = render_article_pages(spec)
            pages = self._rendered[article_id]
        key: str | int = "all" if page == "all" else int(page) if page.isdigit() else 1
        if key not in pages:
            return 404, "text/html", {}, "<h1>404</h1>"
        served = redesigned_article(pages[key]) if self.redesign in ARTICLE_RENAMED else pages[key]
        return 200, "text/html; charset=utf-8", {}, served


def _page(title: str, content: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f'</title></head><body><div class="article-list-container">{content}</div></body></html>'
    )


class SiteHandler(BaseHTTPRequestHandler):
    """Serves :meth:`SampleSite.answer` and records each request in ``site.hits``."""

    site: SampleSite
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.site.latency:
            time.sleep(self.site.latency)
        parts = urlsplit(self.path)
        status, content_type, headers, body = self.site.answer(parts.path, parts.query)
        self.site.hits.append(Hit(parts.path, parts.query, status))
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


SampleSite.handler_class = SiteHandler
