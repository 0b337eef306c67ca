"""Both Atom feeds stay well-formed XML whatever an archived string holds: characters XML 1.0
cannot carry (U+0001, U+FFFE, U+FFFF, NUL, lone surrogates) are left out of every text and
attribute, checked with two real XML parsers (expat and libxml2)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from storage.writes import ArchiveWriter
from tests.factories import make_item
from viva_militer_archive.web.app import create_app
from viva_militer_archive.web.feeds import Entry, atom

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = ("\ufffe", "\uffff", "\x01", "\x1b", "\x00", "\ud800", "\udfff", "\x7f\x85")
"""Characters outside XML's Char production (and two inside it: DEL and NEL are allowed)."""
STORABLE = "Judul \ufffe\uffff\x01\x1b\x08 Kalajengking"
"""A title both databases hold (no NUL, no surrogate) with characters XML cannot carry."""


def parsed(document: bytes) -> ET.Element:
    """The document read by expat and by libxml2, both strict about well-formedness."""
    etree.fromstring(document, etree.XMLParser(recover=False))
    return ET.fromstring(document)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_text_and_attribute_is_xml_safe(hostile: str) -> None:
    dirty = f"a{hostile}b"
    entry = Entry(
        id=f"urn:x:{dirty}",
        title=dirty,
        updated=datetime(2026, 11, 20, tzinfo=UTC),
        link=f"http://127.0.0.1/articles/1?{dirty}",
        summary=dirty,
        categories=[dirty, "NATO"],
    )
    document = atom(f"urn:feed:{dirty}", dirty, f"http://x/{dirty}", f"http://y/{dirty}", [entry])
    feed = parsed(document)
    node = feed.find(f"{ATOM}entry")
    assert node is not None
    kept = dirty if hostile == "\x7f\x85" else "ab"
    assert node.findtext(f"{ATOM}title") == kept and node.findtext(f"{ATOM}summary") == kept
    assert [c.get("term") for c in node.iter(f"{ATOM}category")] == [kept, "NATO"]
    assert feed.findtext(f"{ATOM}title") == kept


def test_both_feeds_of_an_archive_with_hostile_strings_parse(archive_url: str) -> None:
    writer = ArchiveWriter(archive_url)
    fields = {"tags": ["NATO\x01", "Rusia\ufffe"], "subchannel": "militer\uffff-dunia"}
    writer.store_articles([make_item(1, title=STORABLE, **fields)])
    writer.store_articles([make_item(1, title=STORABLE + " \x02baru", **fields)])
    with TestClient(create_app(archive_url)) as client:
        articles = parsed(client.get("/feeds/articles.atom").content)
        changes = parsed(client.get("/feeds/changes.atom").content)
    [entry] = articles.iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Judul  Kalajengking baru"
    terms = [c.get("term") for c in entry.iter(f"{ATOM}category")]
    assert terms == ["militer-dunia", "NATO", "Rusia"]
    [change] = changes.iter(f"{ATOM}entry")
    assert change.findtext(f"{ATOM}title") == "Edited (revision 2): Judul  Kalajengking baru"
    assert [c.get("term") for c in change.iter(f"{ATOM}category")] == ["militer-dunia"]
