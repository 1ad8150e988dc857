// One customer's conversation, on the Conversations screen and in the order view: both directions with
// delivery state and what the bot understood, kept current by the desk's refreshes and live events, with the
// answer box (answer-box.js) below. Customer text is rendered as text only (htm/Preact text nodes, never HTML).

import { html, useEffect, useRef, useState } from "./ui.js";
import { LIVE_EVENT } from "./live.js";
import { Notice } from "./parts.js";
import { CHANNELS, INTENTS, maskedPhone, shopTime } from "./format.js";
import { PhotoThumb } from "./photos.js";
import { AnswerBox } from "./answer-box.js";

const WHY = {
  quiet_hours: "waits for the end of the customer's quiet hours",
  rate_limited: "waits its turn at the sending number's rate",
  debounce: "waits a moment for further changes",
};

/** Runs `load` now and again whenever `refreshed` moves (the desk refreshed: the shop's data changed, or its
 * periodic refresh), or one of `deps` changes. */
export function useReload(load, refreshed, deps) {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    latest.current();
  }, [refreshed, ...deps]);
}

/** Calls `hear({kind, data})` for every live event the desk receives (live.js); the desk refreshes on them too. */
function useLiveEvents(hear) {
  const latest = useRef(hear);
  latest.current = hear;
  useEffect(() => {
    const listener = (event) => latest.current(event.detail);
    window.addEventListener(LIVE_EVENT, listener);
    return () => window.removeEventListener(LIVE_EVENT, listener);
  }, []);
}

/** The order view's part: the conversation of the order's customer (found by the order's number); it reloads
 * with the order view. */
export function OrderConversation({ api, order, timeZone }) {
  const [found, setFound] = useState({});
  useEffect(() => {
    let stopped = false;
    api
      .conversations({ search: order.number, limit: 5 })
      .then((data) => {
        const item = data.items.find((each) => each.order_numbers.includes(order.number));
        if (!stopped) setFound({ customerId: item?.customer_id ?? null });
      })
      .catch((error) => !stopped && error.status !== 401 && setFound({ error: error.message }));
    return () => {
      stopped = true;
    };
  }, [order.order_id]);
  return html`
    <section aria-labelledby="order-conversation-title" class="order-conversation">
      <h3 id="order-conversation-title">Conversation with the customer</h3>
      ${found.error && html`<${Notice} tone="error" text=${found.error} />`}
      ${found.customerId === undefined && !found.error && html`<p class="muted">Loading…</p>`}
      ${found.customerId === null && html`<p class="muted">This order's customer has no conversation yet.</p>`}
      ${found.customerId && html`<${Conversation} api=${api} customerId=${found.customerId} orderId=${order.order_id} timeZone=${timeZone} refreshed=${order} />`}
    </section>
  `;
}

/** One customer's conversation: who they are, their messages (older pages on demand), and the answer box. */
export function Conversation({ api, customerId, orderId, timeZone, refreshed }) {
  const [customer, setCustomer] = useState(null);
  const [page, setPage] = useState({});
  const [older, setOlder] = useState({ messages: [], cursor: undefined });
  const [error, setError] = useState(null);

  const load = async () => {
    try {
      const [who, latest] = await Promise.all([api.customer(customerId), api.customerMessages(customerId, {})]);
      setCustomer(who);
      setPage(latest);
      setError(null);
      if (who.unread > 0) await api.markRead(customerId); // open in front of staff: what came in is read
    } catch (failure) {
      if (failure.status !== 401) setError(failure.status === 404 ? "This customer does not exist for this shop." : failure.message);
    }
  };
  useReload(load, refreshed, [customerId]);
  // a message to or from this customer, or a delivery state of one, shows at once
  useLiveEvents(({ kind, data }) => {
    if ((kind === "message" || kind === "delivery") && data?.customer_id === customerId) load();
  });

  const loadOlder = async () => {
    const cursor = older.cursor === undefined ? page.next_cursor : older.cursor;
    try {
      const earlier = await api.customerMessages(customerId, { cursor });
      setOlder({ messages: [...earlier.messages, ...older.messages], cursor: earlier.next_cursor });
    } catch (failure) {
      if (failure.status !== 401) setError(failure.message);
    }
  };
  const moreCursor = older.cursor === undefined ? page.next_cursor : older.cursor;
  const seen = new Set((page.messages ?? []).map((m) => m.message_id));
  const messages = [...older.messages.filter((m) => !seen.has(m.message_id)), ...(page.messages ?? [])];
  return html`
    <div class="conversation" data-customer=${customerId}>
      ${error && html`<${Notice} tone="error" text=${error} />`}
      ${customer &&
      html`<p class="conversation-who">
        <strong>${customer.name || "Customer"}</strong>
        ${customer.phones.length > 0 && html` · ${customer.phones.map(maskedPhone).join(", ")}`}
        ${customer.preferred_channel && html` · writes on ${CHANNELS[customer.preferred_channel] ?? customer.preferred_channel}`}
        ${customer.waiting && html` · <span class="badge waiting-badge">Waiting for a person</span>`}
        ${customer.opted_out.length > 0 && html` · opted out of ${customer.opted_out.map((c) => CHANNELS[c] ?? c).join(", ")}`}
      </p>`}
      ${moreCursor && html`<button type="button" class="secondary" onClick=${loadOlder}>Older messages</button>`}
      ${page.messages && messages.length === 0 && html`<p class="muted">No messages yet.</p>`}
      <ol class="messages" aria-label="Messages">
        ${messages.map(
          (m) => html`
            <li key=${m.message_id} class=${`message message-${m.direction}`} data-state=${m.state}>
              <div class="message-meta">
                <span class="author">${m.author === "customer" ? customer?.name || "Customer" : m.author === "bot" ? "Bot" : m.author}</span>
                <span>${CHANNELS[m.channel] ?? m.channel ?? ""}</span>
                <time datetime=${m.at}>${shopTime(m.at, timeZone)}</time>
                ${m.direction === "out" && html`<span class=${`state state-${m.state}`}>${m.state}</span>`}
                ${m.intent && html`<span class="badge intent" title="What the bot understood">${INTENTS[m.intent] ?? m.intent}${m.intent_detail ? ` (${m.intent_detail})` : ""}</span>`}
              </div>
              <p class="message-text">${m.text}</p>
              ${(m.photos ?? []).map((p) => html`<${PhotoThumb} key=${p.photo_id} orderId=${p.order_id} photoId=${p.photo_id} />`)}
              ${m.why && m.state !== "sent" && m.state !== "delivered" && html`<p class="reason">${WHY[m.why] ?? m.why}</p>`}
            </li>
          `,
        )}
      </ol>
      ${customer && html`<${AnswerBox} api=${api} customer=${customer} orderId=${orderId} onSent=${load} />`}
    </div>
  `;
}
