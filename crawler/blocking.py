"""Bot challenges and walls: a page that answers instead of the one asked for.

A Cloudflare "Just a moment..." interstitial, a captcha, a consent wall or a WAF refusal is no
article, no empty listing and no sign that an article is gone: it is the site refusing the
crawler. :func:`detect_wall` recognises one from the response alone (headers, status, title,
markup, size), never from words an article merely mentions: strong signals (a challenge header,
a challenge page's whole title) decide on any page without article markup; weak ones (a captcha
widget, "captcha" in the title, challenge sentences, a consent form) only on a thin page.

:class:`BlockingMiddleware` retries such an answer with the backoff of a 429 and, when the
retries are spent, counts it (``blocked/...``) and gives the request up: the spider never
parses it, so it never becomes an article nor marks one gone. It sits below the WARC middleware
and the decompression (see ``DOWNLOADER_MIDDLEWARES``), so the WARC files keep what was received.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass
from html import unescape

import lxml.html
from lxml import etree
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response

from crawler import site
from crawler.drops import DroppedRequest
from crawler.middlewares import BackoffRetryMiddleware
from crawler.reachability import is_discovery
from crawler.warc.middleware import ARTICLE_META
from viva_militer_archive.crawl_stats import keys

log = logging.getLogger(__name__)

CHALLENGE, CAPTCHA, CONSENT, ACCESS_DENIED = "challenge", "captcha", "consent", "access_denied"
"""Kinds of wall, as counted in ``blocked/kind/<kind>``."""
SCAN_BYTES = 256 * 1024
"""Bytes of a body looked at: walls are small, and an article's markup shows early."""
WEAK_SCAN_CHARS = 64 * 1024
"""Characters searched for weak signals: they count only on a thin page, which is short."""
CONSENT_SHARE = 0.6
"""A thin page is a consent wall when at least this share of its words sit in consent markup."""
INVISIBLE_TAGS = frozenset({"script", "style", "template", "svg", "head"})
TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Wall:
    """What answered instead of the page: its kind and the evidence, for the log."""

    kind: str
    evidence: str


def detect_wall(status: int, headers: Mapping[str, str], body: bytes) -> Wall | None:
    """The wall this response is, or None for a real page (``headers`` by lower-case name)."""
    for name, pattern in site.CHALLENGE_HEADERS.items():
        value = headers.get(name, "")
        if pattern.search(value):
            return Wall(CHALLENGE, f"header {name}: {value}")
    text = body[:SCAN_BYTES].decode("utf-8", "replace")
    if site.ARTICLE_MARKUP_RE.search(text):
        return None
    title = page_title(text)
    if site.CHALLENGE_TITLE_RE.match(title):
        return Wall(CHALLENGE, f"title {title!r}")
    lower = text[:WEAK_SCAN_CHARS].lower()
    if site.BLOCK_TITLE_RE.match(title):
        captcha = site.CAPTCHA_MARKUP_RE.search(lower)
        return Wall(CAPTCHA if captcha else ACCESS_DENIED, f"title {title!r}")
    wall = _weak_wall(text, lower, title)
    if wall is None and status == site.REFUSAL_STATUS:
        return Wall(ACCESS_DENIED, f"status {status}")
    return wall


def page_title(text: str) -> str:
    """The ``<title>`` of an HTML text, unescaped and on one line ('' without one)."""
    match = TITLE_RE.search(text)
    return " ".join(unescape(match[1]).split()) if match else ""


def _weak_wall(text: str, lower: str, title: str) -> Wall | None:
    """A wall told by weak signals, which count only on a thin page; they are looked for in
    ``lower``, the start of ``text`` lower-cased (:data:`WEAK_SCAN_CHARS`: a thin page is
    short)."""
    signals = [
        (CAPTCHA, site.CAPTCHA_MARKUP_RE.search(lower)),
        (CAPTCHA, site.CAPTCHA_TITLE_RE.search(title)),
        (CHALLENGE, site.CHALLENGE_MARKUP_RE.search(lower)),
        (CHALLENGE, site.CHALLENGE_TEXT_RE.search(lower)),
        (CONSENT, site.CONSENT_MARKER_RE.search(lower)),
    ]
    found = [(kind, match[0]) for kind, match in signals if match]
    if not found:
        return None
    root = _parse(text)
    if root is None:
        return None
    words = visible_words(root)
    if len(words) >= site.THIN_PAGE_WORDS:
        return None
    for kind, evidence in found:
        if kind != CONSENT:
            return Wall(kind, f"{evidence!r} on a page of {len(words)} words")
        if _consent_words(root) >= CONSENT_SHARE * max(1, len(words)):
            return Wall(CONSENT, f"consent form filling a page of {len(words)} words")
    return None


def _parse(text: str) -> etree._Element | None:
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def visible_words(element: etree._Element) -> list[str]:
    """The words a reader sees (``noscript`` included: a challenge says its piece there)."""
    copy = deepcopy(element)
    etree.strip_elements(copy, *INVISIBLE_TAGS, with_tail=False)
    return " ".join(copy.itertext()).split()


def _consent_words(root: etree._Element) -> int:
    """Visible words inside the outermost elements whose class or id is consent markup, when
    one of them holds a form control (a banner without one asks nothing)."""
    total, seen = 0, set()
    for element in root.iter():
        if not isinstance(element.tag, str) or any(a in seen for a in element.iterancestors()):
            continue
        marker = f"{element.get('class', '')} {element.get('id', '')}".lower()
        if not site.CONSENT_MARKER_RE.search(marker):
            continue
        if not element.xpath(".//form | .//button | .//input | .//a[@role='button']"):
            continue
        text = " ".join(element.itertext())
        if site.CONSENT_TEXT_RE.search(text):
            seen.add(element)
            total += len(visible_words(element))
    return total


def header_map(headers: Headers) -> dict[str, str]:
    """Scrapy headers as ``{lower-case name: last value}`` decoded as Latin-1 (as HTTP)."""
    return {
        bytes(name).decode("latin-1").lower(): bytes(values[-1]).decode("latin-1")
        for name, values in headers.items()
        if values
    }


class BlockedPage(DroppedRequest):
    """A request given up because the site answered it with a wall (already counted)."""

    def __init__(self, wall: Wall, url: str) -> None:
        super().__init__(f"blocked {wall.kind}", url)
        self.wall = wall


class BlockingMiddleware(BackoffRetryMiddleware):
    """Recognises walls on every page but robots.txt: retried with backoff up to
    ``BLOCKED_RETRY_TIMES``, then counted (``blocked/article_pages`` or
    ``blocked/discovery_pages``, ``blocked/kind/<kind>``; a discovery page also as a failed
    discovery request) and given up. The first page of each kind is logged, the rest counted."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_times = crawler.settings.getint("BLOCKED_RETRY_TIMES", 2)
        self.retrying = crawler.settings.getbool("RETRY_ENABLED")
        self.logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockingMiddleware:
        return cls(crawler)  # recognising walls does not depend on RETRY_ENABLED

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_obey_robotstxt"):  # robots.txt: Scrapy's own rules apply
            return response
        wall = detect_wall(response.status, header_map(response.headers), response.body)
        if wall is None:
            return response
        if self.retrying and not request.meta.get("dont_retry"):
            retry = await self.retry_later(
                request,
                response,
                f"blocked {wall.kind}",
                log_level=logging.DEBUG,
                give_up_log_level=logging.DEBUG,
            )
            if retry is not None:
                return retry
        self._count(request, wall)
        raise BlockedPage(wall, request.url)

    def _count(self, request: Request, wall: Wall) -> None:
        stats = self.crawler.stats
        assert stats is not None
        if request.meta.get(ARTICLE_META):
            stats.inc_value(keys.BLOCKED_ARTICLE_PAGES)
        elif is_discovery(request):
            stats.inc_value(keys.BLOCKED_DISCOVERY_PAGES)
            stats.inc_value(keys.discovery_failed_key("blocked"))
        stats.inc_value(keys.blocked_kind_key(wall.kind))
        if wall.kind not in self.logged:
            self.logged.add(wall.kind)
            log.warning(
                "Blocked: %s answered a %s page instead of its content (%s); "
                "later ones are counted (%s), not logged",
                request.url,
                wall.kind,
                wall.evidence,
                keys.blocked_kind_key(wall.kind),
            )
