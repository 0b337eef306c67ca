"""Memento (RFC 7089): every article's revisions found "as they stood on a date" the standard way.

The original resource (URI-R) is the article's canonical URL; each revision is a memento
(URI-M ``/articles/{id}/revisions/{n}``, its Memento-Datetime the time its page was fetched);
``/timemap/link/{URI-R}`` lists them in revision order, ``/timegate/{URI-R}`` redirects to the
one in force at the ``Accept-Datetime`` asked for. Any form of an article's URL the crawler
maps to it (host variant, AMP, tracking parameters) is resolved by the ``article_of_url``
function the application was given: the site's URL rules live in the crawler, which the web
reader does not import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response

from storage.models import ArticleRevision
from viva_militer_archive.web.api import Reader
from viva_militer_archive.web.caching import REVALIDATE
from viva_militer_archive.web.params import BadInput

LINK_FORMAT = "application/link-format"
ArticleOfUrl = Callable[[str], int | None]
"""The id of the article a URL (any form of it) names, or None."""
OriginalUrl = Annotated[str, Path(max_length=400, description="the article's URL, any form")]

router = APIRouter(include_in_schema=False)


def http_date(moment: datetime) -> str:
    """``Tue, 20 Jun 2000 18:02:59 GMT`` (RFC 1123, as RFC 7089 writes every datetime)."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def accept_datetime(value: str) -> datetime:
    """The instant an ``Accept-Datetime`` header asks for; :class:`BadInput` (400) unless it is
    an RFC 1123 date in GMT (RFC 7089 section 2.1.1)."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None or not value.rstrip().endswith("GMT"):
        raise BadInput(
            f"Accept-Datetime {value[:60]!r} is no RFC 1123 date "
            "(e.g. 'Thu, 31 May 2007 20:35:00 GMT')"
        )
    return moment


def memento_datetime(revision: ArticleRevision) -> datetime:
    """When the state a revision holds was observed: the fetch of its page."""
    return revision.fetched_at


def in_force(revisions: Sequence[ArticleRevision], moment: datetime) -> ArticleRevision:
    """The revision in force at ``moment``: the last one observed at or before it (the first
    one for an earlier moment: nothing older is archived)."""
    chosen = revisions[0]
    for revision in revisions:
        if memento_datetime(revision) <= moment:
            chosen = revision
    return chosen


def link(uri: str, rel: str, **params: str) -> str:
    """One link-value: ``<uri>; rel="rel"; name="value"...`` (RFC 6690 / RFC 8288)."""
    extra = "".join(f'; {name}="{value}"' for name, value in params.items())
    return f'<{uri}>; rel="{rel}"{extra}'


class Uris:
    """The URIs of one article's Memento resources on this server."""

    def __init__(self, request: Request, revisions: Sequence[ArticleRevision]) -> None:
        self.base = str(request.base_url).rstrip("/")
        self.revisions = revisions
        self.original = revisions[-1].url
        self.timemap = f"{self.base}/timemap/link/{self.original}"
        self.timegate = f"{self.base}/timegate/{self.original}"

    def memento(self, revision: ArticleRevision) -> str:
        return f"{self.base}/articles/{revision.article_id}/revisions/{revision.revision}"

    def memento_link(self, revision: ArticleRevision, rel: str = "memento") -> str:
        """``revision`` as a memento; the first and the last say so in their ``rel``."""
        words = [word for word, end in (("first", 0), ("last", -1))
                 if revision.revision == self.revisions[end].revision]  # fmt: skip
        relation = " ".join([*words, rel])
        return link(
            self.memento(revision), relation, datetime=http_date(memento_datetime(revision))
        )

    def timemap_link(self, rel: str = "timemap") -> str:
        """The TimeMap, with the span of its mementos."""
        times = [memento_datetime(revision) for revision in self.revisions]
        return link(self.timemap, rel, type=LINK_FORMAT,
                    **{"from": http_date(min(times)), "until": http_date(max(times))})  # fmt: skip

    def around(self, current: ArticleRevision) -> list[str]:
        """The first, the last and ``current`` as mementos (each once, oldest first)."""
        ends = {self.revisions[0].revision: self.revisions[0],
                self.revisions[-1].revision: self.revisions[-1]}  # fmt: skip
        ends.setdefault(current.revision, current)
        return [self.memento_link(each) for _, each in sorted(ends.items())]


def memento_headers(
    request: Request, revisions: Sequence[ArticleRevision], number: int
) -> dict[str, str]:
    """``Memento-Datetime`` and ``Link`` of revision ``number``'s page (RFC 7089 section 2.2):
    the original, the TimeGate and the TimeMap, nothing that a later revision would change (the
    page is immutable)."""
    uris = Uris(request, revisions)
    current = next(each for each in revisions if each.revision == number)
    return {
        "memento-datetime": http_date(memento_datetime(current)),
        "link": ", ".join(
            [
                link(uris.original, "original"),
                link(uris.timegate, "timegate"),
                link(uris.timemap, "timemap", type=LINK_FORMAT),
            ]
        ),
    }


def article_revisions(request: Request, reader: Reader, original: str) -> list[ArticleRevision]:
    """The revisions of the article ``original`` names (the original URL is the path after the
    route's prefix plus the request's query); 404 when it names none."""
    url = original + (f"?{request.url.query}" if request.url.query else "")
    resolve: ArticleOfUrl | None = request.app.state.article_of_url
    article_id = resolve(url) if resolve is not None else None
    revisions = reader.browser.revisions(article_id) if article_id is not None else []
    if not revisions:
        raise HTTPException(404, f"no archived article has the URL {url[:200]!r}")
    return revisions


@router.get("/timemap/link/{original:path}")
def timemap(request: Request, reader: Reader, original: OriginalUrl) -> Response:
    """The TimeMap of an article (RFC 7089 section 5): original, self, TimeGate, then every
    revision as a memento with its datetime, oldest first."""
    revisions = article_revisions(request, reader, original)
    uris = Uris(request, revisions)
    links = [link(uris.original, "original"), uris.timemap_link("self"),
             link(uris.timegate, "timegate"), *map(uris.memento_link, revisions)]  # fmt: skip
    body = ",\n".join(links) + "\n"
    return Response(body, media_type=LINK_FORMAT, headers={"cache-control": REVALIDATE})


@router.get("/timegate/{original:path}")
def timegate(request: Request, reader: Reader, original: OriginalUrl) -> Response:
    """A 302 to the revision in force at ``Accept-Datetime`` (the latest without one), with
    ``Vary: accept-datetime`` and the Memento links (RFC 7089 section 4.1, pattern 2.2)."""
    asked = request.headers.get("accept-datetime")
    moment = accept_datetime(asked) if asked is not None else None
    revisions = article_revisions(request, reader, original)
    chosen = revisions[-1] if moment is None else in_force(revisions, moment)
    uris = Uris(request, revisions)
    links = [link(uris.original, "original"), uris.timemap_link(), *uris.around(chosen)]
    headers = {
        "location": uris.memento(chosen),
        "vary": "accept-datetime",
        "link": ", ".join(links),
        "cache-control": REVALIDATE,
    }
    return Response(status_code=302, headers=headers)
