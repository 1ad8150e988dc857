// The order view: a real <dialog> with progress, timeline, notifications and every action on one order.

import { html, useEffect, useRef, useState } from "./ui.js";
import { Badge, Notice } from "./parts.js";
import { OrderConversation } from "./conversation-view.js";
import { PhotoForm, PhotoThumb } from "./photos.js";
import { KINDS, SOURCES, STATUSES, maskedPhone, money, shopTime, shopTimesIn, statusLabel } from "./format.js";

// A carrier's estimate is a day: both aggregators send a bare date as midnight UTC, so it is read in UTC.
const carrierDay = (iso) =>
  new Date(iso).toLocaleDateString("en-US", { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" });

export function OrderDialog({ orderId, detail, timeZone, api, onClose, onChanged }) {
  const ref = useRef(null);
  const [notice, setNotice] = useState(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  // Every action: run it, say what happened, reload everything (the dialog stays open).
  const act = async (work, describe) => {
    try {
      const result = await work();
      setNotice({ tone: "ok", text: describe(result) });
      await onChanged();
      return true;
    } catch (error) {
      setNotice({ tone: "error", text: explain(error) });
      if (error.status === 409) await onChanged();
      return false;
    }
  };

  const order = detail?.order;
  const progress = detail?.progress;
  return html`
    <dialog ref=${ref} class="order-dialog" aria-labelledby="order-title" onClose=${onClose}>
      <header class="dialog-head">
        <h2 id="order-title">${order ? `Order #${order.number}` : "Order"}</h2>
        ${order && html`<${Badge} status=${order.status} />`}
        <button type="button" class="icon-button" aria-label="Close order view" onClick=${() => ref.current.close()}>
          ✕
        </button>
      </header>
      ${detail?.error && html`<${Notice} tone="error" text=${detail.error} />`}
      ${!order && !detail?.error && html`<p class="muted">Loading order ${orderId}…</p>`}
      ${order &&
      html`
        <div class="dialog-body">
          <section aria-label="Progress" class="progress-block">
            <progress max="100" value=${order.progress} aria-label="Progress">${order.progress} %</progress>
            <p>
              <strong>${order.progress} %</strong> · now <strong>${order.status}</strong>
              ${order.next_status ? html` · next: ${order.next_status}` : html` · nothing follows`}
            </p>
          </section>
          <section aria-label="Customer and items" class="facts">
            <dl>
              <dt>Customer</dt>
              <dd>${order.customer.name || "—"}</dd>
              ${order.customer.email && html`<dt>Email</dt><dd>${order.customer.email}</dd>`}
              ${order.customer.phone && html`<dt>Phone</dt><dd>${maskedPhone(order.customer.phone)}</dd>`}
              <dt>Total</dt>
              <dd>${money(order.total, order.currency)}</dd>
              <dt>Channel</dt>
              <dd>${order.channel || "—"}</dd>
              ${order.tracking?.number &&
              html`<dt>Tracking</dt><dd>${[order.tracking.carrier, order.tracking.number].filter(Boolean).join(" ")}${order.tracking.stage ? ` · ${order.tracking.stage.replaceAll("_", " ")}` : ""}</dd>`}
              ${order.tracking?.stage_at &&
              html`<dt>Carrier news</dt><dd>${[order.tracking.place, shopTime(order.tracking.stage_at, timeZone)].filter(Boolean).join(" · ")}</dd>`}
              ${order.tracking?.estimated_delivery &&
              html`<dt>Carrier estimate</dt><dd>${carrierDay(order.tracking.estimated_delivery)}</dd>`}
            </dl>
            ${order.items.length > 0 &&
            html`<ul class="items">
              ${order.items.map((item, index) => html`<li key=${index}>${item.quantity} × ${item.title}</li>`)}
            </ul>`}
          </section>
          ${notice && html`<${Notice} tone=${notice.tone} text=${notice.text} />`}
          <${Actions} order=${order} api=${api} act=${act} timeZone=${timeZone} />
          <${PhotoForm} order=${order} act=${act} />
          <section aria-labelledby="timeline-title">
            <h3 id="timeline-title">Timeline <span class="muted small">(times in ${timeZone})</span></h3>
            ${progress ? html`<${Timeline} events=${progress.timeline} timeZone=${timeZone} orderId=${order.order_id} />` : html`<p class="muted">Loading…</p>`}
          </section>
          <${OrderConversation} api=${api} order=${order} timeZone=${timeZone} />
          <section aria-labelledby="notifications-title">
            <h3 id="notifications-title">Notifications</h3>
            ${progress
              ? html`<${Notifications} items=${progress.notifications} timeZone=${timeZone} />`
              : html`<p class="muted">Loading…</p>`}
          </section>
        </div>
      `}
    </dialog>
  `;
}

function explain(error) {
  if (error.status === 409) {
    return `Not changed: ${error.message}. The order view now shows the latest state; check it and try again.`;
  }
  return error.message;
}

function Actions({ order, api, act, timeZone }) {
  const [status, setStatus] = useState("");
  const [note, setNote] = useState("");
  const [force, setForce] = useState(false);
  const [tell, setTell] = useState(true);
  const [message, setMessage] = useState("");
  const [delay, setDelay] = useState("24");
  const [followUp, setFollowUp] = useState("");
  const [busy, setBusy] = useState(false);

  const run = async (event, work, describe, reset) => {
    event.preventDefault();
    setBusy(true);
    const ok = await act(work, describe);
    setBusy(false);
    if (ok && reset) reset();
  };

  const backwards = status && STATUSES.indexOf(status) < STATUSES.indexOf(order.status) && status !== "cancelled";
  return html`
    <section aria-labelledby="actions-title" class="actions">
      <h3 id="actions-title">Actions</h3>
      <div class="action-row">
        <button
          type="button"
          disabled=${busy}
          onClick=${(event) =>
            run(event, () => api.advance(order.order_id), (result) => decisionText(order.number, result))}
        >
          Advance
        </button>
      </div>
      <form
        class="action-form"
        aria-label="Change status"
        onSubmit=${(event) =>
          run(
            event,
            () =>
              api.updateStatus({
                order_id: order.order_id,
                status,
                note: note.trim() || undefined,
                force,
                notify: tell,
                version: order.version,
              }),
            (moved) => `Order #${moved.number} is now ${moved.status}.`,
            () => {
              setNote("");
              setForce(false);
              setStatus("");
            },
          )}
      >
        <label>
          New status
          <select value=${status} onChange=${(event) => setStatus(event.currentTarget.value)} required>
            <option value="">Choose…</option>
            ${STATUSES.filter((s) => s !== order.status).map((s) => html`<option key=${s} value=${s}>${statusLabel(s)}</option>`)}
          </select>
        </label>
        <label class="grow">
          Note
          <input type="text" maxlength="2000" value=${note} onInput=${(event) => setNote(event.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked=${force} onChange=${(event) => setForce(event.currentTarget.checked)} />
          Allow moving backwards
        </label>
        <label class="check">
          <input type="checkbox" checked=${tell} onChange=${(event) => setTell(event.currentTarget.checked)} />
          Tell the customer
        </label>
        ${backwards && !force && html`<p class="hint">This moves the order backwards: tick “Allow moving backwards”.</p>`}
        <button type="submit" disabled=${busy || !status}>Change status</button>
      </form>
      <form
        class="action-form"
        aria-label="Notify the customer"
        onSubmit=${(event) =>
          run(
            event,
            () => api.notify({ order_id: order.order_id, message: message.trim() || undefined }),
            () => `Notification queued for order #${order.number}.`,
            () => setMessage(""),
          )}
      >
        <label class="grow">
          <span>Message to the customer <span class="muted small">(empty: the usual status message)</span></span>
          <textarea rows="2" maxlength="2000" value=${message} onInput=${(event) => setMessage(event.currentTarget.value)}></textarea>
        </label>
        <button type="submit" disabled=${busy}>Notify</button>
      </form>
      <form
        class="action-form"
        aria-label="Schedule a follow-up"
        onSubmit=${(event) =>
          run(
            event,
            () =>
              api.followUp({
                order_id: order.order_id,
                delay_hours: Number(delay),
                message: followUp.trim() || undefined,
              }),
            (accepted) => `Follow-up scheduled for ${shopTime(accepted.due_at, timeZone)}.`,
            () => setFollowUp(""),
          )}
      >
        <label>
          Follow up in hours
          <input type="number" min="0.25" max="8760" step="0.25" value=${delay} required onInput=${(event) => setDelay(event.currentTarget.value)} />
        </label>
        <label class="grow">
          <span>Text <span class="muted small">(optional)</span></span>
          <input type="text" maxlength="2000" value=${followUp} onInput=${(event) => setFollowUp(event.currentTarget.value)} />
        </label>
        <button type="submit" disabled=${busy}>Schedule follow-up</button>
      </form>
    </section>
  `;
}

export function decisionText(number, result) {
  const { decision, applied, order } = result;
  const why = `${decision.reason} (${SOURCES[decision.source] ?? decision.source}, confidence ${decision.confidence.toFixed(2)})`;
  if (applied) return `Order #${number} advanced to ${order.status}: ${why}.`;
  return `Order #${number} not advanced: ${why}.`;
}

function Timeline({ events, timeZone, orderId }) {
  if (events.length === 0) return html`<p class="muted">No events yet.</p>`;
  return html`
    <ol class="timeline">
      ${[...events].reverse().map(
        (event, index) => html`
          <li key=${events.length - index}>
            <div class="timeline-head">
              <${Badge} status=${event.status} />
              <span>${KINDS[event.kind] ?? event.kind}${event.forced ? " (forced backwards)" : ""}</span>
              <time datetime=${event.at}>${shopTime(event.at, timeZone)}</time>
            </div>
            <div class="timeline-meta">
              by ${SOURCES[event.source] ?? event.source}${event.actor ? html` · ${event.actor}` : ""}
              ${event.from_status ? html` · from ${event.from_status}` : ""}
            </div>
            ${event.note && html`<p class="note">${shopTimesIn(event.note, timeZone)}</p>`}
            ${event.photo_id && html`<${PhotoThumb} orderId=${orderId} photoId=${event.photo_id} />`}
            ${event.reason &&
            html`<p class="reason">
              Reason: ${event.reason}${event.confidence !== null ? ` · confidence ${event.confidence.toFixed(2)}` : ""}
            </p>`}
          </li>
        `,
      )}
    </ol>
  `;
}

function Notifications({ items, timeZone }) {
  if (items.length === 0) return html`<p class="muted">No notifications for this order yet.</p>`;
  return html`
    <ul class="notifications">
      ${[...items].reverse().map(
        (item) => html`
          <li key=${item.notification_id}>
            <div class="timeline-head">
              <span class=${`state state-${item.state}`}>${item.state}</span>
              <span>${KINDS[item.kind] ?? item.kind} · ${item.channel || "preferred channel"}</span>
              ${item.ai_written && html`<span class="badge ai-written" title="Worded by Gemini from the order's facts, checked before it was sent">Written by AI</span>`}
              <time datetime=${item.due_at}>${shopTime(item.due_at, timeZone)}</time>
            </div>
            <p class="note">${item.ai_text || item.message || (item.status ? `Standard “${item.status}” message` : "Standard message")}</p>
            ${item.error && html`<p class="reason">${shopTimesIn(item.error, timeZone)}</p>`}
          </li>
        `,
      )}
    </ul>
  `;
}
