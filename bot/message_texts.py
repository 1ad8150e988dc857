"""The service's own words, as data: every default text a shop can replace, and what each may say.

A text is kept per ``kind/status/style/language`` (``KEY`` below). ``order_status`` is the status message (the
answer to "where is my order?" and the update sent when an order moves), one per status; ``several_orders``
lists a customer's orders; every other kind is a fixed reply, for any status. A shop's own text may use the
placeholders its kind knows (``placeholders``). The defaults here are English; the other languages' are in
``bot.languages.texts``, and a shop's text in a language is used for the customers answered in it.

The built-in status message adapts to the order (a carrier's stage, the next step, the shop's tone); its
default text here is the template form of that message, where a shop's own text starts.
"""

from __future__ import annotations

from bot.languages import texts as language_texts
from orders.lifecycle import DeliveryStage, Status

#: Customer-facing styles a shop may write texts for (Telegram is the staff's and speaks to no customer).
STYLES = ("whatsapp", "sms", "instagram", "email", "console")
#: Languages a shop may write texts in; English is the default every other one falls back to.
LANGUAGES = ("en", "es", "pt", "fr", "de", "it")
DEFAULT_LANGUAGE = "en"
#: ``status`` of a text that does not depend on the order's status.
ANY_STATUS = "any"
ORDER_STATUS = "order_status"
SEVERAL_ORDERS = "several_orders"
#: The text sent with a photo staff attached (``{caption}``: what they wrote with it).
PHOTO_UPDATE = "photo_update"
#: The longest text a shop may keep: Twilio's limit for one message, the longest a chat channel takes.
MAX_TEXT = 1600

STATUS_WORDS = {
    Status.PENDING: "received and waiting to be processed",
    Status.PROCESSING: "being prepared",
    Status.SHIPPED: "on its way",
    Status.FULFILLED: "delivered",
    Status.CANCELLED: "cancelled",
}
STATUS_EMOJI = {
    Status.PENDING: "🧾",
    Status.PROCESSING: "📦",
    Status.SHIPPED: "🚚",
    Status.FULFILLED: "✅",
    Status.CANCELLED: "❌",
}
# What a shipped order's carrier stage says, after "Order #1042 ", and what comes next (None: nothing).
STAGE_WORDS = {
    DeliveryStage.IN_TRANSIT: "is in transit",
    DeliveryStage.OUT_FOR_DELIVERY: "is out for delivery today",
    DeliveryStage.READY_FOR_PICKUP: "is ready for pickup",
    DeliveryStage.DELIVERY_PROBLEM: "had a delivery problem: the carrier could not deliver it",
    DeliveryStage.DELIVERED: "was delivered, the carrier says",
}
STAGE_NEXT: dict[DeliveryStage, str | None] = {
    DeliveryStage.READY_FOR_PICKUP: "Next: collect it at the pickup point.",
    DeliveryStage.DELIVERY_PROBLEM: "Next: check the tracking for what the carrier needs, or contact us.",
    DeliveryStage.DELIVERED: None,
}
STAGE_EMOJI = {
    DeliveryStage.IN_TRANSIT: "🚚",
    DeliveryStage.OUT_FOR_DELIVERY: "🚚",
    DeliveryStage.READY_FOR_PICKUP: "📍",
    DeliveryStage.DELIVERY_PROBLEM: "⚠️",
    DeliveryStage.DELIVERED: "📬",
}
NEXT_WORDS = {
    Status.PROCESSING: "we start preparing it",
    Status.SHIPPED: "it ships",
    Status.FULFILLED: "it arrives",
}


REPLIES = {
    "no_orders": "I couldn't find any orders for you yet. If you ordered with another phone number or email, "
    "reply with your order number.",
    "unknown_order": "I couldn't find order #{order_number} for you. Check the number, or reply 'human' to reach our team.",
    "menu": "I can help with: order status and delivery dates (send your order number), tracking, your "
    "orders, cancelling or changing an order, refunds and problems, or reaching a person (reply 'human').",
    "human": "Thanks, I've asked our team to get back to you here as soon as they can.",
    "cancel": "I've passed your request to cancel order #{order_number} to our team; they'll confirm here shortly.",
    "cancel_closed": "Order #{order_number} is already {status}, so it can't be cancelled. Reply 'human' for help.",
    "change": "I've passed your request to change order #{order_number} to our team; a person will confirm here "
    "whether it can still be done.",
    "change_closed": "Order #{order_number} is already {status}, so it can't be changed. Reply 'human' for help.",
    "complaint": "Sorry about that! I've passed it to our team{about}; a person will look into it and reply "
    "here.",
    "refund": "I've passed your {what} request{about} to our team; a person will reply here with what happens "
    "next.",
    "other": "I can't help with {topic} in this chat. Reply 'human' to reach a person, or send your order "
    "number for its status.",
    "greeting": "Hi! Send me your order number and I'll tell you where it is.",
    "thanks": "You're welcome! Anything else, just ask.",
    "opted_out": "You won't get more messages from {shop_name} here. Reply START to resume.",
    "opted_in": "You'll get order updates from {shop_name} here again. Reply STOP to opt out.",
    "help": "{shop_name} order updates. Send your order number for its status. Reply STOP to opt out.",
    "link_needed": "To keep your orders private, please send your order number and the email or the last "
    "4 digits of the phone number on the order.",
    "linked": "Thanks, you're verified! I can now tell you about your orders here.",
    "not_linked": "Sorry, those details don't match an order I can share. Please check and try again.",
    "link_code": "To see this number's orders in our Instagram chat, send us there: code {code} (valid 15 "
    "minutes). Never share this code with anyone.",
    "satisfaction_ask": "How was order #{order_number}? Reply with a score from 1 (poor) to 5 (great), and a comment if you like.",
    "satisfaction_email": "How was order #{order_number}? Choose a score from 1 (poor) to 5 (great) below; you can add a comment before you send it.",
    "satisfaction_thanks": "Thank you for your feedback!",
    "satisfaction_sorry": "Thank you for telling us, and sorry it wasn't better. A person from our team will get back to you.",
    "delay": "Sorry, order #{order_number} is running late: the carrier now expects to deliver it on {date}. "
    "We'll let you know if anything changes.",
    "late": "Sorry, order #{order_number} may not arrive today as we said: the carrier hasn't sent it out for "
    "delivery yet. We'll let you know as soon as we hear more.",
    "photo_update": "Here's a photo of your order #{order_number}.\n{caption}",
}
REPLY_EMOJI = {
    "greeting": "👋", "thanks": "😊", "human": "🙋", "no_orders": "🔎", "linked": "🎉", "menu": "🤖",
    "complaint": "🙏", "change": "✏️", "refund": "💬", "other": "🤖", "delay": "⏳", "late": "⏳",
}  # fmt: skip


#: What every text may say, and what the texts about one order add.
COMMON_PLACEHOLDERS = ("first_name", "shop_name")
ORDER_PLACEHOLDERS = (
    "order_number", "status", "progress", "tracking_url", "tracking_number", "carrier", "eta", "last_update",
    "total",
)  # fmt: skip
_REPLY_PLACEHOLDERS = {
    "unknown_order": ("order_number",),
    "cancel": ("order_number",),
    "cancel_closed": ("order_number", "status"),
    "change": ("order_number",),
    "change_closed": ("order_number", "status"),
    "complaint": ("about",),
    "refund": ("what", "about"),
    "other": ("topic",),
    "link_code": ("code",),
    "satisfaction_ask": ("order_number",),
    "satisfaction_email": ("order_number",),
    "delay": ("order_number", "date"),
    "late": ("order_number",),
    "photo_update": ("order_number", "caption"),
}


def kinds() -> tuple[str, ...]:
    return (ORDER_STATUS, SEVERAL_ORDERS, *REPLIES)


def statuses(kind: str) -> tuple[str, ...]:
    """The statuses a kind has a text for: each order status for the status message, else ``any``."""
    return tuple(s.value for s in Status) if kind == ORDER_STATUS else (ANY_STATUS,)


def placeholders(kind: str) -> tuple[str, ...]:
    """The placeholders a text of ``kind`` may use."""
    if kind == ORDER_STATUS:
        return (*COMMON_PLACEHOLDERS, *ORDER_PLACEHOLDERS)
    if kind == SEVERAL_ORDERS:
        return (*COMMON_PLACEHOLDERS, "orders")
    return (*COMMON_PLACEHOLDERS, *_REPLY_PLACEHOLDERS.get(kind, ()))


def text_key(kind: str, status: str, style: str, language: str) -> str:
    """How a shop's text is filed: ``order_status/shipped/sms/en``."""
    return f"{kind}/{status}/{style}/{language}"


def is_known(kind: str, status: str, style: str, language: str) -> bool:
    return kind in kinds() and status in statuses(kind) and style in STYLES and language in LANGUAGES


_STATUS_DEFAULTS = {
    "sms": "Order #{order_number} is {status} ({progress}). Track: {tracking_url} -{shop_name}",
    "whatsapp": "Hi {first_name}! Order #{order_number} is {status} ({progress} done).\n"
    "Track it here 👉 {tracking_url}\nLast update: {last_update}",
    "instagram": "Hey {first_name}! Order #{order_number} is {status} ({progress} done).\n"
    "Track it here 👉 {tracking_url}\nLast update: {last_update}\nAnything else? Just message me ✨",
    "email": "Dear {first_name},\n\nOrder #{order_number} is {status} ({progress} complete).\n"
    "Track your parcel: {tracking_url}\n\nLast update: {last_update}\n\nKind regards,\n{shop_name}",
    "console": "Order #{order_number} is {status} ({progress}).\nTracking: {tracking_url}\n"
    "Last update: {last_update}",
}
_SEVERAL_DEFAULTS = {
    "sms": "Your orders: {orders} -{shop_name}",
    "whatsapp": "Here are your latest orders 📋\n{orders}\nReply with an order number for details.",
    "instagram": "Here are your latest orders 📋\n{orders}\nReply with an order number for details.",
}


_PHOTO_DEFAULTS = {
    "sms": "Order #{order_number}: a photo for you. {caption} -{shop_name}",
    "whatsapp": "📸 Hi {first_name}! Here's a photo of your order #{order_number}.\n{caption}",
    "instagram": "📸 Hey {first_name}! Here's a photo of your order #{order_number} ✨\n{caption}",
    "email": "Dear {first_name},\n\nHere is a photo of your order #{order_number}.\n\n{caption}\n\n"
    "Kind regards,\n{shop_name}",
}


def default_text(kind: str, status: str, style: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The text a shop starts from for ``kind/status/style`` in ``language``."""
    if language != DEFAULT_LANGUAGE:
        return language_texts.default_text(kind, status, style, language)
    if kind == PHOTO_UPDATE:
        return _PHOTO_DEFAULTS.get(style, REPLIES[kind])
    if kind == ORDER_STATUS:
        text = _STATUS_DEFAULTS[style]
        if status == Status.CANCELLED:  # no progress, nothing to track
            text = text.replace(" ({progress} done)", "").replace(" ({progress} complete)", "")
            text = text.replace(" ({progress})", "")
        return text
    if kind == SEVERAL_ORDERS:
        return _SEVERAL_DEFAULTS.get(
            style, "Your latest orders:\n{orders}\nReply with an order number for details."
        )
    text = REPLIES[kind]
    if style == "sms":
        return text + " -{shop_name}"
    if style in ("whatsapp", "instagram") and kind in REPLY_EMOJI:
        if kind == "greeting":
            text = text.replace("Hi!", "Hi {first_name}!", 1)
        if kind == "thanks":
            text = text.replace("You're welcome!", "You're welcome, {first_name}!", 1)
        return f"{text} {REPLY_EMOJI[kind]}"
    return text
