"""HTTP validators of the article pages: an ``ETag`` from what the archive changes whenever the
page would change, so that a browser or a proxy revalidating a page it holds gets a 304 for
one indexed lookup, with no page query and no template."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from starlette.requests import Request

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
