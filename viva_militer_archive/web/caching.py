"""HTTP caching. Article pages: an ``ETag`` from what the archive changes whenever the page
would change, so that a browser or a proxy revalidating a page it holds gets a 304 for one
indexed lookup, with no page query and no template. Revisions (diff page, JSON): immutable.
Lists and feeds: a short max-age, then an ETag of their content."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REVALIDATE = "private, no-cache"
"""Keep the page but ask each time (``private``: it may sit behind an access token)."""


@cache
def app_version() -> str:
    """This program's version (a new release may render the same article differently)."""
    try:
        return version("viva-militer-archive")
    except PackageNotFoundError:
        return "0"


def entity_tag(stamp: str) -> str:
    """The weak ETag of a page whose archive stamp is ``stamp``."""
    return f'W/"{stamp}.{app_version()}"'


def still_fresh(request: Request, tag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``tag`` (weak comparison, RFC 9110)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = tag.removeprefix("W/")
    return any(each.strip().removeprefix("W/") == bare for each in header.split(","))


IMMUTABLE = "public, max-age=31536000, immutable"
"""A revision never changes once archived: its diff page and its JSON may be kept for good."""
LIST_MAX_AGE = 60
LIST_CACHE = f"public, max-age={LIST_MAX_AGE}"
"""Lists and feeds change with each crawl: kept a minute, then revalidated by their ETag.
(``public`` becomes ``private`` behind an access token: see
:mod:`viva_militer_archive.web.security`.)"""
LIST_PATHS = frozenset(
    {"/articles", "/changes", "/api/articles", "/feeds/articles.atom", "/feeds/changes.atom"}
)


def revision_tag(article_id: int, *revisions: int) -> str:
    """The ETag of what shows revisions ``revisions`` of an article: they never change, so
    the tag names them (and this program's version) alone, known before any query."""
    return entity_tag(f"r{article_id}-" + "-".join(map(str, revisions)))


def not_modified(tag: str, cache_control: str) -> Response:
    """The 304 answer to a request whose ``If-None-Match`` names ``tag``."""
    return Response(status_code=304, headers={"etag": tag, "cache-control": cache_control})


def immutable(response: Response, tag: str) -> Response:
    """``response`` marked as never changing, with its ETag."""
    response.headers["etag"] = tag
    response.headers["cache-control"] = IMMUTABLE
    return response


class ListValidators:
    """For the lists and feeds (:data:`LIST_PATHS`): a short ``max-age`` and an ETag hashed from
    the answer, and a 304 without the body when ``If-None-Match`` names it. The page is still
    built (a list is one index range scan); the reader is spared downloading it again."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in LIST_PATHS:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start.get("status") != 200:
                if start:
                    await send(start)
                    start = {}
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self.answer(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, buffered)

    async def answer(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        tag = entity_tag(hashlib.sha256(body).hexdigest()[:32])
        headers = [
            (name, value)
            for name, value in start.get("headers", [])
            if name not in (b"etag", b"cache-control")
        ]
        headers += [(b"etag", tag.encode()), (b"cache-control", LIST_CACHE.encode())]
        if still_fresh(Request(scope), tag):
            kept = [(n, v) for n, v in headers if n not in (b"content-length", b"content-type")]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
