"""The API's route table: registering a handler records the operation the OpenAPI document describes.

Every API route is declared through :class:`ApiRoutes`: one decorator registers the handler and records the
operation's models and the least role it needs (``webhooks/access/roles.py``), so a route cannot exist
without its description or its role, and the role the document states is the one enforced. The document
itself is made from these records by ``webhooks.api.openapi``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar, Unpack

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from webhooks.access.auth import ROLES, Role, RoleRefused, may
from webhooks.access.roles import requiring
from webhooks.middleware import ApiError

__all__ = ["COMMON_ERRORS", "ERROR_MEANINGS", "ApiRoutes", "Describe", "Header", "Operation", "one_line"]

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
    #: A ``multipart/form-data`` body, described by this model (its ``bytes`` fields are files).
    form: type[BaseModel] | None = None
    #: The media types of a success that is a file (an image), not JSON; empty: JSON.
    binary: tuple[str, ...] = ()
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
        if self.body is not None or self.form is not None:
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
    form: type[BaseModel] | None
    binary: tuple[str, ...]
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
                    description=one_line(handler.__doc__),
                    **more,
                )
            )
            checked = requiring(role, handler)
            self.table.route(method, path)(checked)
            return checked

        return register


def one_line(text: str | None) -> str | None:
    """A docstring as the document shows it: its words on one line; None when there is none."""
    return " ".join(text.split()) if text else None
