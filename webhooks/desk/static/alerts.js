// Staff alerts on the desk: every alert as it happens (a person asked for, a cancel or change request, a
// complaint, a failed notification, the attention scan), also those no one could receive on Telegram or by
// email, until someone marks them seen.

import { shopTime } from "./format.js";
import { Notice } from "./parts.js";
import { html, useEffect, useState } from "./ui.js";

const SHOWN = 20;

/** Where else the alert went, in words. */
export function deliveryWords(delivery) {
  if (!delivery || delivery.state === "queued" || delivery.state === "sending") return "Being sent to staff…";
  if (delivery.state === "skipped") return "Only here: no staff on Telegram or email.";
  if (["failed", "dead", "review"].includes(delivery.state)) return `Not delivered to staff: ${delivery.error ?? "failed"}.`;
  return delivery.reached > 1 ? `Sent to ${delivery.reached} staff chats and addresses.` : "Sent to staff.";
}

/** The unseen alerts, newest first; reloads whenever `version` changes. */
export function AlertsPanel({ api, version, timeZone }) {
  const [state, setState] = useState({});
  const load = async () => {
    try {
      setState({ data: await api.alerts({ unseen: true, limit: SHOWN }) });
    } catch (error) {
      if (error.status !== 401) setState((old) => ({ ...old, error: error.message }));
    }
  };
  useEffect(() => {
    load();
  }, [version]);

  const seen = async (alert) => {
    try {
      await api.alertSeen(alert.alert_id);
      await load();
    } catch (error) {
      if (error.status !== 401) setState((old) => ({ ...old, error: error.message }));
    }
  };

  const alerts = state.data?.alerts ?? [];
  return html`
    <section class="panel alerts" aria-labelledby="alerts-title">
      <div class="panel-head"><h2 id="alerts-title">${alerts.length ? `Alerts (${alerts.length})` : "Alerts"}</h2></div>
      ${state.error && html`<${Notice} tone="error" text=${`Could not load the alerts: ${state.error}`} />`}
      ${state.data && alerts.length === 0 && html`<p class="empty">No new alerts.</p>`}
      ${alerts.length > 0 &&
      html`<ul class="alert-list" aria-live="polite">
        ${alerts.map(
          (alert) => html`
            <li key=${alert.alert_id} data-alert=${alert.alert_id}>
              <p class="alert-text">${alert.text}</p>
              <p class="muted small">
                <time>${shopTime(alert.created_at, timeZone)}</time> · <span class="alert-delivery">${deliveryWords(alert.delivery)}</span>
              </p>
              <button type="button" class="secondary" onClick=${() => seen(alert)}>Mark seen</button>
            </li>
          `,
        )}
      </ul>`}
    </section>
  `;
}
