"""``viva-archive`` failures a user can cause: one line, a fixed exit code, no traceback, no
password."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.engine import get_engine
from tests.cli_helpers import viva

pytestmark = pytest.mark.slow  # every test runs viva-archive in child processes

SECRET = "s3cr3t-pw"


def assert_one_line(done: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("viva-archive"), done.stderr
    assert message in lines[0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["export", "--since", "2026-02-30"], "'2026-02-30' is not a date (expected YYYY-MM-DD)"),
        (["export", "--since", "2026-05-02", "--until", "2026-05-01"], "is after --until"),
        (["crawl", "--mode", "backfill", "--since", "yesterday"], "'yesterday' is not a date"),
        (["crawl", "--mode", "backfill"], "mode=backfill needs since="),
        (["runs", "--limit", "0"], "'0' is not a whole number"),
        (["search", "--", "?!"], "nothing to search for"),
        (["show", "not-an-article"], "neither an article id nor an article URL"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    arguments: list[str], message: str, archive_url: str
) -> None:
    assert_one_line(viva("--database-url", archive_url, *arguments), 2, message)


@pytest.mark.parametrize("command", [["stats"], ["search", "pasukan"], ["export"], ["crawl"]])
def test_unreachable_database_is_named_without_its_password(command: list[str]) -> None:
    url = f"postgresql+psycopg://archivist:{SECRET}@127.0.0.1:1/archive"
    done = viva("--database-url", url, *command)
    assert_one_line(
        done, 1, "cannot use database postgresql+psycopg://archivist:***@127.0.0.1:1/archive"
    )
    assert SECRET not in done.stderr + done.stdout


def test_schema_too_new_is_one_line(archive_url: str) -> None:
    with get_engine(archive_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert_one_line(viva("--database-url", archive_url, "runs"), 1, "newer than this program knows")


def test_missing_archive_is_not_created(tmp_path: Path) -> None:
    database = tmp_path / "typo.sqlite3"
    assert_one_line(viva("--database-url", f"sqlite:///{database}", "stats"), 1, "no archive at")
    assert not database.exists()


def test_schedule_is_passed_through() -> None:
    done = viva("schedule", "--help")
    assert done.returncode == 0, done.stderr
    assert "--every" in done.stdout
