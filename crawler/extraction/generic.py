"""Generic main-text extraction: the article body found by text and link density, not by class.

The fallback for a page whose body selector (``site.BODY``) finds nothing, as after a redesign
that renamed the template's classes. Site-independent on purpose: it reads only the document's
structure.

1. Every paragraph element (``site.BODY_BLOCK_TAGS``) outside page chrome (``nav``, ``aside``,
   ``header``, ``footer``, forms, scripts) scores its text that is not link text; captions,
   credits and "Baca Juga" lines score nothing. Its parent gets the score, its grandparent
   half of it, paragraphs inside ``<article>``/``<main>`` count more (readability's scheme).
2. The best-scored element that is no widget is the body. It grows to its parent when the
   parent holds as many paragraphs of its own (the best was a teaser or quote box inside the
   body), else siblings scored nearly as well (an article split in blocks) join it.
3. Inside it, noise is what a reader skips: blocks whose text is mostly link text (related
   headlines, "Baca Juga" boxes, share bars, tag and page lists), small boxes around a form
   (newsletter sign-up), elements named like comments, shares, ads or promotions.
4. What is left is read exactly like the site's body (:func:`~crawler.extraction.body.
   read_body`): same paragraphs, captions and credits kept apart, page breaks for teasers.

One pass over the document to score and one over the body to measure: linear in the page.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from itertools import islice

from crawler import site
from crawler.dates import parse_indonesian_datetime
from crawler.extraction.body import PageBody, read_body
from crawler.extraction.dom import Element, element_text, text_lines
from crawler.extraction.images import caption_from, picture_with_caption
from crawler.items import ImageRecord
from crawler.urls import page_number

CHROME_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "ins", "svg", "object", "embed",
        "form", "button", "input", "select", "textarea", "nav", "aside", "header", "footer",
    }
)  # fmt: skip
"""Elements never part of an article's text (page chrome, widgets, forms)."""

FORM_TAGS: frozenset[str] = frozenset({"form", "input", "button", "select", "textarea"})
INLINE_TAGS: frozenset[str] = frozenset(
    {
        "a", "span", "strong", "b", "em", "i", "u", "small", "sub", "sup", "mark", "abbr",
        "cite", "code", "time", "font", "br", "img", "picture", "source", "q", "s",
    }
)  # fmt: skip
"""Elements inside a paragraph: never judged as a block of their own."""

HEADLINE_TAG = "h1"
"""A page's headline element, whatever its class (the title's last resort)."""

MAIN_TAGS: frozenset[str] = frozenset({"article", "main"})
MAIN_BONUS = 1.5
"""Paragraphs inside ``<article>``/``<main>`` weigh this much more (a page's own main text)."""

MIN_PARAGRAPH_CHARS = 25
"""Shorter paragraphs do not score (labels, bylines, single links)."""
MIN_BODY_SCORE = 40.0
"""A best candidate scoring less holds no article text (an index, an error page); on page
2..N of an article any paragraph text is enough (see :func:`extract_generic_body`)."""
MAX_CANDIDATES = 5
"""Best-scored candidates tried in turn when the best ones are widgets."""
SIBLING_SHARE = 0.2
"""A sibling of the best candidate scoring at least this share of it is part of the body."""
LINK_DENSITY_MAX = 0.5
"""A block whose text is more than this share link text is a list of links, not text."""
FORM_BOX_MAX_CHARS = 200
"""A block around a form with at most this much text is a sign-up or search box."""

DATELINE_MAX_CHARS = 80
"""A dateline is short: longer text is not read as a date."""
DATELINE_MAX_DESCENDANTS = 8
"""An element with more descendants is not one dateline (its own text is still tried)."""

LEAD_PICTURE_CANDIDATES = 10
"""Pictures above the body tried as the lead image (each costs a look at its wrappers' text;
a gallery of thousands must not)."""

NOISE_NAME_RE = re.compile(
    r"comment|share|sharing|social|sponsor|promo|advert|newsletter|subscribe"
    r"|(?:^|[-_\s])ads?(?:[-_\s]|$)",
    re.IGNORECASE,
)
"""``class``/``id`` words of widgets every site names alike (``div-gpt-ad-1``, ``share-bar``)."""


def extract_generic_body(root: Element, page_url: str) -> PageBody:
    """The body of a page by density (see the module docstring); empty when none stands out.

    Page 2..N of an article (``?page=N`` in ``page_url``) may end it with one short paragraph:
    when nothing scores there, any paragraph text counts (the first page said it is one)."""
    body, outside = _main_container(root, MIN_PARAGRAPH_CHARS, MIN_BODY_SCORE)
    if body is None and (page_number(page_url) or 1) > 1:
        body, outside = _main_container(root, 1, 1.0)
    if body is None:
        return PageBody()
    return read_body(body, outside | _noise(body), page_url)


def dateline(root: Element) -> datetime | None:
    """The first date-and-time of the page outside its chrome (``Selasa, 22 Juli 2025 - 17:20
    WIB`` in a renamed date block): an element's own text, or all its text when it is small."""
    for node in _outside_chrome(root):
        own = (node.text or "").strip()
        if not own or len(own) > DATELINE_MAX_CHARS:
            continue
        small = len(list(islice(node.iterdescendants(), DATELINE_MAX_DESCENDANTS + 1)))
        texts = (own, element_text(node)) if small <= DATELINE_MAX_DESCENDANTS else (own,)
        for text in texts:
            if (parsed := parse_indonesian_datetime(text)) is not None:
                return parsed
    return None


def lead_picture(root: Element, page_url: str) -> ImageRecord | None:
    """The first captioned picture above the body (not in a link, not in the chrome): a lead
    image needs a caption or credit in the text around it, so a logo or an icon never is one;
    None when the first picture is already inside the body."""
    body, _ = _main_container(root, MIN_PARAGRAPH_CHARS, MIN_BODY_SCORE)
    tried = 0
    for node in _outside_chrome(root):
        if node is body or tried == LEAD_PICTURE_CANDIDATES:
            return None
        if node.tag == "img" and not any(a.tag == "a" for a in node.iterancestors()):
            tried += 1
            record, parts = picture_with_caption(node, root, page_url)
            if record is not None and (parts.caption or parts.credit):
                return record
    return None


def in_chrome(node: Element) -> bool:
    """Whether ``node`` sits in page chrome (``nav``, ``aside``, ``header``, ``footer``...)."""
    return any(ancestor.tag in CHROME_TAGS for ancestor in node.iterancestors())


def _outside_chrome(root: Element) -> Iterator[Element]:
    """Elements in document order, page chrome (``CHROME_TAGS``) and all it holds left out."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(
            child
            for child in reversed(node)
            if isinstance(child.tag, str) and child.tag not in CHROME_TAGS
        )


def _main_container(
    root: Element, min_paragraph: int, min_score: float
) -> tuple[Element | None, set[Element]]:
    """The element holding the article text, and the children of it left out (siblings of the
    best candidate that are not part of the body when several siblings make it). A candidate
    that is a widget (a sign-up box, an element named like an ad) gives way to the next one."""
    scores = _scores(root, min_paragraph)
    ranked = heapq.nlargest(MAX_CANDIDATES, scores, key=scores.__getitem__)
    for best in ranked:
        if scores[best] < min_score:
            break
        if not _is_widget(best):
            return _widened(best, scores)
    return None, set()


def _widened(best: Element, scores: dict[Element, float]) -> tuple[Element, set[Element]]:
    """The best candidate grown to the body it is part of: to its parent when that parent
    holds at least as many paragraphs of its own (``best`` is a box inside the body: a teaser,
    a quote), else to the siblings scored nearly as well (an article split in blocks)."""
    parent = best.getparent()
    if parent is None:
        return best, set()
    inner = sum(1 for _ in best.iterdescendants(*site.BODY_BLOCK_TAGS))
    if _own_paragraphs(parent) >= inner:
        return parent, set()
    siblings = [child for child in parent if isinstance(child.tag, str)]
    top = scores[best]
    kept = [i for i, child in enumerate(siblings) if scores.get(child, 0) >= top * SIBLING_SHARE]
    if len(kept) < 2:
        return best, set()
    first, last = kept[0], kept[-1]
    return parent, {child for i, child in enumerate(siblings) if not first <= i <= last}


def _own_paragraphs(node: Element) -> int:
    """Children of ``node`` that are paragraphs with text (not caption or credit lines)."""
    return sum(1 for child in node if child.tag in site.BODY_BLOCK_TAGS and _paragraph_chars(child))


def _is_widget(node: Element) -> bool:
    """Whether ``node`` is named like a widget, or is a small box whose own child is a form
    (a sign-up box: a line of pitch and a form; not a body that holds such a box)."""
    if NOISE_NAME_RE.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
        return True
    has_form = any(child.tag in FORM_TAGS for child in node)
    return has_form and len(element_text(node)) <= FORM_BOX_MAX_CHARS


def _scores(root: Element, min_paragraph: int) -> dict[Element, float]:
    """Paragraph text credited to each paragraph's parent (full) and grandparent (half)."""
    scores: dict[Element, float] = defaultdict(float)
    stack: list[tuple[Element, bool, bool]] = [(root, False, False)]
    while stack:
        node, in_link, in_main = stack.pop()
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in CHROME_TAGS:
                continue
            if tag in site.BODY_BLOCK_TAGS and not in_link:
                length = _paragraph_chars(child)
                if length >= min_paragraph:
                    weight = length * (MAIN_BONUS if in_main else 1.0)
                    scores[node] += weight
                    grandparent = node.getparent()
                    if grandparent is not None:
                        scores[grandparent] += weight / 2
                    continue
            stack.append((child, in_link or tag == "a", in_main or tag in MAIN_TAGS))
    return scores


def _paragraph_chars(node: Element) -> int:
    """Characters of a paragraph's text outside links; nothing for a caption, credit or
    "Baca Juga" line, or for a paragraph that holds further paragraphs (scored themselves)."""
    if any(el.tag in site.BODY_BLOCK_TAGS for el in node.iterdescendants()):
        return 0
    total = 0
    for line in text_lines(node):
        if not (
            caption_from(line) or site.CREDIT_LABEL_RE.match(line) or site.BACA_JUGA_RE.match(line)
        ):
            total += len(line)
    if not total:
        return 0
    linked = sum(len(line) for a in node.iter("a") for line in text_lines(a))
    return max(total - linked, 0)


def _noise(body: Element) -> set[Element]:
    """Elements under ``body`` that are not article text (see the module docstring, step 3)."""
    chars, linked = _text_and_link_chars(body)
    noise: set[Element] = set()
    for node in body.iterdescendants():
        tag = node.tag
        if not isinstance(tag, str) or tag in INLINE_TAGS:
            continue
        if tag in FORM_TAGS:
            noise.add(_form_box(node, body, chars))
        elif tag in CHROME_TAGS or NOISE_NAME_RE.search(
            f"{node.get('class') or ''} {node.get('id') or ''}"
        ):
            noise.add(node)
        elif tag not in site.BODY_BLOCK_TAGS:
            if chars[node] and linked[node] > chars[node] * LINK_DENSITY_MAX:
                noise.add(node)
        elif chars[node] and linked[node] >= chars[node]:
            noise.add(node)  # a paragraph that is only a link: a related headline
    return noise


def _text_and_link_chars(body: Element) -> tuple[dict[Element, int], dict[Element, int]]:
    """Visible characters and characters inside links of every element under ``body``,
    counted bottom-up in one pass (whitespace around text nodes not counted)."""
    nodes = [node for node in body.iter() if isinstance(node.tag, str)]
    chars: dict[Element, int] = defaultdict(int)
    linked: dict[Element, int] = defaultdict(int)
    for node in reversed(nodes):
        if node.tag in CHROME_TAGS and node.tag not in FORM_TAGS:
            chars[node] = linked[node] = 0
        else:
            chars[node] += len((node.text or "").strip())
            if node.tag == "a":
                linked[node] = chars[node]
        parent = node.getparent()
        if node is not body and parent is not None:
            chars[parent] += chars[node] + len((node.tail or "").strip())
            linked[parent] += linked[node]
    return chars, linked


def _form_box(node: Element, body: Element, chars: dict[Element, int]) -> Element:
    """The widest block around a form control that holds little text (the whole sign-up box)."""
    box = node
    for ancestor in node.iterancestors():
        if ancestor is body or chars[ancestor] > FORM_BOX_MAX_CHARS:
            break
        box = ancestor
    return box


__all__ = ["HEADLINE_TAG", "dateline", "extract_generic_body", "in_chrome", "lead_picture"]
