// Small pieces shared by the desk and the order view.

import { html } from "./ui.js";
import { statusLabel } from "./format.js";

/** A status in colour and in words, so it reads without colour too. */
export function Badge({ status }) {
  return html`<span class=${`badge badge-${status}`}>${statusLabel(status)}</span>`;
}

/** A message in words: `ok` and `info` are announced politely, `error` at once. */
export function Notice({ tone, text, onDismiss }) {
  return html`
    <div class=${`notice notice-${tone}`} role=${tone === "error" ? "alert" : "status"}>
      <span>${text}</span>
      ${onDismiss && html`<button type="button" class="link-button" onClick=${onDismiss}>Dismiss</button>`}
    </div>
  `;
}
