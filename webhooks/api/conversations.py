"""REST API v1 for the conversations desk: who waits for a person, a customer and their messages, marking
them read, and a person's answer with its preview.

Registered on the API's route table when imported (``webhooks.api``). Reading and answering customers is
order-desk work: staff's. A customer of another shop is "no such customer" (404), like another shop's order.
"""

from __future__ import annotations

from aiohttp import web

from bot.answer_plan import AnswerRefused, StaffAnswers
from orders.model import Source
from orders.usecases import Answer
from webhooks.api.routes import IDEMPOTENCY, SHOP, _actor, _body, _json, _query, routes
from webhooks.api.schemas.conversations import (
    AnswerAccepted,
    AnswerIn,
    ConversationListOut,
    ConversationOut,
    ConversationsQuery,
    CustomerDetailOut,
    MessageListOut,
    MessageOut,
    MessagesQuery,
    PlanOut,
    PlanQuery,
    Read,
)
from webhooks.keys import CLOCK, SERVICE
from webhooks.middleware import ApiError

CUSTOMER = "/customers/{customer_id}"


def _bad_cursor() -> ApiError:
    return ApiError(400, "malformed", "the cursor is not one this API gave out")


def _answers(request: web.Request) -> StaffAnswers:
    return StaffAnswers(request.config_dict[SERVICE], request.config_dict[CLOCK])


@routes.get("/conversations", "Customers' conversations, those waiting for a person first", role="staff",
            query=ConversationsQuery, response=ConversationListOut, errors=(400,))  # fmt: skip
async def list_conversations(request: web.Request) -> web.Response:
    """Customers waiting for a person come first, the longest waiting first (`waiting=true`: only them), then
    the others by their latest activity (a message from them, or a person's answer). `search` matches a
    name, a phone or its last 4 digits, an email or an order number, and answers one page. Pass
    `next_cursor` as `cursor` for the next page.
    """
    query = _query(ConversationsQuery, request)
    try:
        found, cursor = await request.config_dict[SERVICE].conversations.listing(
            request[SHOP], waiting_only=bool(query.waiting), search=query.search, cursor=query.cursor,
            limit=query.limit,
        )  # fmt: skip
    except ValueError:
        raise _bad_cursor() from None
    return _json(ConversationListOut(items=[ConversationOut.of(c) for c in found], next_cursor=cursor))


@routes.get(CUSTOMER, "A customer and their orders", role="staff", response=CustomerDetailOut)
async def get_customer(request: web.Request) -> web.Response:
    customer, orders = await request.config_dict[SERVICE].conversations.customer(
        request[SHOP], request.match_info["customer_id"]
    )
    return _json(CustomerDetailOut.of(customer, orders))


@routes.get(CUSTOMER + "/messages", "A customer's messages, both directions, every channel", role="staff",
            query=MessagesQuery, response=MessageListOut, errors=(400,))  # fmt: skip
async def customer_messages(request: web.Request) -> web.Response:
    """The newest page first, each page in time order; `next_cursor` leads to the older messages. Each has
    its delivery state (`queued`, `sent`, `delivered`, `read`, `failed` or `skipped` with `why`; `received`
    for the customer's), its author (`customer`, `bot` or the person who wrote it) and, for the customer's,
    what the bot understood (`intent`).
    """
    query = _query(MessagesQuery, request)
    try:
        items, cursor = await request.config_dict[SERVICE].conversations.messages(
            request[SHOP], request.match_info["customer_id"], cursor=query.cursor, limit=query.limit
        )
    except ValueError:
        raise _bad_cursor() from None
    return _json(MessageListOut(messages=[MessageOut.of(i) for i in items], next_cursor=cursor))


@routes.get(CUSTOMER + "/messages/plan", "What an answer to the customer would do now", role="staff",
            query=PlanQuery, response=PlanOut)  # fmt: skip
async def answer_plan(request: web.Request) -> web.Response:
    """`will` is `send` (now, on `channel`), `template_first` (outside WhatsApp's 24-hour window: an approved
    template now, the text when they reply) or `refused` (`refusal`: `opted_out`, `unreachable`), and
    `explanation` says it in words. Nothing is written.
    """
    query = _query(PlanQuery, request)
    plan = await _answers(request).plan(
        request[SHOP], request.match_info["customer_id"], query.channel, query.order_id
    )
    return _json(PlanOut.of(plan))


@routes.post(CUSTOMER + "/messages", "Answer the customer", role="staff", body=AnswerIn,
             response=AnswerAccepted, status=202, errors=(409,), headers=(IDEMPOTENCY,))  # fmt: skip
async def answer_customer(request: web.Request) -> web.Response:
    """Queued through the outbox on the customer's channel (or `channel`) under every rule a message follows,
    except quiet hours: a person's answer goes at once. It lands on the timelines of the orders it answers
    (`order_id`, and those waiting for a person) with who wrote it, and clears their `customer_waiting`.
    409 `opted_out` or `unreachable` when it would never reach them (nothing is queued). An
    `Idempotency-Key` makes a retry answer the first call's message.
    """
    body = await _body(AnswerIn, request)
    answer = Answer(
        text=body.text, channel=body.channel, actor=_actor(request), order_id=body.order_id,
        idempotency_key=IDEMPOTENCY.read(request), source=Source.API,
    )  # fmt: skip
    try:
        entry, plan = await _answers(request).send(request[SHOP], request.match_info["customer_id"], answer)
    except AnswerRefused as refused:
        raise ApiError(409, refused.plan.refusal or "refused", refused.plan.explanation) from None
    return _json(AnswerAccepted(notification_id=entry.id, plan=PlanOut.of(plan)), status=202)


@routes.post(CUSTOMER + "/read", "Mark the customer's messages read", role="staff", response=Read,
             status=204)  # fmt: skip
async def mark_read(request: web.Request) -> web.Response:
    """The desk calls it when it opens the conversation: `unread` is 0 until the customer writes again."""
    await request.config_dict[SERVICE].conversations.mark_read(
        request[SHOP], request.match_info["customer_id"]
    )
    return web.Response(status=204)
