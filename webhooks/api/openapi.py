"""OpenAPI 3.1 for REST API v1, generated from the pydantic models that validate requests and render responses.

The operations come from the route table (``webhooks.api.operations.ApiRoutes``), which records each one as
its handler is registered. The document and a docs page (Swagger UI, vendored in ``webhooks/api/docs/``) are
served without a token.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from webhooks.api.operations import ERROR_MEANINGS, ApiRoutes, Operation, one_line
from webhooks.api.schemas import ErrorOut

API_PREFIX = "/api/v1"
DOCUMENT_PATH = f"{API_PREFIX}/openapi.json"
DOCS_PATH = "/api/docs"
ASSETS = Path(__file__).with_name("docs")
REF_TEMPLATE = "#/components/schemas/{model}"

#: The docs page loads only its own files (no inline script or style); Swagger UI draws some data: images.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "init.js": "text/javascript",
}

#: These answers say in ``Retry-After`` how many seconds to wait.
RETRY_AFTER_STATUSES = (429, 503)
RETRY_AFTER = {
    "description": "seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1},
}


def document(operations: Sequence[Operation], *, prefix: str = API_PREFIX) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``operations``; components are the models' own JSON schemas."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorOut, "serialization")]
    for op in operations:
        wanted += [(model, "validation") for model in (op.query, op.body, op.form) if model is not None]
        wanted.append((op.response, "serialization"))
    refs, top = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = top.get("$defs", {})
    error_ref = refs[(ErrorOut, "serialization")]

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        spec: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.path.split("/")[1]],
            "x-required-role": op.role,
            # OpenAPI 3.1 lets a bearer scheme's requirement name roles: the least one, as above.
            "security": [{"bearerAuth": [op.role]}],
        }
        if op.description:
            spec["description"] = op.description
        parameters = [_path_param(name, op.path_schemas.get(name)) for name in op.path_params]
        if op.query is not None:
            parameters += _query_params(schemas, refs[(op.query, "validation")])
        parameters += [
            {
                "name": h.name,
                "in": "header",
                "required": False,
                "description": h.description,
                "schema": h.schema(),
            }
            for h in op.headers
        ]
        if parameters:
            spec["parameters"] = parameters
        if (body := _request_body(op, refs)) is not None:
            spec["requestBody"] = body
        answer = _success(op, refs)
        responses: dict[str, Any] = {str(op.status): answer}
        for status, meaning in op.empty.items():
            responses[str(status)] = {"description": meaning}
        for status in op.error_statuses():
            responses[str(status)] = {"description": ERROR_MEANINGS[status], "content": _json(error_ref)}
            if status in RETRY_AFTER_STATUSES:
                responses[str(status)]["headers"] = {"Retry-After": RETRY_AFTER}
        spec["responses"] = responses
        paths.setdefault(prefix + op.path, {})[op.method.lower()] = spec

    for query in {op.query for op in operations if op.query is not None}:  # described as parameters instead
        name = refs[(query, "validation")]["$ref"].rsplit("/", 1)[1]
        if json.dumps([paths, schemas]).count(f'"#/components/schemas/{name}"') == 0:
            del schemas[name]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "orderbot REST API",
            "version": "1",
            "description": (
                "Orders, statuses, notifications and stats for one shop. Every call needs "
                "`Authorization: Bearer <token>` (`orderbot token --shop ID [--role staff|admin]`); a token "
                "sees only its own shop. Each operation states in `x-required-role` the least role it needs: "
                "`staff` runs the order desk, `admin` may do that too and change how the shop runs; a token "
                "of a lower role gets 403 `forbidden_role`. "
                'Errors are `{"error": {"code", "message", "details"?}}`.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearerAuth": []}],
    }


def _request_body(op: Operation, refs: Any) -> dict[str, Any] | None:
    """A JSON body, a multipart form (a photo upload), or none."""
    if op.body is not None:
        return {"required": True, "content": _json(refs[(op.body, "validation")])}
    if op.form is not None:
        return {
            "required": True,
            "content": {"multipart/form-data": {"schema": refs[(op.form, "validation")]}},
        }
    return None


def _success(op: Operation, refs: Any) -> dict[str, Any]:
    """The success answer: JSON, a file (an image), or nothing (204)."""
    answer: dict[str, Any] = {"description": one_line(op.response.__doc__) or HTTPStatus(op.status).phrase}
    if op.binary:
        answer["content"] = {media: {"schema": {"type": "string", "format": "binary"}} for media in op.binary}
    elif op.status != HTTPStatus.NO_CONTENT:
        answer["content"] = _json(refs[(op.response, "serialization")])
    return answer


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _path_param(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema or {"type": "string", "minLength": 1},
    }


def _query_params(schemas: dict[str, Any], ref: dict[str, Any]) -> list[dict[str, Any]]:
    """One query parameter per field of the query model; an absent parameter stands for ``None``."""
    model = schemas[ref["$ref"].rsplit("/", 1)[1]]
    required = set(model.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _without_null(prop)}
        for name, prop in model["properties"].items()
    ]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string cannot carry null: drop the ``null`` branch of an optional field and its null default."""
    rest = {
        key: value for key, value in schema.items() if key != "anyOf" and (key, value) != ("default", None)
    }
    options = [option for option in schema.get("anyOf", []) if option != {"type": "null"}]
    if not options:
        return rest
    return {**options[0], **rest} if len(options) == 1 else {**rest, "anyOf": options}


def add_docs(app: web.Application, routes: ApiRoutes, *, prefix: str = API_PREFIX) -> None:
    """Serve the document at ``{prefix}/openapi.json`` and the docs page at ``/api/docs``, both without a token."""
    body: list[bytes] = []  # built on first request, after every route module has registered

    async def openapi_json(request: web.Request) -> web.Response:
        if not body:
            body.append(json.dumps(document(routes.operations, prefix=prefix)).encode())
        return web.Response(body=body[0], content_type="application/json")

    async def docs_page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(ASSETS / "index.html", headers=_docs_headers("text/html"))

    async def docs_asset(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        if name not in _ASSET_TYPES:
            raise web.HTTPNotFound()
        return web.FileResponse(ASSETS / name, headers=_docs_headers(_ASSET_TYPES[name]))

    app.router.add_get(f"{prefix}/openapi.json", openapi_json)
    app.router.add_get(DOCS_PATH, docs_page)
    app.router.add_get(DOCS_PATH + "/{name}", docs_asset)


def _docs_headers(content_type: str) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": DOCS_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "public, max-age=3600",
    }
