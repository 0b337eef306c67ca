"""JSON-LD ``NewsArticle`` lookup and value coercion (author object/list/string, image...).

Structured data is untrusted: JSON that is broken, too deep (thousands of nested arrays raise
``RecursionError``) or too big to hold is skipped, so it costs only this source and the DOM
fallbacks still make the article."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler import site
from crawler.extraction.dom import Element, css
from crawler.extraction.text import normalize_text

MAX_DEPTH = 32
"""Deepest nesting of a JSON-LD block we read (real ones are 4 to 6 levels deep); anything
deeper is skipped whole, so no later walk over it can recurse without bound."""


def find_article(root: Element) -> dict[str, Any] | None:
    """The first JSON-LD object typed as a news article, or None (broken JSON is skipped)."""
    for script in css(site.JSONLD_SCRIPTS)(root):
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError, MemoryError):
            continue
        if not _within_depth(data, MAX_DEPTH):
            continue
        for obj in _objects(data):
            types = obj.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(t in site.JSONLD_ARTICLE_TYPES for t in types if isinstance(t, str)):
                return obj
    return None


def _within_depth(data: Any, limit: int) -> bool:
    """Whether no list or object in ``data`` is nested deeper than ``limit`` (no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return False
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return True


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict at the top level, in top-level lists and in ``@graph``."""
    if isinstance(data, list):
        for entry in data:
            yield from _objects(entry)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"))


def text(value: Any) -> str | None:
    """A non-empty normalized string, or None."""
    if isinstance(value, str):
        return normalize_text(value) or None
    return None


def names(value: Any) -> list[str]:
    """Names from a string, a ``{"name": ...}`` object, or a list of either."""
    if isinstance(value, list):
        return [name for entry in value for name in names(entry)]
    if isinstance(value, dict):
        value = value.get("name")
    found = text(value)
    return [found] if found else []


def url(value: Any) -> str | None:
    """A URL from a string, an ``ImageObject``/``WebPage`` (``url``/``@id``) or a list."""
    if isinstance(value, list):
        return next((u for u in map(url, value) if u), None)
    if isinstance(value, dict):
        return text(value.get("url")) or text(value.get("contentUrl")) or text(value.get("@id"))
    return text(value)


def keywords(value: Any) -> list[str]:
    """Keywords from a list or a comma-separated string."""
    if isinstance(value, list):
        return [k for entry in value for k in keywords(entry)]
    found = text(value)
    return [k.strip() for k in found.split(",")] if found else []
