"""One clock: an article published early on a WIB day (the previous day in UTC) is listed,
shown, exported, filtered and counted under its WIB day, labelled for people, with the offset
in JSON and CSV."""

from __future__ import annotations

import json
import re

import pytest

from storage.runs import RunJournal
from storage.writes import ArchiveWriter
from tests.factories import make_item
from viva_militer_archive.cli.main import main

PUBLISHED = "2026-11-01T04:43:27+07:00"
"""31 October 21:43 UTC: a different day and month in UTC (and in the past, as the store
requires)."""


def viva(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> str:
    assert main(["--database-url", url, *argv]) == 0
    return capsys.readouterr().out


@pytest.fixture
def archive(archive_url: str) -> str:
    ArchiveWriter(archive_url).store_articles([make_item(7, published_at=PUBLISHED)])
    return archive_url


def test_people_see_wib_labelled(archive: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "    2026-11-01 04:43 WIB · " in viva(capsys, archive, "search", "pasukan")
    shown = viva(capsys, archive, "show", "7", "--revisions")
    assert "  published_at: 2026-11-01 04:43:27 WIB" in shown
    assert re.search(r"  first_seen_at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB\n", shown)
    assert re.search(r"\n    1  \d{4}-\d\d-\d\d \d\d:\d\d WIB  crawl ", shown)
    RunJournal(archive).start("latest", {"mode": "latest"})
    runs = viva(capsys, archive, "runs")
    assert re.search(r"\n 1  latest +running +\d{4}-\d\d-\d\d \d\d:\d\d WIB", runs)


def test_json_and_csv_carry_the_offset(archive: str, capsys: pytest.CaptureFixture[str]) -> None:
    record = json.loads(viva(capsys, archive, "show", "7", "--json"))
    assert record["published_at"] == PUBLISHED
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", record["first_seen_at"])
    [hit] = json.loads(viva(capsys, archive, "search", "pasukan", "--json"))
    assert hit["published_at"] == PUBLISHED
    csv_text = viva(capsys, archive, "export", "--format", "csv")
    assert PUBLISHED in csv_text


def test_filters_and_months_use_the_wib_calendar(
    archive: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def exported(*window: str) -> list[int]:
        out = viva(capsys, archive, "export", *window)
        return [json.loads(line)["article_id"] for line in out.splitlines()]

    assert exported("--since", "2026-11-01", "--until", "2026-11-01") == [7]
    assert exported("--until", "2026-10-31") == []
    stats = json.loads(viva(capsys, archive, "stats", "--json"))
    assert stats["by_month"] == {"2026-11": 1}
