// The stats cards at the top of the orders page (GET /api/v1/orders/stats).

import { STATUSES, percent, statusLabel } from "./format.js";
import { Loading, Section } from "./panels.js";
import { html } from "./ui.js";

export function Stats({ state }) {
  const data = state.data;
  const cards = data
    ? [
        ["total", "Total orders", data.total],
        ...STATUSES.map((status) => [status, statusLabel(status), data.by_status[status] ?? 0]),
        ["delivery_rate", "Delivery rate", percent(data.notifications.delivery_rate)],
        ["auto_progression_rate", "Automatic moves", percent(data.auto_progression_rate)],
      ]
    : [];
  return html`
    <${Section} id="stats-title" title="At a glance">
      <${Loading} state=${state} what="statistics" />
      ${data &&
      html`<dl class="stats">
        ${cards.map(
          ([key, label, value]) => html`
            <div key=${key} class=${`stat stat-${key}`} data-stat=${key}>
              <dt>${label}</dt>
              <dd class=${typeof value === "string" && !/\d/.test(value) ? "quiet" : undefined}>${value}</dd>
            </div>
          `,
        )}
      </dl>`}
    <//>
  `;
}
