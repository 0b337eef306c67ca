"""One settings module: the environment is read there only, and nothing heavy comes with it.

The tree is read with :mod:`ast`: a module outside ``viva_militer_archive/settings.py``,
``tests/`` and ``bench/`` that reads ``os.environ.get(...)``, ``os.environ[...]``,
``os.getenv(...)``, asks ``... in os.environ`` or takes ``os.environ`` under another name
fails. Handing the whole environment on to a child process (``{**os.environ, ...}``) is not
reading a setting."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from viva_militer_archive.settings import Settings, from_environment, variables

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("crawler", "storage", "migrations", "viva_militer_archive", "scheduler.py")
SETTINGS_MODULE = ROOT / "viva_militer_archive" / "settings.py"


def is_environ(node: ast.AST) -> bool:
    """``os.environ`` or a bare ``environ`` (``from os import environ``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name)
    return isinstance(node, ast.Name) and node.id == "environ"


def environment_reads(source: str) -> list[int]:
    """Line numbers where ``source`` reads a setting from the environment."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        read = False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, owner = node.func.attr, node.func.value
            read = (method == "get" and is_environ(owner)) or (
                method == "getenv" and isinstance(owner, ast.Name) and owner.id == "os"
            )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            read = node.func.id == "getenv"
        elif isinstance(node, ast.Subscript):
            read = is_environ(node.value) and isinstance(node.ctx, ast.Load)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value:
            # an alias (``env = os.environ``) is read later under another name
            value = node.value
            branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            read = any(is_environ(each) for each in branches)
        elif isinstance(node, ast.Compare):
            read = any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) and any(
                is_environ(each) for each in node.comparators
            )
        if read:
            lines.append(node.lineno)
    return lines


def shipped_files() -> list[Path]:
    found: list[Path] = []
    for where in SHIPPED:
        path = ROOT / where
        found += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return [path for path in found if path != SETTINGS_MODULE]


def test_no_module_but_the_settings_reads_the_environment() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in shipped_files()
        for line in environment_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert environment_reads(SETTINGS_MODULE.read_text(encoding="utf-8")), "it reads them"


def test_the_check_sees_every_form_of_reading() -> None:
    """The checker can fail: each way of reading a variable is caught, handing it on is not."""
    reads = [
        'os.environ.get("X")',
        'os.environ.get("X", "d")',
        'os.environ["X"]',
        'os.getenv("X")',
        'getenv("X")',
        'environ.get("X")',
        '"X" in os.environ',
        "def f():\n    return os.environ['X']",
        "env = os.environ\nenv.get('X')",
        "env = os.environ if e is None else e",
    ]
    for source in reads:
        assert environment_reads(source), source
    handing_on = [
        "env = {**os.environ, 'A': 'b'}",
        'os.environ["X"] = "1"',
        "subprocess.run(c, env=dict(os.environ))",
    ]
    for source in handing_on:
        assert not environment_reads(source), source


def test_settings_read_once_from_a_given_environment() -> None:
    environ = {"DATABASE_URL": "sqlite:///x.db", "VIVA_MAX_FAILURES": "", "VIVA_JOBS": "latest"}
    settings = from_environment(environ)
    assert settings.database_url == "sqlite:///x.db"
    assert settings.max_failures is None, "an empty variable counts as unset"
    assert settings.jobs == "latest"
    assert settings.archive_dir is None
    assert from_environment({}) == Settings()
    assert Settings.variable_of("backfill_cron") == "VIVA_BACKFILL_CRON"
    assert len(set(variables().values())) == len(variables()), "one variable per setting"


def test_the_settings_module_imports_nothing_heavy() -> None:
    """storage and crawler import it: it must not pull a framework in with it."""
    probe = (
        "import sys, viva_militer_archive.settings\n"
        "ours = ('storage', 'crawler', 'sqlalchemy', 'scrapy', 'fastapi', 'apscheduler',"
        " 'twisted', 'pydantic')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ours))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_configuration_doc_lists_every_setting() -> None:
    """docs/configuration.md documents each variable the settings module reads."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in variables().values() if f"`{name}`" not in text]
    assert missing == []
