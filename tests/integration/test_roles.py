"""Roles through the real app and database: every API route answers exactly the roles it declares.

An operation declares the least role it needs where it is registered (``ApiRoutes``); the check, the OpenAPI
document and these tests all read that one declaration. Every operation of the API is order-desk work today
(``webhooks/access/roles.py`` says why), so an admin-only operation is registered here the same way the admin
routes to come will be, and served behind the API's own authentication in the real app.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from PIL import Image
from pytest_aiohttp import AiohttpClient

from orders.model import NotificationId, OutboxEntry, OutboxKind, Shop, new_id
from orders.store import Database
from orders.store.desk_alerts import alert_id
from tests.conftest import SECRET_KEY, Clock, token_for
from tests.contract.test_openapi import fetch_document, served_api_routes
from webhooks.access.auth import ROLES, Role, may, verify_token
from webhooks.api import schemas
from webhooks.api.openapi import API_PREFIX, document
from webhooks.api.operations import ApiRoutes, Operation
from webhooks.api.routes import authenticate, routes
from webhooks.app import build_app
from webhooks.keys import PRINCIPAL
from webhooks.settings import Settings

#: Where the admin-only stand-in is served: under ``/api/``, so the abuse guard watches it as it does the API.
ADMIN_PREFIX = "/api/roles-test"
RAN = web.AppKey("ran", list[str])

ADMIN_ONLY = ApiRoutes()


@ADMIN_ONLY.post("/settings", "Change how the shop runs", role="admin", response=schemas.RevisionOut)
async def change_how_the_shop_runs(request: web.Request) -> web.Response:
    """Stands for the admin routes to come (settings, templates, tokens): records that it ran."""
    request.app[RAN].append(request[PRINCIPAL].subject)
    return web.json_response({"revision": 1})


#: A request each operation serves with 2xx, by operation id; ``ORDER`` stands for a real order's id, and a
#: path's ``{customer_id}`` and ``{alert_id}`` are a real customer's and alert's.
ORDER = "<order>"
#: A photo of that order (``attach_photo`` sends a real JPEG as its ``file``).
PHOTO = "<photo>"
EXAMPLES: dict[str, dict[str, Any]] = {
    "create_order": {"body": {"number": "7001", "customer": {"phone": "+14155550101"}}},
    "update_status": {"body": {"order_id": ORDER, "status": "processing", "notify": False}},
    "bulk_action": {"body": {"order_ids": [ORDER], "action": "notify", "message": "Packed today"}},
    "notify": {"body": {"order_id": ORDER, "message": "Packed today"}},
    "schedule_followup": {"body": {"order_id": ORDER, "delay_hours": 24, "message": "All well?"}},
    "auto_progress": {"params": {"dry_run": "true"}},
    "change_shop": {"body": {"name": "Renamed Coffee", "sms_number": "415 555 0143"}},
    "change_how_the_shop_runs": {},
    "set_template": {"path": {"kind": "greeting", "status": "any", "style": "sms", "language": "en"},
                     "body": {"text": "Hi from {shop_name}"}},
    "reset_template": {"path": {"kind": "greeting", "status": "any", "style": "sms", "language": "en"}},
    "preview_template": {"body": {"kind": "order_status", "status": "shipped", "style": "sms",
                                  "order_id": ORDER}},
    "order_by_number": {"path": {"number": "7000"}},
    "answer_customer": {"body": {"text": "A person here: how can I help?", "channel": "console"}},
    "attach_photo": {"form": {"notify": "false"}},
    "get_photo": {"path": {"photo_id": PHOTO}},
    "import_history": {
        "body": {"orders": [{"external_id": "hist-1", "number": "H-1", "created_at": "2026-10-01T08:00:00Z"}]}
    },
}  # fmt: skip


def with_order(value: Any, order_id: str) -> Any:
    if value == ORDER:
        return order_id
    if isinstance(value, list):
        return [with_order(item, order_id) for item in value]
    if isinstance(value, dict):
        return {key: with_order(item, order_id) for key, item in value.items()}
    return value


def served_routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route of every sub-app mounted under ``/api/`` (HEAD left out)."""
    found: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource) and resource.canonical.startswith("/api/"):
            for route in resource.get_info()["app"].router.routes():
                if route.method != "HEAD" and route.resource is not None:
                    found.add((route.method, route.resource.canonical))
    return found


def operations_by_route() -> dict[tuple[str, str], Operation]:
    declared = [(API_PREFIX, op) for op in routes.operations] + [
        (ADMIN_PREFIX, op) for op in ADMIN_ONLY.operations
    ]
    return {(op.method, prefix + op.path): op for prefix, op in declared}


@pytest.fixture
async def served(
    settings: Settings, clock: Clock, db: Database, aiohttp_client: AiohttpClient
) -> TestClient[Any, Any]:
    """The real app, with the admin-only stand-in mounted behind the API's own authentication."""
    app = build_app(settings, clock=clock)
    admin_only = web.Application(middlewares=[authenticate])
    admin_only[RAN] = []
    admin_only.add_routes(ADMIN_ONLY.table)
    app.add_subapp(ADMIN_PREFIX, admin_only)
    return await aiohttp_client(app)


def ran(client: TestClient[Any, Any]) -> list[str]:
    for resource in client.app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource) and resource.canonical == ADMIN_PREFIX:
            found: list[str] = resource.get_info()["app"][RAN]
            return found
    raise AssertionError("the admin-only stand-in is not mounted")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "teal").save(out, "JPEG")
    return out.getvalue()


async def call(
    client: TestClient[Any, Any],
    method: str,
    path: str,
    op: Operation,
    token: str,
    order_id: str,
    ids: dict[str, str] | None = None,
) -> tuple[int, Any]:
    example = with_order(EXAMPLES.get(op.operation_id, {"body": {} if op.body else None}), order_id)
    for name, value in {"order_id": order_id, **(ids or {}), **example.get("path", {})}.items():
        path = path.replace("{" + name + "}", (ids or {}).get("photo_id", "") if value == PHOTO else value)
    form = None
    if "form" in example:  # a multipart upload: a real photo and the example's fields
        form = FormData()
        form.add_field("file", jpeg(), filename="photo.jpg", content_type="image/jpeg")
        for name, value in example["form"].items():
            form.add_field(name, value)
    response = await client.request(
        method,
        path,
        headers={"Authorization": f"Bearer {token}"},
        json=example.get("body"),
        data=form,
        params=example.get("params"),
    )
    if response.status == 204 or response.content_type != "application/json":  # nothing, or a photo itself
        return response.status, None
    return response.status, await response.json()


@pytest.mark.parametrize("role", ROLES)
async def test_every_route_answers_exactly_the_roles_it_declares(
    served: TestClient[Any, Any], shop: Shop, role: Role, db: Database, clock: Clock
) -> None:
    operations = operations_by_route()
    assert served_routes(served.app) == set(operations), "a route was served without a declared operation"
    assert {"admin", "staff"} <= {op.role for op in operations.values()}  # both answers are exercised
    admin = {"Authorization": f"Bearer {token_for(shop, role='admin')}"}
    created = await served.post(
        f"{API_PREFIX}/orders", json={"number": "7000", "customer": {"phone": "+14155550100"}}, headers=admin
    )
    order_id = (await created.json())["order_id"]
    customer = await db.customers.find_or_create(shop.id, now=clock(), phone="+14155550100")
    alert = OutboxEntry(
        id=NotificationId(new_id("ntf")), shop_id=shop.id, kind=OutboxKind.STAFF_ALERT, channel="telegram",
        message="A customer asks for a person", due_at=clock(), idempotency_key="alert:roles", created_at=clock(),
    )  # fmt: skip
    await db.desk_alerts.record(alert)
    ids = {"customer_id": customer.id, "alert_id": alert_id(shop.id, alert.idempotency_key)}
    token = token_for(shop, role=role)
    photo = FormData()
    photo.add_field("file", jpeg(), filename="photo.jpg", content_type="image/jpeg")
    photo.add_field("notify", "false")
    uploaded = await served.post(f"{API_PREFIX}/orders/{order_id}/photos", data=photo, headers=admin)
    ids["photo_id"] = (await uploaded.json())["photo_id"]

    for (method, path), op in operations.items():
        status, body = await call(served, method, path, op, token, order_id, ids)
        if may(role, op.role):
            assert status not in (401, 403), (role, method, path, body)
            if op.operation_id in EXAMPLES or op.body is None:
                assert 200 <= status < 300, (role, method, path, body)
        else:
            assert status == 403, (role, method, path, body)
            assert body["error"]["code"] == "forbidden_role"
            assert body["error"]["message"] == f"this needs the {op.role} role; this token's role is {role}"
    assert ran(served) == ([f"{role}@{shop.id}"] if role == "admin" else [])  # a refusal ran nothing


async def test_the_document_states_each_operations_role_and_its_refusal(client: TestClient[Any, Any]) -> None:
    doc = await fetch_document(client)
    by_route = {(op.method, API_PREFIX + op.path): op for op in routes.operations}
    assert set(by_route) == served_api_routes(client.app)
    for (method, path), op in by_route.items():
        spec = doc["paths"][path][method.lower()]
        assert spec["x-required-role"] == op.role in ROLES, (method, path)
        assert spec["security"] == [{"bearerAuth": [op.role]}]
        assert ("403" in spec["responses"]) == (op.role != "staff"), (method, path)

    admin_doc = document(ADMIN_ONLY.operations, prefix=ADMIN_PREFIX)
    spec = admin_doc["paths"][f"{ADMIN_PREFIX}/settings"]["post"]
    assert spec["x-required-role"] == "admin"
    assert spec["security"] == [{"bearerAuth": ["admin"]}]
    assert "forbidden_role" in spec["responses"]["403"]["description"]
    assert spec["responses"]["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }


async def test_the_shop_answer_says_the_tokens_role(client: TestClient[Any, Any], shop: Shop) -> None:
    for role in ROLES:
        response = await client.get(
            f"{API_PREFIX}/shop", headers={"Authorization": f"Bearer {token_for(shop, role=role)}"}
        )
        assert (await response.json())["role"] == role


async def test_a_revoked_or_missing_token_is_refused_as_unauthenticated_not_for_its_role(
    served: TestClient[Any, Any], shop: Shop, db: Database, clock: Clock
) -> None:
    staff = token_for(shop, role="staff")
    assert await db.revocations.revoke(verify_token(SECRET_KEY, staff).token_id, clock())
    for headers in ({"Authorization": f"Bearer {staff}"}, {}):
        response = await served.post(f"{ADMIN_PREFIX}/settings", headers=headers)
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"
    assert ran(served) == []


async def test_a_route_served_without_authentication_refuses_everyone(
    aiohttp_client: AiohttpClient, settings: Settings, clock: Clock, db: Database, shop: Shop
) -> None:
    """Fail closed: a handler registered with a role never runs without a checked token."""
    app = build_app(settings, clock=clock)
    bare = web.Application()
    bare[RAN] = []
    bare.add_routes(ADMIN_ONLY.table)
    app.add_subapp(ADMIN_PREFIX, bare)
    client = await aiohttp_client(app)
    response = await client.post(
        f"{ADMIN_PREFIX}/settings", headers={"Authorization": f"Bearer {token_for(shop, role='admin')}"}
    )
    assert response.status == 401
    assert bare[RAN] == []


async def test_role_refusals_do_not_count_as_failed_authentications(
    settings: Settings, clock: Clock, db: Database, shop: Shop, aiohttp_client: AiohttpClient
) -> None:
    """A person who clicks what their role may not use must not lock out the address their office shares."""
    limit = 3
    guarded = settings.model_copy(update={"auth_failure_limit": limit, "rate_limit_window": 60})
    app = build_app(guarded, clock=clock)
    admin_only = web.Application(middlewares=[authenticate])
    admin_only[RAN] = []
    admin_only.add_routes(ADMIN_ONLY.table)
    app.add_subapp(ADMIN_PREFIX, admin_only)
    client = await aiohttp_client(app)
    staff = {"Authorization": f"Bearer {token_for(shop, role='staff')}"}

    for _ in range(limit * 3):
        refused = await client.post(f"{ADMIN_PREFIX}/settings", headers=staff)
        assert refused.status == 403, await refused.text()

    assert (await client.get(f"{API_PREFIX}/orders/stats", headers=staff)).status == 200
    for _ in range(limit):  # the address's own failures still count from zero: the guard is on
        bad = await client.get(f"{API_PREFIX}/orders/stats", headers={"Authorization": "Bearer not-a-token"})
        assert bad.status == 401
