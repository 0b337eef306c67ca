"""Export records and their CSV/JSON Lines form: fields, filters, cells that survive quoting."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from storage.export import EXPORT_FIELDS, ArchiveExport, export_query
from storage.filters import ArticleFilters
from storage.writes import ArchiveWriter
from tests.factories import make_item
from viva_militer_archive.cli.export import CSV_COLUMNS, write_csv, write_jsonl

TRICKY_BODY = 'VIVA – "Siaga satu," kata komandan; pasukan bergerak.\n\nParagraf kedua: ñ, é, 中文.'

SECOND_PUBLISHED = "2026-11-21T00:10:00+07:00"


def store(archive_url: str) -> None:
    ArchiveWriter(archive_url).store_articles(
        [
            make_item(1, body=TRICKY_BODY, published_at="2026-11-20T23:30:00+07:00"),
            make_item(2, subchannel="militer-indonesia", published_at=SECOND_PUBLISHED),
        ]
    )
    ArchiveWriter(archive_url).store_articles(
        [
            make_item(
                2, title="Judul Baru", subchannel="militer-indonesia", published_at=SECOND_PUBLISHED
            )
        ]
    )


def test_records_carry_item_fields_and_bookkeeping(archive_url: str) -> None:
    store(archive_url)
    records = list(ArchiveExport(archive_url).records())
    assert [r["article_id"] for r in records] == [1, 2]
    assert all(tuple(r) == EXPORT_FIELDS for r in records)
    first, second = records
    assert first["published_at"] == "2026-11-20T23:30:00+07:00", "on the site's clock, like items"
    assert first["lead_image"] == {
        "url": "https://thumb.viva.co.id/a.jpg",
        "caption": "Pasukan",
        "credit": "rferl.org",
    }
    assert (first["revision_count"], second["revision_count"]) == (1, 2)
    assert second["title"] == "Judul Baru" and second["status"] == "live"
    assert json.loads(json.dumps(first)) == first


def test_filters_by_site_day_and_subchannel(archive_url: str) -> None:
    store(archive_url)
    day_21 = date(2026, 11, 21)
    stmt = export_query(ArticleFilters(since=day_21, until=day_21))
    assert [r["article_id"] for r in ArchiveExport(archive_url).records(stmt)] == [2]
    stmt = export_query(ArticleFilters(subchannel="militer-dunia"))
    assert [r["article_id"] for r in ArchiveExport(archive_url).records(stmt)] == [1]


def test_csv_round_trips_quotes_newlines_and_unicode(archive_url: str) -> None:
    store(archive_url)
    stream = io.StringIO(newline="")
    assert write_csv(ArchiveExport(archive_url).records(), stream) == 2
    rows = list(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["body"] == TRICKY_BODY
    assert rows[0]["authors"] == "Andi Saputra; Rina Wulandari" and rows[0]["tags"] == "NATO; Rusia"
    assert rows[0]["lead_image_credit"] == "rferl.org" and json.loads(rows[0]["images"]) == []
    assert rows[1]["revision_count"] == "2"


def test_jsonl_is_one_object_per_line(archive_url: str) -> None:
    store(archive_url)
    stream = io.StringIO()
    assert write_jsonl(ArchiveExport(archive_url).records(), stream) == 2
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["body"] == TRICKY_BODY
    assert "中文" in lines[0], "UTF-8 as is, not \\u escapes"
