"""Items as the crawler emits them, for storage tests."""

from __future__ import annotations

import hashlib
from typing import Any


def make_item(article_id: int = 1678984, **overrides: Any) -> dict[str, Any]:
    """A complete, valid article item; ``title``/``body`` changes update the hash."""
    item: dict[str, Any] = {
        "url": f"https://www.viva.co.id/militer/militer-dunia/{article_id}-contoh-artikel",
        "article_id": article_id,
        "section": "militer",
        "subchannel": "militer-dunia",
        "title": "NATO Siagakan Pasukan di Perbatasan",
        "description": "Ringkasan berita.",
        "published_at": "2026-11-20T10:15:00+07:00",
        "modified_at": None,
        "authors": ["Andi Saputra", "Rina Wulandari"],
        "editor": None,
        "tags": ["NATO", "Rusia"],
        "lead_image": {
            "url": "https://thumb.viva.co.id/a.jpg",
            "caption": "Pasukan",
            "credit": "rferl.org",
        },
        "images": [],
        "body": "VIVA – Paragraf pertama.\n\nParagraf kedua.",
        "page_count": 1,
        "fetched_at": "2026-11-20T05:00:00+00:00",
        "extraction_warnings": [],
    }
    item.update(overrides)
    item["word_count"] = len(item["body"].split())
    item["content_hash"] = hashlib.sha256(f"{item['title']}\n\n{item['body']}".encode()).hexdigest()
    return item
