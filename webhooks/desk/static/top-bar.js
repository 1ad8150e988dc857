// The desk's header: the shop, freshness, the account's buttons, and the navigation between the desk's pages.
// The page lives in the address's fragment (#analytics), so a reload or a shared link opens the same page.

import { clockTime } from "./format.js";
import { html, useEffect, useState } from "./ui.js";

export const PAGES = [
  ["orders", "Orders"],
  ["analytics", "Analytics"],
];

function pageInAddress() {
  const name = window.location.hash.slice(1);
  return PAGES.some(([key]) => key === name) ? name : "orders";
}

/** The page named in the address, following the back and forward buttons. */
export function usePage() {
  const [page, setPage] = useState(pageInAddress);
  useEffect(() => {
    const follow = () => setPage(pageInAddress());
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);
  return page;
}

export function TopBar({ shop, page, updated, live, onSettings, onRefresh, onSignOut }) {
  return html`
    <header class="top">
      <div class="top-title">
        <h1 id="desk-title" tabindex="-1">Order desk</h1>
        <span class="shop-name">${shop.name}</span>
      </div>
      <nav class="pages" aria-label="Desk pages">
        ${PAGES.map(
          ([key, label]) =>
            html`<a key=${key} href=${`#${key}`} aria-current=${page === key ? "page" : undefined}>${label}</a>`,
        )}
      </nav>
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
