// Words and numbers for people: statuses, reasons, sources, times in the shop's timezone, money.

export const STATUSES = ["pending", "processing", "shipped", "fulfilled", "cancelled"];

export const REASONS = {
  pending_too_long: "Pending too long",
  stuck_processing: "Stuck in processing",
  stuck_shipped: "Shipped long ago, not fulfilled",
  no_customer_contact: "Customer not contacted yet",
  notification_failed: "A notification failed",
  customer_waiting: "Customer waiting for a reply",
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
};

export const BULK_ACTIONS = {
  auto_progress: "Advance",
  update_status: "Change status",
  notify: "Notify",
};

export function statusLabel(status) {
  return status ? status[0].toUpperCase() + status.slice(1) : "";
}

export function hours(value) {
  return `${Number(value).toFixed(1)} h`;
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

/** A date-time in the shop's timezone, with the zone's short name ("Nov 2, 2026, 10:00 AM GMT+1"). */
export function shopTime(iso, timeZone) {
  if (!iso) return "";
  const key = timeZone || "UTC";
  if (!formatters.has(key)) {
    let format;
    try {
      format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: key });
    } catch {
      format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
    }
    formatters.set(key, format);
  }
  return formatters.get(key).format(new Date(iso));
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
