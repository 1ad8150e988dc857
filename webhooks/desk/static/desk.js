// The signed-in desk: reads the shop and shows the page chosen in its navigation: the orders page (stats,
// alerts, conversations, the attention queue, all orders, promises, message texts) with the order view, or
// analytics. What it shows is read by desk-data.js and kept fresh by desk-freshness.js.

import { AlertsPanel } from "./alerts.js";
import { AllOrders } from "./orders-table.js";
import { AnalyticsPage } from "./analytics.js";
import { apiClient } from "./api.js";
import { AttentionQueue } from "./attention.js";
import { ConversationsPanel } from "./conversations.js";
import { useDeskData, useLatest } from "./desk-data.js";
import { useKeptFresh } from "./desk-freshness.js";
import { OrderDialog } from "./order-dialog.js";
import { Notice } from "./parts.js";
import { PromisesReport } from "./promises.js";
import { SettingsDialog } from "./settings.js";
import { Stats } from "./stats.js";
import { TemplateEditor } from "./templates-editor.js";
import { TopBar, usePage } from "./top-bar.js";
import { html, useEffect, useRef, useState } from "./ui.js";

export function Desk({ token, onSignOut, onRejected }) {
  const api = useRef(null);
  if (api.current === null) api.current = apiClient(token, onRejected);
  const client = api.current;

  const [shop, setShop] = useState(null);
  const [attentionFilter, setAttentionFilter] = useState({ reason: "", max_age_hours: "" });
  const [listFilter, setListFilter] = useState({ status: "", search: "" });
  const [cursors, setCursors] = useState([null]);
  const [openId, setOpenId] = useState(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [live, setLive] = useState(false);
  const [alertsVersion, setAlertsVersion] = useState(0);
  const [analyticsVersion, setAnalyticsVersion] = useState(0);
  const page = usePage();

  const view = useLatest({ attentionFilter, listFilter, cursor: cursors[cursors.length - 1], openId });
  const data = useDeskData(client, view);
  const { stats, attention, orders, detail, setDetail, updated, offline } = data;
  const { loadAttention, loadOrders, loadDetail, refreshAll } = data;
  const opener = useRef(null);

  useKeptFresh(client, {
    refresh: data.refresh,
    etag: data.etag,
    onShop: setShop,
    onOffline: data.setOffline,
    onAlerts: () => setAlertsVersion((n) => n + 1),
    onLive: setLive,
  });

  // Filters and paging reload their own section only.
  const firstRender = useRef(true);
  useEffect(() => {
    if (!firstRender.current) loadAttention().catch(() => {});
  }, [attentionFilter]);
  useEffect(() => {
    if (!firstRender.current) loadOrders().catch(() => {});
    firstRender.current = false;
  }, [listFilter, cursors]);
  useEffect(() => {
    if (openId) loadDetail().catch(() => {});
  }, [openId]);

  const openOrder = (id, event) => {
    opener.current = event?.currentTarget ?? document.activeElement;
    setDetail(null);
    setOpenId(id);
  };
  const closeOrder = () => {
    setOpenId(null);
    setDetail(null);
    const back = opener.current;
    opener.current = null;
    requestAnimationFrame(() => {
      if (back && back.isConnected) back.focus();
      else document.getElementById("desk-title")?.focus();
    });
  };

  if (!shop) {
    return html`<main class="desk">
      ${offline
        ? html`<${Notice} tone="error" text=${offline} />
            <p><button type="button" class="secondary" onClick=${onSignOut}>Sign out</button></p>`
        : html`<p class="boot">Signing in…</p>`}
    </main>`;
  }
  return html`
    <${TopBar}
      shop=${shop}
      page=${page}
      updated=${updated}
      live=${live}
      onSettings=${() => setSettingsOpen(true)}
      onRefresh=${() => {
        refreshAll({ everything: true });
        setAnalyticsVersion((n) => n + 1);
      }}
      onSignOut=${onSignOut}
    />
    ${page === "analytics" &&
    html`<main class="desk">
      ${offline && html`<${Notice} tone="error" text=${offline} />`}
      <${AnalyticsPage} api=${client} version=${analyticsVersion} />
    </main>`}
    <main class="desk" hidden=${page !== "orders"}>
      ${offline && html`<${Notice} tone="error" text=${offline} />`}
      <${Stats} state=${stats} />
      <${AlertsPanel} api=${client} version=${alertsVersion} timeZone=${shop.timezone} />
      <${ConversationsPanel} api=${client} timeZone=${shop.timezone} refreshed=${updated} />
      <${AttentionQueue}
        state=${attention}
        filter=${attentionFilter}
        onFilter=${setAttentionFilter}
        api=${client}
        onOpen=${openOrder}
        onChanged=${refreshAll}
      />
      <${AllOrders}
        state=${orders}
        filter=${listFilter}
        onFilter=${(next) => {
          setListFilter(next);
          setCursors([null]);
        }}
        cursors=${cursors}
        onPage=${setCursors}
        timeZone=${shop.timezone}
        api=${client}
        onOpen=${openOrder}
        onChanged=${refreshAll}
      />
      <${PromisesReport} api=${client} />
      ${shop.role === "admin" && html`<${TemplateEditor} api=${client} />`}
    </main>
    ${openId &&
    html`<${OrderDialog}
      key=${openId}
      orderId=${openId}
      detail=${detail?.id === openId ? detail : null}
      timeZone=${shop.timezone}
      api=${client}
      onClose=${closeOrder}
      onChanged=${refreshAll}
    />`}
    ${settingsOpen &&
    html`<${SettingsDialog}
      api=${client}
      onClose=${() => setSettingsOpen(false)}
      onSaved=${(saved) => setShop(saved)}
    />`}
  `;
}
