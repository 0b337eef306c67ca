"""WACZ export (``viva-archive export --format wacz``): a real crawl of the sample site, its
WACZ checked by py-wacz's ``wacz validate`` and replayed by pywb on loopback, by the URL
``viva-archive show`` prints; revisits bring their originals; damage is named, not fatal."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date, iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from crawler.warc import read_page
from crawler.warc.cdxj import index_file
from crawler.warc.wacz import write_wacz
from storage.export import ArticleCaptures
from storage.history import ArticleHistory
from tests.cli_helpers import viva
from tests.crawling import articles, crawl, describe, revisions
from tests.replay import collection_from_wacz, pywb, replayed, wacz_validate
from tests.warc_helpers import sample_site

CAPTURE_LINE = re.compile(r"archived capture: (\S+) \(")


def wacz_contents(path: Path) -> tuple[dict[str, zipfile.ZipInfo], bytes, list[dict]]:
    """The entries of a WACZ, its WARC and its pages (header line first)."""
    with zipfile.ZipFile(path) as wacz:
        entries = {info.filename: info for info in wacz.infolist()}
        warc = wacz.read("archive/data.warc.gz")
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
    return entries, warc, pages


@pytest.mark.slow
def test_wacz_of_the_sample_archive_validates_and_replays_in_pywb(
    database_url: str, tmp_path: Path
) -> None:
    warc_dir = tmp_path / "warc"
    with sample_site() as sample:
        done = crawl(sample.base_url, database_url, "mode=latest")
        assert done.returncode == 0, describe(done)
        edited = sorted(sample.articles)[0]
        sample.edit(edited, title="Judul yang Diperbarui")
        done = crawl(sample.base_url, database_url, f"urls={sample.articles[edited].canonical}")
        assert done.returncode == 0, describe(done)
        subchannel = sample.articles[edited].subchannel
    archived = articles(database_url)
    assert len(revisions(database_url, edited)) == 2

    wacz = tmp_path / "sample.wacz"
    done = viva("--database-url", database_url, "export", "--format", "wacz", "-o", str(wacz))
    assert done.returncode == 0, done.stderr
    assert f"exported {len(archived)} articles" in done.stderr
    check = wacz_validate(wacz)
    assert check.returncode == 0 and "Validation succeeded" in check.stdout, check.stdout

    entries, warc, pages = wacz_contents(wacz)
    assert set(entries) == {
        "archive/data.warc.gz", "indexes/index.cdx.gz", "indexes/index.idx",
        "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json",
    }  # fmt: skip
    assert entries["archive/data.warc.gz"].compress_type == zipfile.ZIP_STORED
    for article_id in archived:
        for revision in revisions(database_url, article_id):
            for location in revision.warc_records:
                raw = (warc_dir / location["file"]).read_bytes()
                member = raw[location["offset"] : location["offset"] + location["length"]]
                assert member in warc, "each record copied as stored, not recompressed"
    history = ArticleHistory(database_url)
    assert pages[0]["format"] == "json-pages-1.0"
    assert sorted((p["url"], p["title"]) for p in pages[1:]) == sorted(
        (history.capture(i)["uri"], a.title) for i, a in archived.items()
    ), "one page per article: its newest capture, its title"

    shown = viva("--database-url", database_url, "show", str(edited))
    (uri,) = CAPTURE_LINE.findall(shown.stdout)
    first, second = (r.warc_records[0] for r in revisions(database_url, edited))
    old, new = read_page(warc_dir, first), read_page(warc_dir, second)
    assert "Judul yang Diperbarui" in new.html and "Judul yang Diperbarui" not in old.html
    root = tmp_path / "pywb"
    root.mkdir()
    collection_from_wacz(root, wacz)
    with pywb(root) as collection:
        newest = replayed(collection, uri)
        earlier = replayed(collection, uri, old.fetched_at.strftime("%Y%m%d%H%M%S"))
    assert newest.status_code == 200 and newest.content.decode() == new.html
    assert earlier.status_code == 200 and earlier.content.decode() == old.html

    one_channel = tmp_path / "one-channel.wacz"
    done = viva(
        "--database-url", database_url, "export", "--format", "wacz",
        "-o", str(one_channel), "--subchannel", subchannel,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    _, _, pages = wacz_contents(one_channel)
    wanted = sorted(a.title for a in archived.values() if a.subchannel == subchannel)
    assert sorted(p["title"] for p in pages[1:]) == wanted


def write_response_and_revisit(path: Path, uri: str) -> tuple[datetime, datetime]:
    """A WARC file holding a response for ``uri`` then, a day later, a revisit of it
    (identical payload digest), as a recheck that found nothing new writes; their dates."""
    first, later = datetime(2026, 11, 1, 10, tzinfo=UTC), datetime(2026, 11, 2, 10, tzinfo=UTC)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        response = writer.create_warc_record(
            uri,
            "response",
            payload=BytesIO(b"<html><body>Artikel asli</body></html>"),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": datetime_to_iso_date(first)},
        )
        writer.write_record(response)
        revisit = writer.create_revisit_record(
            uri,
            digest=response.rec_headers.get_header("WARC-Payload-Digest"),
            refers_to_uri=uri,
            refers_to_date=datetime_to_iso_date(first),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": datetime_to_iso_date(later)},
        )
        writer.write_record(revisit)
    return first, later


@pytest.mark.slow
def test_a_revisit_brings_its_original_and_replays_as_it(tmp_path: Path) -> None:
    archive = tmp_path / "warc"
    archive.mkdir()
    uri = "http://127.0.0.1:9/militer/militer-dunia/900000009-x?page=all"
    name = "viva-militer-run2-20261102T100000Z-00000.warc.gz"
    _, later = write_response_and_revisit(archive / name, uri)
    revisit = [r for r in index_file(archive, name) if '"warc/revisit"' in (r.line or "")]
    (entry,) = revisit
    fields = json.loads(entry.line.split(" ", 2)[2])
    location = {"file": name, "offset": int(fields["offset"]), "length": int(fields["length"])}
    only_the_revisit = ArticleCaptures(9, "Artikel", [[{**location, "uri": uri}]])

    wacz = tmp_path / "revisit.wacz"
    summary = write_wacz(wacz, [only_the_revisit], archive, title="t")
    assert (summary.records, summary.problems) == (2, [])
    check = wacz_validate(wacz)
    assert check.returncode == 0, check.stdout
    root = tmp_path / "pywb"
    root.mkdir()
    collection_from_wacz(root, wacz)
    with pywb(root) as collection:
        answer = replayed(collection, uri, iso_date_to_timestamp(datetime_to_iso_date(later)))
    assert answer.status_code == 200 and answer.content == b"<html><body>Artikel asli</body></html>"


def test_a_missing_record_is_named_and_the_rest_exported(tmp_path: Path) -> None:
    archive = tmp_path / "warc"
    archive.mkdir()
    uri = "http://127.0.0.1:9/militer/militer-dunia/900000009-x?page=all"
    name = "viva-militer-run2-20261102T100000Z-00000.warc.gz"
    write_response_and_revisit(archive / name, uri)
    (good,) = [r for r in index_file(archive, name) if '"text/html"' in (r.line or "")]
    fields = json.loads(good.line.split(" ", 2)[2])
    present = {"file": name, "offset": int(fields["offset"]), "length": int(fields["length"])}
    missing = {"file": "gone.warc.gz", "offset": 0, "length": 10, "uri": uri}
    captures = [ArticleCaptures(1, "Ada", [[{**present, "uri": uri}]]),
                ArticleCaptures(2, "Hilang", [[missing]])]  # fmt: skip
    wacz = tmp_path / "partial.wacz"
    summary = write_wacz(wacz, captures, archive, title="t")
    assert summary.records == 1 and summary.articles == 1 and summary.without_capture == 1
    (problem,) = summary.problems
    assert problem.startswith("gone.warc.gz@0: ")
    _, _, pages = wacz_contents(wacz)
    assert [p["title"] for p in pages[1:]] == ["Ada"]


@pytest.mark.slow
def test_wacz_needs_a_wacz_file_not_stdout(archive_url: str) -> None:
    done = viva("--database-url", archive_url, "export", "--format", "wacz")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "viva-archive: error: --format wacz needs -o FILE.wacz (a zip file, not stdout)"
    ]
