"""The web reader in a real Chromium (Debian's package, driven by Playwright) against a real
``viva-archive serve`` over crawled archives: home → search → article → revision diff → runs,
with no JavaScript error, no console error (a CSP violation would be one) and no dialog raised
by archived content. Screenshots for the README go to ``docs/screenshots/`` when
``SAVE_SCREENSHOTS=1`` (so that a test run leaves the tree as it was).

Without ``/usr/bin/chromium`` the tests skip with the reason, unless ``REQUIRE_BROWSER=1``
(CI), where they fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawling import REPO_ROOT
from tests.web_archive import (
    EDIT_PREFIX,
    HOSTILE_ID,
    HOSTILE_TITLE,
    WebArchive,
    serving,
    web_archive,  # noqa: F401  (the module's fixture)
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"

playwright_api = pytest.importorskip("playwright.sync_api")


def browser_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium) for the browser tests"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = browser_missing_reason()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # root cannot use Chromium's sandbox
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield chromium
        chromium.close()


def test_reader_journey_in_chromium(browser: object, web_archive: WebArchive) -> None:  # noqa: F811
    expect = playwright_api.expect
    with serving(web_archive.url) as served:
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=served.base_url, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: message.type == "error" and problems.append(f"console: {message.text}"),
        )

        def on_dialog(dialog: object) -> None:
            problems.append(f"dialog: {dialog.message}")  # type: ignore[attr-defined]
            dialog.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", on_dialog)
        # One set of screenshots is enough, and only when asked for.
        shoot = web_archive.url.startswith("sqlite") and os.environ.get("SAVE_SCREENSHOTS") == "1"

        page.goto("/")
        expect(page.locator("h1")).to_have_text("Overview")
        expect(page.locator("svg.bars").first).to_be_visible()
        assert page.locator("svg.bars rect.bar").count() == 92
        if shoot:
            page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)

        page.fill("header input[name=q]", "kalajengking")
        page.press("header input[name=q]", "Enter")
        expect(page.locator("p.count")).to_contain_text("1 article match")
        expect(page.locator("ol.hits mark").first).to_have_text("Kalajengking")
        if shoot:
            page.screenshot(path=str(SCREENSHOTS / "search.png"))

        page.click(f'ol.hits a[href="/articles/{HOSTILE_ID}"]')
        expect(page.locator("h1")).to_have_text(HOSTILE_TITLE)  # the markup shown as text
        expect(page.locator(".body p").first).to_contain_text("<script>alert(1)</script>")
        assert page.locator("img").count() == 0, "no picture is loaded from anywhere"

        page.goto(f"/articles/{web_archive.edited_id}")
        page.click("text=compare with 1")
        expect(page.locator(".side.new ins").first).to_contain_text(EDIT_PREFIX.strip())
        if shoot:
            page.screenshot(path=str(SCREENSHOTS / "diff.png"), full_page=True)

        page.click("header nav >> text=Runs")
        expect(page.locator("h1")).to_have_text("Crawl runs")
        expect(page.locator("tr.run")).to_have_count(2)
        context.close()
    assert problems == []
