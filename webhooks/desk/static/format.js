// Words and numbers for people: statuses, reasons, sources, times in the shop's timezone, money.

export const STATUSES = ["pending", "processing", "shipped", "fulfilled", "cancelled"];

export const REASONS = {
  pending_too_long: "Pending too long",
  stuck_processing: "Stuck in processing",
  stuck_shipped: "Shipped long ago, not fulfilled",
  no_customer_contact: "Customer not contacted yet",
  notification_failed: "A notification failed",
  customer_waiting: "Customer waiting for a reply",
  delivery_problem: "The carrier reports a delivery problem",
  promise_at_risk: "A delivery date told to the customer is at risk",
};

export const SOURCES = {
  webhook: "shop webhook",
  staff: "staff",
  api: "API",
  rules: "rules",
  ai: "AI",
};

export const KINDS = {
  status_update: "status update",
  manual: "message",
  follow_up: "follow-up",
  reply: "reply",
  staff_alert: "staff alert",
  status: "status change",
  delivery: "delivery news",
  delay: "delay message",
  promise: "delivery date at risk",
  photo: "photo",
};

/** The messaging channels by name, as their makers write them. */
export const CHANNELS = { whatsapp: "WhatsApp", sms: "SMS", instagram: "Instagram", email: "Email", console: "Console" };

/** What the bot understood a customer message to ask, in words. */
export const INTENTS = {
  order_status: "where is my order",
  tracking: "tracking",
  list_orders: "my orders",
  cancel_request: "cancel request",
  delivery_time: "when will it arrive",
  complaint: "complaint",
  change_order: "change request",
  refund: "refund or return",
  human: "asks for a person",
  help: "help",
  greeting: "greeting",
  thanks: "thanks",
  opt_out: "opted out",
  opt_in: "opted back in",
  other: "other topic",
  unknown: "not understood",
};

export const BULK_ACTIONS = {
  auto_progress: "Advance",
  update_status: "Change status",
  notify: "Notify",
};

export function statusLabel(status) {
  return status ? status[0].toUpperCase() + status.slice(1) : "";
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** An age in days and hours, as people say it: "3 days 18 hours", "5 hours", "less than an hour". */
export function ageText(hours) {
  const whole = Math.floor(Number(hours));
  if (!(whole >= 1)) return "less than an hour";
  const days = Math.floor(whole / 24);
  const rest = whole % 24;
  if (days === 0) return plural(rest, "hour");
  return rest === 0 ? plural(days, "day") : `${plural(days, "day")} ${plural(rest, "hour")}`;
}

export function percent(rate) {
  return rate === null || rate === undefined ? "none yet" : `${(rate * 100).toFixed(1)} %`;
}

export function money(total, currency) {
  const amount = Number(total);
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${total} ${currency}`;
  }
}

const formatters = new Map();

const WORDS = { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" };

/** A date-time in the shop's timezone, in words with the zone's short name ("Mon, Nov 2, 2026, 10:00 AM GMT+1"). */
export function shopTime(iso, timeZone) {
  if (!iso) return "";
  const key = timeZone || "UTC";
  if (!formatters.has(key)) {
    let format;
    try {
      format = new Intl.DateTimeFormat(undefined, { ...WORDS, timeZone: key });
    } catch {
      format = new Intl.DateTimeFormat(undefined, { ...WORDS, timeZone: "UTC" });
    }
    formatters.set(key, format);
  }
  return formatters.get(key).format(new Date(iso));
}

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

/** A note or error with any ISO date-time in it (written by an earlier version) in the shop's time, in words. */
export function shopTimesIn(text, timeZone) {
  return text ? text.replace(ISO_TIME, (iso) => shopTime(iso, timeZone)) : text;
}

/** The browser's own clock, for "last updated". */
export function clockTime(date) {
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Only the last four digits of a phone number: enough to recognise it, not to leak it. */
export function maskedPhone(phone) {
  if (!phone) return "";
  const digits = phone.replace(/\D/g, "");
  return `•••• ${digits.slice(-4)}`;
}
