"""Atom documents (RFC 4287) built with ElementTree, which escapes every text and attribute.

Escaping is not enough: XML 1.0 cannot carry some characters at all, escaped or not (controls
such as U+0001, U+FFFE, U+FFFF, lone surrogates), and one of them in an archived title or tag
would make the whole feed not well-formed. Every text and attribute goes through
:func:`xml_safe`, which leaves out whatever lies outside XML's ``Char`` production."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
FEED_ENTRIES = 50
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Any character outside XML 1.0's ``Char`` production."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry."""

    id: str
    """A permanent URN: the same event keeps the same id in every fetch of the feed."""
    title: str
    updated: datetime
    link: str
    summary: str | None = None
    categories: Sequence[str] = ()


def entry_urn(*parts: object) -> str:
    """``urn:viva-militer-archive:<part>:<part>...``."""
    return ":".join(["urn:viva-militer-archive", *(str(part) for part in parts)])


def atom(feed_id: str, title: str, self_url: str, page_url: str, entries: Sequence[Entry]) -> bytes:
    """The feed document; ``updated`` is the newest entry's time (or now when empty)."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    newest = max((entry.updated for entry in entries), default=datetime.now(UTC))
    _text(feed, "updated", newest.isoformat())
    _link(feed, "self", self_url)
    _link(feed, "alternate", page_url)
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "viva-militer-archive")
    for entry in entries:
        node = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(node, "id", entry.id)
        _text(node, "title", entry.title)
        _text(node, "updated", entry.updated.isoformat())
        _link(node, "alternate", entry.link)
        if entry.summary:
            _text(node, "summary", entry.summary)
        for category in entry.categories:
            ET.SubElement(node, f"{{{ATOM_NS}}}category", term=xml_safe(category))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}{name}").text = xml_safe(value)


def _link(parent: ET.Element, rel: str, href: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", rel=rel, href=xml_safe(href))


def xml_safe(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry at all (see the module docstring)."""
    return _NOT_XML_CHAR.sub("", value)
