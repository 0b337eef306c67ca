"""Re-extraction from the WARC files alone: a parser fix becomes new revisions, nothing else
changes, and damaged captures are skipped, never fatal.

The "old parser" is simulated in the crawl child process by a test-only Scrapy extension
(:mod:`tests.old_parser`) that makes the parser miss every tag; re-extraction then runs the real
parser in the test process, with the sample site stopped so nothing can be fetched."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.extraction import PARSER_VERSION
from storage.crawl_queries import CrawlQueries
from storage.writes import ArchiveWriter
from tests import old_parser
from tests.crawling import articles, crawl, describe, revisions
from tests.factories import make_item
from tests.warc_helpers import sample_site, warc_files, warcio_check
from viva_militer_archive.cli import reextract as reextract_command
from viva_militer_archive.sample_site.render import expected_fields
from viva_militer_archive.sample_site.server import SampleSite


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    with sample_site() as site:
        yield site


def run_reextract(
    capsys: pytest.CaptureFixture[str], database_url: str, *argv: str
) -> tuple[int, str]:
    """``viva-archive --database-url URL reextract ARGV...`` through the command's own parser."""
    parser = argparse.ArgumentParser(prog="viva-archive")
    parser.add_argument("--database-url")
    reextract_command.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--database-url", database_url, "reextract", *argv])
    capsys.readouterr()
    code = args.handler(args)
    return code, capsys.readouterr().out


def crawl_urls(site: SampleSite, database_url: str, ids: list[int], **settings: str) -> None:
    targets = ",".join(site.articles[i].canonical for i in ids)
    done = crawl(site.base_url, database_url, f"urls={targets}", settings=settings)
    assert done.returncode == 0, describe(done)


@pytest.mark.slow
def test_parser_fix_becomes_new_revisions_and_nothing_else(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = sorted(sample.articles)[:4]  # ids[1]: two pages, ?page=all partial
    crawl_urls(sample, database_url, ids, **old_parser.SETTINGS)
    assert all(articles(database_url)[i].tags == [] for i in ids), "the old parser missed tags"
    expected = {
        i: expected_fields(replace(sample.articles[i], base_url=sample.base_url)) for i in ids
    }
    tagged = [i for i in ids if expected[i]["tags"]]
    assert tagged
    sample.stop()  # from here on, no network

    code, out = run_reextract(capsys, database_url, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["parser_version"] == PARSER_VERSION
    assert [c["article_id"] for c in report["changed"]] == tagged
    assert report["fields"] == {"tags": len(tagged)}
    assert (report["examined"], report["unchanged"]) == (len(ids), len(ids) - len(tagged))
    assert report["unreadable"] == report["rejected"] == {} and report["superseded"] == []

    archived = articles(database_url)
    for article_id in tagged:
        first, second = revisions(database_url, article_id)
        assert (first.source, first.tags, second.source) == ("crawl", [], "reextract")
        assert second.parser_version == PARSER_VERSION and second.crawl_run_id is None
        assert second.warc_records == first.warc_records
        assert second.tags == archived[article_id].tags == expected[article_id]["tags"]
        assert (second.body, second.title, second.authors, second.images) == (
            first.body, first.title, first.authors, first.images,
        )  # fmt: skip
        assert archived[article_id].revision_count == 2
        tag = expected[article_id]["tags"][0]
        assert article_id in CrawlQueries(database_url).article_ids_tagged(tag)

    code, out = run_reextract(capsys, database_url)
    assert code == 0 and f"{len(ids)} articles examined, 0 changed" in out
    assert all(len(revisions(database_url, i)) == (2 if i in tagged else 1) for i in ids)


@pytest.mark.slow
def test_selection_and_dry_run(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = sorted(sample.articles)[:3]
    crawl_urls(sample, database_url, ids, **old_parser.SETTINGS)
    sample.stop()
    code, out = run_reextract(capsys, database_url, "--article", str(ids[0]), "--dry-run")
    assert code == 0 and "1 articles examined, 1 would change" in out and "tags" in out
    assert len(revisions(database_url, ids[0])) == 1, "a dry run stores nothing"
    code, out = run_reextract(capsys, database_url, "--since", "2999-01-01", "--json")
    assert json.loads(out)["examined"] == 0


@pytest.mark.slow
def test_truncated_warc_is_skipped_and_next_crawl_starts_a_new_file(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = sorted(sample.articles)[:3]
    crawl_urls(sample, database_url, ids)
    (old_file,) = warc_files(tmp_path / "warc")
    captures = {i: revisions(database_url, i)[-1].warc_records for i in ids}
    last = max(ids, key=lambda i: captures[i][-1]["offset"])
    cut = captures[last][-1]["offset"] + captures[last][-1]["length"] // 2
    old_file.write_bytes(old_file.read_bytes()[:cut])  # the crawl was killed while writing

    code, out = run_reextract(capsys, database_url, "--json")
    report = json.loads(out)
    assert code == 0 and list(report["unreadable"]) == [str(last)]
    assert "cut short" in report["unreadable"][str(last)]
    assert (report["unchanged"], report["changed"]) == (len(ids) - 1, [])

    crawl_urls(sample, database_url, [last])
    files = warc_files(tmp_path / "warc")
    assert len(files) == 2 and old_file in files
    assert old_file.stat().st_size == cut, "the damaged file is never appended to"
    new_file = next(f for f in files if f != old_file)
    assert warcio_check(new_file).returncode == 0


def test_a_capture_superseded_meanwhile_is_left_alone(archive_url: str) -> None:
    writer = ArchiveWriter(archive_url)
    writer.store_articles([make_item(7)])
    stale = {**make_item(7, tags=["baru"]), "based_on": 0, "parser_version": PARSER_VERSION}
    assert writer.store_reextracted([stale]) == []
    assert [r.revision for r in revisions(archive_url, 7)] == [1]
    fresh = {**stale, "based_on": 1}
    assert writer.store_reextracted([fresh]) == [7]
    first, second = revisions(archive_url, 7)
    assert (second.revision, second.source, second.tags) == (2, "reextract", ["baru"])
    assert first.source == "crawl" and first.tags != ["baru"]
