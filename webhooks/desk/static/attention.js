// The attention queue: orders the rules flag, with advance, a quick notification and open.

import { REASONS, ageText, maskedPhone, money } from "./format.js";
import { decisionText } from "./order-dialog.js";
import { Badge, Notice } from "./parts.js";
import { Loading, Section } from "./panels.js";
import { html, useEffect, useRef, useState } from "./ui.js";

export function AttentionQueue({ state, filter, onFilter, api, onOpen, onChanged }) {
  const [notice, setNotice] = useState(null);
  const [notifying, setNotifying] = useState(null);
  const [age, setAge] = useState(filter.max_age_hours);
  const items = state.data?.orders ?? [];

  const advance = async (row) => {
    try {
      setNotice({ tone: "ok", text: decisionText(row.number, await api.advance(row.order_id)) });
      await onChanged();
    } catch (error) {
      if (error.status !== 401) setNotice({ tone: "error", text: `Order #${row.number}: ${error.message}` });
    }
  };

  const filters = html`
    <form
      class="filters"
      aria-label="Filter the attention queue"
      onSubmit=${(event) => {
        event.preventDefault();
        onFilter({ ...filter, max_age_hours: age });
      }}
    >
      <label>
        Reason
        <select value=${filter.reason} onChange=${(event) => onFilter({ ...filter, reason: event.currentTarget.value })}>
          <option value="">Any reason</option>
          ${Object.entries(REASONS).map(([key, words]) => html`<option key=${key} value=${key}>${words}</option>`)}
        </select>
      </label>
      <label>
        Waiting over (hours)
        <input
          type="number"
          min="1"
          max="8760"
          step="1"
          placeholder="shop rules"
          value=${age}
          onInput=${(event) => setAge(event.currentTarget.value)}
          onChange=${(event) => onFilter({ ...filter, max_age_hours: event.currentTarget.value })}
        />
      </label>
    </form>
  `;
  return html`
    <${Section}
      id="attention-title"
      title=${state.data ? `Needs attention (${state.data.count})` : "Needs attention"}
      extra=${filters}
    >
      ${notice && html`<${Notice} tone=${notice.tone} text=${notice.text} onDismiss=${() => setNotice(null)} />`}
      <${Loading} state=${state} what="the attention queue" />
      ${state.data && items.length === 0 && html`<p class="empty">Nothing needs attention right now.</p>`}
      ${items.length > 0 &&
      html`
        <table class="rows attention">
          <thead>
            <tr><th>Order</th><th>Status</th><th>Age</th><th>Customer</th><th>Total</th><th>Why</th><th><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            ${items.map(
              (row) => html`
                <tr key=${row.order_id} data-order=${row.number}>
                  <td data-label="Order"><strong>#${row.number}</strong></td>
                  <td data-label="Status"><${Badge} status=${row.status} /></td>
                  <td data-label="Age">${ageText(row.age_hours)}</td>
                  <td data-label="Customer">${row.customer.name || maskedPhone(row.customer.phone) || "—"}</td>
                  <td data-label="Total">${money(row.total, row.currency)}</td>
                  <td data-label="Why">
                    <ul class="reasons">${row.reasons.map((reason) => html`<li key=${reason}>${REASONS[reason] ?? reason}</li>`)}</ul>
                  </td>
                  <td class="row-actions">
                    <button type="button" aria-label=${`Advance order #${row.number}`} onClick=${() => advance(row)}>Advance</button>
                    <button
                      type="button"
                      class="secondary"
                      aria-label=${`Notify the customer of order #${row.number}`}
                      aria-expanded=${notifying === row.order_id}
                      onClick=${() => setNotifying(notifying === row.order_id ? null : row.order_id)}
                    >
                      Notify
                    </button>
                    <button type="button" class="secondary" aria-label=${`Open order #${row.number}`} onClick=${(event) => onOpen(row.order_id, event)}>
                      Open
                    </button>
                    ${notifying === row.order_id &&
                    html`<${QuickNotify}
                      row=${row}
                      api=${api}
                      onDone=${async (text) => {
                        setNotifying(null);
                        setNotice(text);
                        await onChanged();
                      }}
                    />`}
                  </td>
                </tr>
              `,
            )}
          </tbody>
        </table>
      `}
    <//>
  `;
}

function QuickNotify({ row, api, onDone }) {
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  const input = useRef(null);
  useEffect(() => input.current?.focus(), []);
  return html`
    <form
      class="quick-notify"
      aria-label=${`Message for order #${row.number}`}
      onSubmit=${async (event) => {
        event.preventDefault();
        try {
          await api.notify({ order_id: row.order_id, message: text.trim() || undefined });
          onDone({ tone: "ok", text: `Notification queued for order #${row.number}.` });
        } catch (failure) {
          if (failure.status !== 401) setError(failure.message);
        }
      }}
    >
      <label>
        <span>Message <span class="muted small">(optional)</span></span>
        <input ref=${input} type="text" maxlength="2000" value=${text} onInput=${(event) => setText(event.currentTarget.value)} />
      </label>
      <button type="submit">Send</button>
      ${error && html`<${Notice} tone="error" text=${error} />`}
    </form>
  `;
}
