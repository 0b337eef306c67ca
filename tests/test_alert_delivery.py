"""Delivery of the outbox to real receivers on loopback: signed webhooks with retries and
backoff, email digests through a real SMTP server, and secrets kept out of everything shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from storage.deliveries import DeliveryQueue
from storage.watches import WatchSpec, WatchStore
from storage.writes import ArchiveWriter
from tests.alert_receivers import SECRET, smtp_server, valid_signature, webhook_receiver
from tests.factories import make_item
from viva_militer_archive.alerts.delivery import Deliverer, DeliverySettings, retry_delay

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SETTINGS = DeliverySettings(secret=SECRET, reader_url="http://reader.test", retry_base=0)


class Clock:
    """A clock the test moves (backoff is checked without waiting)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def archive_two(url: str, watch: str, *destinations: str, query: str = "rudal") -> None:
    """Two articles on missiles (one of them ballistic) under a watch on ``query``."""
    WatchStore(url).add(WatchSpec(watch, query=query, destinations=destinations))
    ArchiveWriter(url).store_articles(
        [make_item(11, body="Uji rudal balistik."), make_item(12, body="Peluncuran rudal.")]
    )


def test_each_event_is_signed_sent_once_with_a_stable_id(archive_url: str) -> None:
    with webhook_receiver() as hooks:
        archive_two(archive_url, "rudal", f"webhook:{hooks.url}")
        report = Deliverer(archive_url, SETTINGS).run()
        assert (report.sent, report.failed) == (2, 0)
        assert Deliverer(archive_url, SETTINGS).run().sent == 0  # nothing twice
    assert hooks.bad_signatures == 0 and len(hooks.requests) == 2
    assert sorted(p["article"]["article_id"] for p in hooks.accepted) == [11, 12]
    first = hooks.accepted[0]
    assert first["event"] == "new" and first["watch"]["name"] == "rudal"
    assert first["url"] == f"http://reader.test/articles/{first['article']['article_id']}"
    assert first["article"]["body"] and first["article"]["revisions"][0]["revision"] == 1
    rows = DeliveryQueue(archive_url).recent()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


def test_a_changed_event_carries_the_word_diff(archive_url: str) -> None:
    with webhook_receiver() as hooks:
        WatchStore(archive_url).add(
            WatchSpec("edits", events=("changed",), destinations=(f"webhook:{hooks.url}",))
        )
        writer = ArchiveWriter(archive_url)
        writer.store_articles([make_item(21, body="Kapal selam tiba pagi ini.")])
        writer.store_articles([make_item(21, body="Kapal selam tiba sore ini.")])
        Deliverer(archive_url, SETTINGS).run()
    [payload] = hooks.accepted
    diff = payload["diff"]
    assert (diff["from_revision"], diff["to_revision"]) == (1, 2)
    assert diff["changed_fields"] == ["body"]
    assert diff["deleted"] == ["pagi"] and diff["inserted"] == ["sore"]
    assert {"kind": "ins", "text": "sore"} in diff["right"][1]


def test_a_receiver_failing_twice_gets_the_event_on_the_third_try(archive_url: str) -> None:
    with webhook_receiver(fail_first=2) as hooks:
        archive_two(archive_url, "balistik", f"webhook:{hooks.url}", query="balistik")
        deliverer = Deliverer(archive_url, SETTINGS)
        reports = [deliverer.run() for _ in range(4)]
    assert [r.sent for r in reports] == [0, 0, 1, 0]
    assert [r.retrying for r in reports] == [1, 1, 0, 0]
    [event_id] = hooks.accepted_ids()
    assert hooks.attempts == {event_id: 3}  # the same id each time
    assert [row.attempts for row in DeliveryQueue(archive_url).recent()] == [3]


def test_backoff_doubles_from_the_base_and_gives_up_after_a_day(archive_url: str) -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    settings = DeliverySettings(secret=SECRET, retry_base=10)
    with webhook_receiver(always=503) as hooks:
        archive_two(archive_url, "balistik", f"webhook:{hooks.url}", query="balistik")
        clock = Clock()
        deliverer = Deliverer(archive_url, settings, clock=clock)
        assert deliverer.run().retrying == 1
        clock.now += timedelta(seconds=9)
        assert deliverer.run().retrying == 0  # not due yet
        clock.now += timedelta(seconds=1)
        assert deliverer.run().retrying == 1  # 10 s after the first attempt
        clock.now += timedelta(seconds=19)
        assert deliverer.run().retrying == 0  # the second retry waits 20 s
        clock.now += timedelta(days=1)
        assert deliverer.run().failed == 1
    failed = DeliveryQueue(archive_url).recent(status="failed")
    assert len(failed) == 1 and "HTTP 503 (gave up after a day); 3 attempts" in failed[0].last_error


def test_a_final_refusal_fails_at_once_and_blocks_no_one(archive_url: str) -> None:
    with webhook_receiver(always=404) as gone, webhook_receiver() as good:
        archive_two(archive_url, "rudal", f"webhook:{gone.url}", f"webhook:{good.url}")
        report = Deliverer(archive_url, SETTINGS).run()
    assert (report.sent, report.failed, report.deferred) == (2, 1, 1)
    assert len(good.accepted) == 2 and len(gone.requests) == 1
    [failed] = DeliveryQueue(archive_url).recent(status="failed")
    assert failed.last_error == "HTTP 404; 1 attempts"


def test_a_spent_time_budget_leaves_the_rest_to_the_next_run(archive_url: str) -> None:
    with webhook_receiver() as hooks:
        archive_two(archive_url, "rudal", f"webhook:{hooks.url}")
        first = Deliverer(archive_url, SETTINGS).run(budget=-1)
        second = Deliverer(archive_url, SETTINGS).run()
    assert (first.sent, first.deferred, second.sent) == (0, 2, 2) and len(hooks.requests) == 2


def test_email_digest_through_a_real_smtp_server(archive_url: str) -> None:
    with smtp_server() as box:
        archive_two(archive_url, "rudal", "email:analyst@example.org")
        ArchiveWriter(archive_url).store_articles(
            [make_item(13, title="Rudal <b>baru</b> & lama", body="Rudal.")]
        )
        url = f"smtp://archivist:p4ss-w0rd-smtp@127.0.0.1:{box.port}?from=archive@example.org"
        settings = DeliverySettings(smtp_url=url, retry_base=0)
        report = Deliverer(archive_url, settings).run()
    assert report.sent == 3 and len(box.messages) == 1
    [mail] = box.messages
    assert mail["To"] == "analyst@example.org" and mail["From"] == "archive@example.org"
    assert "(+2 more)" in mail["Subject"]
    text, html = (
        part.get_payload(decode=True).decode() for part in mail.walk() if not part.is_multipart()
    )
    assert text.count("new: ") == 3 and "Rudal <b>baru</b> & lama" in text
    assert "Rudal &lt;b&gt;baru&lt;/b&gt; &amp; lama" in html and "<b>baru" not in html


def test_smtp_password_and_webhook_secret_never_shown(archive_url: str) -> None:
    with smtp_server() as box, webhook_receiver() as hooks:
        archive_two(archive_url, "rudal", "email:a@example.org", f"webhook:{hooks.url}")
        url = f"smtp://archivist:wrong-secret-pw@127.0.0.1:{box.port}"
        settings = DeliverySettings(secret=SECRET, smtp_url=url, retry_base=0)
        report = Deliverer(archive_url, settings).run()
    assert report.sent == 2 and report.retrying == 2  # the mails wait for a good password
    shown = json.dumps(
        [
            vars(r) if hasattr(r, "__dict__") else repr(r)
            for r in DeliveryQueue(archive_url).recent()
        ],
        default=str,
    )
    shown += repr(settings) + repr(report) + json.dumps(hooks.accepted)
    assert "talking to 127.0.0.1" in shown or "SMTP 535" in shown
    for secret in ("wrong-secret-pw", SECRET):
        assert secret not in shown
    assert all(valid_signature(SECRET, headers, body) for headers, body in hooks.requests)


def test_unsigned_webhooks_are_not_sent(archive_url: str) -> None:
    with webhook_receiver() as hooks:
        archive_two(archive_url, "rudal", f"webhook:{hooks.url}")
        report = Deliverer(archive_url, DeliverySettings(retry_base=0)).run()
    assert hooks.requests == [] and (report.retrying, report.deferred) == (1, 1)
    assert "VIVA_WEBHOOK_SECRET is not set" in report.errors[f"webhook:{hooks.url}"]


@pytest.mark.parametrize(
    "bad", ["http://u:pw-xyz@host", "smtp://u:pw-xyz@", "smtp://u:pw-xyz@h:notaport"]
)
def test_a_bad_smtp_url_is_one_line_without_the_url(archive_url: str, bad: str) -> None:
    WatchStore(archive_url).add(WatchSpec("w", destinations=("email:a@example.org",)))
    ArchiveWriter(archive_url).store_articles([make_item(31)])
    report = Deliverer(archive_url, DeliverySettings(smtp_url=bad, retry_base=0)).run()
    [error] = report.errors.values()
    assert error.startswith("VIVA_SMTP_URL") and "pw-xyz" not in error and "\n" not in error
