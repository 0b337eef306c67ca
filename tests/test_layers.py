"""The layering rule: no import runs from a lower layer to a higher one, directly or through
any chain of imports (``web`` -> ``scheduling`` -> ``crawler`` counts as ``web`` -> ``crawler``).

From the bottom: ``viva_militer_archive.crawl_stats`` (imports nothing of ours), ``storage``,
``crawler``, then the command line, the scheduler and the web reader;
``crawler/outcome.py`` judges a run from its stats alone and imports no pipeline. Read with
:mod:`ast`, so nothing is imported to check it."""

from __future__ import annotations

import ast
from collections import deque
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
P = "viva_militer_archive"
CRAWL_STATS, CLI, WEB, SCHEDULING, SAMPLE_SITE = (
    f"{P}.{name}" for name in ("crawl_stats", "cli", "web", "scheduling", "sample_site")
)
SOURCES = ("crawler", "storage", "migrations", P, "scheduler.py", "bench", "tests")
"""Where the modules of the import graph live (everything of ours that imports)."""
ABOVE_CRAWLER = (CLI, SCHEDULING, "scheduler", WEB)

RULES: list[tuple[str, tuple[str, ...]]] = [
    (f"{P}/crawl_stats", ("storage", "crawler", "migrations", "scheduler", CLI, WEB,
                          SCHEDULING, SAMPLE_SITE)),
    ("storage", ("crawler", *ABOVE_CRAWLER, SAMPLE_SITE, "migrations")),
    ("crawler", (*ABOVE_CRAWLER, SAMPLE_SITE)),
    ("crawler/outcome.py", ("crawler.pipelines",)),
    # Read by storage and crawler: the settings module stands on nothing of ours.
    (f"{P}/settings.py", ("storage", "crawler", "migrations", "scheduler", CRAWL_STATS,
                          *ABOVE_CRAWLER, SAMPLE_SITE)),
    # What ships (and the benchmarks, installed with '.[bench]' alone) never needs the tests.
    ("bench", ("tests",)),
    (f"{P}/sample_site", ("tests", CLI, SCHEDULING, WEB)),
    (f"{P}/web", ("tests", CLI, f"{SCHEDULING}.daemon", "crawler")),
    (f"{P}/cli", ("tests",)),
    (f"{P}/scheduling", ("tests", CLI, WEB)),
    (f"{P}/alerts", ("tests", CLI, f"{SCHEDULING}.daemon", f"{WEB}.app", f"{WEB}.pages")),
]  # fmt: skip
"""(folder or file under the repository root, modules it must not reach)."""


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


def python_files(where: str) -> list[Path]:
    path = ROOT / where
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


@cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (a package's ``__init__`` counts, as Python
    runs it on the way to any module inside)."""
    files = {
        module_name(path): path
        for where in SOURCES
        for path in python_files(where)
        if "fixtures" not in path.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        imports = imported_modules(
            path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py"
        )
        edges: set[str] = set()
        for imported in imports:
            parts = imported.split(".")
            edges.update(
                prefix
                for prefix in (".".join(parts[:n]) for n in range(1, len(parts) + 1))
                if prefix in files and prefix != name
            )
        graph[name] = edges
    return graph


def chain_to(start: str, forbidden: tuple[str, ...]) -> list[str] | None:
    """The import chain from ``start`` to the first forbidden module it reaches, or None."""
    graph = import_graph()
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        if current != start and any(
            current == bad or current.startswith(bad + ".") for bad in forbidden
        ):
            chain = [current]
            while (previous := came_from[chain[-1]]) is not None:
                chain.append(previous)
            return chain[::-1]
        for following in graph.get(current, ()):
            if following not in came_from:
                came_from[following] = current
                queue.append(following)
    return None


def violations(where: str, forbidden: tuple[str, ...]) -> list[str]:
    """``a -> b -> c`` for each module of ``where`` that reaches a forbidden one."""
    found = []
    for path in python_files(where):
        chain = chain_to(module_name(path), forbidden)
        if chain is not None:
            found.append(" -> ".join(chain))
    return found


@pytest.mark.parametrize(("where", "forbidden"), RULES, ids=[where for where, _ in RULES])
def test_no_import_climbs_a_layer(where: str, forbidden: tuple[str, ...]) -> None:
    assert python_files(where), f"{where} holds no Python file: the rule checks nothing"
    assert violations(where, forbidden) == []


def test_the_check_sees_every_form_of_import() -> None:
    """The checker itself can fail: each form of a forbidden import is caught."""
    sources = {
        f"import {SCHEDULING}.health": f"{SCHEDULING}.health",
        f"from {P} import cli": CLI,
        "from crawler.pipelines.store import X": "crawler.pipelines.store",
        "from crawler import pipelines": "crawler.pipelines",
        "def f():\n    from .pipelines import store": "crawler.pipelines.store",
        "from . import pipelines": "crawler.pipelines",
    }
    for source, expected in sources.items():
        assert expected in imported_modules(source, "crawler.outcome"), source
    assert "crawler.pipelines" not in imported_modules("from crawler.drops import drop", "x")


def test_the_check_follows_chains_of_imports() -> None:
    """A layer reached only through another module is caught, with the chain that leads there."""
    chain = chain_to(f"{WEB}.app", ("storage.engine",))
    assert chain is not None and chain[0] == f"{WEB}.app" and chain[-1] == "storage.engine"
    assert len(chain) >= 2
    assert chain_to("storage.clock", (WEB,)) is None
