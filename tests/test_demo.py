"""``viva-archive demo`` end to end: its own archive, invented ids, an edit and a removal, and
every example command the demo and the README print giving output on the demo archive; the
capture URL ``show`` prints is one the WARC files hold (what a replay tool looks up)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import BACKENDS
from tests.databases import skip_without_postgres
from tests.web_archive import free_port
from viva_militer_archive.cli.demo import DEMO_FIRST_ID, EDITED, REMOVED
from viva_militer_archive.cli.main import main
from viva_militer_archive.sample_site.harness import REPO_ROOT, postgres_schema_url

pytestmark = pytest.mark.slow  # the demo is a real subprocess crawl; a child server serves it

EXAMPLE_RE = re.compile(r"^\s*(viva-archive (?!demo)[^#|\n]*)", re.MULTILINE)
"""A command line of the README or of the demo's output (pipes and comments cut off)."""
OPERATIONS = {"crawl", "db", "serve", "schedule", "import"}
"""Commands that fetch, start a server or write another database: examples of operating the
archive, not of reading it (each has its own tests)."""


@dataclass(frozen=True, slots=True)
class Demo:
    """One finished demo: where it ran, its archive and what it printed."""

    cwd: Path
    url: str
    stdout: str


def run_demo(cwd: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "viva_militer_archive.cli.main", *options, "demo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo run once per database kind: on SQLite in its default place (``./data/demo``),
    on PostgreSQL in the schema named by ``--database-url``."""
    cwd = tmp_path_factory.mktemp("demo-cwd")
    if request.param == "sqlite":
        done = run_demo(cwd)
        assert done.returncode == 0, done.stderr[-3000:]
        yield Demo(cwd, "sqlite:///data/demo/archive.sqlite3", done.stdout)
        return
    skip_without_postgres()
    with postgres_schema_url() as url:
        done = run_demo(cwd, "--database-url", url)
        assert done.returncode == 0, done.stderr[-3000:]
        yield Demo(cwd, url, done.stdout)


def viva(
    demo: Demo, command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    """One example command line on the demo archive, in-process, from the demo's folder."""
    monkeypatch.chdir(demo.cwd)
    argv = shlex.split(command)[1:]
    if argv[:1] == ["--database-url"]:
        argv = argv[2:]
    code = main(["--database-url", demo.url, *argv])
    return code, capsys.readouterr().out


def test_demo_has_its_own_archive_and_invented_ids(demo: Demo) -> None:
    assert "archived 12 articles (13 revisions, 1 gone)" in demo.stdout
    assert not (demo.cwd / "data" / "archive.sqlite3").exists(), "the default archive stays"
    assert sorted(p.name for p in demo.cwd.iterdir()) == ["data"]
    assert (demo.cwd / "data" / "demo" / "warc").is_dir()
    if demo.url.startswith("sqlite"):
        assert (demo.cwd / "data" / "demo" / "archive.sqlite3").is_file()
        assert "--database-url sqlite:///data/demo/archive.sqlite3 stats" in demo.stdout
    ids = {int(found) for found in re.findall(r"^  (\d+)  ", demo.stdout, re.MULTILINE)}
    assert ids and min(ids) >= DEMO_FIRST_ID
    assert re.search(r"^  \d+  \d{4}-\d\d-\d\d \d\d:\d\d WIB  ", demo.stdout, re.MULTILINE)


def test_demo_records_the_edit_and_the_removal(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = viva(demo, "viva-archive runs --json", capsys, monkeypatch)
    assert code == 0
    runs = [(run["mode"], run["status"]) for run in json.loads(out)]
    assert runs == [("recheck", "finished"), ("backfill", "finished"), ("latest", "finished")]
    code, out = viva(demo, f"viva-archive show {EDITED} --revisions --diff", capsys, monkeypatch)
    assert code == 0 and "revisions (2):" in out and "+Pembaruan: pasukan perbatasan" in out
    code, out = viva(demo, f"viva-archive show {REMOVED}", capsys, monkeypatch)
    assert code == 0 and "  status: gone" in out


def example_commands(demo: Demo) -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    commands = EXAMPLE_RE.findall(readme) + EXAMPLE_RE.findall(demo.stdout)
    return [c.strip() for c in commands if command_name(c) not in OPERATIONS]


def command_name(line: str) -> str:
    """The subcommand of a ``viva-archive`` line (after the global ``--database-url URL``)."""
    words = shlex.split(line)[1:]
    return words[2] if words[:1] == ["--database-url"] else words[0]


def test_every_example_gives_output_on_the_demo_archive(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = example_commands(demo)
    assert len(commands) >= 10, commands
    for command in commands:
        code, out = viva(demo, command, capsys, monkeypatch)
        target = re.search(r"-o (\S+)", command)
        written = (demo.cwd / target[1]).read_text(encoding="utf-8") if target else out
        assert code == 0, command
        assert written.strip() and "no article matches" not in written, command
        assert "only one revision" not in written, command


def warc_target_uris(folder: Path) -> set[str]:
    uris = set()
    for path in folder.rglob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uris.add(record.rec_headers.get_header("WARC-Target-URI"))
    return uris


def test_show_prints_a_capture_url_the_warc_files_hold(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = viva(demo, f"viva-archive show {EDITED}", capsys, monkeypatch)
    found = re.search(r"^  archived capture: (\S+) ", out, re.MULTILINE)
    assert code == 0 and found, out
    assert found[1].endswith("?page=all")
    assert found[1] in warc_target_uris(demo.cwd / "data" / "demo" / "warc")


def test_demo_ids_rise_with_publication_time(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on the site: a newer article has a higher id, so "newest first" (the lists, search's
    "then newest", the feeds) and "highest id first" (their keyset pages) agree."""
    code, out = viva(demo, "viva-archive export --format jsonl", capsys, monkeypatch)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 12
    by_time = sorted(records, key=lambda record: record["published_at"])
    assert [r["article_id"] for r in by_time] == sorted(r["article_id"] for r in records)
    latest = [int(i) for i in re.findall(r"^  (\d+)  \d{4}-", demo.stdout, re.MULTILINE)]
    assert latest == sorted(latest, reverse=True), "the demo's latest list, newest first"


def test_show_says_when_the_removed_article_disappeared(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = viva(demo, f"viva-archive show {REMOVED}", capsys, monkeypatch)
    assert code == 0 and re.search(r"^  gone_at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB$", out, re.M)
    code, out = viva(demo, f"viva-archive show {REMOVED} --json", capsys, monkeypatch)
    assert code == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", json.loads(out)["gone_at"])
    code, out = viva(demo, f"viva-archive show {EDITED}", capsys, monkeypatch)
    assert code == 0 and "gone_at" not in out, "a live article has no gone_at line"
    code, out = viva(demo, f"viva-archive show {EDITED} --json", capsys, monkeypatch)
    assert code == 0 and json.loads(out)["gone_at"] is None


def test_stats_counts_the_one_changed_article_in_the_singular(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = viva(demo, "viva-archive stats", capsys, monkeypatch)
    assert code == 0 and "revisions: 13 (1 article changed)" in out, out


def test_demo_leaves_no_lock_files_and_prints_the_serve_command(demo: Demo) -> None:
    assert not list((demo.cwd / "data").rglob("*.lock"))
    assert re.search(r"^  viva-archive --database-url \S+ serve ", demo.stdout, re.MULTILINE)


def readme_web_example() -> str:
    """The README's command that serves the demo archive (section "Reading the archive in a
    browser")."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reading the archive in a browser", 1)[1]
    found = re.search(
        r"^(viva-archive serve --database-url sqlite:///data/demo/\S+)", section, re.M
    )
    assert found, "the README serves the demo archive"
    return found[1]


@contextmanager
def served(command: str, cwd: Path) -> Iterator[str]:
    """``command`` (a ``viva-archive serve ...`` line) run from ``cwd`` on a free port, until
    the block ends; yields its base URL."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "viva_militer_archive.cli.main",
        *shlex.split(command)[1:],
        "--port",
        str(port),
    ]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    server = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            assert server.poll() is None, server.communicate()[0]
            try:
                httpx.get(f"{base_url}/api/ping", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base_url
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


def test_readme_web_example_serves_the_demo_newest_first(demo: Demo) -> None:
    """A new user's first hour: ``viva-archive demo``, then the README's serve line, literally."""
    if not demo.url.startswith("sqlite"):
        pytest.skip("the README's example serves the demo's default (SQLite) archive")
    with served(readme_web_example(), demo.cwd) as base_url:
        page = httpx.get(f"{base_url}/articles", timeout=30)
        listed = httpx.get(f"{base_url}/api/articles", timeout=30).json()["articles"]
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'<a class="title" href="/articles/(\d+)">', page.text)]
    assert len(ids) == 12 and ids == sorted(ids, reverse=True)
    times = [article["published_at"] for article in listed]
    assert [a["article_id"] for a in listed] == ids
    assert times == sorted(times, reverse=True), "newest first"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", t) for t in times), times


def test_serve_without_an_archive_says_how_to_serve_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "viva_militer_archive.cli.main", "serve", "--port",
        str(free_port())],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "no archive at sqlite:///data/archive.sqlite3" in done.stderr
    assert "--database-url sqlite:///data/demo/archive.sqlite3" in done.stderr
