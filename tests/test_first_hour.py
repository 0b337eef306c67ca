"""A new user's first hour outside the archive itself: a crawl's log without Scrapy's start-up
dumps unless ``-v``, the sample site served by itself for an ad hoc ``scrapy crawl``, and the
README's export examples leaving nothing untracked in the checkout."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from itertools import takewhile
from pathlib import Path

import pytest

from tests.cli_helpers import viva
from tests.crawling import REPO_ROOT, articles, crawl
from tests.test_quiet_failures import dead_loopback_url

STARTUP_DUMPS = ("Versions:", "Enabled addons:")
"""Scrapy's multi-line start-up listings, logged before any extension exists."""


@pytest.mark.slow
def test_crawl_logs_scrapy_start_up_dumps_only_with_verbose(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    site = dead_loopback_url()  # fails at once: only the start-up matters here
    fast = {"RETRY_ENABLED": "0"}
    quiet = crawl(site, url, "mode=latest", settings=fast)
    verbose = crawl(site, url, "mode=latest", "-L", "DEBUG", settings=fast)
    options = ["crawl", "-s", f"VIVA_BASE_URL={site}", "-s", "RETRY_ENABLED=0"]
    cli = viva("--database-url", url, *options)
    cli_verbose = viva("--database-url", url, "-v", *options)
    for done in (quiet, cli):
        assert "Scrapy 2" in done.stderr, done.stderr  # the one-line banner stays
        assert not any(dump in done.stderr for dump in STARTUP_DUMPS), done.stderr
    for done in (verbose, cli_verbose):
        assert all(dump in done.stderr for dump in STARTUP_DUMPS), done.stderr[-2000:]


@pytest.mark.slow
def test_sample_site_command_serves_an_ad_hoc_scrapy_crawl(tmp_path: Path) -> None:
    """``viva-archive sample-site`` prints a ``scrapy crawl`` line; run literally from a checkout
    (here a folder with its ``scrapy.cfg``) it archives the twelve invented articles."""
    shutil.copy(REPO_ROOT / "scrapy.cfg", tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    site = subprocess.Popen(
        [sys.executable, "-m", "viva_militer_archive.cli.main", "sample-site", "--port", "0"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert site.stdout is not None
        printed = [site.stdout.readline() for _ in range(3)]
        assert printed[0].startswith("sample site: 12 invented articles at http://127.0.0.1:")
        words = shlex.split(printed[2])
        leading = list(takewhile(lambda word: re.match(r"^[A-Z_]+=", word), words))
        assignments = dict(word.split("=", 1) for word in leading)
        command = words[len(leading) :]
        assert command[:3] == ["scrapy", "crawl", "viva_militer"], printed
        done = subprocess.run(
            [sys.executable, "-m", *command], cwd=tmp_path, env={**env, **assignments},
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    finally:
        site.terminate()
        site.wait(timeout=30)
    assert done.returncode == 0, done.stderr[-3000:]
    archive = assignments["DATABASE_URL"].replace("sqlite:///", f"sqlite:///{tmp_path}/")
    archived = articles(archive)
    assert len(archived) == 12 and min(archived) >= 900_000_001, "the demo's invented ids"
    items = (tmp_path / "data" / "sample" / "items.jsonl").read_text(encoding="utf-8")
    assert len([json.loads(line) for line in items.splitlines()]) == 12
    assert not (tmp_path / "data" / "archive.sqlite3").exists(), "the default archive stays"


@pytest.mark.slow
def test_sample_site_on_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = viva("sample-site", "--port", str(taken.getsockname()[1]), cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "in use" in done.stderr


def test_readme_export_examples_leave_nothing_untracked_in_the_checkout() -> None:
    """Every file the README's examples write (``-o FILE``) is ignored by git (under data/)."""
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    outputs = re.findall(r"^viva-archive [^\n#]*?-o (\S+)", readme, re.MULTILINE)
    assert outputs, "the README has export examples"
    for output in outputs:
        ignored = subprocess.run(["git", "check-ignore", "-q", output], cwd=REPO_ROOT, check=False)
        assert ignored.returncode == 0, f"{output} would be left untracked in the checkout"
