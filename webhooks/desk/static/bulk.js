// Bulk actions on the selected orders (POST /api/v1/orders/bulk-action) and their per-order results in words.

import { BULK_ACTIONS, STATUSES, statusLabel } from "./format.js";
import { Notice } from "./parts.js";
import { html, useState } from "./ui.js";

export const MAX_SELECTION = 100;

const BULK_ERRORS = {
  not_found: "no such order",
  not_applied: "not moved",
  invalid_transition: "not allowed",
  conflict: "changed meanwhile, try again",
};

/** "not_applied: pending for 2 h; ..." in words: "not moved: pending for 2 h; ...". */
function bulkError(error) {
  const match = /^([a-z_]+)(?::\s*(.*))?$/s.exec(error ?? "");
  if (!match) return error ?? "failed";
  const words = BULK_ERRORS[match[1]] ?? match[1].replaceAll("_", " ");
  return match[2] ? `${words}: ${match[2]}` : words;
}

/** ``ok``, ``not_applied`` (the rules said not yet: no failure) or ``failed``, from a bulk result. */
function bulkOutcome(item) {
  if (item.ok) return "ok";
  return item.outcome === "not_applied" ? "not_applied" : "failed";
}

function notAppliedWhy(error) {
  return (error ?? "").replace(/^not_applied:\s*/, "") || "the rules said not yet";
}

function bulkSummary(action, answer) {
  const parts = [`${answer.succeeded} done`];
  if (answer.not_applied) parts.push(`${answer.not_applied} not applied`);
  if (answer.failed) parts.push(`${answer.failed} failed`);
  return `${BULK_ACTIONS[action]}: ${parts.join(", ")}.`;
}

export function BulkBar({ selected, api, onClear, onChanged }) {
  const [action, setAction] = useState("auto_progress");
  const [status, setStatus] = useState("processing");
  const [message, setMessage] = useState("");
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);

  const run = async (event) => {
    event.preventDefault();
    const ids = [...selected.keys()];
    const body = { order_ids: ids, action };
    if (action === "update_status") body.status = status;
    if (action === "notify" && message.trim()) body.message = message.trim();
    setBusy(true);
    try {
      const answer = await api.bulk(body);
      setResult({ action, numbers: new Map(selected), answer });
      await onChanged();
    } catch (error) {
      if (error.status !== 401) setResult({ error: error.message });
    } finally {
      setBusy(false);
    }
  };

  return html`
    <div class="bulk">
      <form class="bulk-form" aria-label="Bulk action on the selected orders" onSubmit=${run}>
        <strong>${selected.size} selected</strong>
        <span class="muted small">(up to ${MAX_SELECTION})</span>
        <label>
          Action
          <select value=${action} onChange=${(event) => setAction(event.currentTarget.value)}>
            ${Object.entries(BULK_ACTIONS).map(([key, words]) => html`<option key=${key} value=${key}>${words}</option>`)}
          </select>
        </label>
        ${action === "update_status" &&
        html`<label>
          New status
          <select value=${status} onChange=${(event) => setStatus(event.currentTarget.value)}>
            ${STATUSES.map((s) => html`<option key=${s} value=${s}>${statusLabel(s)}</option>`)}
          </select>
        </label>`}
        ${action === "notify" &&
        html`<label class="grow">
          <span>Message <span class="muted small">(optional)</span></span>
          <input type="text" maxlength="2000" value=${message} onInput=${(event) => setMessage(event.currentTarget.value)} />
        </label>`}
        <button type="submit" disabled=${busy}>${busy ? "Working…" : `Run on ${selected.size}`}</button>
        <button type="button" class="secondary" onClick=${() => { setResult(null); onClear(); }}>Clear selection</button>
      </form>
      ${result?.error && html`<${Notice} tone="error" text=${result.error} />`}
      ${result?.answer &&
      html`
        <div class="bulk-result" role="status">
          <p>${bulkSummary(result.action, result.answer)}</p>
          <ul>
            ${result.answer.results.map((item) => {
              const outcome = bulkOutcome(item);
              return html`
                <li key=${item.order_id} class=${outcome.replace("_", "-")} data-result=${outcome}>
                  <span aria-hidden="true">${{ ok: "✓ ", not_applied: "– ", failed: "✗ " }[outcome]}</span>
                  Order #${item.number ?? result.numbers.get(item.order_id) ?? item.order_id}:${" "}
                  ${outcome === "ok" ? "done" : outcome === "not_applied" ? `not applied — ${notAppliedWhy(item.error)}` : `not done — ${bulkError(item.error)}`}
                </li>
              `;
            })}
          </ul>
        </div>
      `}
    </div>
  `;
}
