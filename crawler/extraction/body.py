"""Body cleaning: paragraphs of ``div.main-content-detail`` without injected noise.

Related-article blocks, ads, share and newsletter boxes are dropped by selector; "Baca Juga"
lines, captions and credits by their text; ``Halaman Selanjutnya`` links become page breaks so
that the teaser before them can be recognized and removed when pages are merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement

from crawler import site
from crawler.extraction.dom import css, css_any, element_text, text_lines
from crawler.extraction.images import image_container, image_record, is_caption_or_credit
from crawler.extraction.text import normalize_text
from crawler.items import ImageRecord


@dataclass(slots=True)
class PageBody:
    """The clean content of one page of an article."""

    paragraphs: list[str] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    breaks: set[int] = field(default_factory=set)
    """Indices of paragraphs followed by a ``Halaman Selanjutnya`` link (teaser candidates)."""
    found: bool = False
    """Whether the body container exists on the page at all."""


def find_body(root: HtmlElement) -> HtmlElement | None:
    """The body container, or None when the template changed."""
    found = css(site.BODY)(root)
    return found[0] if found else None


def extract_body(root: HtmlElement, page_url: str) -> PageBody:
    """Clean paragraphs and in-body images of one page."""
    body = find_body(root)
    if body is None:
        return PageBody()
    noise = {el for el in css_any(site.BODY_NOISE)(body) if el is not body}
    page = PageBody(found=True)
    containers: set[HtmlElement] = set()
    for img in body.iter("img"):
        if any(a in noise for a in img.iterancestors()):
            continue
        container = image_container(img, body)
        record = image_record(img, container, page_url)
        if record is not None:
            page.images.append(record)
            containers.add(container)
    _walk(body, noise | containers, page)
    return page


def _walk(node: HtmlElement, skip: set[HtmlElement], page: PageBody) -> None:
    """Collect paragraphs and page breaks below ``node`` in document order."""
    for child in node:
        tag = child.tag
        if not isinstance(tag, str) or child in skip:
            continue
        if tag == "a":
            if site.NEXT_PAGE_RE.match(element_text(child)):
                _add_break(page)
        elif tag in site.BODY_BLOCK_TAGS and not _has_block(child):
            _add_block(child, page)
        elif site.NEXT_PAGE_RE.match(normalize_text(child.text or "")):
            _add_break(page)
        else:
            _walk(child, skip, page)


def _has_block(node: HtmlElement) -> bool:
    """Whether ``node`` wraps further paragraph elements (then it is walked into)."""
    return any(el.tag in site.BODY_BLOCK_TAGS for el in node.iterdescendants() if el.tag)


def _add_break(page: PageBody) -> None:
    """Mark the last paragraph so far as followed by a ``Halaman Selanjutnya`` link."""
    if page.paragraphs:
        page.breaks.add(len(page.paragraphs) - 1)


def _add_block(node: HtmlElement, page: PageBody) -> None:
    """One paragraph element: a page break, a dropped line or body paragraphs."""
    lines = text_lines(node)
    if not lines:
        return
    if site.NEXT_PAGE_RE.match(" ".join(lines)):
        _add_break(page)
    elif not site.BACA_JUGA_RE.match(lines[0]):
        page.paragraphs.extend(line for line in lines if not is_caption_or_credit(line))


def is_teaser(candidate: str, following: str | None) -> bool:
    """Whether ``candidate`` announces ``following`` (or, with no next page, ends in "...")."""
    stem = site.TEASER_ELLIPSIS_RE.sub("", candidate).strip()
    if following is None:
        return stem != candidate.strip()
    return bool(stem) and following.startswith(stem)


def page_paragraphs(page: PageBody, next_first: str | None) -> list[str]:
    """Paragraphs of one page without the teaser(s) before its page breaks."""
    result: list[str] = []
    for index, paragraph in enumerate(page.paragraphs):
        if index in page.breaks:
            last = index == len(page.paragraphs) - 1
            following = next_first if last else page.paragraphs[index + 1]
            if is_teaser(paragraph, following):
                continue
        result.append(paragraph)
    return result


def merge_pages(pages: list[PageBody]) -> list[str]:
    """Paragraphs of all pages in order, teasers removed, repeated pages not duplicated."""
    merged: list[str] = []
    for index, page in enumerate(pages):
        following = pages[index + 1].paragraphs[:1] if index + 1 < len(pages) else []
        merged = _overlap_merge(merged, page_paragraphs(page, following[0] if following else None))
    return merged


def _overlap_merge(merged: list[str], page: list[str]) -> list[str]:
    """Append ``page`` to ``merged`` minus the part ``merged`` already holds (``page=all``)."""
    if not merged or not page:
        return merged + page
    for start, paragraph in enumerate(merged):
        if paragraph == page[0]:
            held = merged[start : start + len(page)]
            if held == page[: len(held)]:
                return merged + page[len(held) :]
    return merged + page
