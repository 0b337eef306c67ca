"""Images: real URL of lazy pictures, caption and credit taken out of the text around them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from w3lib.url import safe_url_string

from crawler import site
from crawler.extraction.dom import Element, css, text_lines
from crawler.extraction.text import normalize_text
from crawler.items import ImageRecord


@dataclass(slots=True)
class CaptionParts:
    """Caption and credit found in the lines of a picture's container, and what was left."""

    caption: str | None = None
    credit: str | None = None
    other: int = 0
    """Lines that are neither caption nor credit (real text: the container is too wide)."""
    awaiting_credit: bool = False
    """The last label (``Sumber :``) had no value yet: the next source line is the credit."""

    def read(self, line: str) -> bool:
        """Take one text line in page order; whether it is caption or credit (not body text).

        Whatever inline markup split them, ``Sumber :`` then ``•`` then ``rferl.org`` (one
        line each) is one credit: a line holding only bullets is skipped while a credit is
        awaited, and the line after the label is its value when it starts with a bullet or is
        short enough to be a source (``site.CREDIT_MAX_WORDS``)."""
        label = site.CREDIT_LABEL_RE.match(line)
        if label:
            value = credit_value(line[label.end() :])
            self.credit = self.credit or value
            self.awaiting_credit = value is None
            return True
        if self.awaiting_credit:
            value = credit_value(line)
            if value is None:
                return True  # bullets only: the value is still to come
            self.awaiting_credit = False
            bulleted = line.lstrip()[:1] in site.CREDIT_BULLETS
            if caption_from(line) is None and (bulleted or is_source(value)):
                self.credit = self.credit or value
                return True
        caption = caption_from(line)
        if caption is not None:
            self.caption = self.caption or caption
            return True
        self.other += 1
        return False


def credit_value(text: str) -> str | None:
    """A credit without the bullets and spaces around it (``• rferl.org`` -> ``rferl.org``)."""
    return text.strip(site.CREDIT_BULLETS) or None


def is_source(text: str) -> bool:
    """Whether ``text`` is short enough to be a picture's source rather than a sentence."""
    return len(text.split()) <= site.CREDIT_MAX_WORDS


def caption_from(line: str) -> str | None:
    """Caption text when ``line`` is a ``VIVA Militer: ...`` caption, else None."""
    match = site.CAPTION_PREFIX_RE.match(line)
    return normalize_text(line[match.end() :]) or None if match else None


def split_caption(lines: list[str]) -> CaptionParts:
    """Read ``VIVA Militer: ...`` and ``Sumber : • rferl.org`` (label and value may be split
    over several lines by ``<br>``, list items, spans or bullets; see :meth:`CaptionParts.read`)."""
    parts = CaptionParts()
    for line in lines:
        parts.read(line)
    return parts


def image_url(img: Element, page_url: str) -> str | None:
    """Absolute http(s) URL from ``data-original`` (lazy) or ``src``; inline ``data:`` URIs and
    unparsable values (``http://[::1``) ignored: a bad picture costs the picture only."""
    for attr in site.LAZY_IMAGE_ATTRS:
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            try:
                url = safe_url_string(urljoin(page_url, value))
            except ValueError:
                continue
            if url.startswith(("http://", "https://")):
                return url
    return None


def image_record(img: Element, container: Element, page_url: str) -> ImageRecord | None:
    """The picture with caption and credit from its container (``alt`` when no caption)."""
    return image_with_caption(img, container, page_url)[0]


def image_with_caption(
    img: Element, container: Element, page_url: str, captions: Captions | None = None
) -> tuple[ImageRecord | None, CaptionParts]:
    """:func:`image_record` and what its container's text held (a credit may be awaited)."""
    parts = wrapper_caption(container, captions)
    src = image_url(img, page_url)
    if src is None:
        return None, parts
    alt = normalize_text(img.get("alt") or "")
    caption = parts.caption or caption_from(alt) or alt or None
    return ImageRecord(url=src, caption=caption, credit=parts.credit), parts


Captions = dict[Element, CaptionParts]
"""What the text of each wrapper read so far holds, for the pictures of one page: pictures
sharing a wrapper (a gallery of thousands) read its text once, not once each."""


def wrapper_caption(node: Element, captions: Captions | None) -> CaptionParts:
    """:func:`split_caption` of ``node``'s text, remembered in ``captions`` when given."""
    if captions is None:
        return split_caption(text_lines(node))
    if node not in captions:
        captions[node] = split_caption(text_lines(node))
    return captions[node]


def image_container(img: Element, body: Element, captions: Captions | None = None) -> Element:
    """Widest wrapper of ``img`` inside ``body`` that holds only caption/credit text."""
    container = img
    for ancestor in img.iterancestors():
        if ancestor is body or ancestor.tag not in site.IMAGE_CONTAINER_TAGS:
            break
        if wrapper_caption(ancestor, captions).other:
            break
        container = ancestor
    return container


def lead_image(root: Element, page_url: str) -> ImageRecord | None:
    """The picture above the body, from ``div.main-content-image``."""
    for container in css(site.LEAD_IMAGE_CONTAINER)(root):
        for img in css(site.LEAD_IMAGE)(container):
            record = image_record(img, container, page_url)
            if record is not None:
                return record
    return None


def captioned_image(root: Element, url: str, page_url: str) -> ImageRecord | None:
    """The page's picture of ``url`` with the caption and credit around it, wherever it sits
    (enriches a lead image known only by its URL from JSON-LD or ``og:image``)."""
    for img in root.iter("img"):
        if image_url(img, page_url) == url:
            return picture_with_caption(img, root, page_url)[0]
    return None


def picture_with_caption(
    img: Element, root: Element, page_url: str
) -> tuple[ImageRecord | None, CaptionParts]:
    """A picture anywhere on the page with the caption and credit of the widest wrapper around
    it that holds nothing else (:func:`image_with_caption` without a known container)."""
    frame = img  # past the wrappers without text (``<source>`` may wrap the img)
    for ancestor in img.iterancestors():
        if ancestor is root or text_lines(ancestor):
            break
        frame = ancestor
    return image_with_caption(img, image_container(frame, root), page_url)
