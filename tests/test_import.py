"""``viva-archive import``: JSON lines checked like crawled items, stored as revisions with source
``import``, idempotent, bad lines rejected by number, and the export round trip."""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from crawler.importer import MAX_LINE_BYTES, ArchiveImport, ImportSummary, Rejected, read_lines
from storage.engine import get_engine, get_session_factory
from storage.export import ITEM_FIELDS, ArchiveExport
from storage.isolation import write_isolating
from storage.migrate import upgrade
from storage.models import ArticleRevision
from storage.writes import ArchiveWriter
from tests.cli_helpers import viva
from tests.crawling import REPO_ROOT
from tests.factories import make_item
from tests.test_store_integrity import forbid_titles_in_sql
from viva_militer_archive.cli.export import write_jsonl

BASE = "https://www.viva.co.id"


def lines(*records: object) -> list[bytes]:
    return [
        (value if isinstance(value, str) else json.dumps(value)).encode() + b"\n"
        for value in records
    ]


def run_import(url: str, data: list[bytes], batch_size: int = 200) -> ImportSummary:
    return ArchiveImport(url, BASE, batch_size=batch_size).run(data)


def revision_sources(url: str) -> list[tuple[int, int, str]]:
    stmt = select(ArticleRevision.article_id, ArticleRevision.revision, ArticleRevision.source)
    with get_session_factory(url)() as session:
        return [tuple(row) for row in session.execute(stmt.order_by(ArticleRevision.id))]  # type: ignore[misc]


def test_items_are_stored_once_with_source_import(archive_url: str) -> None:
    data = lines(*(make_item(k) for k in (1, 2, 3)))
    first = run_import(archive_url, data, batch_size=2)
    assert (first.lines, first.new, first.updated, first.unchanged, first.rejected) == (
        3,
        3,
        0,
        0,
        0,
    )
    again = run_import(archive_url, data)
    assert (again.new, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert revision_sources(archive_url) == [(1, 1, "import"), (2, 1, "import"), (3, 1, "import")]


def test_a_changed_article_gets_a_revision_and_versions_in_one_file_are_kept(
    archive_url: str,
) -> None:
    run_import(archive_url, lines(make_item(1)))
    data = lines(make_item(1, body="Versi dua."), make_item(1, body="Versi tiga."))
    summary = run_import(archive_url, data)
    assert (summary.new, summary.updated, summary.unchanged) == (0, 2, 0)
    assert [rev for _, rev, _ in revision_sources(archive_url)] == [1, 2, 3]


def test_bad_lines_are_rejected_by_number_and_the_rest_is_stored(archive_url: str) -> None:
    good = make_item(1)
    data = [
        *lines(
            good,
            "{not json",
            [1, 2],
            {**make_item(2), "title": ""},
            {**make_item(3), "article_id": "3"},
            {**make_item(4), "article_id": 2**63},
            {**make_item(5), "published_at": "kemarin"},
            {**make_item(6), "published_at": "0001-01-01T00:10:00+07:00"},
            {**make_item(7), "article_id": 8},
            {**make_item(9), "tags": "NATO"},
            "",
            make_item(10),
        ),
        b"\xff\xfe\n",
    ]
    summary = run_import(archive_url, data, batch_size=3)
    assert summary.new == 2 and summary.lines == 13
    assert [number for number, _ in summary.rejections] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 13]
    reasons = dict(summary.rejections)
    assert reasons[2].startswith("not JSON") and reasons[3] == "not a JSON object"
    assert reasons[4] == "missing title" and reasons[5] == "bad article_id: not a whole number"
    assert reasons[6] == "bad article_id: out of range"
    assert reasons[7].startswith("invalid published_at") and reasons[8].startswith(
        "invalid published_at"
    )
    assert reasons[9] == "article id does not match url"
    assert reasons[10] == "bad tags: not a list of strings" and reasons[13] == "not UTF-8"
    assert summary.reasons["bad article_id"] == 2
    assert [record["article_id"] for record in ArchiveExport(archive_url).records()] == [1, 10]


def test_a_line_the_database_refuses_costs_only_itself(archive_url: str) -> None:
    forbid_titles_in_sql(archive_url, "Terlarang")
    items = [make_item(n) for n in range(1, 6)]
    items[2]["title"] = "Judul Terlarang"
    summary = run_import(archive_url, lines(*items), batch_size=5)
    assert (summary.new, summary.rejected) == (4, 1)
    [(number, reason)] = summary.rejections
    assert number == 3 and reason.startswith("database refused")
    assert [a for a, _, _ in revision_sources(archive_url)] == [1, 2, 4, 5]


def test_a_broken_database_stops_the_import_rejecting_no_good_line(archive_url: str) -> None:
    with get_engine(archive_url).begin() as conn:
        conn.execute(text("DROP TABLE article_authors"))  # a schema nobody migrated right
    importer = ArchiveImport(archive_url, BASE, batch_size=5)
    with pytest.raises(DatabaseError):
        importer.run(lines(*(make_item(n) for n in range(1, 6))))
    assert revision_sources(archive_url) == []


def test_export_import_export_gives_the_same_item_fields(archive_url: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    upgrade(source)
    writer = ArchiveWriter(source)
    writer.store_articles(
        [
            make_item(1, body="VIVA – Paragraf «satu».\n\nParagraf 中文."),
            make_item(2, images=[{"url": "https://thumb.viva.co.id/b.jpg", "caption": None}]),
            make_item(3, lead_image=None, tags=[], authors=[]),
        ]
    )
    writer.store_articles([make_item(2, title="Judul Baru")])
    exported = io.StringIO()
    write_jsonl(ArchiveExport(source).records(), exported)
    summary = run_import(archive_url, lines(*exported.getvalue().splitlines()))
    assert (summary.new, summary.rejected) == (3, 0)

    def items(url: str) -> list[dict[str, object]]:
        return [{k: r[k] for k in ITEM_FIELDS} for r in ArchiveExport(url).records()]

    assert items(archive_url) == items(source)


@pytest.mark.slow
def test_cli_import_reports_progress_summary_and_rejections(
    archive_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(b"".join(lines(make_item(1), "oops", make_item(2))))
    done = viva("--database-url", archive_url, "import", str(path))
    assert done.returncode == 1, done.stderr
    assert "line 2: rejected: not JSON" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip() == (
        f"imported {path}: lines 3 · new 2 · updated 0 · unchanged 0 · rejected 1 (not JSON 1)"
    )
    again = viva("--database-url", archive_url, "import", "-", input=path.read_text())
    assert again.returncode == 1
    assert "new 0 · updated 0 · unchanged 2 · rejected 1" in again.stdout
    missing = viva("--database-url", archive_url, "import", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr


# -- hostile input (issue 19) ------------------------------------------------------------------

HUGE_NUMBER = '{"article_id": 1, "page_count": ' + "9" * 5000 + "}"
"""Past Python's 4,300-digit limit of int(): json.loads raises a plain ValueError."""


def test_each_hostile_line_is_rejected_alone_and_no_good_line_is_lost(archive_url: str) -> None:
    no_hash = [{k: v for k, v in make_item(n).items() if k != "content_hash"} for n in (5, 6)]
    data = lines(
        make_item(1),
        HUGE_NUMBER,
        make_item(2),
        {**make_item(3), "title": "Judul \ud800"},
        {**make_item(4), "body": "Isi \udfff."},
        *no_hash,
        {**make_item(7), "tags": ["NATO", "Rusia\ud800"]},
        {k: v for k, v in make_item(8).items() if k != "url"},
        {**make_item(9), "url": None},
    )
    summary = run_import(archive_url, data)
    assert [number for number, _ in summary.rejections] == [2, 4, 5, 9, 10]
    reasons = dict(summary.rejections)
    assert reasons[2].startswith("not JSON: Exceeds the limit")
    assert reasons[4].startswith("invalid title") and reasons[5].startswith("invalid body")
    assert reasons[9] == reasons[10] == "missing url"
    stored = {r["article_id"]: r for r in ArchiveExport(archive_url).records()}
    assert sorted(stored) == [1, 2, 5, 6, 7]
    assert stored[7]["tags"] == ["NATO"], "an entry no database can hold is left out"


def test_items_failing_before_the_database_are_poison_not_a_database_fault(
    archive_url: str,
) -> None:
    """A batch of items the writer cannot even turn into rows (no content hash) is so many
    rejected items, not a database refusing everything."""
    items = [{k: v for k, v in make_item(n).items() if k != "content_hash"} for n in (1, 2)]
    outcome = write_isolating(ArchiveWriter(archive_url).store_articles, items)
    assert outcome.error is None and outcome.unstored == [] and outcome.results == []
    assert [item["article_id"] for item, _ in outcome.poison] == [1, 2]


def test_the_content_hash_is_computed_not_taken_from_the_line(archive_url: str) -> None:
    first = make_item(1)
    run_import(archive_url, lines(first))
    edited = {**make_item(1, body="Isi yang diubah."), "content_hash": first["content_hash"]}
    assert run_import(archive_url, lines(edited)).updated == 1, "an edit with the old hash"
    wrong = {**edited, "content_hash": "0" * 64}
    assert run_import(archive_url, lines(wrong)).unchanged == 1, "same content, wrong hash"
    assert [rev for _, rev, _ in revision_sources(archive_url)] == [1, 2]
    [record] = ArchiveExport(archive_url).records()
    assert record["body"] == "Isi yang diubah."
    assert record["content_hash"] == make_item(1, body="Isi yang diubah.")["content_hash"]


def test_an_over_long_line_is_rejected_and_ends_the_reading() -> None:
    stream = io.BytesIO(b"\xef\xbb\xbf" + b'{"a": 1}\n' + b"x" * 40 + b"\n" + b'{"b": 2}\n')
    read = list(read_lines(stream, limit=32))
    assert read[0] == b'{"a": 1}\n', "the byte order mark is skipped"
    assert isinstance(read[1], Rejected) and str(read[1]).startswith("line too long")
    assert len(read) == 2


@pytest.mark.slow
def test_cli_import_survives_a_bom_a_huge_number_dev_zero_and_closed_stdin(
    archive_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(lines(make_item(1), HUGE_NUMBER, make_item(2))))
    done = viva("--database-url", archive_url, "import", str(path))
    assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[0].startswith("line 2: rejected: not JSON: Exceeds the limit")
    assert "lines 3 · new 2 · updated 0 · unchanged 0 · rejected 1" in done.stdout
    zeros = viva("--database-url", archive_url, "import", "/dev/zero")
    assert "Traceback" not in zeros.stderr and zeros.returncode == 1, zeros.stderr
    assert zeros.stderr.startswith(f"line 1: rejected: line too long: more than {MAX_LINE_BYTES:,}")
    closed = subprocess.run(
        f"exec {shlex.quote(sys.executable)} -m viva_militer_archive.cli.main --database-url "
        f"{shlex.quote(archive_url)} import - <&-",
        shell=True, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert closed.returncode == 1 and "Traceback" not in closed.stderr, closed.stderr
    assert closed.stderr.strip() == "viva-archive: error: cannot read -: standard input is closed"
