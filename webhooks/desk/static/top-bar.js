// The desk's header: the shop, freshness, the account's buttons.

import { clockTime } from "./format.js";
import { html } from "./ui.js";

export function TopBar({ shop, updated, live, onSettings, onRefresh, onSignOut }) {
  return html`
    <header class="top">
      <div class="top-title">
        <h1 id="desk-title" tabindex="-1">Order desk</h1>
        <span class="shop-name">${shop.name}</span>
      </div>
      <div class="top-actions">
        <span class="updated" aria-live="off">Last updated <time>${updated ? clockTime(updated) : "—"}</time></span>
        <span class="live-state" data-live=${live ? "live" : "polling"}>${live ? "Live" : "Checking every 3 s"}</span>
        <span class="signed-in-as" data-role=${shop.role}>Signed in as ${shop.role}</span>
        ${shop.role === "admin" && html`<button type="button" class="secondary" onClick=${onSettings}>Settings</button>`}
        <button type="button" onClick=${onRefresh}>Refresh</button>
        <button type="button" class="secondary" onClick=${onSignOut}>Sign out</button>
      </div>
    </header>
  `;
}
