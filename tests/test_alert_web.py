"""The web reader shows watches and their events read-only, a feed per watch, the outbox in
``/metrics`` and a ``/healthz`` warning when events wait too long; never a secret."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from storage.engine import get_session_factory
from storage.models import AlertEvent
from storage.watches import WatchSpec, WatchStore
from storage.writes import ArchiveWriter
from tests.alert_receivers import SECRET
from tests.factories import make_item
from viva_militer_archive.web.app import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
HOOK = "https://hooks.example.org/services/T0/B1/hook-path-token"
SMTP_PASSWORD = "smtp-pw-never-shown"


@pytest.fixture
def client(archive_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("VIVA_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("VIVA_SMTP_URL", f"smtp://u:{SMTP_PASSWORD}@127.0.0.1:2525")
    WatchStore(archive_url).add(
        WatchSpec("rudal", query="rudal", destinations=(f"webhook:{HOOK}", "email:a@example.org"))
    )
    writer = ArchiveWriter(archive_url)
    writer.store_articles([make_item(61, title="Uji <rudal> baru", body="Rudal.")])
    writer.store_articles([make_item(61, title="Uji <rudal> baru", body="Rudal lagi.")])
    writer.mark_gone([61])
    with TestClient(create_app(archive_url)) as test_client:
        yield test_client


def test_watches_page_api_and_feed(client: TestClient) -> None:
    page = client.get("/watches")
    assert page.status_code == 200
    assert "Uji &lt;rudal&gt; baru" in page.text and "/articles/61/revisions/1..2" in page.text
    data = client.get("/api/watches").json()
    [watch] = data["watches"]
    assert watch["destinations"] == ["webhook to hooks.example.org", "email to example.org"]
    assert [e["kind"] for e in watch["recent_events"]] == ["gone", "changed", "new"]
    feed = ET.fromstring(client.get("/feeds/watches/rudal.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == [
        "Removed from the site: Uji <rudal> baru",
        "Edited: Uji <rudal> baru",
        "New: Uji <rudal> baru",
    ]
    assert client.get("/feeds/watches/nobody.atom").status_code == 404
    shown = page.text + str(data) + client.get("/feeds/watches/rudal.atom").text
    for secret in (SECRET, SMTP_PASSWORD, "hook-path-token"):
        assert secret not in shown


def test_metrics_and_healthz_see_the_outbox(client: TestClient, archive_url: str) -> None:
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    by_status = {
        s.labels["status"]: s.value for s in families["viva_archive_alert_deliveries"].samples
    }
    assert by_status == {"pending": 6, "sent": 0, "failed": 0}
    [age] = families["viva_archive_alert_oldest_pending_seconds"].samples
    assert 0 <= age.value < 600
    assert "alert events" not in client.get("/healthz").text
    with get_session_factory(archive_url).begin() as session:
        session.execute(
            update(AlertEvent).values(created_at=datetime.now(UTC) - timedelta(hours=2))
        )
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "alert events have waited 2.0h for delivery" in health.json()["warnings"][0]
