"""A site that cannot be reached: one log line per kind of failure, no traceback, the run's
summary last, and every failure still counted."""

from __future__ import annotations

import socket

import pytest

from tests.crawling import crawl, describe, last_run, stat

pytestmark = pytest.mark.slow  # a real subprocess crawl


def dead_loopback_url() -> str:
    """A loopback address where nothing listens (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_site_logs_each_failure_kind_once(database_url: str) -> None:
    done = crawl(dead_loopback_url(), database_url, "mode=latest")
    assert done.returncode == 1, describe(done)
    log = done.stderr
    assert "Traceback" not in log
    lines = [line for line in log.splitlines() if line.strip()]
    failures = [line for line in lines if "later ones are counted, not logged" in line]
    assert len(failures) == 1 and "[first ConnectionRefusedError;" in failures[0], log
    assert "Crawl run 1 failed (site unreachable" in lines[-1], log
    assert len(lines) < 40, log
    run = last_run(database_url)
    assert run.status == "failed" and run.errors > 1, "suppressed lines are still counted"
    assert stat(run, "log_digest/ConnectionRefusedError") == run.errors
