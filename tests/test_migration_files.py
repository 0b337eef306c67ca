"""Migration files stand alone: a migration imports nothing of the project (renaming or changing
``storage`` must not change what an old migration does), and ``alembic upgrade --sql`` writes
the whole schema for either database without connecting."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from alembic import command

from storage.migrate import alembic_config, head_revision, migrations_dir

PROJECT = ("storage", "crawler", "viva_militer_archive", "scheduler", "migrations")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_no_migration_imports_the_project() -> None:
    versions = sorted((migrations_dir() / "versions").glob("0*.py"))
    assert versions, "no migration found"
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.split(".")[0] in PROJECT)
        for path in versions
    }
    assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.parametrize(
    "url", ["sqlite:///offline.db", "postgresql+psycopg://nobody@127.0.0.1:9/none"]
)
def test_offline_upgrade_writes_the_schema(url: str) -> None:
    config = alembic_config(url)
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    sql = config.output_buffer.getvalue()
    assert "CREATE TABLE articles" in sql and "CREATE TABLE article_revisions" in sql
    assert f"UPDATE alembic_version SET version_num='{head_revision()}'" in sql
