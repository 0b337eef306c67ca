"""URL canonicalization for VIVA Militer (w3lib based).

One canonical form per article: the configured base URL plus ``/militer/{sub}/{id}-{slug}``,
whatever host variant, scheme, AMP prefix, page parameter, tracking parameter or fragment the
link carried. Listing, index and sitemap URLs keep their path and meaningful query but move onto
the base URL too, so request fingerprints and de-duplication see one URL per resource.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit

from w3lib.url import add_or_replace_parameter, canonicalize_url, safe_url_string, url_query_cleaner

from crawler import site
from storage.validation import MAX_ARTICLE_ID  # a larger id is no article of ours

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _netloc(scheme: str, host: str | None, port: int | None) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    host = (host or "").lower()
    return host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"


def _base_parts(base_url: str) -> tuple[str, str, str]:
    """(root ``scheme://netloc``, netloc, path prefix without trailing slash) of the base URL."""
    parts = urlsplit(base_url.strip())
    netloc = _netloc(parts.scheme, parts.hostname, parts.port)
    return f"{parts.scheme}://{netloc}", netloc, parts.path.rstrip("/")


def is_viva_host(host: str, base_url: str = site.DEFAULT_BASE_URL) -> bool:
    """Whether ``host`` (``name[:port]``) is a VIVA host variant or the configured base host."""
    host = host.lower().rstrip(".")
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return host in site.SITE_HOSTS or bare in site.SITE_HOSTS or host == _base_parts(base_url)[1]


class RejectedUrl(ValueError):
    """A URL that is not one of ours; ``reason`` says why in a few words (a stats key part)."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason}: {url!r}")
        self.reason = reason


def _split_viva(url: str, base_url: str) -> tuple[str, str]:
    """(path relative to the site root, query) of a VIVA URL; :class:`RejectedUrl` otherwise."""
    try:
        parts = urlsplit(safe_url_string(urljoin(base_url, url.strip())))
        port = parts.port
    except ValueError:
        raise RejectedUrl("malformed url", url) from None
    if parts.scheme not in _DEFAULT_PORTS:
        raise RejectedUrl("not http", url)
    netloc = _netloc(parts.scheme, parts.hostname, port)
    if not is_viva_host(netloc, base_url):
        raise RejectedUrl("offsite host", url)
    _, base_netloc, prefix = _base_parts(base_url)
    path = parts.path or "/"
    if prefix and netloc == base_netloc and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    return path, parts.query


def off_site_reason(url: str, base_url: str) -> str | None:
    """Why ``url`` is not on the site (malformed url, not http, offsite host), or None when it
    is on the base URL's host or a VIVA host variant."""
    try:
        _split_viva(url, base_url)
    except RejectedUrl as rejected:
        return rejected.reason
    return None


@lru_cache(maxsize=4096)
def article_parts(url: str, base_url: str = site.DEFAULT_BASE_URL) -> tuple[str, int, str] | None:
    """(subchannel, article id, slug) of a VIVA Militer article URL, else None."""
    try:
        return checked_article_parts(url, base_url)
    except RejectedUrl:
        return None


def article_id_of(url: str, base_url: str) -> int | None:
    """The id of the article any form of ``url`` names (host variant, AMP copy, tracking
    parameters, the configured base URL), else None: what the web reader's Memento routes use."""
    parts = article_parts(url, base_url)
    return None if parts is None else parts[1]


def checked_article_parts(url: str, base_url: str) -> tuple[str, int, str]:
    """(subchannel, article id, slug) of a VIVA Militer article URL; :class:`RejectedUrl` says
    why not (malformed, not http, offsite host, not an article, article id out of range)."""
    path, _ = _split_viva(url, base_url)
    match = site.ARTICLE_PATH_RE.match(path)
    if match is None:
        raise RejectedUrl("not an article", url)
    article_id = _article_id(match)
    if article_id is None:
        raise RejectedUrl("article id out of range", url)
    return match["sub"].lower(), article_id, match["slug"]


def _article_id(match: re.Match[str]) -> int | None:
    """The id matched by ``ARTICLE_PATH_RE``, or None when no database could hold it."""
    digits = match["id"].lstrip("0")
    if len(digits) > len(str(MAX_ARTICLE_ID)):  # don't even build a huge int
        return None
    article_id = int(digits or "0")
    return article_id if article_id <= MAX_ARTICLE_ID else None


def article_id_from_url(url: str) -> int | None:
    """Numeric article id of an article URL, else None (also for ids beyond 64 bits).

    Any host: the id is in the path, and canonical URLs may sit on a mirror's or a test
    server's root (``VIVA_BASE_URL``); :func:`canonical_article_url` is what checks the host."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    match = site.ARTICLE_PATH_RE.match(path)
    return _article_id(match) if match else None


def article_link(url: str, base_url: str) -> tuple[str, int]:
    """(canonical URL, article id) of an article link; :class:`RejectedUrl` says why not."""
    sub, article_id, slug = checked_article_parts(url, base_url)
    return _canonical(base_url, sub, article_id, slug), article_id


def _canonical(base_url: str, sub: str, article_id: int, slug: str) -> str:
    return base_url.strip().rstrip("/") + site.ARTICLE_PATH_TEMPLATE.format(
        sub=sub, id=article_id, slug=slug
    )


def canonical_article_url(url: str, base_url: str) -> str | None:
    """``base_url`` + ``/militer/{sub}/{id}-{slug}`` for any article URL variant, else None."""
    parts = article_parts(url, base_url)
    return None if parts is None else _canonical(base_url, *parts)


def article_page_url(canonical_url: str, page: int | str) -> str:
    """``?page=all`` or ``?page=N`` of an article; page 1 is the canonical URL itself."""
    if page == site.PAGE_ALL:
        return add_or_replace_parameter(canonical_url, site.PAGE_PARAM, site.PAGE_ALL)
    number = int(page)
    if number < 1:
        raise ValueError(f"page must be >= 1 or {site.PAGE_ALL!r}, got {page!r}")
    if number == 1:
        return canonical_url
    return add_or_replace_parameter(canonical_url, site.PAGE_PARAM, str(number))


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter only tracks the click (``medium``, ``utm_*``...)."""
    name = name.lower()
    return name in site.TRACKING_PARAMS or name.startswith(site.TRACKING_PARAM_PREFIXES)


def to_base_url(url: str, base_url: str) -> str | None:
    """Move a VIVA URL (any host variant, or relative) onto ``base_url``.

    Keeps the path and the non-tracking query (sorted, as w3lib canonicalizes it), drops the
    fragment; None for foreign hosts and non-HTTP schemes.
    """
    try:
        path, query = _split_viva(url, base_url)
    except RejectedUrl:
        return None
    root, _, prefix = _base_parts(base_url)
    rebuilt = f"{root}{prefix}{path}" + (f"?{query}" if query else "")
    tracking = [k for k, _ in parse_qsl(query, keep_blank_values=True) if is_tracking_param(k)]
    if tracking:
        rebuilt = url_query_cleaner(rebuilt, tracking, remove=True, unique=False)
    return canonicalize_url(rebuilt)


def page_number(url: str) -> int | None:
    """N of ``?page=N`` in ``url`` (a listing's or an article's page), else None (``all`` and
    garbage included)."""
    for name, value in parse_qsl(urlsplit(url).query):
        if name == site.PAGE_PARAM and value.isascii() and value.isdigit():
            return int(value)
    return None
