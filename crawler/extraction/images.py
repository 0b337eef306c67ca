"""Images: real URL of lazy pictures, caption and credit taken out of the text around them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from lxml.html import HtmlElement
from w3lib.url import safe_url_string

from crawler import site
from crawler.extraction.dom import css, text_lines
from crawler.extraction.text import normalize_text
from crawler.items import ImageRecord


@dataclass(slots=True)
class CaptionParts:
    """Caption and credit found in the lines of a picture's container, and what was left."""

    caption: str | None = None
    credit: str | None = None
    other: int = 0
    """Lines that are neither caption nor credit (real text: the container is too wide)."""


def caption_from(line: str) -> str | None:
    """Caption text when ``line`` is a ``VIVA Militer: ...`` caption, else None."""
    match = site.CAPTION_PREFIX_RE.match(line)
    return normalize_text(line[match.end() :]) or None if match else None


def is_caption_or_credit(line: str) -> bool:
    """Whether a body line is a picture caption or credit label (never body text)."""
    return bool(site.CAPTION_PREFIX_RE.match(line) or site.CREDIT_LABEL_RE.match(line))


def split_caption(lines: list[str]) -> CaptionParts:
    """Read ``VIVA Militer: ...`` and ``Sumber : • rferl.org`` (label and value may be split)."""
    parts = CaptionParts()
    awaiting_credit = False
    for line in lines:
        label = site.CREDIT_LABEL_RE.match(line)
        if label:
            value = line[label.end() :].strip(site.CREDIT_BULLETS)
            parts.credit = parts.credit or value or None
            awaiting_credit = not value
        elif awaiting_credit:
            parts.credit = parts.credit or line.strip(site.CREDIT_BULLETS) or None
            awaiting_credit = False
        elif (caption := caption_from(line)) is not None:
            parts.caption = parts.caption or caption
        else:
            parts.other += 1
    return parts


def image_url(img: HtmlElement, page_url: str) -> str | None:
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


def image_record(img: HtmlElement, container: HtmlElement, page_url: str) -> ImageRecord | None:
    """The picture with caption and credit from its container (``alt`` when no caption)."""
    src = image_url(img, page_url)
    if src is None:
        return None
    parts = split_caption(text_lines(container))
    alt = normalize_text(img.get("alt") or "")
    caption = parts.caption or caption_from(alt) or alt or None
    return ImageRecord(url=src, caption=caption, credit=parts.credit)


def image_container(img: HtmlElement, body: HtmlElement) -> HtmlElement:
    """Widest wrapper of ``img`` inside ``body`` that holds only caption/credit text."""
    container = img
    for ancestor in img.iterancestors():
        if ancestor is body or ancestor.tag not in site.IMAGE_CONTAINER_TAGS:
            break
        if split_caption(text_lines(ancestor)).other:
            break
        container = ancestor
    return container


def lead_image(root: HtmlElement, page_url: str) -> ImageRecord | None:
    """The picture above the body, from ``div.main-content-image``."""
    for container in css(site.LEAD_IMAGE_CONTAINER)(root):
        for img in css(site.LEAD_IMAGE)(container):
            record = image_record(img, container, page_url)
            if record is not None:
                return record
    return None
