"""The OpenAPI document: valid 3.1, generated from the request and response models, covering every route."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from orders.model import Shop
from tests.conftest import Clock, token_for
from tests.contract.operations import operations_of
from webhooks.api import schemas
from webhooks.api.openapi import (
    API_PREFIX,
    DOCUMENT_PATH,
    REF_TEMPLATE,
    ApiRoutes,
    document,
)
from webhooks.api.routes import routes
from webhooks.app import build_app
from webhooks.settings import Settings

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


async def fetch_document(client: TestClient[Any, Any]) -> dict[str, Any]:
    response = await client.get(DOCUMENT_PATH)  # no token: the contract is public
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    doc: dict[str, Any] = await response.json()
    return doc


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def served_api_routes(app: web.Application) -> set[tuple[str, str]]:
    """Every (method, path) the app answers under the API prefix, except the document itself.

    HEAD is left out: aiohttp answers it for every GET on its own.
    """
    found: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            for route in resource.get_info()["app"].router.routes():
                found.add((route.method, route.resource.canonical if route.resource else ""))
        else:
            found |= {(route.method, resource.canonical) for route in resource}
    return {
        (method, path)
        for method, path in found
        if path.startswith(API_PREFIX + "/") and path != DOCUMENT_PATH and method != "HEAD"
    }


async def test_document_is_valid_openapi_3_1(client: TestClient[Any, Any]) -> None:
    doc = await fetch_document(client)
    assert doc["openapi"] == "3.1.0"
    OPENAPI_31_VALIDATOR.validate(doc)  # the official OAS 3.1 meta-schema, as shipped by schemathesis
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name  # each component is valid JSON Schema 2020-12
    loaded = schemathesis.openapi.from_dict(doc)
    operations = operations_of(loaded)
    assert len(operations) == len(documented(doc))


async def test_every_api_route_is_documented_and_nothing_else(client: TestClient[Any, Any]) -> None:
    doc = await fetch_document(client)
    served = served_api_routes(client.app)
    assert served, "found no API routes: the router walk is broken"
    assert served == documented(doc)


async def test_every_operation_needs_the_bearer_token_and_documents_its_errors(
    client: TestClient[Any, Any],
) -> None:
    doc = await fetch_document(client)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert doc["security"] == [{"bearerAuth": []}]
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            statuses = {int(status) for status in op["responses"]}
            assert {401, 429, 503} <= statuses, (method, path)
            for status in ("429", "503"):
                assert "Retry-After" in op["responses"][status]["headers"], (method, path, status)
            if "{" in path:
                assert 404 in statuses, (method, path)
            if "requestBody" in op:
                assert {400, 413, 415, 422} <= statuses, (method, path)
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == error_ref


async def test_components_are_the_models_own_schemas(client: TestClient[Any, Any]) -> None:
    """The document is generated from the models that validate and render, so it cannot drift from them."""
    doc = await fetch_document(client)
    components = doc["components"]["schemas"]
    for model in (schemas.UpdateStatus, schemas.BulkAction, schemas.ScheduleFollowup, schemas.ErrorBody):
        expected = model.model_json_schema(ref_template=REF_TEMPLATE)
        expected.pop("$defs", None)
        assert components[model.__name__] == expected
    create = doc["paths"][f"{API_PREFIX}/orders"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderCreate"
    }
    assert "201" in create["responses"]
    listing = doc["paths"][f"{API_PREFIX}/orders"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert set(parameters) == set(schemas.ListQuery.model_fields)
    assert parameters["limit"]["schema"]["maximum"] == 200
    assert parameters["status"]["schema"] == {"$ref": "#/components/schemas/Status"}  # no null in a query


def test_a_new_route_is_documented_by_the_decorator_that_registers_it() -> None:
    table = ApiRoutes()

    @table.get(
        "/things/{thing_id}", "One thing", role="staff", response=schemas.NotificationAccepted, errors=(409,)
    )
    async def one_thing(request: web.Request) -> web.Response:
        """Reads one thing."""
        raise web.HTTPNotFound()

    assert [(route.method, route.path) for route in table.table] == [("GET", "/things/{thing_id}")]  # type: ignore[attr-defined]
    doc = document(table.operations)
    op = doc["paths"]["/api/v1/things/{thing_id}"]["get"]
    assert op["operationId"] == "one_thing"
    assert op["description"] == "Reads one thing."
    assert sorted(op["responses"]) == ["200", "401", "404", "409", "429", "503"]
    assert op["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
    ]
    OPENAPI_31_VALIDATOR.validate(doc)


def test_an_error_status_without_a_meaning_is_refused_at_registration() -> None:
    table = ApiRoutes()
    with pytest.raises(ValueError, match="418"):

        @table.get("/teapot", "A teapot", role="staff", response=schemas.NotificationAccepted, errors=(418,))
        async def teapot(request: web.Request) -> web.Response:
            raise web.HTTPNotFound()


def test_operation_ids_are_unique() -> None:
    ids = [op.operation_id for op in routes.operations]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z_]+", op_id) for op_id in ids)


async def test_a_rate_limited_answer_is_what_the_document_says(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    clock: Clock,
    shop: Shop,
) -> None:
    client = await aiohttp_client(build_app(settings.model_copy(update={"api_rate_limit": 1}), clock=clock))
    doc = await fetch_document(client)
    headers = {"Authorization": f"Bearer {token_for(shop)}"}
    assert (await client.get(f"{API_PREFIX}/orders/stats", headers=headers)).status == 200
    response = await client.get(f"{API_PREFIX}/orders/stats", headers=headers)
    assert response.status == 429
    documented = doc["paths"][f"{API_PREFIX}/orders/stats"]["get"]["responses"]["429"]
    body_schema = {**documented["content"]["application/json"]["schema"], "components": doc["components"]}
    jsonschema_rs.validate(body_schema, await response.json())
    retry_after = documented["headers"]["Retry-After"]["schema"]
    jsonschema_rs.validate(retry_after, int(response.headers["Retry-After"]))
