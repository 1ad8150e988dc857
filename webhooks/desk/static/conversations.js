// Conversations: the screen of customers' conversations, those waiting for a person first, then the most
// recent, with unread counts, search and paging; one opens in a dialog (conversation-view.js). Customer text
// is rendered as text only (htm/Preact text nodes, never HTML).

import { html, useEffect, useRef, useState } from "./ui.js";
import { Notice } from "./parts.js";
import { CHANNELS, shopTime } from "./format.js";
import { Conversation, useReload } from "./conversation-view.js";

const PAGE_SIZE = 20;

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
