"""REST API v1 photo updates: attach a photo to an order (multipart, streamed), read it back.

The upload is read as it arrives, never past its limit: a declared length over it is refused before a byte
is read, and a body that grows past it is refused at the chunk that does, so no more than the limit is ever
held. Nothing is stored unless the whole form was read and the file is an image the service takes
(``orders.images``).
"""

from __future__ import annotations

import asyncio

from aiohttp import BodyPartReader, web

from bot.photo_media import photo_api_path
from orders.images import MAX_PHOTO_BYTES, PhotoRefused, PhotoTooLarge
from orders.model import Source
from orders.usecases.photos import MAX_CAPTION
from webhooks.api.routes import IDEMPOTENCY, SHOP, routes
from webhooks.api.schemas.photos import PhotoForm, PhotoOut, PhotoQuery
from webhooks.keys import PRINCIPAL, SERVICE, SETTINGS
from webhooks.middleware import ApiError, streams_body

#: The whole form may be the photo and this much more: the caption (2,000 characters, up to 4 bytes each)
#: and the parts' headers.
FORM_OVERHEAD = 16 * 1024
FORM_LIMIT = MAX_PHOTO_BYTES + FORM_OVERHEAD
#: How long an upload may take to arrive: 5 MB in a minute is about 0.7 Mbit/s, a weak mobile uplink.
UPLOAD_SECONDS = 60.0
_CHUNK = 64 * 1024
_TRUE, _FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off"})
IMAGE_TYPES = ("image/jpeg", "image/png")


def _too_large() -> ApiError:
    return ApiError(413, "too_large", f"the photo is over {MAX_PHOTO_BYTES // (1024 * 1024)} MB")


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_field", message, [{"field": field, "message": message}])


async def _read(part: BodyPartReader, limit: int, error: ApiError) -> bytes:
    """The part's bytes, raising ``error`` at the first chunk past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise error
        chunks.append(chunk)
    return b"".join(chunks)


async def _caption(part: BodyPartReader) -> str:
    too_long = _invalid("caption", f"at most {MAX_CAPTION} characters")
    caption = (await _read(part, 4 * MAX_CAPTION, too_long)).decode("utf-8")
    if len(caption) > MAX_CAPTION:
        raise too_long
    return caption


async def _notify(part: BodyPartReader) -> bool:
    word = (await _read(part, 16, _invalid("notify", "true or false"))).decode("ascii", "replace").lower()
    if word not in _TRUE | _FALSE:
        raise _invalid("notify", "true or false")
    return word in _TRUE


async def read_form(request: web.Request) -> tuple[bytes, str | None, bool]:
    """The form's file, caption and notify; 415 when it is not a multipart form, 413 over the limit."""
    if request.content_type != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "send the photo as multipart/form-data")
    if request.content_length is not None and request.content_length > FORM_LIMIT:
        raise _too_large()
    data: bytes | None = None
    caption: str | None = None
    notify = True
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise ApiError(400, "malformed", "nested multipart bodies are not taken")
            if part.name == "file":
                data = await _read(part, MAX_PHOTO_BYTES, _too_large())
            elif part.name == "caption":
                caption = await _caption(part)
            elif part.name == "notify":
                notify = await _notify(part)
            else:
                raise _invalid(str(part.name), "unknown field: the form takes file, caption and notify")
    except UnicodeDecodeError:
        raise _invalid("caption", "the text is not UTF-8") from None
    except (ValueError, web.RequestPayloadError, ConnectionResetError):
        raise ApiError(400, "malformed", "the multipart body could not be read") from None
    if data is None:
        raise _invalid("file", "the form has no file")
    return data, caption, notify


@streams_body
@routes.post("/orders/{order_id}/photos", "Attach a photo to an order (and send it to the customer)",
             role="staff", form=PhotoForm, response=PhotoOut, status=201, errors=(404,),
             headers=(IDEMPOTENCY,))  # fmt: skip
async def attach_photo(request: web.Request) -> web.Response:
    """JPEG, PNG or WebP up to 5 MB, recognised by its content: anything else is 415, a larger file 413, and
    nothing is kept. It is kept re-encoded without its metadata, goes on the order's timeline and, with
    `notify` (the default), to the customer on their channel with the photo update's text and the caption.
    An `Idempotency-Key` makes a retry answer the same photo.
    """
    key = IDEMPOTENCY.read(request)
    order = await request.config_dict[SERVICE].queries.get(request[SHOP], request.match_info["order_id"])
    try:
        async with asyncio.timeout(UPLOAD_SECONDS):
            data, caption, notify = await read_form(request)
    except TimeoutError:
        raise ApiError(408, "timeout", "the photo did not arrive in time") from None
    try:
        attached = await request.config_dict[SERVICE].photos.attach(
            request[SHOP], order.id, data, caption=caption, notify=notify, actor=request[PRINCIPAL].subject,
            source=Source.API, idempotency_key=key,
        )  # fmt: skip
    except PhotoTooLarge as exc:
        raise ApiError(413, "too_large", str(exc)) from None
    except PhotoRefused as exc:
        raise ApiError(415, "unsupported_media_type", str(exc)) from None
    path = photo_api_path(order.id, attached.photo.id)
    url = request.config_dict[SETTINGS].base_url + path
    return web.json_response(PhotoOut(photo_id=attached.photo.id, url=url).model_dump(), status=201)


@routes.get("/orders/{order_id}/photos/{photo_id}", "A photo of an order (or its thumbnail)", role="staff",
            query=PhotoQuery, response=PhotoOut, binary=IMAGE_TYPES)  # fmt: skip
async def get_photo(request: web.Request) -> web.Response:
    """The image itself, as kept (re-encoded, without metadata); `size=thumb` for the timeline's thumbnail."""
    query = PhotoQuery.model_validate(dict(request.query))
    photos = request.config_dict[SERVICE].photos
    photo = await photos.photo(request[SHOP], request.match_info["order_id"], request.match_info["photo_id"])
    thumbnail = query.size == "thumb"
    content = await photos.content(photo, thumbnail=thumbnail)
    return web.Response(
        body=content,
        content_type="image/jpeg" if thumbnail else photo.content_type,
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


__all__ = ["FORM_LIMIT", "UPLOAD_SECONDS", "attach_photo", "get_photo", "read_form"]
