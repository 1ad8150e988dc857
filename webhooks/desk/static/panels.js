// Section frames shared by the desk's panels: a titled panel, and what to show while its data loads or fails.

import { Notice } from "./parts.js";
import { html } from "./ui.js";

export function Section({ id, title, children, extra }) {
  return html`
    <section class="panel" aria-labelledby=${id}>
      <div class="panel-head">
        <h2 id=${id}>${title}</h2>
        ${extra}
      </div>
      ${children}
    </section>
  `;
}

export function Loading({ state, what }) {
  if (state.error && !state.data) return html`<${Notice} tone="error" text=${`Could not load ${what}: ${state.error}`} />`;
  if (!state.data) return html`<p class="muted">Loading ${what}…</p>`;
  if (state.error) return html`<${Notice} tone="error" text=${`Showing earlier ${what}; the last refresh failed: ${state.error}`} />`;
  return null;
}
