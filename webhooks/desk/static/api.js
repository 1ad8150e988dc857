// REST API v1 calls with the shop's token, and where that token lives (sessionStorage only).

const TOKEN_KEY = "orderbot.dashboard.token";

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Takes a token from `#token=...` into sessionStorage and strips it from the address bar. */
export function takeTokenFromAddress() {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

const STATUS_WORDS = {
  0: "Can't reach the order desk server. Check the connection; the page keeps retrying.",
  502: "The order desk server is not answering right now; the page keeps retrying.",
  503: "The database is unavailable right now; the page keeps retrying.",
  504: "The order desk server took too long to answer; the page keeps retrying.",
};

const templatePath = ({ kind, status, style, language }) =>
  "/templates/" + [kind, status, style, language].map(encodeURIComponent).join("/");

/** A client for one token; `onUnauthorized` runs on any 401 (missing, bad, expired or revoked token). */
export function apiClient(token, onUnauthorized) {
  async function call(method, path, { body, headers = {} } = {}) {
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {
        method,
        cache: "no-store",
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "unreachable", STATUS_WORDS[0]);
    }
    if (response.status === 304) return { notModified: true };
    const data = await response.json().catch(() => null);
    if (response.status === 401) {
      onUnauthorized(data?.error?.message ?? "unauthorized");
      throw new ApiError(401, "unauthorized", "Your sign-in is no longer valid.");
    }
    if (!response.ok) {
      const message = data?.error?.message ?? STATUS_WORDS[response.status] ?? `The server answered ${response.status}.`;
      throw new ApiError(response.status, data?.error?.code ?? "error", message, data?.error?.details ?? null);
    }
    return data;
  }

  const query = (params) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
    }
    const text = search.toString();
    return text ? `?${text}` : "";
  };

  return {
    shop: () => call("GET", "/shop"),
    /** Admin only: change the shop's settings (only the fields given). */
    updateShop: (body) => call("PATCH", "/shop", { body }),
    /** `{revision}` or `{notModified: true}` when it still matches `etag`. */
    revision: (etag) => call("GET", "/shop/revision", { headers: etag ? { "If-None-Match": etag } : {} }),
    stats: () => call("GET", "/orders/stats"),
    attention: (params) => call("GET", `/orders/requiring-attention${query(params)}`),
    orders: (params) => call("GET", `/orders${query(params)}`),
    order: (id) => call("GET", `/orders/${encodeURIComponent(id)}`),
    progress: (id) => call("GET", `/orders/${encodeURIComponent(id)}/progress`),
    advance: (id) => call("POST", `/orders/${encodeURIComponent(id)}/auto-progress`),
    updateStatus: (body) => call("POST", "/orders/update-status", { body }),
    notify: (body) => call("POST", "/orders/notify", { body, headers: { "Idempotency-Key": crypto.randomUUID() } }),
    followUp: (body) =>
      call("POST", "/orders/schedule-followup", { body, headers: { "Idempotency-Key": crypto.randomUUID() } }),
    bulk: (body) => call("POST", "/orders/bulk-action", { body }),
    templates: (language) => call("GET", `/templates${query({ language })}`),
    setTemplate: (slot, text) => call("PUT", templatePath(slot), { body: { text } }),
    resetTemplate: (slot) => call("DELETE", templatePath(slot)),
    previewTemplate: (body) => call("POST", "/templates/preview", { body }),
    promiseReport: (params) => call("GET", `/promises/report${query(params)}`),
    /** Per-day figures for `{from, to}` (YYYY-MM-DD, the shop's days; both empty: the last 30 days). */
    analytics: (params) => call("GET", `/analytics${query(params)}`),
    alerts: (params) => call("GET", `/alerts${query(params)}`),
    alertSeen: (id) => call("POST", `/alerts/${encodeURIComponent(id)}/seen`),
    /** A one-minute ticket that opens the event stream (an EventSource cannot send the token). */
    eventsTicket: () => call("POST", "/events/ticket"),
    conversations: (params) => call("GET", `/conversations${query(params)}`),
    customer: (id) => call("GET", `/customers/${encodeURIComponent(id)}`),
    customerMessages: (id, params) => call("GET", `/customers/${encodeURIComponent(id)}/messages${query(params)}`),
    answerPlan: (id, params) => call("GET", `/customers/${encodeURIComponent(id)}/messages/plan${query(params)}`),
    /** `key`: the same Idempotency-Key for a retry of the same answer. */
    answer: (id, body, key) =>
      call("POST", `/customers/${encodeURIComponent(id)}/messages`, { body, headers: { "Idempotency-Key": key } }),
    markRead: (id) => call("POST", `/customers/${encodeURIComponent(id)}/read`),
  };
}
