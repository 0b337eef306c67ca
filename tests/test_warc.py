"""The raw archive: WARC files written by the writer and by real crawls, read back record by
record, damaged files refused one record at a time."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.extraction import PARSER_VERSION
from crawler.warc import Exchange, RollingWarcWriter, WarcReadError, read_page
from tests.crawling import articles, crawl, describe, last_run, revisions, stat
from tests.warc_helpers import html_exchange, records, sample_site, warc_files, warcio_check
from viva_militer_archive.sample_site.server import SampleSite


def exchange(n: int, size: int = 200) -> Exchange:
    """A fetched page of about ``2 * size`` bytes that gzip cannot shrink much."""
    noise = random.Random(n).randbytes(size).hex()
    return html_exchange(n, f"<html><body><p>Artikel {n} ä</p>{noise}</body></html>", n)


@pytest.fixture
def warc_dir(tmp_path: Path) -> Path:
    return tmp_path / "warc"


# -- writer and reader ---------------------------------------------------------------------------


def test_writer_rolls_over_and_every_file_is_valid(warc_dir: Path) -> None:
    writer = RollingWarcWriter(warc_dir, label="run7", max_bytes=1500, info={"software": "t"})
    locations = [writer.write(exchange(n, size=3000)) for n in range(3)]
    writer.close()
    files = warc_files(warc_dir)
    assert [f.name for f in files] == writer.files and len(files) == 3
    assert all(f.name.startswith("viva-militer-run7-") for f in files)
    for path in files:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
        assert [kind for kind, _, _ in records(path)] == ["warcinfo", "response", "request"]
    for n, location in enumerate(locations):
        page = read_page(warc_dir, location)
        assert page.html.startswith(f"<html><body><p>Artikel {n} ä</p>")
        assert page.fetched_at == datetime(2026, 11, 1, 10, 0, n, tzinfo=UTC)


def test_a_new_writer_never_appends_to_an_existing_file(warc_dir: Path) -> None:
    first = RollingWarcWriter(warc_dir, label="run1")
    first.write(exchange(1))
    first.close()
    before = {p.name: p.read_bytes() for p in warc_files(warc_dir)}
    second = RollingWarcWriter(warc_dir, label="run1")  # same label, same second
    second.write(exchange(2))
    second.close()
    after = {p.name: p.read_bytes() for p in warc_files(warc_dir)}
    assert len(after) == 2 and all(after[name] == data for name, data in before.items())


def test_truncated_file_loses_only_its_cut_record(warc_dir: Path) -> None:
    writer = RollingWarcWriter(warc_dir, label="run1")
    locations = [writer.write(exchange(n)) for n in range(3)]
    writer.close()
    path = warc_dir / locations[0]["file"]
    cut = locations[2]["offset"] + locations[2]["length"] // 2  # killed while writing
    path.write_bytes(path.read_bytes()[:cut])
    assert [read_page(warc_dir, loc).uri for loc in locations[:2]] == [
        loc["uri"] for loc in locations[:2]
    ]
    with pytest.raises(WarcReadError, match="cut short"):
        read_page(warc_dir, locations[2])


@pytest.mark.parametrize(
    "damage",
    ["missing file", "flipped byte", "wrong uri", "not a response"],
)
def test_damaged_records_are_refused(warc_dir: Path, damage: str) -> None:
    writer = RollingWarcWriter(warc_dir, label="run1")
    location = dict(writer.write(exchange(1)))
    writer.close()
    path = warc_dir / location["file"]
    if damage == "missing file":
        path.unlink()
    elif damage == "flipped byte":
        data = bytearray(path.read_bytes())
        data[location["offset"] + location["length"] // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "wrong uri":
        location["uri"] += "&other"
    else:
        location["offset"], location["length"] = 0, location["offset"]  # the warcinfo record
    with pytest.raises(WarcReadError):
        read_page(warc_dir, location)


# -- crawls --------------------------------------------------------------------------------------


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    with sample_site() as site:
        yield site


@pytest.mark.slow
def test_crawl_keeps_every_article_page_as_served(
    sample: SampleSite, database_url: str, warc_dir: Path
) -> None:
    ids = sorted(sample.articles)
    partial, single = ids[1], ids[2]  # ?page=all of ``partial`` holds page 1 only
    targets = ",".join(sample.articles[i].canonical for i in (partial, single))
    done = crawl(sample.base_url, database_url, f"urls={targets}")
    assert done.returncode == 0, describe(done)

    files = warc_files(warc_dir)
    assert len(files) == 1 and "-run1-" in files[0].name
    check = warcio_check(files[0])
    assert check.returncode == 0, check.stdout + check.stderr
    stored = records(files[0])
    assert stored[0][0] == "warcinfo"
    responses = {uri: payload for kind, uri, payload in stored if kind == "response"}
    requests = [uri for kind, uri, _ in stored if kind == "request"]
    assert sorted(requests) == sorted(responses), "one request record per response"
    fetched = sorted(f"{sample.base_url}{h.path}?{h.query}" for h in sample.article_hits())
    assert sorted(responses) == fetched, "every article page fetched, nothing else"
    assert len(fetched) == 3  # partial: ?page=all and ?page=2; single: ?page=all
    for uri, payload in responses.items():
        parts = urlsplit(uri)
        status, _, _, served = sample.answer(parts.path, parts.query)
        assert (status, payload) == (200, served.encode("utf-8"))

    archived = articles(database_url)
    for article_id, pages in ((partial, 2), (single, 1)):
        (revision,) = revisions(database_url, article_id)
        assert (revision.source, revision.parser_version) == ("crawl", PARSER_VERSION)
        assert len(revision.warc_records) == pages
        html = [read_page(warc_dir, location).html for location in revision.warc_records]
        assert [responses[loc["uri"]].decode() for loc in revision.warc_records] == html
        assert archived[article_id].page_count == pages
    run = last_run(database_url)
    assert stat(run, "warc/records") == 3 and stat(run, "warc/files") == 1


@pytest.mark.slow
def test_warc_writing_can_be_turned_off(
    sample: SampleSite, database_url: str, warc_dir: Path
) -> None:
    article_id = sorted(sample.articles)[0]
    done = crawl(
        sample.base_url,
        database_url,
        f"urls={sample.articles[article_id].canonical}",
        settings={"WARC_ENABLED": "0"},
    )
    assert done.returncode == 0, describe(done)
    assert warc_files(warc_dir) == []
    (revision,) = revisions(database_url, article_id)
    assert revision.warc_records is None and revision.parser_version == PARSER_VERSION
