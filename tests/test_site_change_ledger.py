"""The ledger says when the archive went blind: a crawl's stats judged for a changed site
(article template, listing rows, bot wall), and the same words in the runs journal, the
health check, ``/healthz``, ``/metrics`` and ``viva-archive runs``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from crawler.outcome import EXIT_FAILED, EXIT_OK, outcome_from_stats
from storage.runs import RunJournal, run_record
from tests.cli_helpers import viva
from tests.test_web import metric_values
from viva_militer_archive.crawl_stats import keys
from viva_militer_archive.crawl_stats.site_change import (
    ARTICLE_MARKUP,
    BLOCKED,
    LISTING_MARKUP,
    blind_spot,
    site_changes,
)
from viva_militer_archive.web.app import create_app

FINISHED = {keys.FINISH_REASON: "finished", keys.RESPONSES: 40, keys.DISCOVERY_OK: 6}

REDESIGNED_ARTICLES = {
    **FINISHED,
    keys.ARTICLES_PARSED: 30,
    keys.dropped_key("missing body"): 29,
    keys.dropped_key("missing title"): 1,
}
"""A backfill through a renamed article template without fallbacks: nothing archived."""

THROUGH_FALLBACKS = {
    **FINISHED,
    keys.ARTICLES_PARSED: 29,
    keys.ARCHIVE_NEW: 29,
    keys.extract_warning_key("fallback", "body"): 29,
    keys.extract_warning_key("fallback", "tags"): 29,
    keys.extract_warning_key("fallback", "title"): 1,
}
"""The same backfill archived through the generic fallbacks."""

LISTING_BY_SHAPE = {
    **FINISHED,
    keys.LISTING_PAGES: 7,
    keys.DISCOVERY_URL_SHAPE_PAGES: 6,
    keys.DISCOVERY_EMPTY_PAGES: 1,
    keys.ARTICLES_PARSED: 29,
    keys.ARCHIVE_NEW: 29,
}

CHALLENGED = {
    **FINISHED,
    keys.BLOCKED_ARTICLE_PAGES: 30,
    keys.blocked_kind_key("challenge"): 30,
}


def test_a_blind_article_template_fails_the_run_with_its_cause() -> None:
    outcome = outcome_from_stats(REDESIGNED_ARTICLES)
    assert outcome.status == "failed" and outcome.exit_code == EXIT_FAILED
    assert outcome.reason.startswith(
        "markup changed: 30 of 30 article pages yielded no article (missing title 1, "
        "missing body 29)"
    )
    assert outcome.warnings == []


def test_fallbacks_finish_the_run_with_a_warning_naming_the_fields() -> None:
    outcome = outcome_from_stats(THROUGH_FALLBACKS)
    assert (outcome.status, outcome.exit_code) == ("finished", EXIT_OK)
    [warning] = outcome.warnings
    assert warning.startswith("article markup changed: fields read from fallbacks (body in 29, ")
    assert "tags in 29 of 29 articles" in warning
    assert "title" not in warning  # one article of 29 is under the share


def test_listing_rows_redesigned_is_a_warning_even_when_everything_was_found() -> None:
    outcome = outcome_from_stats(LISTING_BY_SHAPE)
    assert outcome.status == "finished"
    assert outcome.warnings == [
        "listing markup changed: discovery by URL shape on 6 of 7 listing pages (their rows "
        "were not found); update crawler/site.py"
    ]


def test_all_listing_pages_empty_is_named() -> None:
    stats = {**FINISHED, keys.LISTING_PAGES: 6, keys.DISCOVERY_EMPTY_PAGES: 6}
    [finding] = site_changes(stats)
    assert (finding.cause, finding.blind) == (LISTING_MARKUP, False)
    assert finding.message.startswith("listing pages empty: 6 of 6 listing pages")
    assert site_changes({**stats, keys.DISCOVERY_EMPTY_PAGES: 5}) == []  # one day had news


def test_a_bot_wall_fails_the_run_as_blocked() -> None:
    outcome = outcome_from_stats(CHALLENGED)
    assert outcome.status == "failed"
    assert outcome.reason == (
        "blocked: 30 of 30 article pages answered a bot challenge (challenge 30)"
    )
    one_in_ten = {**FINISHED, keys.ARTICLES_PARSED: 27, keys.BLOCKED_ARTICLE_PAGES: 3}
    assert outcome_from_stats(one_in_ten).status == "finished"
    assert (
        outcome_from_stats(one_in_ten)
        .warnings[0]
        .startswith("blocked: 3 of 30 article pages answered a bot challenge")
    )
    walled_discovery = {**FINISHED, keys.LISTING_PAGES: 0, keys.BLOCKED_DISCOVERY_PAGES: 4}
    assert outcome_from_stats(walled_discovery).reason == (
        "blocked: 4 of 4 discovery pages answered a bot challenge"
    )


def test_the_wall_is_named_before_the_markup_and_storage_errors_before_both() -> None:
    both = {**CHALLENGED, keys.ARTICLES_PARSED: 10, keys.dropped_key("missing body"): 10}
    assert blind_spot(both) is not None and blind_spot(both).cause == BLOCKED
    assert outcome_from_stats(both).reason.startswith("blocked: 30 of 40 article pages")
    stored_badly = {**REDESIGNED_ARTICLES, keys.STORE_ERRORS: 2}
    assert outcome_from_stats(stored_badly).reason == "storage errors (2 batches)"
    interrupted = {**REDESIGNED_ARTICLES, keys.FINISH_REASON: "shutdown"}
    assert outcome_from_stats(interrupted).status == "interrupted"


@pytest.mark.parametrize(
    "stats",
    [
        {**FINISHED, keys.ARTICLES_PARSED: 4, keys.dropped_key("missing body"): 4},  # too few
        {**FINISHED, keys.ARTICLES_PARSED: 10, keys.dropped_key("missing body"): 5},  # half
        {**FINISHED, keys.ARTICLES_PARSED: 20, keys.extract_warning_key("fallback", "body"): 4},
        {**FINISHED, keys.ARTICLES_PARSED: "many", keys.BLOCKED_ARTICLE_PAGES: None},  # hostile
        {},
        None,
    ],
)
def test_no_finding_where_the_stats_say_too_little(stats: dict[str, Any] | None) -> None:
    assert blind_spot(stats) is None
    assert [f for f in site_changes(stats) if f.cause == ARTICLE_MARKUP] == []


def test_parser_errors_count_as_pages_without_an_article() -> None:
    stats = {**FINISHED, keys.ARTICLES_PARSED: 2, keys.dropped_key("parser error KeyError"): 6}
    finding = blind_spot(stats)
    assert finding is not None
    assert finding.message.startswith("markup changed: 6 of 8 article pages yielded no article")


def record(url: str, mode: str, stats: dict[str, Any]) -> int:
    """A run closed as the crawl closes it: its outcome judged from ``stats``."""
    journal = RunJournal(url)
    run_id = journal.start(mode, {})
    outcome = outcome_from_stats(stats)
    journal.finish(
        run_id,
        status=outcome.status,
        reason=outcome.reason,
        counters=outcome.counters,
        dropped_reasons=outcome.dropped_reasons,
        stats=stats,
    )
    return run_id


def test_runs_health_and_metrics_name_the_cause(archive_url: str) -> None:
    blind = record(archive_url, "backfill", REDESIGNED_ARTICLES)
    listing = record(archive_url, "latest", LISTING_BY_SHAPE)
    [blind_run, listing_run] = RunJournal(archive_url).recent(2)[::-1]
    assert run_record(blind_run)["status"] == "failed"
    assert run_record(blind_run)["warnings"] == []  # the reason says it
    assert run_record(listing_run)["warnings"][0].startswith("listing markup changed")

    client = TestClient(create_app(archive_url))
    response = client.get("/healthz")
    assert response.status_code == 503
    warnings = response.json()["warnings"]
    assert any(
        w.startswith(f"run {blind} (backfill): markup changed: 30 of 30 article pages")
        for w in warnings
    )
    assert any(
        w.startswith(f"run {listing} (latest): listing markup changed: discovery by URL shape")
        for w in warnings
    )
    values = metric_values(client.get("/metrics").text)
    change = "viva_archive_last_run_site_change"
    assert values[(change, (("cause", "article_markup"), ("mode", "backfill")))] == 30
    assert values[(change, (("cause", "listing_markup"), ("mode", "latest")))] == 6
    assert values[(change, (("cause", "blocked"), ("mode", "latest")))] == 0

    shown = viva("--database-url", archive_url, "runs")
    assert shown.returncode == 0, shown.stderr
    assert f"run {blind}: markup changed: 30 of 30 article pages yielded no article" in shown.stdout
    assert f"run {listing}: listing markup changed: discovery by URL shape on 6 of 7" in (
        shown.stdout
    )


def test_a_recovered_site_clears_the_health_warning(archive_url: str) -> None:
    record(archive_url, "latest", CHALLENGED)
    client = TestClient(create_app(archive_url))
    assert client.get("/healthz").status_code == 503
    assert "blocked: 30 of 30 article pages" in client.get("/healthz").text
    record(archive_url, "latest", {**FINISHED, keys.ARTICLES_PARSED: 3, keys.ARCHIVE_NEW: 3})
    assert client.get("/healthz").json() == {"status": "ok", "warnings": []}
