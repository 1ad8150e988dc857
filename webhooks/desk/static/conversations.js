// Conversations: customers waiting for a person first, then the most recent; a customer's messages in both
// directions with delivery state and what the bot understood; and an answer box that says what will happen
// before anything is sent. Customer text is rendered as text only (htm/Preact text nodes, never HTML).

import { html, useEffect, useRef, useState } from "./ui.js";
import { LIVE_EVENT } from "./live.js";
import { Notice } from "./parts.js";
import { CHANNELS, INTENTS, maskedPhone, shopTime } from "./format.js";
import { PhotoThumb } from "./photos.js";

const PAGE_SIZE = 20;
/** What staff may pick to answer on (the console is the demo's and `orderbot chat`'s, never a choice here). */
const ANSWER_CHANNELS = ["whatsapp", "sms", "instagram", "email"];
const WHY = {
  quiet_hours: "waits for the end of the customer's quiet hours",
  rate_limited: "waits its turn at the sending number's rate",
  debounce: "waits a moment for further changes",
};
const PLAN_TONES = { send: "info", template_first: "warn", refused: "error" };

/** Runs `load` now and again whenever `refreshed` moves (the desk refreshed: the shop's data changed, or its
 * periodic refresh), or one of `deps` changes. */
function useReload(load, refreshed, deps) {
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

/** The Conversations screen: the list (waiting first, unread counts, search, paging) and the open conversation. */
export function ConversationsPanel({ api, timeZone, refreshed }) {
  const [cursors, setCursors] = useState([null]);
  const [filter, setFilter] = useState({ waiting: false, search: "" });
  const [typed, setTyped] = useState("");
  const [state, setState] = useState({});
  const [open, setOpen] = useState(null);
  const opener = useRef(null);

  const cursor = cursors[cursors.length - 1];
  useReload(async () => {
    try {
      const data = await api.conversations({
        waiting: filter.waiting ? "true" : undefined,
        search: filter.search || undefined,
        cursor: cursor ?? undefined,
        limit: PAGE_SIZE,
      });
      setState({ data });
    } catch (error) {
      if (error.status !== 401) setState((old) => ({ ...old, error: error.message }));
    }
  }, refreshed, [cursor, filter.waiting, filter.search]);

  const items = state.data?.items ?? [];
  const waitingCount = items.filter((item) => item.waiting).length;
  return html`
    <section class="panel conversations" aria-labelledby="conversations-title">
      <div class="panel-head">
        <h2 id="conversations-title">Conversations${waitingCount ? ` (${waitingCount} waiting)` : ""}</h2>
        <div class="filters">
          <label class="check">
            <input
              type="checkbox"
              checked=${filter.waiting}
              onChange=${(event) => {
                setFilter({ ...filter, waiting: event.currentTarget.checked });
                setCursors([null]);
              }}
            />
            Only waiting for a person
          </label>
          <form
            role="search"
            class="search"
            aria-label="Find a conversation"
            onSubmit=${(event) => {
              event.preventDefault();
              setFilter({ ...filter, search: typed.trim() });
              setCursors([null]);
            }}
          >
            <label>
              Find a customer
              <input type="search" placeholder="Name, phone, order number" value=${typed} onInput=${(event) => setTyped(event.currentTarget.value)} />
            </label>
            <button type="submit">Find</button>
          </form>
        </div>
      </div>
      ${state.error && html`<${Notice} tone="error" text=${`Could not load conversations: ${state.error}`} />`}
      ${!state.data && !state.error && html`<p class="muted">Loading conversations…</p>`}
      ${state.data && items.length === 0 && html`<p class="empty">${filter.search || filter.waiting ? "No conversations match." : "No conversations yet."}</p>`}
      ${items.length > 0 &&
      html`<ul class="conversation-list">
        ${items.map(
          (item) => html`
            <li key=${item.customer_id} data-customer=${item.customer_id} class=${item.waiting ? "waiting" : undefined}>
              <button
                type="button"
                class="conversation-row"
                aria-label=${`Open the conversation with ${item.name || "customer"}`}
                onClick=${(event) => {
                  opener.current = event.currentTarget;
                  setOpen(item.customer_id);
                }}
              >
                <span class="who">${item.name || "Customer"}</span>
                <span class="muted small">${CHANNELS[item.channel] ?? item.channel ?? ""}${item.order_numbers.length ? ` · #${item.order_numbers.join(", #")}` : ""}</span>
                ${item.waiting && html`<span class="badge waiting-badge" title=${`since ${shopTime(item.waiting_since, timeZone)}`}>Waiting for a person</span>`}
                ${item.unread > 0 && html`<span class="badge unread" aria-label=${`${item.unread} unread`}>${item.unread}</span>`}
                <span class="last">${item.last_message ? `${item.last_message.direction === "in" ? "" : "↩ "}${item.last_message.text}` : ""}</span>
              </button>
            </li>
          `,
        )}
      </ul>`}
      ${!filter.search &&
      html`<nav class="pager" aria-label="Pages of conversations">
        <button type="button" class="secondary" disabled=${cursors.length < 2} onClick=${() => setCursors(cursors.slice(0, -1))}>← Back</button>
        <span class="muted">Page ${cursors.length}</span>
        <button type="button" class="secondary" disabled=${!state.data?.next_cursor} onClick=${() => setCursors([...cursors, state.data.next_cursor])}>More →</button>
      </nav>`}
      ${open &&
      html`<${ConversationDialog}
        key=${open}
        api=${api}
        customerId=${open}
        timeZone=${timeZone}
        refreshed=${refreshed}
        onClose=${() => {
          setOpen(null);
          requestAnimationFrame(() => opener.current?.isConnected && opener.current.focus());
        }}
      />`}
    </section>
  `;
}

function ConversationDialog({ api, customerId, timeZone, refreshed, onClose }) {
  const ref = useRef(null);
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  return html`
    <dialog ref=${ref} class="order-dialog conversation-dialog" aria-labelledby="conversation-title" onClose=${onClose}>
      <header class="dialog-head">
        <h2 id="conversation-title">Conversation</h2>
        <button type="button" class="icon-button" aria-label="Close the conversation" onClick=${() => ref.current.close()}>✕</button>
      </header>
      <div class="dialog-body">
        <${Conversation} api=${api} customerId=${customerId} timeZone=${timeZone} refreshed=${refreshed} />
      </div>
    </dialog>
  `;
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

function AnswerBox({ api, customer, orderId, onSent }) {
  const [channel, setChannel] = useState("");
  const [text, setText] = useState("");
  const [plan, setPlan] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(null); // one key per text, so a retry after a lost answer never sends it twice

  useEffect(() => {
    let stopped = false;
    api
      .answerPlan(customer.customer_id, { channel: channel || undefined, order_id: orderId })
      .then((found) => !stopped && setPlan(found))
      .catch((error) => !stopped && error.status !== 401 && setPlan({ will: "refused", explanation: error.message }));
    return () => {
      stopped = true;
    };
  }, [customer.customer_id, channel, customer.waiting, customer.opted_out.join()]);

  const send = async (event) => {
    event.preventDefault();
    if (!text.trim()) return;
    key.current ??= crypto.randomUUID();
    setBusy(true);
    try {
      const accepted = await api.answer(
        customer.customer_id,
        { text: text.trim(), channel: channel || undefined, order_id: orderId },
        key.current,
      );
      key.current = null;
      setText("");
      setNotice({ tone: "ok", text: `Answer queued: ${accepted.plan.explanation}.` });
      await onSent();
    } catch (error) {
      if (error.status === 409) key.current = null;
      if (error.status !== 401) setNotice({ tone: "error", text: `Not sent: ${error.message}` });
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form class="answer-box" aria-label="Answer the customer" onSubmit=${send}>
      <label>
        Channel
        <select value=${channel} onChange=${(event) => setChannel(event.currentTarget.value)}>
          <option value="">Their channel${customer.preferred_channel ? ` (${CHANNELS[customer.preferred_channel] ?? customer.preferred_channel})` : ""}</option>
          ${ANSWER_CHANNELS.map((value) => html`<option key=${value} value=${value}>${CHANNELS[value]}</option>`)}
        </select>
      </label>
      ${plan && html`<p class=${`answer-plan notice notice-${PLAN_TONES[plan.will] ?? "info"}`} data-will=${plan.will}>${planWords(plan)}</p>`}
      <label class="grow">
        Your answer
        <textarea rows="3" maxlength="2000" value=${text} onInput=${(event) => {
          setText(event.currentTarget.value);
          key.current = null;
        }}></textarea>
      </label>
      <button type="submit" disabled=${busy || !text.trim() || plan?.will === "refused"}>${busy ? "Sending…" : "Send answer"}</button>
      ${notice && html`<${Notice} tone=${notice.tone} text=${notice.text} onDismiss=${() => setNotice(null)} />`}
    </form>
  `;
}

function planWords(plan) {
  const words = plan.explanation.charAt(0).toUpperCase() + plan.explanation.slice(1);
  return plan.will === "refused" ? `Can't send: ${words}.` : `${words}.`;
}
