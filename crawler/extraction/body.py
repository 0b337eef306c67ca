"""Body cleaning: paragraphs of ``div.main-content-detail`` without injected noise.

Related-article blocks, ads, share and newsletter boxes are dropped by selector; "Baca Juga"
lines, captions and credits by their text; ``Halaman Selanjutnya`` links become page breaks so
that the teaser before them can be recognized and removed when pages are merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from crawler import site
from crawler.extraction.dom import Element, css, css_any, element_text, text_lines
from crawler.extraction.images import (
    CaptionParts,
    Captions,
    image_container,
    image_with_caption,
)
from crawler.extraction.text import join_paragraphs, normalize_text
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


@dataclass(slots=True)
class ArticleBody:
    """The body of a whole article as one source gives it: its text and in-body pictures
    (false without text, so that the next source is tried)."""

    text: str
    images: list[ImageRecord] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.text)


def merged_body(pages: list[PageBody]) -> ArticleBody:
    """The article from its pages' bodies: paragraphs merged (:func:`merge_pages`), pictures
    of every page."""
    return ArticleBody(
        join_paragraphs(merge_pages(pages)), [image for page in pages for image in page.images]
    )


def find_body(root: Element) -> Element | None:
    """The body container, or None when the template changed."""
    found = css(site.BODY)(root)
    return found[0] if found else None


def extract_body(root: Element, page_url: str) -> PageBody:
    """Clean paragraphs and in-body images of one page."""
    body = find_body(root)
    if body is None:
        return PageBody()
    noise = {el for el in css_any(site.BODY_NOISE)(body) if el is not body}
    return read_body(body, noise, page_url)


def read_body(body: Element, noise: set[Element], page_url: str) -> PageBody:
    """Paragraphs, in-body pictures and page breaks of the container ``body``, the elements of
    ``noise`` (and all they hold) left out: the part shared by the site's body selector and
    the generic extraction (:mod:`~crawler.extraction.generic`), which only find the container
    and the noise differently."""
    page = PageBody(found=True)
    pictures: dict[Element, tuple[ImageRecord, CaptionParts]] = {}
    captions: Captions = {}
    for img in body.iter("img"):
        if any(a in noise for a in img.iterancestors()):
            continue
        container = image_container(img, body, captions)
        record, parts = image_with_caption(img, container, page_url, captions)
        if record is not None:
            page.images.append(record)
            pictures[container] = (record, parts)
    _Walk(page, noise, pictures).walk(body)
    return page


class _Walk:
    """Collects paragraphs and page breaks in document order.

    Caption and credit lines are never body text: those that follow a picture outside its
    container (a ``Sumber :`` paragraph, a ``• rferl.org`` line after it) complete that
    picture's caption or credit, until a body paragraph comes between."""

    def __init__(
        self,
        page: PageBody,
        skip: set[Element],
        pictures: dict[Element, tuple[ImageRecord, CaptionParts]],
    ) -> None:
        self.page = page
        self.skip = skip
        self.pictures = pictures
        self.picture: ImageRecord | None = None
        self.caption = CaptionParts()

    def walk(self, node: Element) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or child in self.skip:
                continue
            if child in self.pictures:
                self.picture, parts = self.pictures[child]
                self.caption = replace(parts, other=0)
            elif tag == "a":
                if site.NEXT_PAGE_RE.match(element_text(child)):
                    self.page_break()
            elif tag in site.BODY_BLOCK_TAGS and not _has_block(child):
                self.block(child)
            elif site.NEXT_PAGE_RE.match(normalize_text(child.text or "")):
                self.page_break()
            else:
                self.walk(child)

    def page_break(self) -> None:
        """Mark the last paragraph so far as followed by a ``Halaman Selanjutnya`` link."""
        if self.page.paragraphs:
            self.page.breaks.add(len(self.page.paragraphs) - 1)

    def block(self, node: Element) -> None:
        """One paragraph element: a page break, dropped lines or body paragraphs."""
        lines = text_lines(node)
        if not lines or site.BACA_JUGA_RE.match(lines[0]):
            return
        if site.NEXT_PAGE_RE.match(" ".join(lines)):
            self.page_break()
            return
        for line in lines:
            if self.caption.read(line):
                self.complete_picture()
            else:
                self.page.paragraphs.append(line)
                self.picture = None

    def complete_picture(self) -> None:
        """Give the picture above the caption or credit its container lacked (a caption read
        from the text beats the ``alt`` fallback)."""
        if self.picture is not None:
            self.picture.caption = self.caption.caption or self.picture.caption
            self.picture.credit = self.caption.credit or self.picture.credit


def _has_block(node: Element) -> bool:
    """Whether ``node`` wraps further paragraph elements (then it is walked into)."""
    return any(el.tag in site.BODY_BLOCK_TAGS for el in node.iterdescendants() if el.tag)


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
