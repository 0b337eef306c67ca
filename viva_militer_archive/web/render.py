"""The Jinja2 environment of the pages: autoescape on for every template, strict undefined
names, and the filters that format archive values safely."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from storage.clock import display_time

LINKABLE_SCHEMES = ("http", "https")


def wib(value: datetime | str | None) -> str:
    """``2026-11-20 10:15 WIB`` (the site's clock), or an em dash for no time."""
    return display_time(value) if value else "—"


def safe_href(url: Any) -> str | None:
    """``url`` when it may become a link (http or https with a host), else None: an archived
    ``javascript:`` or ``data:`` URL is shown as text, never followed."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in LINKABLE_SCHEMES and parts.netloc else None


def paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs (separated by blank lines in the archive)."""
    return [p.strip() for p in (body or "").split("\n\n") if p.strip()]


def marked(text: str, highlights: Sequence[Sequence[int]]) -> Markup:
    """``text`` escaped, with each ``(start, end)`` range inside ``<mark>``."""
    out, position = [], 0
    for start, end in sorted(highlights):
        if start < position or end > len(text):
            continue
        out += [escape(text[position:start]), Markup("<mark>"), escape(text[start:end])]
        out.append(Markup("</mark>"))
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def chips(values: Sequence[str], kind: str) -> Markup:
    """Each name as a link to the list filtered by it (``kind``: ``tag`` or ``author``, never
    user input); names are escaped, and ``quote_plus`` leaves nothing to escape in the URL."""
    return Markup(" ".join(chip(kind, value) for value in values))


@lru_cache(maxsize=8192)
def chip(kind: str, value: str) -> str:
    """One name's link, made once: the same tags and authors recur on every list page (a
    third of a list page's rendering went into quoting and escaping them again)."""
    href = f"/articles?{kind}={quote_plus(value)}"
    return f'<a class="chip {kind}" href="{href}">{escape(value)}</a>'


def query(values: Mapping[str, Any], **overrides: Any) -> str:
    """``?a=1&b=2`` from ``values`` updated by ``overrides`` (None and empty values left out)."""
    merged = {**values, **overrides}
    pairs = [(k, str(v)) for k, v in merged.items() if v is not None and v != ""]
    return "?" + urlencode(pairs) if pairs else ""


def duration(seconds: float | None) -> str:
    """``1h 02m``, ``3m 05s``, ``12.3s``; an em dash for none."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    return f"{minutes // 60}h {minutes % 60:02d}m"


class PageEnvironment(Environment):
    """Jinja's environment, with ``row.title`` on a plain dict read as ``row["title"]`` first.

    The pages render rows and records that are dicts; Jinja tries an attribute first and only
    then the item, so each such lookup raised and caught an ``AttributeError`` (a tenth of a
    list page's time). Our dicts hold no key named like a dict method, so the answer is the
    same; other objects keep Jinja's order."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment() -> Environment:
    """The pages' environment, templates read from the package."""
    env = PageEnvironment(
        loader=PackageLoader("viva_militer_archive.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,  # the package's templates do not change under a running server
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        wib=wib,
        safe_href=safe_href,
        paragraphs=paragraphs,
        marked=marked,
        duration=duration,
        chips=chips,
    )
    env.globals["query"] = query
    return env
