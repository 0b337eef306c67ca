"""HTML parsing and small DOM helpers shared by the extraction modules.

Selectors live in :mod:`crawler.site` as CSS; they are compiled to lxml XPath once and cached,
which keeps a page parse in the low milliseconds.
"""

from __future__ import annotations

from functools import cache

from lxml import etree
from parsel.csstranslator import css2xpath

from crawler.extraction.text import normalize_text

Element = etree._Element
"""A parsed element. Pages are parsed with lxml's plain HTML parser: ``lxml.html``'s element
classes would add a Python call for every element touched and nothing here needs them."""

_NAMESPACES = {"re": "http://exslt.org/regular-expressions"}
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_LINE_TAGS = frozenset(
    {
        "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "br", "figure", "figcaption", "picture",
        "section", "article", "blockquote", "table", "tr", "td", "th",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "aside", "nav",
    }
)  # fmt: skip


def parse_html(html: str | bytes) -> Element | None:
    """The document root, or None for an empty or unparsable page (never raises)."""
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    if not data.strip():
        return None
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser=parser)
    except (etree.LxmlError, ValueError):
        return None


@cache
def css(query: str) -> etree.XPath:
    """Compiled XPath for a CSS selector (parsel's ``::attr()`` / ``::text`` allowed)."""
    return etree.XPath(css2xpath(query), namespaces=_NAMESPACES)


@cache
def css_any(queries: tuple[str, ...]) -> etree.XPath:
    """One compiled XPath matching any of several CSS selectors (one tree walk, not N)."""
    return etree.XPath(" | ".join(css2xpath(q) for q in queries), namespaces=_NAMESPACES)


@cache
def xpath(query: str) -> etree.XPath:
    """Compiled XPath with the EXSLT ``re:`` namespace available."""
    return etree.XPath(query, namespaces=_NAMESPACES)


def first_value(node: Element, query: str) -> str | None:
    """First non-empty normalized string result of a ``::attr()``/``::text`` CSS query."""
    for value in css(query)(node):
        text = normalize_text(str(value))
        if text:
            return text
    return None


def text_lines(node: Element) -> list[str]:
    """Visible text of ``node`` split at block boundaries and ``<br>``, normalized, non-empty."""
    parts: list[str] = []
    _collect(node, parts)
    return [line for line in map(normalize_text, "".join(parts).split("\n")) if line]


def element_text(node: Element) -> str:
    """Visible text of ``node`` on one line."""
    return " ".join(text_lines(node))


def _collect(node: Element, parts: list[str]) -> None:
    """Append the text of ``node`` (not its tail) to ``parts``, newlines around blocks."""
    tag = node.tag
    if not isinstance(tag, str) or tag in _SKIP_TAGS:
        return
    block = tag in _LINE_TAGS
    if block:
        parts.append("\n")
    if node.text:
        parts.append(node.text)
    for child in node:
        _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append("\n")
