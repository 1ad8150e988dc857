"""REST API v1 for the shop's own message texts: list, replace, reset and preview them.

Registered on the API's route table (``webhooks.api.routes.routes``) when this module is imported, which the app
factory does. Changing a text changes how the shop speaks, so it is admin's; reading and previewing are
order-desk work, staff's.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, Field, StringConstraints

from bot import message_texts, shop_texts, templating
from bot.message_texts import DEFAULT_LANGUAGE, MAX_TEXT
from bot.shop_texts import TextEntry, TextSlot
from bot.text_preview import preview
from webhooks.api.routes import SHOP, _body, _json, _query, routes
from webhooks.api.schemas import Strict
from webhooks.keys import CLOCK, DATABASE, SERVICE, SHOPS
from webhooks.middleware import ApiError

TemplateText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
SLOT = "/templates/{kind}/{status}/{style}/{language}"
_STATUSES = tuple(dict.fromkeys(s for kind in message_texts.kinds() for s in message_texts.statuses(kind)))
#: What each part of a text's address may be (a status fits only some kinds: 404 says which).
SLOT_PARTS: dict[str, tuple[str, ...]] = {
    "kind": message_texts.kinds(),
    "status": _STATUSES,
    "style": message_texts.STYLES,
    "language": message_texts.LANGUAGES,
}


def _one_of(part: str) -> StringConstraints:
    return StringConstraints(pattern="^(" + "|".join(SLOT_PARTS[part]) + ")$")


Kind = Annotated[str, _one_of("kind")]
StatusName = Annotated[str, _one_of("status")]
Style = Annotated[str, _one_of("style")]
Language = Annotated[str, _one_of("language")]
OrderId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class TemplateQuery(Strict):
    language: Language = Field(DEFAULT_LANGUAGE, description="the language to list texts in")


class TemplateIn(Strict):
    text: TemplateText = Field(description="the shop's text; placeholders in braces, `{{`/`}}` for braces")


class PreviewIn(Strict):
    kind: Kind
    status: StatusName = message_texts.ANY_STATUS
    style: Style
    language: Language = DEFAULT_LANGUAGE
    order_id: OrderId | None = Field(
        None, description="fill the placeholders from this order (else a sample)"
    )
    text: TemplateText | None = Field(None, description="preview this text instead of the one in use")


class TemplateOut(BaseModel):
    """One message text: the one in use, the default, and whether it is the shop's own."""

    kind: str
    status: str
    style: str
    language: str
    text: str
    default: str
    custom: bool
    placeholders: list[str]

    @classmethod
    def of(cls, entry: TextEntry) -> TemplateOut:
        slot = entry.slot
        return cls(
            kind=slot.kind, status=slot.status, style=slot.style, language=slot.language, text=entry.text,
            default=entry.default, custom=entry.custom, placeholders=list(entry.placeholders),
        )  # fmt: skip


class TemplateListOut(BaseModel):
    """Every message text the shop's customers can get in one language."""

    language: str
    templates: list[TemplateOut]


class SmsOut(BaseModel):
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    units: int = Field(description="septets (GSM-7) or UTF-16 units (UCS-2)")


class PreviewOut(BaseModel):
    """The message as it would be sent, and what the platform would do with it."""

    text: str
    subject: str | None
    warnings: list[str]
    sms: SmsOut
    length: int
    max_length: int | None


_SLOT_SCHEMAS = {part: {"type": "string", "enum": list(values)} for part, values in SLOT_PARTS.items()}


def _slot(request: web.Request) -> TextSlot:
    info = request.match_info
    return TextSlot(info["kind"], info["status"], info["style"], info["language"]).known()


def _refused(exc: templating.TemplateError) -> ApiError:
    code = "unknown_placeholder" if exc.unknown else "invalid_field"
    details: list[dict[str, object]] = [{"field": "text", "message": str(exc)}]
    if exc.unknown:
        details[0]["placeholders"] = list(exc.unknown)
    return ApiError(422, code, str(exc), details)


@routes.get("/templates", "The shop's message texts", role="staff", query=TemplateQuery,
            response=TemplateListOut, errors=(404,))  # fmt: skip
async def list_templates(request: web.Request) -> web.Response:
    """Every text by kind, status, style and language, with its default and whether the shop replaced it."""
    query = _query(TemplateQuery, request)
    entries = shop_texts.entries(request[SHOP], query.language)
    return _json(TemplateListOut(language=query.language, templates=[TemplateOut.of(e) for e in entries]))


@routes.route("PUT", SLOT, "Replace a message text with the shop's own", role="admin", body=TemplateIn,
              response=TemplateOut, errors=(404,), path_schemas=_SLOT_SCHEMAS)  # fmt: skip
async def set_template(request: web.Request) -> web.Response:
    """422 `unknown_placeholder` names a placeholder the text's kind does not know; nothing is saved then."""
    slot = _slot(request)
    body = await _body(TemplateIn, request)
    try:
        entry = await shop_texts.set_text(request.config_dict[DATABASE].shops, request[SHOP], slot, body.text)
    except templating.TemplateError as exc:
        raise _refused(exc) from None
    request.config_dict[SHOPS].forget(request[SHOP].id)
    return _json(TemplateOut.of(entry))


@routes.route("DELETE", SLOT, "Restore a message text's default", role="admin", response=TemplateOut,
              path_schemas=_SLOT_SCHEMAS)  # fmt: skip
async def reset_template(request: web.Request) -> web.Response:
    entry = await shop_texts.reset_text(request.config_dict[DATABASE].shops, request[SHOP], _slot(request))
    request.config_dict[SHOPS].forget(request[SHOP].id)
    return _json(TemplateOut.of(entry))


@routes.post("/templates/preview", "Render a message text for an order on its channel", role="staff",
             body=PreviewIn, response=PreviewOut, errors=(404,))  # fmt: skip
async def preview_template(request: web.Request) -> web.Response:
    """Renders `text` (else the text in use) for `order_id` (else a sample order); `warnings` say what the
    platform does with it: SMS alphabet and segments, WhatsApp's and Instagram's 24-hour window and the
    template sent outside it, length limits.
    """
    body = await _body(PreviewIn, request)
    slot = TextSlot(body.kind, body.status, body.style, body.language).known()
    shop = request[SHOP]
    order = customer = None
    if body.order_id is not None:
        order = await request.config_dict[SERVICE].queries.get(shop, body.order_id)
        if order.customer.phone:
            customer = await request.config_dict[DATABASE].customers.find(shop.id, phone=order.customer.phone)
    try:
        seen = preview(
            shop, slot, now=request.config_dict[CLOCK](), text=body.text, order=order, customer=customer
        )
    except templating.TemplateError as exc:
        raise _refused(exc) from None
    sms = SmsOut(encoding=seen.sms.encoding, segments=seen.sms.segments, units=seen.sms.units)
    return _json(
        PreviewOut(
            text=seen.text,
            subject=seen.subject,
            warnings=seen.warnings,
            sms=sms,
            length=seen.length,
            max_length=seen.max_length,
        )
    )
