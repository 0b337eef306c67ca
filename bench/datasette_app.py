"""Datasette over an archive's SQLite file, as an ASGI app factory for ``uvicorn --factory``
(so that one process and ``--workers N`` run through the same server, as ours does).

The file comes from ``$BENCH_DATASETTE_FILE``. Datasette's defaults are kept except two:
facet suggestions are off (with them on, its table page answers almost nothing on a large
table), and ``articles_fts`` is declared as the ``articles`` table's search index (Datasette
only finds external-content FTS tables declared with double quotes). Used by bench/web.py.
"""

from __future__ import annotations

import os
from typing import Any

from datasette.app import Datasette

DATABASE = "archive"
"""The database's name in Datasette's URLs: the file's stem (``archive.sqlite3``)."""
METADATA = {
    "databases": {
        DATABASE: {"tables": {"articles": {"fts_table": "articles_fts", "fts_pk": "article_id"}}}
    }
}


def create() -> Any:
    """Datasette's ASGI app over ``$BENCH_DATASETTE_FILE``."""
    path = os.environ["BENCH_DATASETTE_FILE"]
    return Datasette([path], metadata=METADATA, settings={"suggest_facets": False}).app()
