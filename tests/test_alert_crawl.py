"""Alerts through real crawls of the sample site run by the scheduler daemon (``--once``): it
delivers after every crawl, in a child process of its own, to a real receiver on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from storage.runs import RunJournal
from storage.search import ArchiveSearch
from storage.watches import WatchSpec, WatchStore
from tests.alert_receivers import SECRET, webhook_receiver
from tests.cli_helpers import viva
from tests.crawling import crawl, describe
from tests.test_scheduler import run_daemon, sample  # noqa: F401 (fixture)
from viva_militer_archive.sample_site.server import SampleSite

pytestmark = pytest.mark.slow
ALERT_ENV = {"VIVA_WEBHOOK_SECRET": SECRET, "VIVA_ALERT_RETRY_BASE": "0"}


@pytest.fixture
def alert_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ALERT_ENV.items():
        monkeypatch.setenv(name, value)


def test_new_changed_gone_through_crawls(
    sample: SampleSite,  # noqa: F811
    archive_url: str,
    alert_env: None,
) -> None:
    with webhook_receiver() as hooks:
        WatchStore(archive_url).add(
            WatchSpec("rafale", query="Rafale", destinations=(f"webhook:{hooks.url}",))
        )
        backfill = run_daemon(sample.base_url, archive_url, "--once", "--jobs", "backfill",
                              "--backfill-days", "30")  # fmt: skip
        assert backfill.returncode == 0, backfill.stdout
        k = len(ArchiveSearch(archive_url).search("Rafale", limit=100))
        assert k == 2 and [p["event"] for p in hooks.accepted] == ["new"] * k
        assert "alerts: 2 sent" in backfill.stdout

        edited_id, removed_id = sorted(p["article"]["article_id"] for p in hooks.accepted)
        sample.edit(edited_id, title="Rafale Tiba Lebih Awal: " + sample.articles[edited_id].title)
        sample.remove(removed_id)
        since = (sample.today - timedelta(days=30)).isoformat()
        recheck = crawl(sample.base_url, archive_url, "mode=recheck", f"since={since}")
        assert recheck.returncode == 0, describe(recheck)
        delivered = viva("--database-url", archive_url, "alerts", "deliver")
        assert "alerts: 2 sent" in delivered.stdout, delivered.stderr
    events = [(p["event"], p["article"]["article_id"]) for p in hooks.accepted]
    assert sorted(events[k:]) == [("changed", edited_id), ("gone", removed_id)]
    [changed] = [p for p in hooks.accepted if p["event"] == "changed"]
    assert changed["diff"]["changed_fields"][0] == "title"
    assert "Rafale Tiba Lebih Awal:" in " ".join(changed["diff"]["inserted"])
    ids = hooks.accepted_ids()
    assert len(ids) == len(set(ids)) == k + 2 and hooks.bad_signatures == 0
    shown = (
        backfill.stdout
        + recheck.stdout
        + repr([vars(r) for r in RunJournal(archive_url).recent(10)])
    )
    assert SECRET not in shown


@contextmanager
def failing_site() -> Iterator[str]:
    """A site answering 500 to everything."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_health_watch_is_told_once_when_it_breaks_and_once_when_it_heals(
    sample: SampleSite,  # noqa: F811
    archive_url: str,
    alert_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIVA_MAX_FAILURES", "1")
    with webhook_receiver() as hooks:
        WatchStore(archive_url).add(
            WatchSpec("health", health=True, destinations=(f"webhook:{hooks.url}",))
        )
        with failing_site() as broken:
            for _ in range(2):
                run_daemon(broken, archive_url, "--once", "--jobs", "latest")
        for _ in range(2):
            healthy = run_daemon(sample.base_url, archive_url, "--once", "--jobs", "latest")
            assert healthy.returncode == 0, healthy.stdout
    assert [p["event"] for p in hooks.accepted] == ["health", "recovered"]
    assert "latest runs failed in a row" in hooks.accepted[0]["warnings"][0]
    assert hooks.accepted[1]["warnings"] == []
