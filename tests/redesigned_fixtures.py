"""The saved article fixtures with every class of the article template renamed.

``tests/fixtures/redesigned/`` holds each page of ``tests/fixtures/articles/`` passed through
:func:`sample_site.redesign.rename_classes` with ``ARTICLE_CLASS_RENAMES``: the same URLs,
JSON-LD, meta tags and text, none of the classes ``crawler/site.py`` knows. They are saved (a
test checks they are what this module makes) so a reader can open one and see the redesign.
Regenerate them with ``python -m tests.redesigned_fixtures``.
"""

from __future__ import annotations

from pathlib import Path

from viva_militer_archive.sample_site.redesign import ARTICLE_CLASS_RENAMES, rename_classes

FIXTURES = Path(__file__).parent / "fixtures"
ORIGINAL = FIXTURES / "articles"
REDESIGNED = FIXTURES / "redesigned"


def redesigned_pages() -> dict[str, str]:
    """File name -> renamed HTML, for every HTML page of the original fixtures."""
    return {
        path.name: rename_classes(path.read_text(encoding="utf-8"), ARTICLE_CLASS_RENAMES)
        for path in sorted(ORIGINAL.glob("*.html"))
    }


def main() -> None:
    """Write ``tests/fixtures/redesigned/*.html`` afresh."""
    REDESIGNED.mkdir(exist_ok=True)
    for name, html in redesigned_pages().items():
        (REDESIGNED / name).write_text(html, encoding="utf-8")
    print(f"{len(redesigned_pages())} pages written to {REDESIGNED}")


if __name__ == "__main__":
    main()
