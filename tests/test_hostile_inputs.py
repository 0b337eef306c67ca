"""Every bad input a user can type gives one line and a fixed exit code, never a traceback.

The table runs in-process (``viva_militer_archive.cli.main.main``) on SQLite and on PostgreSQL;
what needs a real
process (a pipe closed by ``head``, ``/dev/full``, environment variables read at start) runs as a
child. Exit codes: 0 fine (nothing matched, nothing to do), 1 a failure, 2 a bad argument."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.migrate import upgrade
from storage.writes import ArchiveWriter
from tests.conftest import BACKENDS
from tests.databases import skip_without_postgres
from tests.factories import make_item
from viva_militer_archive.cli.main import main
from viva_militer_archive.sample_site.harness import REPO_ROOT, fresh_database

BIG = "99999999999999999999"
"""Beyond 2⁶³−1: fits neither SQLite INTEGER nor PostgreSQL bigint."""
OFFLINE_SITE = ["-s", "VIVA_BASE_URL=http://127.0.0.1:9"]
"""Crawl cases name a dead loopback port, so a case refused too late still sends nothing out."""

# (subcommand, arguments after the global options, expected exit code)
CASES: list[tuple[str, list[str], int]] = [
    # -- global options
    ("global", ["--database-url", "notaurl://", "stats"], 2),
    ("global", ["--database-url", "postgresql+psycopg://u@[::1/db", "stats"], 2),
    ("global", ["--database-url", "postgresql+psycopg://u@host:abc/db", "runs"], 2),
    ("global", ["--database-url", "mysql://u@127.0.0.1/x", "stats"], 2),
    ("global", ["--database-url", "::::", "search", "pasukan"], 2),
    ("global", ["--database-url", "postgresql+psycopg://u:pw@127.0.0.1:1/x", "show", "1"], 1),
    ("global", ["--database-url", "sqlite:///{tmp}/missing.sqlite3", "export"], 1),
    ("global", ["--database-url", "sqlite:///{readme}", "stats"], 1),
    ("global", ["--database-url", "sqlite:///{tmp}", "runs"], 1),
    ("global", ["--verbose=yes", "stats"], 2),
    ("global", ["frobnicate"], 2),
    ("global", [], 2),
    # -- search
    ("search", ["--limit", BIG, "pasukan"], 2),
    ("search", ["--limit", "0", "pasukan"], 2),
    ("search", ["--limit", "-1", "pasukan"], 2),
    ("search", ["--limit", "1e20", "pasukan"], 2),
    ("search", ["--limit", "²", "pasukan"], 2),
    ("search", ["--", ""], 2),
    ("search", ["--", '"'], 2),
    ("search", ["--", "*"], 2),
    ("search", ["--", "a OR"], 0),
    ("search", ["--", "NEAR(a b"], 0),
    ("search", ["--", "-pasukan"], 0),
    ("search", ["--", "pasukan:*  & | ! ( )"], 0),
    ("search", ["--", "'; DROP TABLE articles; --"], 0),
    ("search", ["x" * 5000], 0),
    # -- show
    ("show", [BIG], 2),
    ("show", ["9223372036854775808"], 2),
    ("show", ["9223372036854775807"], 1),
    ("show", ["²"], 2),
    ("show", ["0"], 2),
    ("show", ["--", "-5"], 2),
    ("show", ["http://[::1"], 2),
    ("show", [f"https://www.viva.co.id/militer/militer-dunia/{BIG}-judul"], 2),
    ("show", ["https://www.viva.co.id/militer/militer-dunia/42-judul"], 1),
    ("show", ["--revisions", "--diff", "--json", "12345"], 1),
    # -- export
    ("export", ["--since", "0001-01-01", "--until", "9999-12-31"], 2),
    ("export", ["--since", "0001-01-01"], 2),
    ("export", ["--until", "9999-12-31"], 2),
    ("export", ["--since", "2026-02-30"], 2),
    ("export", ["--since", "2026-05-02", "--until", "2026-05-01"], 2),
    ("export", ["--since", "yesterday"], 2),
    ("export", ["--format", "xml"], 2),
    ("export", ["-o", "{tmp}"], 1),
    ("export", ["-o", "{tmp}/no/such/folder/out.csv"], 1),
    ("export", ["-o", "/proc/viva-archive.csv"], 1),
    ("export", ["--subchannel", "'; DROP TABLE articles; --", "-o", "{tmp}/out.jsonl"], 0),
    # -- runs
    ("runs", ["--limit", "1e20"], 2),
    ("runs", ["--limit", BIG], 2),
    ("runs", ["--limit", "100001"], 2),
    ("runs", ["--limit", "0"], 2),
    ("runs", ["--limit", " 7 "], 0),
    # -- stats
    ("stats", ["--json", "extra"], 2),
    ("stats", ["--since", "2026-01-01"], 2),
    # -- reextract
    ("reextract", ["--article", "1e20"], 2),
    ("reextract", ["--article", BIG], 2),
    ("reextract", ["--article", "0"], 2),
    ("reextract", ["--since", "0001-01-01"], 2),
    ("reextract", ["--since", "9999-12-31"], 2),
    ("reextract", ["--archive-dir", "{tmp}/no-such-folder", "--dry-run"], 0),
    ("reextract", ["--archive-dir", "/proc/self/mem", "--dry-run"], 0),
    # -- crawl (all refused before Scrapy starts)
    ("crawl", ["--mode", "backfill", "--since", "0001-01-01", *OFFLINE_SITE], 2),
    ("crawl", ["--mode", "backfill", "--since", "2999-12-31", *OFFLINE_SITE], 2),
    ("crawl", ["--mode", "backfill", *OFFLINE_SITE], 2),
    ("crawl", ["--mode", "latest", "--since", "2026-01-01", *OFFLINE_SITE], 2),
    ("crawl", ["--mode", "sideways", *OFFLINE_SITE], 2),
    ("crawl", ["--url", "notaurl", *OFFLINE_SITE], 2),
    ("crawl", ["--url", "http://[::1", *OFFLINE_SITE], 2),
    ("crawl", ["--url", f"https://www.viva.co.id/militer/militer-dunia/{BIG}-x", *OFFLINE_SITE], 2),
    ("crawl", ["-s", "DOWNLOAD_DELAY", *OFFLINE_SITE], 2),
    ("crawl", ["-s", "ARCHIVE_DIR=/proc/no/warc", *OFFLINE_SITE], 2),
    ("crawl", ["-s", "VIVA_BASE_URL=notaurl"], 2),
    ("crawl", ["-s", "VIVA_BASE_URL=http://[::1"], 2),
    ("crawl", ["-s", "VIVA_BASE_URL=ftp://127.0.0.1"], 2),
    ("crawl", ["-s", "VIVA_BASE_URL=http://127.0.0.1:99999"], 2),
    # -- schedule (all refused before the daemon starts)
    ("schedule", ["--every", "0s"], 2),
    ("schedule", ["--every", f"{BIG}d"], 2),
    ("schedule", ["--every", "1e999d"], 2),
    ("schedule", ["--cron", "x"], 2),
    ("schedule", ["--cron", "99 99 99 99 99"], 2),
    ("schedule", ["--backfill-days", BIG], 2),
    ("schedule", ["--backfill-days", "-1"], 2),
    ("schedule", ["--warning-share", "nan"], 2),
    ("schedule", ["--jobs", "nothing"], 2),
    ("schedule", ["--timeout", "abc"], 2),
    ("schedule", ["-s", "NOVALUE"], 2),
    # -- db
    ("db", ["upgrade", "nonsense"], 2),
    ("db", ["downgrade", "nonsense"], 2),
    ("db", ["downgrade", "-50"], 2),
    ("db", ["sideways"], 2),
    # -- demo (refused before the sample site starts)
    ("demo", ["--articles", "5"], 2),
    ("demo", ["extra"], 2),
]


@pytest.fixture(scope="module", params=BACKENDS)
def shared_archive(request: pytest.FixtureRequest) -> Iterator[str]:
    """One migrated archive per database kind for the whole table (no case writes to it)."""
    if request.param == "postgresql":
        skip_without_postgres()
    with fresh_database(request.param) as url:
        upgrade(url)
        yield url


def run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``viva-archive ARGV``: exit code, stdout, stderr. Any exception escaping is a failure of
    the test (it would be a traceback for the user)."""
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors and --help
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def fill(argv: list[str], tmp_path: Path) -> list[str]:
    """The case's arguments with ``{tmp}`` (an empty folder) and ``{readme}`` (a text file that
    is no database) filled in."""
    readme = tmp_path / "README.md"
    readme.write_text("not a database\n", encoding="utf-8")
    return [a.replace("{tmp}", str(tmp_path)).replace("{readme}", str(readme)) for a in argv]


@pytest.mark.parametrize(
    ("subcommand", "arguments", "expected"),
    CASES,
    ids=[f"{sub}:{' '.join(args)[:60]}" for sub, args, _ in CASES],
)
def test_hostile_input_gives_one_line(
    subcommand: str,
    arguments: list[str],
    expected: int,
    shared_archive: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = fill(arguments, tmp_path)
    has_database = any(a == "--database-url" for a in argv)
    if subcommand != "global" or not has_database:
        argv = ["--database-url", shared_archive, subcommand, *argv]
        if subcommand == "global":
            argv.remove("global")
    code, out, err = run_in_process(argv, capsys)
    assert code == expected, f"{argv}: exit {code}\n{err}"
    assert "Traceback" not in out + err
    if expected != 0:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "error" in lines[0], err


def test_table_covers_every_subcommand() -> None:
    per_subcommand = Counter(sub for sub, _, _ in CASES)
    assert set(per_subcommand) == {
        "global", "search", "show", "export", "runs", "stats", "reextract", "crawl",
        "schedule", "db", "demo",
    }  # fmt: skip
    assert sum(per_subcommand.values()) >= 60


# -- what needs a real process ---------------------------------------------------------------


def viva(
    *arguments: str, env: dict[str, str] | None = None, stdout: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m viva_militer_archive.cli.main ...`` in a child (stdout captured unless a file
    descriptor is given)."""
    return subprocess.run(
        [sys.executable, "-m", "viva_militer_archive.cli.main", *arguments],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def full_archive(archive_url: str) -> str:
    """An archive whose export is far larger than a pipe's buffer."""
    body = "\n\n".join(f"Paragraf {n}: pasukan bergerak ke perbatasan. " * 20 for n in range(5))
    ArchiveWriter(archive_url).store_articles([make_item(n, body=body) for n in range(1, 201)])
    return archive_url


@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
@pytest.mark.slow
def test_full_disk_is_one_line(full_archive: str, output_format: str) -> None:
    to_file = viva("--database-url", full_archive, "export", "--format", output_format,
                   "-o", "/dev/full")  # fmt: skip
    with open("/dev/full", "w") as full:
        to_stdout = viva("--database-url", full_archive, "export", "--format", output_format,
                         stdout=full.fileno())  # fmt: skip
    for done, where in ((to_file, "/dev/full"), (to_stdout, "to standard output")):
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip() == f"viva-archive: error: cannot write {where}: " + (
            "No space left on device"
        )


@pytest.mark.slow
def test_text_output_on_a_full_disk_is_one_line(full_archive: str) -> None:
    with open("/dev/full", "w") as full:
        done = viva("--database-url", full_archive, "show", "1", stdout=full.fileno())
    assert done.returncode == 1
    assert done.stderr.strip() == "viva-archive: error: No space left on device"


@pytest.mark.parametrize("command", [["export"], ["export", "--format", "csv"], ["show", "1"]])
@pytest.mark.slow
def test_reader_closing_the_pipe_is_quiet(full_archive: str, command: list[str]) -> None:
    done = _piped_to_head(full_archive, command)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


def _piped_to_head(archive_url: str, command: list[str]) -> subprocess.CompletedProcess[str]:
    """``viva-archive ... | head -c 10``: the exit status and stderr of viva-archive itself."""
    writer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "viva_militer_archive.cli.main",
            "--database-url",
            archive_url,
            *command,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.read(10)
    writer.stdout.close()  # the reader is gone
    err = writer.stderr.read()
    return subprocess.CompletedProcess(writer.args, writer.wait(timeout=120), "", err)


@pytest.mark.parametrize(
    ("env", "command", "expected"),
    [
        ({"DATABASE_URL": "notaurl://"}, ["stats"], 2),
        ({"DATABASE_URL": "postgresql+psycopg://u@[::1/db"}, ["runs"], 2),
        ({"VIVA_BASE_URL": "notaurl"}, ["crawl"], 2),
        ({"VIVA_BASE_URL": "http://127.0.0.1:9", "ARCHIVE_DIR": "/proc/no/warc"}, ["crawl"], 2),
        ({"VIVA_LATEST_EVERY": "1e999d"}, ["schedule", "--once"], 2),
        ({"VIVA_BACKFILL_DAYS": BIG}, ["schedule", "--once"], 2),
    ],
)
@pytest.mark.slow
def test_bad_environment_is_one_line(
    env: dict[str, str], command: list[str], expected: int, archive_url: str
) -> None:
    if "DATABASE_URL" not in env:
        command = ["--database-url", archive_url, *command]
    done = viva(*command, env={"VIVA_BASE_URL": "http://127.0.0.1:9", **env})  # never the site
    assert done.returncode == expected, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
