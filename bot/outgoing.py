"""Turning a planned delivery into a provider's send, and recording what went.

The notifier (``bot.notifier``) decides when an entry goes and how it ends; this is the part that builds
the message for its channel (the shop's own SMTP server for email, staff buttons on Telegram, a photo
update's image) before the first provider call, so a failure while building sends nothing, and that stores
the message as sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.notification_counts import count_notification
from bot.photo_media import PhotoMedia
from bot.plans import Delivery
from bot.stores import NotifierStores
from channels.base import Channel, ChannelName, OutboundMessage, SendError
from channels.email import EmailChannel
from channels.telegram import Button, TelegramChannel
from orders.analytics import notification_channel
from orders.model import (
    Attachment,
    DeliveryState,
    Direction,
    Message,
    MessageId,
    OutboxEntry,
    OutboxState,
    Shop,
    new_id,
)

#: Channels with no provider behind them (the console, the simulator): nobody reports delivery later, so
#: what they take is delivered at once; a process without one leaves the entry to a process that has it.
LOCAL_CHANNELS = frozenset({ChannelName.CONSOLE})

#: Staff alert buttons for an order: bot.staff.keyboards builds them, the notifier only carries them.
AlertButtons = Callable[[OutboxEntry], Awaitable[Sequence[Sequence[Button]]]]


@dataclass(frozen=True)
class Outgoing:
    """One message ready for its channel's ``send``."""

    channel: Channel
    message: OutboundMessage
    buttons: Sequence[Sequence[Button]] = ()
    #: What the message carries besides its text (a photo update's photo), recorded with it.
    attachments: Sequence[Attachment] = ()


def shop_email_channel(shop: Shop) -> Channel | None:
    """The shop's own SMTP server, when it has one."""
    return EmailChannel(shop.name, shop.email) if shop.email else None


class Sending:
    """The notifier's sending half: what it needs is set by ``Notifier.__init__``."""

    channels: Mapping[str, Channel]
    clock: Callable[[], datetime]
    stores: NotifierStores
    email_channel: Callable[[Shop], Channel | None]
    alert_buttons: AlertButtons | None
    media: PhotoMedia | None

    async def _outgoing(self, entry: OutboxEntry, delivery: Delivery, shop: Shop) -> Outgoing:
        """Everything a send needs, made before the first provider call (so a failure here sent nothing)."""
        if delivery.channel == ChannelName.EMAIL:
            channel = self.email_channel(shop)
        else:
            channel = self.channels.get(delivery.channel.value)
        if channel is None:
            raise SendError(  # a local channel is retried: another process (``orderbot chat``) may have it
                f"the {delivery.channel} channel is not configured",
                transient=delivery.channel in LOCAL_CHANNELS,
                code="no_channel",
            )
        outbound = OutboundMessage(
            channel=delivery.channel, to=delivery.to, sender=delivery.sender, text=delivery.text,
            subject=delivery.subject, template=delivery.template, quick_replies=delivery.quick_replies,
        )  # fmt: skip
        buttons: Sequence[Sequence[Button]] = ()
        if isinstance(channel, TelegramChannel) and self.alert_buttons is not None:
            buttons = await self.alert_buttons(entry)
        attachments: Sequence[Attachment] = ()
        if entry.photo_id is not None:
            if self.media is None:
                raise SendError("photos cannot be sent by this process", transient=True, code="no_media")
            outbound, attachments = await self.media.dress(entry, outbound)
        return Outgoing(channel, outbound, buttons, attachments)

    async def _deliver(self, entry: OutboxEntry, out: Outgoing, customer_id: str | None) -> str:
        outbound, channel = out.message, out.channel
        if isinstance(channel, TelegramChannel):
            receipt = await channel.send(outbound, buttons=out.buttons)
        else:
            receipt = await channel.send(outbound)
        now = self.clock()
        state = DeliveryState.DELIVERED if receipt.state == DeliveryState.DELIVERED else DeliveryState.SENT
        await self.stores.messages.add(
            Message(
                id=MessageId(new_id("msg")), shop_id=entry.shop_id, customer_id=customer_id,
                channel=outbound.channel.value, direction=Direction.OUTBOUND, provider_id=receipt.provider_id,
                sender=outbound.sender, recipient=outbound.to, body=outbound.text,
                attachments=list(out.attachments), state=state, outbox_id=entry.id, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        return receipt.provider_id

    async def _delivered_locally(self, entry: OutboxEntry, channel: ChannelName) -> None:
        """A local channel's message is delivered once sent, and counted so, as a provider's report would."""
        if channel in LOCAL_CHANNELS and await self.stores.outbox.move_state(
            entry.id, OutboxState.DELIVERED.value, only_from=(OutboxState.SENT.value,)
        ):
            now = self.clock()
            counted_on = notification_channel(channel.value, entry.channel)
            await count_notification(self.stores, entry.shop_id, "delivered", counted_on, now, entry.kind)
