"""The web reader as a new user first sees it (SQLite and PostgreSQL archives crawled from the
sample site): API times on the site's clock, charts with rounded peaks and value axes, a readable
API page, a favicon, authors told from tags, date fields that ask for YYYY-MM-DD, drop reasons
that say something, and, in Chromium at a phone's 390 px, no page that scrolls sideways."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.test_web_browser import (
    browser,  # noqa: F401  (the module's Chromium)
    playwright_api,
)
from tests.web_archive import (
    WebArchive,
    serving,
    web_archive,  # noqa: F401  (the module's fixture)
)
from viva_militer_archive.web.app import create_app
from viva_militer_archive.web.charts import bar_chart, figure

WIB_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")
"""Every time of the JSON API: WIB with its offset, to the second (as ``show --json``)."""


@pytest.fixture(scope="module")
def client(web_archive: WebArchive) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(web_archive.url)) as test_client:
        yield test_client


def times_in(value: Any) -> list[str]:
    """Every ``*_at`` value in a JSON document."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k.endswith("_at") and isinstance(v, str)]
        return found + [t for v in value.values() for t in times_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in times_in(v)]
    return []


def test_api_times_are_on_the_site_clock(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    paths = [
        "/api/articles",
        f"/api/articles/{web_archive.removed_id}",
        f"/api/articles/{web_archive.edited_id}/revisions",
        "/api/runs",
        "/api/stats",
        "/api/search?q=pasukan",
    ]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, path
        times = times_in(answer.json())
        assert times, path
        assert all(WIB_TIME.fullmatch(t) for t in times), (path, times[:5])
    gone = client.get(f"/api/articles/{web_archive.removed_id}").json()["gone_at"]
    assert WIB_TIME.fullmatch(gone)


def test_chart_peaks_are_rounded_and_axes_carry_values(client: TestClient) -> None:
    for path in ("/runs", "/"):
        html = client.get(path).text
        peaks = re.findall(r"\(peak ([^)]*)\)", html)
        assert peaks, path
        assert all(re.fullmatch(r"[\d,]+(\.\d)?( s)?", peak) for peak in peaks), peaks
        assert re.search(r'<text class="value"[^>]*>0( s)?</text>', html), "the axis starts at 0"
    durations = client.get("/runs").text.split("Run duration", 1)[1].split("</figure>", 1)[0]
    assert re.findall(r'<text class="value"[^>]*>[\d.,]+ s</text>', durations), durations


def test_rounded_figures_and_round_ticks() -> None:
    assert figure(0.756067) == "0.8" and figure(12.34) == "12" and figure(1234.0) == "1,234"
    assert figure(3.0) == "3" and figure(0.0456) == "0.046"
    chart = bar_chart("Run duration", [("#1", 0.756067), ("#2", 0.3)], unit="s")
    assert chart.peak_label == "0.8 s"
    assert [t.label for t in chart.ticks] == ["0 s", "0.5 s"]
    assert chart.ticks[0].y == chart.height and all(t.y >= 0 for t in chart.ticks)
    counts = bar_chart("Articles", [("a", 57.0), ("b", 3.0)])
    assert [t.label for t in counts.ticks] == ["0", "20", "40"]


def test_api_page_lists_every_endpoint_without_a_cdn(client: TestClient) -> None:
    page = client.get("/api")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="/api">API</a>' in client.get("/").text, "the nav's API link opens this page"
    openapi = client.get("/openapi.json").json()
    for path, operations in openapi["paths"].items():
        for method in operations:
            assert f"<code>{method.upper()} {path}</code>" in page.text, (method, path)
    assert "<script" not in page.text
    loaded = re.search(r'(src="|<link[^>]*href=")(https?:)?//', page.text)
    assert not loaded, "nothing loaded from elsewhere (a CDN)"


def test_favicon_is_served(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content == client.get("/static/favicon.svg").content


def test_authors_and_tags_are_marked_apart(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    for path in (f"/articles/{web_archive.edited_id}", "/articles"):
        html = client.get(path).text
        assert '<a class="chip author" href="/articles?author=' in html, path
        assert '<a class="chip tag" href="/articles?tag=' in html, path
    css = client.get("/static/style.css").text
    assert ".chip.author {" in css and ".chip.tag {" in css


def test_date_fields_ask_for_iso_days(client: TestClient) -> None:
    for path in ("/articles", "/search?q=pasukan", "/changes"):
        html = client.get(path).text
        assert 'type="date"' not in html, "the browser's own mm/dd/yyyy field"
        fields = re.findall(r'<input type="text" name="(since|until)"[^>]*>', html)
        assert sorted(fields) == ["since", "until"], path
        assert html.count('placeholder="YYYY-MM-DD"') == 2
    days = client.get("/articles?since=2000-01-01&until=2999-12-31").text
    assert 'value="2000-01-01"' in days and 'value="2999-12-31"' in days


def test_drop_reasons_are_totalled_and_normal_outcomes_not_repeated(client: TestClient) -> None:
    runs = client.get("/api/runs").json()["runs"]
    html = client.get("/runs").text
    section = html.split("<h2>Drop reasons</h2>", 1)[1]
    totals: Counter[str] = Counter()
    for run in runs:
        totals.update(run["dropped_reasons"])
    for reason, total in totals.items():
        assert f'<span class="count">{total}</span> <code>{reason}</code>' in section
    if not totals:
        assert "No page or item was dropped" in section
    normal = [r for r in runs if (r["status"], r["finish_reason"]) == ("finished", "finished")]
    assert normal and "All 2 runs finished normally." in section
    assert not re.search(r"#\d+ \w+: finished", section), "no line per normal run"


def test_no_page_scrolls_sideways_on_a_phone(browser: object, web_archive: WebArchive) -> None:  # noqa: F811
    paths = [
        "/",
        "/runs",
        "/articles",
        "/changes",
        "/api",
        "/search?q=pasukan",
        f"/articles/{web_archive.edited_id}",
        f"/articles/{web_archive.edited_id}/revisions/1..2",
    ]
    with serving(web_archive.url) as served:
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=served.base_url, viewport={"width": 390, "height": 844}
        )
        page = context.new_page()
        wide = {}
        for path in paths:
            page.goto(path)
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                " ...Array.from(document.querySelectorAll('table'),"
                " t => t.scrollWidth - t.clientWidth)]"
            )
            if sizes[0] > sizes[1] or any(extra > 0 for extra in sizes[2:]):
                wide[path] = sizes
        page.goto(f"/articles/{web_archive.edited_id}")
        look = "e => getComputedStyle(e).borderTopWidth + getComputedStyle(e).fontStyle"
        author = page.locator(".chip.author").first.evaluate(look)
        tag = page.locator(".chip.tag").first.evaluate(look)
        context.close()
    assert wide == {}, "page or table wider than 390 px: [page, viewport, table overflows...]"
    assert author != tag, "authors and tags look different"
    assert playwright_api is not None


def test_api_page_shows_code_as_code(client: TestClient) -> None:
    page = client.get("/api").text
    assert "<code>after</code>" in page and "``" not in page
    assert "`{&#34;error&#34;: &#34;...&#34;}`" not in page
