"""The layering rule (issue 13): no import runs from a lower layer to a higher one.

From the bottom: ``crawl_stats`` (imports nothing of ours), ``storage``, ``crawler``, then
``cli``, ``scheduling`` and the daemon; ``crawler/outcome.py`` judges a run from its stats alone
and imports no pipeline. Read with :mod:`ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("crawl_stats", "storage", "crawler", "cli", "scheduling", "scheduler", "web", "migrations")
ABOVE_CRAWLER = ("cli", "scheduling", "scheduler", "web")

RULES: list[tuple[str, tuple[str, ...]]] = [
    ("crawl_stats", OURS[1:]),
    ("storage", ("crawler", *ABOVE_CRAWLER, "migrations")),
    ("crawler", ABOVE_CRAWLER),
    ("crawler/outcome.py", ("crawler.pipelines",)),
    # What ships (and the benchmarks, installed with '.[bench]' alone) never needs the tests.
    ("bench", ("tests",)),
    ("sample_site", ("tests", "cli", "scheduling", "web")),
    ("web", ("tests", "cli", "scheduling.daemon", "crawler")),
]
"""(folder or file under the repository root, modules it must not import)."""


def module_name(path: Path) -> str:
    """``crawler/pipelines/store.py`` -> ``crawler.pipelines.store`` (a package: its name)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports, anywhere in it, as absolute dotted names; ``from a
    import b`` counts as importing ``a`` and ``a.b`` (``b`` may be a submodule)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def violations(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    """``file: module`` for each import of a forbidden module (or of anything inside it)."""
    found = []
    for path in files:
        name = module_name(path)
        imports = imported_modules(
            path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py"
        )
        found += [
            f"{path.relative_to(ROOT)}: {imported}"
            for imported in sorted(imports)
            if any(imported == bad or imported.startswith(bad + ".") for bad in forbidden)
        ]
    return found


def python_files(where: str) -> list[Path]:
    path = ROOT / where
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


@pytest.mark.parametrize(("where", "forbidden"), RULES, ids=[where for where, _ in RULES])
def test_no_import_climbs_a_layer(where: str, forbidden: tuple[str, ...]) -> None:
    files = python_files(where)
    assert files, f"{where} holds no Python file: the rule checks nothing"
    assert violations(files, forbidden) == []


def test_the_check_sees_every_form_of_import() -> None:
    """The checker itself can fail: each form of a forbidden import is caught."""
    sources = {
        "import scheduling.health": "scheduling.health",
        "from cli import main": "cli",
        "from crawler.pipelines.store import X": "crawler.pipelines.store",
        "from crawler import pipelines": "crawler.pipelines",
        "def f():\n    from .pipelines import store": "crawler.pipelines.store",
        "from . import pipelines": "crawler.pipelines",
    }
    for source, expected in sources.items():
        assert expected in imported_modules(source, "crawler.outcome"), source
    assert "crawler.pipelines" not in imported_modules("from crawler.drops import drop", "x")
