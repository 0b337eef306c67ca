"""``viva-archive demo --redesign ...``: after its first crawl the sample site changes, and the
demo ends with how each crawl really ended (as recorded in the runs journal), its exit status
saying whether they all finished."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS
from tests.crawling import articles
from tests.databases import skip_without_postgres
from viva_militer_archive.crawl_stats import keys
from viva_militer_archive.sample_site.harness import REPO_ROOT, crawl_runs, postgres_schema_url

pytestmark = pytest.mark.slow
ROW_RE = re.compile(r"^\s*(\d+)\s+(latest|backfill|recheck)\s+(\w+)\s+(.*)$", re.MULTILINE)


def run_demo(cwd: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "viva_militer_archive.cli.main", *options],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(params=BACKENDS)
def demo_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, list[str]]]:
    """The demo's archive URL and the global options naming it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'demo' / 'archive.sqlite3'}", []
        return
    skip_without_postgres()
    with postgres_schema_url() as url:
        yield url, ["--database-url", url]


@pytest.mark.parametrize(
    ("redesign", "alarm", "news"),
    [
        ("challenge", keys.BLOCKED_ARTICLE_PAGES, "bot challenge"),
        ("listing", keys.DISCOVERY_URL_SHAPE_PAGES, "redesigns its listings"),
    ],
)
def test_the_demo_shows_a_changed_site_and_tells_how_each_crawl_ended(
    redesign: str, alarm: str, news: str, demo_database: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, options = demo_database
    done = run_demo(tmp_path, *options, "demo", "--redesign", redesign)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert news in done.stdout
    runs = crawl_runs(url)
    assert [run.mode for run in runs] == ["latest", "backfill", "recheck"]
    shown = ROW_RE.findall(done.stdout.split("how each crawl ended:")[1])
    assert [(int(i), mode, status) for i, mode, status, _ in shown] == [
        (run.id, run.mode, run.status) for run in runs
    ]
    for (*_, rest), run in zip(shown, runs, strict=True):
        assert (run.finish_reason or "") in rest
    failed = [run for run in runs if run.status != "finished"]
    assert done.returncode == (1 if failed else 0), done.stderr[-3000:]
    assert sum(int((run.stats or {}).get(alarm) or 0) for run in runs[1:]) > 0
    assert not (runs[0].stats or {}).get(alarm), "the first crawl meets the site unchanged"
    if redesign == "challenge":
        assert all(a.status == "live" for a in articles(url).values()), "a challenge is no 404"


def test_an_unknown_redesign_is_refused_in_one_line(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "demo", "--redesign", "sideways")
    assert done.returncode == 2 and "invalid choice: 'sideways'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "data").exists()
