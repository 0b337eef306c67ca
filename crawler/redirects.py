"""Redirect policy: a redirect is followed only within the site, never in a loop or a long chain.

Scrapy's ``RedirectMiddleware`` and ``MetaRefreshMiddleware`` follow redirects to any host. The
subclasses here keep Scrapy's machinery (``Location`` parsing, header hygiene, the
``redirect_urls`` chain, ``REDIRECT_MAX_TIMES``) and refuse, as a counted drop with its own
reason, a redirect off the site (another host, or a non-http scheme such as ``ftp:`` or
``javascript:``), back to a URL of its own chain, or past the chain limit. The site is the base
URL's host and the VIVA host variants :mod:`crawler.urls` maps onto it.

A redirect of an article request is never dropped silently by the duplicate filter: where it
lands is for the spider to judge (:func:`article_landing`): another article's page is stored
under that article's id, never under the id that was asked for.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from w3lib.url import canonicalize_url, safe_url_string

from crawler.drops import drop_request
from crawler.urls import RejectedUrl, article_link, off_site_reason
from crawler.warc.middleware import ARTICLE_META
from viva_militer_archive.crawl_stats.keys import LOOP, OFFSITE, TOO_MANY

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
REDIRECTED, TO_DUPLICATE, TO_NON_ARTICLE = (
    "article redirected",
    "article redirected to a duplicate",
    "article redirected to a non-article page",
)


def redirect_problem(chain: Collection[str], target: str, base_url: str) -> str | None:
    """Why a redirect to ``target`` must not be followed, or None; ``chain`` holds the URLs
    requested so far (the redirecting one included)."""
    if off_site_reason(target, base_url):  # another host, not http, or malformed
        return OFFSITE
    if canonicalize_url(target) in {canonicalize_url(url) for url in chain}:
        return LOOP
    return None


def article_landing(
    article: dict[str, Any], final_url: str, *, page: int, base_url: str, scheduled: Collection[int]
) -> tuple[dict[str, Any] | None, str | None]:
    """What a redirected article page is: (the article to parse it as, or None to drop it;
    the drop reason to count, or None).

    ``article`` is the request's ``{"url", "id", "recheck"}``; ``scheduled`` the ids already
    fetched or scheduled in this run. A redirect within the same article (slug, scheme or host
    variant) changes nothing. Page 1 landing on another article becomes that article (the
    requested id is counted as redirected) unless the run has it already."""
    try:
        canonical, article_id = article_link(final_url, base_url)
    except RejectedUrl:
        return None, TO_NON_ARTICLE
    if article_id == article["id"]:
        return article, None
    if page != 1:  # a later page of an article cannot be another article's first
        return None, REDIRECTED
    if article_id in scheduled:
        return None, TO_DUPLICATE
    # Not a recheck of the landing article: its answer says nothing about whether it is gone.
    return {**article, "url": canonical, "id": article_id, "recheck": False}, REDIRECTED


class _RedirectPolicy:
    """What both middlewares add to Scrapy's: refusals and the article exemption from the
    duplicate filter."""

    crawler: Any

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)  # type: ignore[call-arg]  # Scrapy's middleware, next in MRO
        self.base_url: str = settings.get("VIVA_BASE_URL")

    def _follow(self, request: Request, redirected: Request | Response) -> Request | Response:
        if not isinstance(redirected, Request):
            return redirected
        chain = redirected.meta.get("redirect_urls") or [request.url]
        problem = redirect_problem(chain, redirected.url, self.base_url)
        if problem:
            raise self._refuse(problem, request, redirected.url)
        if request.meta.get(ARTICLE_META):
            redirected.dont_filter = True  # the spider judges where it lands
        return redirected

    def _refuse(self, reason: str, request: Request, target: str) -> IgnoreRequest:
        return drop_request(self.crawler.stats, reason, f"{request.url} -> {target}")


class SiteRedirectMiddleware(_RedirectPolicy, RedirectMiddleware):
    """Scrapy's ``RedirectMiddleware`` (3xx + ``Location``) under the site's redirect policy."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        target = _location(request, response)
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:  # Scrapy's "max redirections reached"
            raise self._refuse(TOO_MANY, request, target or "?") from None
        except ValueError:  # a Location too malformed to resolve
            raise self._refuse(OFFSITE, request, target or "?") from None
        if result is response and target and self._left_unfollowed(request, response, target):
            raise self._refuse(OFFSITE, request, target)
        return self._follow(request, result)

    def _left_unfollowed(self, request: Request, response: Response, target: str) -> bool:
        """Whether Scrapy handed a 3xx on only because its target is not http(s), though the
        request did not ask to see redirects itself."""
        wanted = (
            *request.meta.get("handle_httpstatus_list", ()),
            *getattr(self.crawler.spider, "handle_httpstatus_list", ()),
        )
        if request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all"):
            return False
        return response.status not in wanted and urlsplit(target).scheme not in ("http", "https")


class SiteMetaRefreshMiddleware(_RedirectPolicy, MetaRefreshMiddleware):
    """Scrapy's ``MetaRefreshMiddleware`` under the same policy."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:
            raise self._refuse(TOO_MANY, request, "meta refresh") from None
        return self._follow(request, result)


def _location(request: Request, response: Response) -> str | None:
    """The absolute target of a 3xx response, as Scrapy resolves it."""
    location = response.headers.get(b"Location")
    if response.status not in REDIRECT_STATUSES or not location:
        return None
    try:
        return urljoin(request.url, safe_url_string(location))
    except ValueError:
        return safe_url_string(location)
