"""Drop reasons stay a bounded vocabulary whatever the site answers: a status outside 100..599
is one reason, and a run's journal and ``/metrics`` keep at most ``MAX_DROP_REASONS`` reasons
(the rarest summed as ``other``), so a hostile site cannot mint labels."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from crawler.arguments import WIB
from crawler.outcome import outcome_from_stats
from storage.runs import RunJournal
from tests.crawling import crawl, describe, last_run, stat
from viva_militer_archive.crawl_stats.keys import (
    MAX_DROP_REASONS,
    OTHER_REASONS,
    answered,
    bounded_reasons,
    discovery_failed_key,
)
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.web.app import create_app

INVENTED = (100001, 100002, 99, 600)


def test_a_status_outside_http_is_one_reason() -> None:
    assert answered(404) == "answered 404" and answered(599, "listing") == "listing answered 599"
    assert {answered(status) for status in INVENTED} == {"answered invalid status"}
    assert (
        discovery_failed_key(100001)
        == discovery_failed_key(7)
        == ("discovery/requests_failed/invalid_status")
    )
    assert discovery_failed_key("TimeoutError") == "discovery/requests_failed/TimeoutError"


def test_reasons_are_bounded_keeping_the_most_frequent_and_the_total() -> None:
    few = {"missing title": 3, "answered 404": 1}
    assert bounded_reasons(few) == few
    many = {f"answered {100000 + n}": 1 for n in range(200)} | {"missing title": 5}
    kept = bounded_reasons(many)
    assert len(kept) == MAX_DROP_REASONS and kept["missing title"] == 5
    assert sum(kept.values()) == sum(many.values()) and kept[OTHER_REASONS] == 200 - 28


def test_a_runs_outcome_keeps_bounded_reasons_and_counts_only_real_statuses() -> None:
    stats = {f"dropped/reason_{n}": 1 for n in range(100)}
    stats |= {"finish_reason": "finished", "downloader/response_status_count/500001": 4}
    stats |= {"downloader/response_status_count/503": 1}
    outcome = outcome_from_stats(stats)
    assert len(outcome.dropped_reasons) == MAX_DROP_REASONS
    assert outcome.counters["articles_dropped"] == 100
    assert outcome.counters["responses_5xx"] == 1, "500001 is no 5xx status"


def test_metrics_export_at_most_the_bounded_reasons(archive_url: str) -> None:
    """Runs journaled before the bound (one label per invented status) are bounded on export."""
    journal = RunJournal(archive_url)
    for run in range(3):
        run_id = journal.start("latest", {})
        reasons = {f"answered_{100000 + 100 * run + n}": 1 for n in range(100)}
        journal.finish(run_id, status="finished", reason="finished", dropped_reasons=reasons)
    with TestClient(create_app(archive_url)) as client:
        text = client.get("/metrics").text
    [family] = [
        f
        for f in text_string_to_metric_families(text)
        if f.name == "viva_archive_recent_runs_dropped"
    ]
    labels = {sample.labels["reason"]: sample.value for sample in family.samples}
    assert len(labels) == MAX_DROP_REASONS and labels[OTHER_REASONS] == 300 - 29
    assert sum(labels.values()) == 300


@pytest.mark.slow
def test_a_site_inventing_statuses_mints_no_reasons(database_url: str) -> None:
    now = datetime.now(WIB).replace(microsecond=0)
    with SampleSite(sample_articles(now), today=now.date()) as site:
        specs = [site.articles[i] for i in sorted(site.articles)[: len(INVENTED) + 1]]
        for spec, status in zip(specs, INVENTED, strict=False):
            site.inject(spec.canonical.split("viva.co.id")[1], status)
        urls = ",".join(spec.canonical for spec in specs)
        done = crawl(site.base_url, database_url, f"urls={urls}")
    assert done.returncode == 0, describe(done)
    run = last_run(database_url)
    assert run.dropped_reasons == {"answered_invalid_status": len(INVENTED)}, describe(done)
    assert stat(run, "dropped/answered_invalid_status") == len(INVENTED)
    assert run.articles_new == 1
