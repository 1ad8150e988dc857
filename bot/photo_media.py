"""How a photo update carries its image on each channel, decided when the message is about to go.

WhatsApp and Instagram show the image with the message: the provider fetches it from a media link,
``<public URL>/media/<token>``, whose token opens that one photo until it expires. SMS sends it as MMS where
the sending number can: Twilio sends MMS from US and Canadian numbers only (``+1``); from any other number the
link goes in the text instead. Email embeds the image (inline, by Content-ID), so nothing is fetched. The
console has no images: it shows the link.

A token is made for each send, so a message held by quiet hours or parked behind a WhatsApp nudge still
carries a link that lives the whole ``ttl`` from when it went out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from channels.base import ChannelName, InlineImage, OutboundMessage
from orders.model import Attachment, OutboxEntry, Photo
from orders.store import PhotoStore

#: Sending numbers Twilio sends MMS from: the US and Canada (the North American Numbering Plan).
MMS_PREFIXES = ("+1",)
#: Channels whose provider fetches the image from its media link and shows it with the text.
FETCHED = frozenset({ChannelName.WHATSAPP, ChannelName.INSTAGRAM})
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


def photo_api_path(order_id: str, photo_id: str) -> str:
    """Where staff's tools read a photo (REST API v1, with their token); the thumbnail adds ``?size=thumb``."""
    return f"/api/v1/orders/{order_id}/photos/{photo_id}"


def sends_mms(sender: str) -> bool:
    """Whether Twilio can send MMS from this SMS number."""
    return sender.startswith(MMS_PREFIXES)


@dataclass(frozen=True)
class PhotoMedia:
    photos: PhotoStore
    base_url: str
    ttl: timedelta
    clock: Callable[[], datetime]

    async def link(self, photo: Photo) -> str:
        """A new media link to ``photo``, open for ``ttl``."""
        token = await self.photos.mint_token(photo, self.clock() + self.ttl)
        return f"{self.base_url.rstrip('/')}/media/{token}"

    async def dress(
        self, entry: OutboxEntry, message: OutboundMessage
    ) -> tuple[OutboundMessage, list[Attachment]]:
        """``message`` carrying the entry's photo as its channel can, and the attachment to record with it.

        A WhatsApp template (the nudge outside the 24-hour window) carries no image: the photo goes with the
        message itself once the customer replies.
        """
        if entry.photo_id is None or message.template is not None:
            return message, []
        photo = await self.photos.get(entry.shop_id, entry.photo_id)
        attachment = Attachment(
            url=photo_api_path(photo.order_id, photo.id), content_type=photo.content_type, photo_id=photo.id
        )
        channel = message.channel
        if channel == ChannelName.EMAIL:
            content = await self.photos.content(photo)
            name = f"order-photo.{_EXTENSIONS.get(photo.content_type, 'jpg')}"
            dressed = dataclasses.replace(message, images=(InlineImage(content, photo.content_type, name),))
        elif channel in FETCHED or (channel == ChannelName.SMS and sends_mms(message.sender)):
            dressed = dataclasses.replace(message, media_urls=(await self.link(photo),))
        else:  # SMS from a number without MMS, the console: the link, on a line of its own
            dressed = dataclasses.replace(message, text=f"{message.text}\n{await self.link(photo)}")
        return dressed, [attachment]


__all__ = ["FETCHED", "MMS_PREFIXES", "PhotoMedia", "photo_api_path", "sends_mms"]
