"""OpenAPI 3.1 for REST API v1, generated from the pydantic models that validate requests and render responses.

Every API route is declared through :class:`ApiRoutes`: one decorator registers the handler and records the
operation's models and the least role it needs (``webhooks/access/roles.py``), so a route cannot exist without its
description or its role, and the role the document states is the one enforced. The document and a docs
page (Swagger UI, vendored in ``webhooks/api/docs/``) are served without a token.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypedDict, TypeVar, Unpack

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from webhooks.access.auth import ROLES, Role, RoleRefused, may
from webhooks.access.roles import requiring
from webhooks.api.schemas import ErrorOut
from webhooks.middleware import ApiError

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

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)

ERROR_MEANINGS: dict[int, str] = {
    400: "Malformed: the body is not a JSON object, or a value this API did not give out",
    401: "Missing, malformed, expired or unknown bearer token",
    403: f"The token's role may not use this operation (`{RoleRefused.code}`); see `x-required-role`",
    404: "No such order in the token's shop",
    409: "Invalid transition, or the order changed since the given version",
    413: "The body is over 1 MiB",
    415: "The body is not application/json",
    422: "A field is invalid; `details` names it",
    429: "Too many requests from this token, or too many failed tokens; wait `Retry-After` seconds",
    503: "The database is unavailable; try again shortly",
}
#: These answers say in ``Retry-After`` how many seconds to wait.
RETRY_AFTER_STATUSES = (429, 503)
RETRY_AFTER = {
    "description": "seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1},
}
#: Every operation can answer these: it needs a token, is rate-limited and needs the database.
COMMON_ERRORS = (401, 429, 503)


@dataclass(frozen=True)
class Header:
    """An optional request header, validated by the same type that describes it."""

    name: str
    description: str
    type: Any = str

    def schema(self) -> dict[str, Any]:
        return TypeAdapter(self.type).json_schema()

    def read(self, request: web.Request) -> Any:
        """The header's value, ``None`` when absent; 422 naming the header when it is invalid."""
        raw = request.headers.get(self.name)
        if raw is None:
            return None
        try:
            return TypeAdapter(self.type).validate_python(raw)
        except ValidationError as exc:
            message = exc.errors(include_url=False, include_input=False)[0]["msg"]
            raise ApiError(
                422,
                "invalid_field",
                f"the {self.name} header is invalid",
                [{"field": self.name, "message": message}],
            ) from None


@dataclass(frozen=True)
class Operation:
    """One API operation as the document describes it; paths are relative to :data:`API_PREFIX`."""

    method: str
    path: str
    summary: str
    operation_id: str
    #: The least role that may use it; the roles after it in ``ROLES`` may too.
    role: Role
    response: type[BaseModel]
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    headers: tuple[Header, ...] = ()
    empty: Mapping[int, str] = field(default_factory=dict)
    description: str | None = None
    #: JSON schemas of path parameters narrower than any non-empty string (say, an enum), by name.
    path_schemas: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if unknown := set(self.errors) - set(ERROR_MEANINGS):
            raise ValueError(f"{self.operation_id}: no meaning for error statuses {sorted(unknown)}")

    @property
    def path_params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{") and part.endswith("}")]

    def error_statuses(self) -> list[int]:
        """The documented error statuses: the common ones, those its inputs imply, and its own."""
        statuses = {*COMMON_ERRORS, *self.errors}
        if not all(may(role, self.role) for role in ROLES):
            statuses.add(403)
        if self.body is not None:
            statuses |= {400, 413, 415, 422}
        if self.query is not None:
            statuses.add(422)
        if self.path_params:
            statuses.add(404)
        return sorted(statuses)


class Describe(TypedDict, total=False):
    """How a route is described beyond its method and path (see :class:`Operation`)."""

    status: int
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    errors: tuple[int, ...]
    headers: tuple[Header, ...]
    empty: Mapping[int, str]
    path_schemas: Mapping[str, dict[str, Any]]


class ApiRoutes:
    """The API's route table: registering a handler records its operation for the OpenAPI document.

    ``@routes.get("/orders/{order_id}", "One order", role="staff", response=OrderOut)`` registers the handler,
    answering only tokens of that role or above, and describes it; the handler's docstring becomes the
    operation's description.
    """

    def __init__(self) -> None:
        self.table = web.RouteTableDef()
        self.operations: list[Operation] = []

    def get(
        self, path: str, summary: str, *, role: Role, response: type[BaseModel], **more: Unpack[Describe]
    ) -> Callable[[H], H]:
        return self.route("GET", path, summary, role=role, response=response, **more)

    def post(
        self, path: str, summary: str, *, role: Role, response: type[BaseModel], **more: Unpack[Describe]
    ) -> Callable[[H], H]:
        return self.route("POST", path, summary, role=role, response=response, **more)

    def patch(
        self, path: str, summary: str, *, role: Role, response: type[BaseModel], **more: Unpack[Describe]
    ) -> Callable[[H], H]:
        return self.route("PATCH", path, summary, role=role, response=response, **more)

    def route(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        role: Role,
        response: type[BaseModel],
        **more: Unpack[Describe],
    ) -> Callable[[H], H]:
        def register(handler: H) -> H:
            self.operations.append(
                Operation(
                    method=method,
                    path=path,
                    summary=summary,
                    operation_id=handler.__name__,
                    role=role,
                    response=response,
                    description=_dedent(handler.__doc__),
                    **more,
                )
            )
            checked = requiring(role, handler)
            self.table.route(method, path)(checked)
            return checked

        return register


def document(operations: Sequence[Operation], *, prefix: str = API_PREFIX) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``operations``; components are the models' own JSON schemas."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorOut, "serialization")]
    for op in operations:
        wanted += [(model, "validation") for model in (op.query, op.body) if model is not None]
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
        if op.body is not None:
            spec["requestBody"] = {"required": True, "content": _json(refs[(op.body, "validation")])}
        responses: dict[str, Any] = {
            str(op.status): {
                "description": _dedent(op.response.__doc__) or HTTPStatus(op.status).phrase,
                "content": _json(refs[(op.response, "serialization")]),
            }
        }
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


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _dedent(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


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
