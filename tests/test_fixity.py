"""Fixity and revisit records: a crawled archive verifies clean; a flipped byte, a deleted file
or a stray file is named; a re-check of an unchanged page writes a revisit that re-extraction,
``show`` and ``verify`` follow to its original."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, select
from warcio.archiveiterator import ArchiveIterator

from crawler.warc import Exchange, RollingWarcWriter, WarcReadError, read_page, resolve_capture
from crawler.warc.writer import ClosedFile
from storage.engine import get_session_factory
from storage.fixity import FixityLedger
from storage.models import ArticleRevision, Verification, WarcFile
from tests.crawling import crawl, describe, last_run, revisions, stat
from tests.warc_helpers import html_exchange, records, sample_site, warc_files, warcio_check
from viva_militer_archive.cli import verify as verify_command
from viva_militer_archive.cli.main import main
from viva_militer_archive.crawl_stats.keys import WARC_REVISITS
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.scheduling.durations import ScheduleError
from viva_militer_archive.scheduling.options import config_from
from viva_militer_archive.settings import from_environment
from viva_militer_archive.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def page(n: int, second: int = 0, body: str = "") -> Exchange:
    noise = random.Random(n).randbytes(1500).hex()
    return html_exchange(n, body or f"<html><body><p>Artikel {n} {noise}</p></body></html>", second)


# -- the writer --------------------------------------------------------------------------------


def test_closed_file_reports_its_size_records_and_sha256(tmp_path: Path) -> None:
    closed: list[ClosedFile] = []
    writer = RollingWarcWriter(tmp_path, label="run3", on_close=closed.append)
    writer.write(page(1))
    writer.write(page(2))
    writer.close()
    path = warc_files(tmp_path)[0]
    assert [c.name for c in closed] == [path.name]
    assert closed[0].size == path.stat().st_size
    assert closed[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert closed[0].records == len(records(path)) == 5


def test_same_payload_is_a_revisit_followed_to_its_original(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path, label="run1")
    original = writer.write(page(1, second=1))
    revisit = writer.write(page(1, second=2), previous=original)
    changed = writer.write(page(1, second=3, body="<html>new text</html>"), previous=original)
    writer.close()
    path = warc_files(tmp_path)[0]
    check = warcio_check(path)
    assert check.returncode == 0, check.stdout + check.stderr
    kinds = [kind for kind, _, _ in records(path)]
    assert kinds == ["warcinfo", "response", "request", "revisit", "request", "response", "request"]
    assert revisit["revisit_of"]["offset"] == original["offset"] and "revisit_of" not in changed
    again = RollingWarcWriter(tmp_path, label="run2").write(page(1, second=4), previous=revisit)
    assert again["revisit_of"]["offset"] == original["offset"]  # a revisit names a response
    assert revisit["length"] < original["length"] / 3
    stored = resolve_capture(tmp_path, revisit)
    assert stored.html == read_page(tmp_path, original).html
    assert stored.fetched_at == datetime(2026, 11, 1, 10, 0, 2, tzinfo=UTC)
    with pytest.raises(WarcReadError, match="revisit"):
        read_page(tmp_path, revisit)  # read_page reads responses only


def test_revisit_headers_name_the_original(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path, label="run1")
    original = writer.write(page(1, second=1))
    writer.write(page(1, second=2), previous=original)
    writer.close()
    with warc_files(tmp_path)[0].open("rb") as handle:
        revisit = next(r for r in ArchiveIterator(handle) if r.rec_type == "revisit")
    headers = revisit.rec_headers
    assert headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert headers.get_header("WARC-Refers-To-Target-URI") == original["uri"]
    assert headers.get_header("WARC-Refers-To-Date") == original["date"]
    assert headers.get_header("WARC-Payload-Digest") == original["digest"]


def test_revisit_of_an_altered_original_is_refused(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path, label="run1")
    original = writer.write(page(1, second=1))
    other = writer.write(page(2, second=1))
    revisit = writer.write(page(1, second=2), previous=original)
    writer.close()
    with pytest.raises(WarcReadError):
        resolve_capture(tmp_path, {**revisit, "revisit_of": other})


# -- verify on a crawled archive -------------------------------------------------------------


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    with sample_site() as site:
        yield site


def run_verify(
    capsys: pytest.CaptureFixture[str], database_url: str, *argv: str
) -> tuple[int, str]:
    """``viva-archive --database-url URL verify ARGV...`` through the command's own parser."""
    parser = argparse.ArgumentParser(prog="viva-archive")
    parser.add_argument("--database-url")
    verify_command.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--database-url", database_url, "verify", *argv])
    args.environment = from_environment()  # as viva-archive's main hands it to every command
    capsys.readouterr()
    code = args.handler(args)
    return code, capsys.readouterr().out


def crawl_urls(site: SampleSite, database_url: str, ids: list[int]) -> None:
    targets = ",".join(site.articles[i].canonical for i in ids)
    done = crawl(site.base_url, database_url, f"urls={targets}")
    assert done.returncode == 0, describe(done)


def warc_dir() -> Path:
    return Path(os.environ["ARCHIVE_DIR"])


@pytest.mark.slow
def test_verify_passes_then_names_a_flipped_byte_and_a_deleted_file(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = sorted(sample.articles)[:3]
    crawl_urls(sample, database_url, ids[:2])
    crawl_urls(sample, database_url, ids[2:])
    sample.stop()
    files = warc_files(warc_dir())
    assert len(files) == 2
    recorded = FixityLedger(database_url).files()
    assert sorted(f.name for f in recorded) == [f.name for f in files]
    code, out = run_verify(capsys, database_url, "--deep")
    assert code == 0, out
    assert out.strip().endswith("0 problems")

    # One byte in the middle of the first article's response record.
    location = revisions(database_url, ids[0])[-1].warc_records[0]
    path = warc_dir() / location["file"]
    data = bytearray(path.read_bytes())
    data[location["offset"] + location["length"] // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, out = run_verify(capsys, database_url)
    assert code == 1
    lines = out.splitlines()
    assert f"{path.name}: SHA-256 differs from the one recorded" in lines
    assert any(line.startswith(f"{path.name}@{location['offset']}: ") for line in lines), out
    assert any(
        line.startswith(f"{path.name}@{location['offset']}: article {ids[0]}: ") for line in lines
    ), out

    # The other file deleted: the article whose capture it held is named.
    other = next(f for f in files if f != path)
    lost = revisions(database_url, ids[2])[-1].warc_records[0]
    assert lost["file"] == other.name
    other.unlink()
    code, out = run_verify(capsys, database_url, "--json")
    assert code == 1
    report = json.loads(out)
    lines = [p["line"] for p in report["problems"]]
    assert any(line.startswith(f"{other.name}: recorded file unreadable") for line in lines)
    assert any(
        p["file"] == other.name and p["article_id"] == ids[2] and p["offset"] == lost["offset"]
        for p in report["problems"]
    ), lines

    with get_session_factory(database_url)() as session:
        history = list(session.scalars(select(Verification).order_by(Verification.id)))
    assert [v.problems > 0 for v in history] == [False, True, True]
    assert history[-1].problem_lines == lines


@pytest.mark.slow
def test_unknown_file_is_named_and_bad_input_is_one_line(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    crawl_urls(sample, database_url, sorted(sample.articles)[:1])
    sample.stop()
    stray = warc_dir() / "copied-from-elsewhere.warc.gz"
    stray.write_bytes(warc_files(warc_dir())[0].read_bytes())
    code, out = run_verify(capsys, database_url)
    assert code == 1
    assert out.splitlines()[0] == f"{stray.name}: a WARC file the archive does not know"
    # A crawl killed before closing its file leaves it unrecorded: named with its run.
    stray.unlink()
    with get_session_factory(database_url).begin() as session:
        session.execute(delete(WarcFile))
    code, out = run_verify(capsys, database_url)
    assert code == 1
    run_id = last_run(database_url).id
    assert f"of crawl run {run_id}, which never closed it" in out.splitlines()[0]
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(["--database-url", database_url, "verify", "--since", "yesterday"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and len(err.strip().splitlines()) == 1, err


@pytest.mark.slow
def test_recheck_of_an_unchanged_page_is_a_revisit_that_everything_follows(
    sample: SampleSite, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    article_id = sorted(sample.articles)[0]
    crawl_urls(sample, database_url, [article_id])
    first = revisions(database_url, article_id)[-1].warc_records[0]
    crawl_urls(sample, database_url, [article_id])
    run = last_run(database_url)
    assert stat(run, WARC_REVISITS) == 1, run.stats
    second = next(f for f in warc_files(warc_dir()) if f.name != first["file"])
    kinds = [kind for kind, _, _ in records(second)]
    assert kinds == ["warcinfo", "revisit", "request"]
    assert len(revisions(database_url, article_id)) == 1  # unchanged: no new revision
    sample.stop()

    # A revision whose capture is the revisit (as after a parser change) reads the original.
    revisit = {**first, "file": second.name, **revisit_position(second), "revisit_of": first}
    with get_session_factory(database_url).begin() as session:
        row = session.get(ArticleRevision, revisions(database_url, article_id)[-1].id)
        assert row is not None
        row.warc_records = [revisit]
    code, out = run_verify(capsys, database_url, "--deep")
    assert code == 0, out
    assert "re-extracted" in out
    capsys.readouterr()
    assert main(["--database-url", database_url, "show", str(article_id)]) == 0
    out = capsys.readouterr().out
    assert f"revisit of: the capture of {first['date']} in {first['file']}" in out


def revisit_position(path: Path) -> dict[str, int]:
    """Offset and length of the first revisit record of a file."""
    with path.open("rb") as handle:
        walk = ArchiveIterator(handle)
        for record in walk:
            if record.rec_type == "revisit":
                walk.read_to_end()
                return {"offset": walk.get_record_offset(), "length": walk.get_record_length()}
    raise AssertionError(f"no revisit in {path}")


# -- the scheduler, /healthz and /metrics -------------------------------------------------------


def test_verify_job_is_weekly_by_default_and_its_cron_is_checked() -> None:
    config = config_from([])
    verify_job = next(job for job in config.jobs if job.name == "verify")
    assert isinstance(verify_job.trigger, CronTrigger)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    first = verify_job.trigger.get_next_fire_time(None, start)
    second = verify_job.trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert first.weekday() == 6 and second - first == timedelta(days=7)  # Sundays, weekly
    with pytest.raises(ScheduleError, match="--verify-cron"):
        config_from(["--verify-cron", "every sunday"])


@pytest.mark.slow
def test_scheduler_runs_verify_and_reports_problems(sample: SampleSite, database_url: str) -> None:
    crawl_urls(sample, database_url, sorted(sample.articles)[:1])
    sample.stop()
    command = [sys.executable, "scheduler.py", "--once", "--jobs", "verify"]
    env = {**os.environ, "DATABASE_URL": database_url}

    def scheduler() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    done = scheduler()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verification ended: no problem in 1 files" in done.stderr
    warc_files(warc_dir())[0].unlink()
    done = scheduler()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Verification found" in done.stderr
    with get_session_factory(database_url)() as session:
        history = list(session.scalars(select(Verification).order_by(Verification.id)))
    assert [v.problems > 0 for v in history] == [False, True]


def test_healthz_and_metrics_show_the_last_verification(archive_url: str) -> None:
    client = TestClient(create_app(archive_url))
    assert "last_verification" not in client.get("/healthz").json()
    assert not any("verification" in name for name in metric_values(client))
    ledger = FixityLedger(archive_url)
    when = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    for problems in ([], ["x.warc.gz@10: article 5: damaged record"]):
        ledger.record_verification(
            started_at=when,
            finished_at=when,
            since=None,
            deep=False,
            files_checked=1,
            revisions_checked=2,
            problems=problems,
        )
        when = when.replace(hour=4)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["last_verification"]["problems"] == 1
    assert body["warnings"] == [
        f"the verification of {body['last_verification']['finished_at']} found 1 problems "
        "(viva-archive verify lists them)"
    ]
    values = metric_values(client)
    assert values["viva_archive_last_verification_problems"] == 1
    assert values["viva_archive_last_verification_timestamp_seconds"] == when.timestamp()


def metric_values(client: TestClient) -> dict[str, float]:
    text = client.get("/metrics").text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
