"""Recovering a blind spell from the WARC files alone (``reextract --unarchived``): after a
crawl whose parser could read nothing, the pages it fetched become articles with today's
parser, with the sample site stopped, so nothing can be asked of it.

The blind parser is a page class given to the crawl child (:mod:`tests.blind_parser`, the
documented ``ARTICLE_PAGE_CLASS`` seam); the recovery runs the real parser in this process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.arguments import WIB
from crawler.extraction import PARSER_VERSION
from crawler.warc import RollingWarcWriter, archive_dir
from storage.writes import ArchiveWriter
from tests import blind_parser
from tests.crawling import articles, crawl, describe, revisions
from tests.factories import make_item
from tests.warc_helpers import sample_site
from viva_militer_archive.cli.main import main
from viva_militer_archive.sample_site.captures import write_capture
from viva_militer_archive.sample_site.catalog import make_article, multi_page
from viva_militer_archive.sample_site.render import expected_fields
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.sample_site.spec import ArticleSpec

NEW_TITLE = "Judul yang diperbarui setelah arsip"
COMPARED = ("title", "body", "description", "authors", "tags", "subchannel", "page_count")


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    with sample_site() as site:
        yield site


def viva(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``viva-archive ARGV...`` in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse refusing an argument
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def recover(capsys: pytest.CaptureFixture[str], database_url: str, *argv: str) -> dict[str, object]:
    """``reextract --unarchived ARGV... --json``: its report."""
    code, out, err = viva(
        capsys, "--database-url", database_url, "reextract", "--unarchived", *argv, "--json"
    )
    assert code == 0, err
    return json.loads(out)


def crawl_ids(site: SampleSite, database_url: str, ids: list[int], **settings: str) -> None:
    targets = ",".join(site.articles[i].canonical for i in ids)
    done = crawl(site.base_url, database_url, f"urls={targets}", settings=settings)
    assert done.returncode in (0, 1), describe(done)  # a blind run may be judged failed


def expected(site: SampleSite, article_id: int) -> dict[str, object]:
    return expected_fields(replace(site.articles[article_id], base_url=site.base_url))


def today() -> str:
    return datetime.now(WIB).date().isoformat()


@pytest.mark.slow
def test_a_blind_crawl_is_recovered_from_the_warc_files_alone(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = sorted(sample.articles)  # ids[1] and ids[6] have two pages
    day = today()
    crawl_ids(sample, database_url, ids, **blind_parser.SETTINGS)
    assert articles(database_url) == {}, "the blind parser archived nothing"
    sample.stop()  # from here on, no network
    hits = len(sample.hits)

    dry = recover(capsys, database_url, "--since", day, "--dry-run")
    assert (dry["dry_run"], sorted(dry["recovered"]), dry["unreadable"]) == (True, ids, {})
    assert articles(database_url) == {}, "a dry run stores nothing"

    report = recover(capsys, database_url, "--since", day)
    assert sorted(report["recovered"]) == ids
    assert (report["captures"], report["articles"], report["already_archived"]) == (12, 12, 0)
    assert report["parser_version"] == PARSER_VERSION and report["files"] >= 1
    archived = articles(database_url)
    for article_id in ids:
        want = expected(sample, article_id)
        assert {name: getattr(archived[article_id], name) for name in COMPARED} == {
            name: want[name] for name in COMPARED
        }
        (revision,) = revisions(database_url, article_id)
        assert (revision.source, revision.parser_version) == ("reextract", PARSER_VERSION)
        pages = revision.warc_records
        assert pages[0]["uri"].endswith("?page=all")
        assert len(pages) == (2 if sample.articles[article_id].partial_all else 1)

    code, out, _ = viva(capsys, "--database-url", database_url, "show", str(ids[1]))
    assert code == 0 and "?page=all" in out, "show prints the archived capture"

    again = recover(capsys, database_url, "--since", day)
    assert (again["recovered"], again["already_archived"]) == ([], 12), "idempotent"
    code, out, _ = viva(capsys, "--database-url", database_url, "reextract", "--unarchived")
    assert code == 0 and "0 recovered, 12 already archived" in out

    later = recover(capsys, database_url, "--since", "2999-01-01")
    earlier = recover(capsys, database_url, "--since", "2000-01-01", "--until", "2000-01-31")
    for outside in (later, earlier):
        assert (outside["files"], outside["captures"], outside["recovered"]) == (0, 0, [])
        assert outside["files_skipped"] == report["files"]
    assert all(len(revisions(database_url, i)) == 1 for i in ids)
    assert len(sample.hits) == hits, "the site was never asked"


@pytest.mark.slow
def test_newer_content_wins_and_a_damaged_file_costs_only_itself(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = sorted(sample.articles)[:4]
    edited, archived_after = ids[3], ids[0]
    crawl_ids(sample, database_url, [edited])  # archived normally first ...
    sample.edit(edited, title=NEW_TITLE)  # ... then edited
    crawl_ids(sample, database_url, ids, **blind_parser.SETTINGS)  # the blind spell
    crawl_ids(sample, database_url, [archived_after])  # a normal crawl after the fix
    sample.stop()

    (tmp_path / "warc" / "notes.warc.gz").write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)))
    report = recover(capsys, database_url)
    assert list(report["damaged_files"]) == ["notes.warc.gz"], "it costs only its records"
    assert report["files"] == 4 and report["files_skipped"] == 0

    assert sorted(report["recovered"]) == sorted(ids[1:])
    assert report["already_archived"] == 1 and report["unreadable"] == {}
    first, second = revisions(database_url, edited)
    assert (first.source, second.source) == ("crawl", "reextract")
    assert second.title == articles(database_url)[edited].title == NEW_TITLE
    (kept,) = revisions(database_url, archived_after)
    assert kept.source == "crawl", "a newer crawl is never covered by the older capture"


def test_an_article_archived_meanwhile_is_left_alone(archive_url: str) -> None:
    writer = ArchiveWriter(archive_url)
    item = {**make_item(8), "based_on": 0, "parser_version": PARSER_VERSION}
    assert writer.store_reextracted([item]) == [8], "absent: inserted"
    (revision,) = revisions(archive_url, 8)
    assert (revision.revision, revision.source) == (1, "reextract")
    older = {**item, "title": "older capture"}
    assert writer.store_reextracted([older]) == [], "present: never overwritten"
    assert articles(archive_url)[8].title == item["title"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "2026-02-30"], "'2026-02-30' is not a date"),
        (["--since", "2026-05-02", "--until", "2026-05-01"], "is after --until"),
        (["--article", "5"], "--article cannot be combined with --unarchived"),
        (["--archive-dir", "/nonexistent/warc"], "no WARC archive directory at /nonexistent"),
    ],
)
def test_hostile_arguments_are_one_line(
    argv: list[str], message: str, archive_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = viva(capsys, "--database-url", archive_url, "reextract", "--unarchived", *argv)
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_until_needs_unarchived_and_a_bad_page_class_is_one_line(
    archive_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = viva(capsys, "--database-url", archive_url, "reextract", "--until", today())
    assert code == 2 and "--until works with --unarchived only" in err
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "tests.no_such_settings")
    code, _, err = viva(capsys, "--database-url", archive_url, "reextract", "--unarchived")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "cannot load ARTICLE_PAGE_CLASS (tests.no_such_settings)" in err


def test_captures_are_chained_and_the_newest_wins_without_a_crawl(
    archive_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """WARC files written as a crawl writes them (no site at all): page chaining, the newest
    capture, a challenge page, an error answer, a cut file, and the page class setting."""
    one, two, cut_short, challenged, refused, edited = _specs()
    warc = archive_dir()
    when = datetime.now(UTC) - timedelta(minutes=30)
    first = RollingWarcWriter(warc, label="run1")
    write_capture(first, one, when)
    write_capture(first, two, when, pages=["all", 2])
    write_capture(first, cut_short, when)  # page 2 never fetched
    write_capture(first, challenged, when, body=CHALLENGE)
    write_capture(first, refused, when, status=403, body=CHALLENGE)
    write_capture(first, edited, when + timedelta(minutes=1))  # the newest capture of `one`
    first.close()
    second = RollingWarcWriter(warc, label="run2")
    (cut,) = write_capture(second, _spec(7), when + timedelta(minutes=2))
    second.close()
    data = (warc / cut["file"]).read_bytes()
    (warc / cut["file"]).write_bytes(data[: cut["offset"] + cut["length"] // 2])  # killed

    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "tests.blind_parser")
    blind = recover(capsys, archive_url)
    assert blind["recovered"] == [] and blind["reasons"]["missing title"] == 2
    assert blind["reasons"]["blocked"] == 1, "a captured challenge is never parsed"
    monkeypatch.delenv("SCRAPY_SETTINGS_MODULE")

    report = recover(capsys, archive_url, "--since", when.astimezone(WIB).date().isoformat())
    assert (report["files"], report["captures"], report["articles"]) == (2, 6, 5)
    assert report["error_answers"] == 1
    assert sorted(report["recovered"]) == sorted([one.article_id, two.article_id])
    assert report["reasons"] == {"incomplete capture": 1, "blocked": 1, "damaged record": 1}
    assert report["unreadable"][str(cut_short.article_id)].endswith("page 2 was never fetched")
    assert str(challenged.article_id) in report["unreadable"]
    archived = articles(archive_url)
    assert archived[one.article_id].title == edited.title, "the newest capture wins"
    assert archived[two.article_id].body == expected_fields(two)["body"]
    assert len(revisions(archive_url, two.article_id)[0].warc_records) == 2

    third = RollingWarcWriter(warc, label="run3")
    write_capture(third, edited, when + timedelta(minutes=3))  # fetched again, unchanged
    third.close()
    again = recover(capsys, archive_url)
    assert (again["recovered"], again["unchanged"], again["already_archived"]) == ([], 1, 1)
    assert len(revisions(archive_url, one.article_id)) == 1, "no revision repeating the last"

    code, out, _ = viva(
        capsys, "--database-url", archive_url, "reextract", "--unarchived", "--dry-run"
    )
    assert (
        code == 0 and "0 would recover, 1 already archived, 1 unchanged, 3 still unreadable" in out
    )
    assert "incomplete capture" in out and "damaged record" in out


CHALLENGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    "<body><h1>Verifying you are human</h1></body></html>"
)


def _spec(index: int) -> ArticleSpec:
    return make_article(1_930_000 + index, datetime.now(WIB) - timedelta(days=1))


def _specs() -> tuple[ArticleSpec, ...]:
    one, cut_short, challenged, refused = _spec(1), _spec(3), _spec(4), _spec(5)
    two = multi_page(_spec(2), partial_all=True)
    cut_short = multi_page(cut_short, partial_all=True)
    edited = replace(one, title="Judul baru dari tangkapan terakhir")
    return one, two, cut_short, challenged, refused, edited
