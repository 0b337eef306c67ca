"""The readable side of the API and the site icon: ``/api`` lists every endpoint of the OpenAPI
document (method, path, summary, parameters, answers) as a page served here, with no script
and nothing from a CDN; ``/favicon.ico`` answers what browsers and tools ask for by default."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from viva_militer_archive.web.pages import render

router = APIRouter(include_in_schema=False)
ICON_MAX_AGE = 86400
_CODE_RE = re.compile(r"`{1,2}([^`]+)`{1,2}")
"""Code in the API's docstrings: ``after`` or `after`."""


def with_code(text: str) -> Markup:
    """``text`` escaped, its backquoted words as ``<code>``."""
    return Markup(_CODE_RE.sub(r"<code>\1</code>", str(escape(text))))


@lru_cache(maxsize=1)
def favicon_svg() -> bytes:
    """The site icon (the style sheet's colours), read once from the package."""
    return files("viva_militer_archive.web").joinpath("static", "favicon.svg").read_bytes()


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(
        favicon_svg(),
        media_type="image/svg+xml",
        headers={"cache-control": f"public, max-age={ICON_MAX_AGE}"},
    )


def schema_type(schema: dict[str, Any]) -> str:
    """A parameter's type in a few words: ``integer``, ``string``, ``integer or null``."""
    if "anyOf" in schema:
        return " or ".join(schema_type(option) for option in schema["anyOf"])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    return str(schema.get("type", "any"))


def endpoints(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the OpenAPI document, in its order, as the page shows it."""
    found = []
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            parameters = [
                {
                    "name": p["name"],
                    "where": p["in"],
                    "required": p.get("required", False),
                    "type": schema_type(p.get("schema", {})),
                    "description": p.get("description") or p.get("schema", {}).get("description"),
                }
                for p in operation.get("parameters", [])
            ]
            answers = {code: r.get("description", "") for code, r in operation["responses"].items()}
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "answers": answers,
                }
            )
    return found


@router.get("/api", response_class=HTMLResponse)
def api_page(request: Request) -> HTMLResponse:
    """The API described for people; the machine-readable document stays at ``/openapi.json``."""
    openapi = request.app.openapi()  # built once by FastAPI, then cached on the app
    return render(
        request, "api.html", info=openapi["info"], endpoints=endpoints(openapi), code=with_code
    )
