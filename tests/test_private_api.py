"""No private SQLAlchemy API: a ``_``-prefixed attribute or keyword of SQLAlchemy can change in
any minor release (``storage/prepared.py`` once read ``compiled._bind_processors``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import sqlalchemy

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("crawler", "storage", "migrations", "viva_militer_archive", "bench", "tests")
OWN = {"self", "cls"}
"""Receivers whose private attributes are the class's own business."""


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def sources(roots: list[Path]) -> Iterator[ast.AST]:
    for root in roots:
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            yield ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@cache
def sqlalchemy_private_names() -> frozenset[str]:
    """Private names SQLAlchemy defines: methods, attributes and keyword parameters."""
    names: set[str] = set()
    for tree in sources([Path(sqlalchemy.__file__).parent]):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
                names.update(arg.arg for arg in [*node.args.args, *node.args.kwonlyargs])
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return frozenset(name for name in names if private(name))


def used_private_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``x._name`` on something other than ``self``/``cls``, and ``f(_name=...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in OWN):
                yield node.lineno, node.attr
        elif isinstance(node, ast.keyword) and node.arg and private(node.arg):
            yield node.lineno, node.arg


def project_files() -> list[Path]:
    return [ROOT / name for name in CHECKED if (ROOT / name).exists()] + [ROOT / "scheduler.py"]


def test_the_checker_sees_a_private_sqlalchemy_name() -> None:
    sample = ast.parse(
        "binds = compiled._bind_processors\nfixed = c.construct_params(_check=False)"
    )
    found = {name for _, name in used_private_names(sample)}
    assert found == {"_bind_processors", "_check"} <= sqlalchemy_private_names()


def test_no_private_sqlalchemy_api_is_used() -> None:
    known = sqlalchemy_private_names()
    offenders = []
    for path in project_files():
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
            offenders += [
                f"{file.relative_to(ROOT)}:{line} {name}"
                for line, name in used_private_names(tree)
                if name in known
            ]
    assert offenders == []
