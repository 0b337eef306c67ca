"""The web reader's application: routers, static files, error answers and security headers.

``create_app(url)`` checks the archive once (present, at this program's schema) and never
writes to it; every bad input becomes a 4xx with a one-line reason (JSON under the machine
paths, an HTML page elsewhere), an unreachable database a 503."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import psycopg
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DatabaseError, OperationalError
from starlette.exceptions import HTTPException

from storage.config import error_summary
from storage.engine import READER_CONNECTIONS
from viva_militer_archive.web import api, docs, memento, ops, pages, watches
from viva_militer_archive.web.archive import open_archive
from viva_militer_archive.web.caching import ListValidators, app_version
from viva_militer_archive.web.metrics import metrics_registry
from viva_militer_archive.web.security import SecurityMiddleware, wants_json

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Read-only access to the VIVA Militer archive: articles with their revisions, full-text "
    "search, crawl runs and figures. Lists use keyset pagination (`after`/`before`); errors "
    'are `{"error": "..."}`.'
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """As many worker threads for the pages as the reader has database connections: a request
    waits for a free thread, never holds one while waiting for a connection. The article and
    list reads get their async connections for as long as this event loop serves."""
    to_thread.current_default_thread_limiter().total_tokens = READER_CONNECTIONS
    pages = app.state.archive.pages
    await pages.open()
    try:
        yield
    finally:
        await pages.close()


def create_app(
    database_url: str,
    *,
    token: str | None = None,
    allowed_hosts: Iterable[str] | None = None,
    base_url: str | None = None,
    article_of_url: memento.ArticleOfUrl | None = None,
) -> FastAPI:
    """The application over the archive at ``database_url``; raises
    :class:`viva_militer_archive.web.archive.ArchiveNotReady` when it cannot be served as it is.
    ``allowed_hosts``
    (None: any) and ``base_url`` are those of
    :class:`viva_militer_archive.web.security.SecurityMiddleware`. ``article_of_url`` gives the
    id of the article a URL names (the crawler's rules); without it no Memento URL resolves."""
    app = FastAPI(
        title="VIVA Militer archive",
        version=app_version(),
        description=DESCRIPTION,
        docs_url=None,  # the interactive docs load scripts from a CDN: not offered
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.archive = open_archive(database_url)
    app.state.metrics = metrics_registry(app.state.archive.browser)
    app.state.article_of_url = article_of_url
    app.include_router(api.router)
    app.include_router(ops.router)
    app.include_router(pages.router)
    app.include_router(memento.router)
    app.include_router(watches.router)
    app.include_router(docs.router)
    app.mount(
        "/static", StaticFiles(packages=[("viva_militer_archive.web", "static")]), name="static"
    )
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, database_down)  # type: ignore[arg-type]
    # the async pages' driver errors, a pool that found no connection in time among them
    app.add_exception_handler(psycopg.OperationalError, database_down)  # type: ignore[arg-type]
    # any other fault of the database (a damaged file, a missing table): the same kind of answer
    app.add_exception_handler(DatabaseError, database_fault)  # type: ignore[arg-type]
    app.add_exception_handler(psycopg.Error, database_fault)  # type: ignore[arg-type]
    app.add_middleware(ListValidators)
    app.add_middleware(
        SecurityMiddleware, token=token, allowed_hosts=allowed_hosts, base_url=base_url
    )
    return app


def error_response(request: Request, status: int, message: str) -> Response:
    """``{"error": message}`` on machine paths, the error page elsewhere."""
    if wants_json(request.url.path):
        return JSONResponse({"error": message}, status_code=status)
    return pages.render(request, "error.html", status=status, status_code=status, message=message)


async def http_error(request: Request, exc: HTTPException) -> Response:
    response = error_response(request, exc.status_code, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """The first problem as one line: ``limit: Input should be less than or equal to 100``."""
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
    return error_response(request, 422, f"{where}: {first.get('msg', 'invalid value')}")


async def database_down(
    request: Request, exc: OperationalError | psycopg.OperationalError
) -> Response:
    log.error("Database unavailable: %s", error_summary(exc))
    return error_response(request, 503, "the archive database is unavailable; try again later")


async def database_fault(request: Request, exc: DatabaseError | psycopg.Error) -> Response:
    """A database that answers but fails (a damaged SQLite file, a renamed table): one log
    line, no traceback, and the usual error answer with every security header."""
    log.error("Database fault on %s: %s", request.url.path, error_summary(exc))
    return error_response(request, 500, "the archive database failed; see the server log")
