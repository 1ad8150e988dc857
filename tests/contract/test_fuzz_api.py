"""REST API v1 fuzzed against its own OpenAPI document with Schemathesis: a live server, the real database.

The app listens on a real local port (the ``client`` fixture's server) and serves from the test's event
loop, while Hypothesis drives Schemathesis' generated requests from a worker thread. Every operation is
exercised with a valid token (positive and negative data, real order ids mixed in; every refusal is
checked to have written nothing), in stateful sequences, and with bad tokens, which must be refused
without a single write. Bounded by ``EXAMPLES``: the file runs in well under
90 s here, and ``derandomize`` keeps CI runs repeatable.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import requests
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from orders.model import NotificationId, OrderId, OutboxEntry, OutboxKind, Shop, new_id
from orders.store import Database
from tests.conftest import SECRET_KEY, Api, finish_background, token_for
from tests.contract.operations import Operation, operations_of
from webhooks.access.auth import issue_token
from webhooks.api.openapi import DOCUMENT_PATH
from webhooks.keys import SERVICE
from webhooks.settings import Settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
NEGATIVE_EXAMPLES = EXAMPLES * 2 // 5
BAD_TOKEN_EXAMPLES = 5
STATEFUL_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


#: A real photo, for uploads that should succeed.
SAMPLE_JPEG = _jpeg()

SEED_ORDERS: list[dict[str, Any]] = [
    {"number": "1001", "customer": {"name": "Ana Lima", "phone": "+14155550101", "email": "ana@example.com"},
     "items": [{"title": "House Espresso 1 kg", "quantity": 1, "price": "32.00"}], "total": "32.00",
     "currency": "USD", "channel": "whatsapp"},
    {"number": "1002", "status": "processing", "customer": {"name": "Bo Chen", "phone": "+14155550102"},
     "tracking": {"carrier": "UPS", "number": "1Z999", "url": "https://example.com/t/1Z999"}, "channel": "sms"},
    {"number": "1003", "status": "shipped", "customer": {"email": "cy@example.com"}, "total": "12.50"},
    {"number": "1004", "status": "fulfilled", "customer": {"instagram_id": "ig-4"}, "channel": "instagram"},
    {"number": "1005", "status": "cancelled"},
    {"number": "1006", "external_id": "shop-1006", "customer": {"name": "Dee", "phone": "+447911123456"}},
]  # fmt: skip


@dataclass
class Live:
    """The served app as Schemathesis sees it."""

    app: web.Application
    base_url: str
    schema: OpenApiSchema
    operations: list[Operation]
    order_ids: list[str]
    db: AsyncDatabase[dict[str, Any]]
    loop: asyncio.AbstractEventLoop
    statuses: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    refused: int = 0

    async def contents(self) -> dict[str, list[dict[str, Any]]]:
        """Every document of every collection of the test's database, in a stable order, once the app has
        finished what earlier requests left it to do (it sends what they queued the moment they queue it)."""
        await finish_background(self.app)
        names = sorted(await self.db.list_collection_names())
        found = await asyncio.gather(*(self.db[name].find({}).sort("_id", 1).to_list(None) for name in names))
        return dict(zip(names, found, strict=True))

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """``contents``, from a Hypothesis thread through the app's loop."""
        return asyncio.run_coroutine_threadsafe(self.contents(), self.loop).result(30)

    tokens_used: set[str] = field(default_factory=set)
    #: The shop's staff alerts, for ``/alerts/{alert_id}/...``.
    alert_ids: list[str] = field(default_factory=list)


@pytest.fixture
async def live(
    client: TestClient[Any, Any], shop: Shop, other_shop: Shop, settings: Settings, db: Database
) -> AsyncIterator[Live]:
    api = Api(client, token_for(shop))
    ids = [(await api.post("/orders", order, status=201))["order_id"] for order in SEED_ORDERS]
    customers = [
        await db.customers.find_or_create(shop.id, now=datetime.now(UTC), phone=phone)
        for phone in ("+14155550101", "+14155550199")
    ]
    # one wrote on the console, which reaches them (an answer can be sent); it has no order, so what the
    # seeded orders' customers are sent stays as it was
    await db.customers.record_inbound(shop.id, customers[1].id, "console", datetime.now(UTC))
    REAL_CUSTOMERS[:] = [c.id for c in customers]
    await api.post("/orders/update-status", {"order_id": ids[0], "status": "processing", "note": "packed"})
    await api.post("/orders/notify", {"order_id": ids[1], "message": "On its way soon"}, status=202)
    await Api(client, token_for(other_shop)).post("/orders", {"number": "9001"}, status=201)
    form = aiohttp.FormData()
    form.add_field("file", SAMPLE_JPEG, filename="packed.jpg", content_type="image/jpeg")
    form.add_field("notify", "false")
    uploaded = await client.post(f"/api/v1/orders/{ids[0]}/photos", data=form, headers=api.headers)
    assert uploaded.status == 201, await uploaded.text()
    REAL_PHOTO[:] = [ids[0], (await uploaded.json())["photo_id"]]
    await client.app[SERVICE].db.outbox.add(
        OutboxEntry(
            id=NotificationId(new_id("ntf")), shop_id=shop.id, order_id=OrderId(ids[0]), kind=OutboxKind.STAFF_ALERT,
            message="🙋 Ana Lima on whatsapp asks for a person about order #1001.", due_at=datetime.now(UTC), created_at=datetime.now(UTC),
            idempotency_key="alert:fuzz",
        )
    )  # fmt: skip
    doc = await (await client.get(DOCUMENT_PATH)).json()
    schema = schemathesis.openapi.from_dict(doc)
    operations = operations_of(schema)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    base_url = str(client.make_url("")).rstrip("/")
    assert client.app is not None
    found = Live(
        client.app, base_url, schema, operations, ids, mongo[settings.mongodb_db], asyncio.get_running_loop(),
    )  # fmt: skip
    found.alert_ids = [(await api.get("/alerts"))["alerts"][0]["alert_id"]]  # the alert seeded below
    yield found
    await mongo.close()


#: The seeded customers' ids, for ``with_real_ids``: read from here rather than passed, because the source of
#: ``fuzz``'s generating function seeds its derandomized examples, and a change there draws other ones.
REAL_CUSTOMERS: list[str] = []
#: The photo the live app was seeded with: (order id, photo id).
REAL_PHOTO: list[str] = []


def with_real_ids(
    case: Any,
    data: st.DataObject,
    ids: list[str],
    always: bool,
    alert_ids: Sequence[str] = (),
) -> None:
    """Point a generated case at real orders (by id or number), customers and alerts (always, or when
    Hypothesis chooses to); a photo upload gets a real image, and a photo read the seeded photo."""
    if not always and not data.draw(st.booleans(), label="use real order ids"):
        return
    real = st.sampled_from(ids)
    if case.path_parameters and "customer_id" in case.path_parameters and REAL_CUSTOMERS:
        case.path_parameters["customer_id"] = data.draw(st.sampled_from(REAL_CUSTOMERS))
    if case.path_parameters and "order_id" in case.path_parameters:
        case.path_parameters["order_id"] = data.draw(real)
    if case.path_parameters and "number" in case.path_parameters:
        case.path_parameters["number"] = data.draw(
            st.sampled_from([order["number"] for order in SEED_ORDERS])
        )
    if case.path_parameters and "photo_id" in case.path_parameters and REAL_PHOTO:
        case.path_parameters["order_id"], case.path_parameters["photo_id"] = REAL_PHOTO
    if isinstance(case.body, dict) and "file" in case.body:
        case.body["file"] = SAMPLE_JPEG
    if case.path_parameters and "alert_id" in case.path_parameters and alert_ids:
        case.path_parameters["alert_id"] = data.draw(st.sampled_from(list(alert_ids)))
    if isinstance(case.body, dict):
        if "order_id" in case.body:
            case.body["order_id"] = data.draw(real)
        if isinstance(case.body.get("order_ids"), list):
            case.body["order_ids"] = data.draw(st.lists(real, min_size=1, max_size=len(ids)))


def refers_to_orders(operation: Operation) -> bool:
    body = operation.definition.raw.get("requestBody", {})
    ref = body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return "{order_id}" in operation.path or ref.rsplit("/", 1)[-1] in {
        "UpdateStatus",
        "BulkAction",
        "Notify",
        "ScheduleFollowup",
    }


def fuzz(
    live: Live,
    operation: Operation,
    mode: GenerationMode,
    tokens: dict[str, dict[str, str]],
    *,
    examples: int,
    real_ids: bool | None,
    expect: set[int] | None = None,
    check_writes: bool = False,
) -> str | None:
    """Run one operation's generated cases against the server; the failure report, or None.

    ``tokens``: the Authorization headers to draw from, by name. ``real_ids``: None leaves the generated ids,
    False mixes in real ones, True always uses real ones.
    """
    session = requests.Session()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") is None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(sorted(tokens)), label="token")
        headers = tokens[kind]
        live.tokens_used.add(kind)
        if real_ids is not None:
            with_real_ids(case, data, live.order_ids, always=real_ids, alert_ids=live.alert_ids)
        before = live.snapshot() if check_writes else None
        response = case.call(base_url=live.base_url, session=session, headers=headers, timeout=30)
        live.statuses[f"{operation.label} {mode.value}"].add(response.status_code)
        if before is not None and 400 <= response.status_code < 500:  # refused: nothing written, not in part
            live.refused += 1
            assert live.snapshot() == before, f"{response.status_code} but the database changed"
        case.validate_response(response, checks=CHECKS, headers=headers)
        if expect is not None:
            assert response.status_code in expect, f"{response.status_code} {response.text[:300]}"
            if operation.path.endswith("/bulk-action") and response.status_code == 200:
                assert response.json()["succeeded"] == 0, response.text[:300]

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # Schemathesis reports several failures as a group
        return f"{operation.label} [{mode.value}]:\n{exc}"
    finally:
        session.close()
    return None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_every_operation_keeps_its_contract_with_a_valid_token(live: Live, shop: Shop) -> None:
    failures = []
    for operation in live.operations:
        role = operation.definition.raw["x-required-role"]  # a token of the least role the operation admits
        tokens = {"valid": bearer(token_for(shop, role=role))}
        for mode, examples in (
            (GenerationMode.POSITIVE, EXAMPLES),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):
            failure = await asyncio.to_thread(
                fuzz,
                live,
                operation,
                mode,
                tokens,
                examples=examples,
                real_ids=False if mode is GenerationMode.POSITIVE else None,  # invalid data stays invalid
                check_writes=True,
            )
            if failure:
                failures.append(failure)
    assert not failures, "\n\n".join(failures)
    for operation in live.operations:
        seen = live.statuses[f"{operation.label} positive"]
        assert any(200 <= status < 300 for status in seen), (operation.label, seen)
    assert live.refused >= len(live.operations)  # refusals happened, and each was checked for writes


async def test_sequences_of_operations_keep_the_contract(live: Live, shop: Shop) -> None:
    """Stateful: Schemathesis chains operations through the ids earlier answers gave (list, then progress,
    then update-status on that order...)."""
    headers = bearer(token_for(shop))
    steps: list[tuple[str, int]] = []

    class Sequences(live.schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            case.headers = {**(case.headers or {}), **headers}

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": live.base_url, "timeout": 30}

        def after_call(self, response: Any, case: Any) -> None:
            steps.append((case.operation.label, response.status_code))

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, headers=headers)

    run = settings(
        max_examples=STATEFUL_EXAMPLES,
        stateful_step_count=6,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") is None,
        suppress_health_check=list(HealthCheck),
    )
    await asyncio.to_thread(Sequences.run, settings=run)
    assert len({label for label, _ in steps}) >= 5, steps
    # an operation on an id an earlier answer gave (an order's, an alert's) succeeded
    assert any(200 <= status < 300 and "_id}" in label for label, status in steps), steps


def bad_tokens(shop: Shop) -> dict[str, dict[str, str]]:
    now = datetime.now(UTC)
    return {
        "none": {},
        "not a bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
        "garbage": bearer("not-a-jwt"),
        "expired": bearer(issue_token(SECRET_KEY, shop.id, now=now - timedelta(days=40), days=1)),
        "signed with another key": bearer(issue_token("another-key-" + "y" * 32, shop.id, now=now)),
        "for no shop": bearer(issue_token(SECRET_KEY, "shop_that_does_not_exist", now=now)),
    }


async def test_bad_tokens_are_refused_and_write_nothing(live: Live, shop: Shop) -> None:
    tokens = bad_tokens(shop)
    before = await live.contents()
    failures = []
    for operation in live.operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = await asyncio.to_thread(
                fuzz, live, operation, mode, tokens, examples=BAD_TOKEN_EXAMPLES, real_ids=False, expect={401}
            )
            if failure:
                failures.append(failure)
    assert not failures, "\n\n".join(failures)
    assert live.tokens_used == set(tokens)
    assert await live.contents() == before


async def test_another_shops_token_cannot_touch_this_shops_orders(live: Live, other_shop: Shop) -> None:
    tokens = {"other shop": bearer(token_for(other_shop))}
    before = await live.contents()
    targeted = [operation for operation in live.operations if refers_to_orders(operation)]
    assert len(targeted) >= 7, [operation.label for operation in targeted]
    failures = []
    for operation in targeted:
        expect = {200, 422} if operation.path.endswith("/bulk-action") else {404, 422}
        failure = await asyncio.to_thread(
            fuzz, live, operation, GenerationMode.POSITIVE, tokens, examples=BAD_TOKEN_EXAMPLES,
            real_ids=True, expect=expect,
        )  # fmt: skip
        if failure:
            failures.append(failure)
    assert not failures, "\n\n".join(failures)
    assert await live.contents() == before
