"""``viva-archive`` end to end: real crawls of the sample site through the command line into a
real archive (SQLite and PostgreSQL), then every read command on it through
``viva_militer_archive.cli.main``."""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.arguments import WIB
from storage.engine import dispose_all
from tests.cli_helpers import viva as viva_child
from tests.crawling import FAST_SETTINGS
from tests.databases import postgres_schema_url, skip_without_postgres
from viva_militer_archive.cli.main import main
from viva_militer_archive.sample_site.catalog import make_article, sample_articles
from viva_militer_archive.sample_site.server import SampleSite

pytestmark = pytest.mark.slow  # the shared archive is filled by real subprocess crawls

BODY_ONLY_ID = 1_940_000
EDITED_TITLE_PREFIX = "Gencatan Senjata Diumumkan: "


@dataclass(frozen=True)
class Archive:
    """A crawled archive and what the sample site held."""

    url: str
    site: SampleSite
    edited_id: int
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]


def viva(url: str, *arguments: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``python -m viva_militer_archive.cli.main --database-url URL ...`` in a child process."""
    return viva_child("--database-url", url, *arguments, **options)


def cli_crawl(site: SampleSite, url: str, warc: Path, *arguments: str):  # type: ignore[no-untyped-def]
    settings = [
        f"-s{name}={value}" for name, value in {**FAST_SETTINGS, "ARCHIVE_DIR": warc}.items()
    ]
    return viva(url, "crawl", *arguments, *settings, env={"VIVA_BASE_URL": site.base_url})


def body_only_article(now: datetime):  # type: ignore[no-untyped-def]
    """An article with ``pasukan`` many times in its body and never in its title."""
    spec = make_article(BODY_ONLY_ID, now - timedelta(hours=3))
    paragraph = "VIVA – Pasukan khusus dan pasukan cadangan bergerak; pasukan lain menunggu."
    return replace(
        spec,
        title="Latihan Malam di Perbatasan Utara",
        tags=("latihan",),
        pages=((paragraph, "Komandan pasukan memberi arahan kepada pasukan."),),
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Archive]:
    """One archive per backend: a backfill of the sample site, an edit, a recheck (revision 2)."""
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        yield from _crawled(f"sqlite:///{folder / 'archive.sqlite3'}", folder)
        return
    skip_without_postgres()
    with postgres_schema_url() as url:
        yield from _crawled(url, folder)


def _crawled(url: str, folder: Path) -> Iterator[Archive]:
    now = datetime.now(WIB).replace(microsecond=0)
    since = (now - timedelta(days=10)).date().isoformat()
    site = SampleSite([*sample_articles(now), body_only_article(now)], today=now.date())
    with site:
        first = cli_crawl(site, url, folder / "warc", "--mode", "backfill", "--since", since)
        assert first.returncode == 0, first.stderr[-3000:]
        edited_id = sorted(site.articles)[0]
        old = site.articles[edited_id]
        site.edit(
            edited_id,
            title=EDITED_TITLE_PREFIX + old.title,
            pages=((*old.pages[0], "Gencatan senjata berlaku mulai tengah malam."),),
        )
        second = cli_crawl(site, url, folder / "warc", "--mode", "recheck", "--since", since)
        assert second.returncode == 0, second.stderr[-3000:]
        site.edit(edited_id, title=old.title, pages=old.pages)  # what the archive held before
        yield Archive(url, site, edited_id, first, second)
    dispose_all()


def run_cli(capsys: pytest.CaptureFixture[str], url: str, *arguments: str) -> tuple[int, str, str]:
    """``viva-archive --database-url URL ...`` in this process: exit code, stdout, stderr."""
    code = main(["--database-url", url, *arguments])
    out, err = capsys.readouterr()
    return code, out, err


def test_crawl_reports_progress_and_outcome(archive: Archive) -> None:
    for done in (archive.first, archive.second):
        assert "Progress: pages" in done.stderr, "not a terminal: plain progress log lines"
        assert "\r" not in done.stderr
    assert "finished (finished)" in archive.first.stdout
    assert " 13 new" in archive.first.stdout
    assert " 1 updated" in archive.second.stdout


def test_runs_lists_both_crawls(archive: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, archive.url, "runs", "--json")
    assert code == 0
    runs = json.loads(out)
    assert [(r["mode"], r["status"]) for r in runs] == [
        ("recheck", "finished"),
        ("backfill", "finished"),
    ]
    assert (
        runs[1]["counters"]["articles_new"] == 13 and runs[0]["counters"]["articles_updated"] == 1
    )
    assert all(r["duration_seconds"] is not None for r in runs)
    code, out, _ = run_cli(capsys, archive.url, "runs", "--limit", "1")
    assert code == 0 and len(out.strip().splitlines()) == 2 and "recheck" in out


def test_stats(archive: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, archive.url, "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert (stats["articles"], stats["live"], stats["gone"]) == (13, 13, 0)
    assert (stats["revisions"], stats["articles_revised"]) == (14, 1)
    assert sum(stats["by_subchannel"].values()) == 13 and set(stats["by_subchannel"]) == {
        "militer-dunia",
        "militer-indonesia",
    }
    assert sum(stats["by_month"].values()) == 13
    assert stats["last_successful_run"]["mode"] == "recheck"
    assert stats["extraction_warnings"]["runs"] == 2
    code, out, _ = run_cli(capsys, archive.url, "stats")
    assert code == 0 and "articles: 13 (13 live, 0 gone)" in out and "militer-dunia" in out


def test_search_ranks_title_matches_first(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, archive.url, "search", "pasukan", "--json", "--limit", "50")
    assert code == 0
    hits = json.loads(out)
    in_title = {i for i, a in archive.site.articles.items() if "pasukan" in a.title.lower()}
    anywhere = {
        i
        for i, a in archive.site.articles.items()
        if "pasukan" in (a.title + " ".join(p for page in a.pages for p in page)).lower()
    }
    assert in_title and BODY_ONLY_ID in anywhere - in_title
    found = [hit["article_id"] for hit in hits]
    assert anywhere <= set(found)
    assert set(found[: len(in_title)]) == in_title, "title matches come first"
    assert all(hit["in_title"] == (hit["article_id"] in in_title) for hit in hits)
    body_only = next(hit for hit in hits if hit["article_id"] == BODY_ONLY_ID)
    snippet, highlights = body_only["snippet"], body_only["highlights"]
    assert "<mark>" not in snippet and "[" not in snippet, "plain text; renderers mark"
    assert highlights and all(snippet[a:b].lower() == "pasukan" for a, b in highlights)

    code, out, _ = run_cli(capsys, archive.url, "search", "pasukan", "--limit", "2")
    assert code == 0 and out.splitlines()[1].startswith(" 1. [") and "[pasukan]" in out.lower()
    assert out.startswith("1–2 of ") and " WIB · " in out


def test_search_finds_words_of_the_latest_revision(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, archive.url, "search", "gencatan senjata", "--json")
    assert code == 0
    assert [hit["article_id"] for hit in json.loads(out)] == [archive.edited_id]


def test_export_csv_opens_cleanly(
    archive: Archive, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "militer.csv"
    code, _, err = run_cli(capsys, archive.url, "export", "--format", "csv", "-o", str(target))
    assert code == 0 and "exported 13 articles" in err
    with target.open(encoding="utf-8", newline="") as handle:
        rows = {int(row["article_id"]): row for row in csv.DictReader(handle)}
    assert set(rows) == set(archive.site.articles)
    for article_id, row in rows.items():
        spec = archive.site.articles[article_id]
        assert row["authors"] == "; ".join(spec.authors)
        assert row["status"] == "live" and row["first_seen_at"] and row["last_checked_at"]
        assert "\n\n" in row["body"] or len(spec.pages[0]) == 1, "paragraphs survive quoting"
    edited = rows[archive.edited_id]
    assert edited["revision_count"] == "2" and edited["title"].startswith(EDITED_TITLE_PREFIX)
    assert edited["body"].endswith("Gencatan senjata berlaku mulai tengah malam.")
    assert {r["revision_count"] for i, r in rows.items() if i != archive.edited_id} == {"1"}


def test_export_jsonl_filters(archive: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, archive.url, "export", "--subchannel", "militer-dunia")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert records and {r["subchannel"] for r in records} == {"militer-dunia"}
    assert {"first_seen_at", "last_checked_at", "revision_count", "status", "lead_image"} <= set(
        records[0]
    )
    newest = max(a.published_at for a in archive.site.articles.values()).astimezone(WIB).date()
    code, out, _ = run_cli(
        capsys, archive.url, "export", "--since", newest.isoformat(), "--until", newest.isoformat()
    )
    published = [json.loads(line)["published_at"][:10] for line in out.splitlines()]
    assert code == 0 and published and set(published) == {newest.isoformat()}


def test_show_revisions_and_diff(archive: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    spec = archive.site.articles[archive.edited_id]
    code, out, _ = run_cli(
        capsys, archive.url, "show", str(archive.edited_id), "--json", "--revisions", "--diff"
    )
    assert code == 0
    shown = json.loads(out)
    assert shown["revision_count"] == 2 and [r["revision"] for r in shown["revisions"]] == [1, 2]
    assert f"-{spec.title}" in shown["diffs"][0]
    assert f"+{EDITED_TITLE_PREFIX}{spec.title}" in shown["diffs"][0]
    assert "+Gencatan senjata berlaku mulai tengah malam." in shown["diffs"][0]

    variant = spec.canonical.replace("https://www.", "https://beta.") + "?utm_source=x"
    code, out, _ = run_cli(capsys, archive.url, "show", variant, "--diff")
    assert code == 0 and out.startswith(f"[{archive.edited_id}] {EDITED_TITLE_PREFIX}")
    assert "--- revision 1" in out and "+++ revision 2" in out


def test_show_unknown_article_is_one_line(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, archive.url, "show", "999")
    assert (
        code == 1
        and out == ""
        and err == "viva-archive: error: article 999 is not in the archive\n"
    )
