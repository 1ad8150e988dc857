// The signed-in desk: reads the shop, keeps the orders page fresh, and shows the page chosen in its navigation.
// Fresh without reloading: live events (live.js) refresh what changed within a second; while there is no
// stream, a cheap revision check every 3 s (one tiny request answered 304 while nothing changed) does; and
// a refresh every 30 s either way (ages grow with time alone).

import { AlertsPanel } from "./alerts.js";
import { AllOrders } from "./orders-table.js";
import { AnalyticsPage } from "./analytics.js";
import { ApiError, apiClient } from "./api.js";
import { AttentionQueue } from "./attention.js";
import { ConversationsPanel } from "./conversations.js";
import { OrderDialog } from "./order-dialog.js";
import { useLiveRefresh } from "./live.js";
import { Notice } from "./parts.js";
import { PromisesReport } from "./promises.js";
import { SettingsDialog } from "./settings.js";
import { Stats } from "./stats.js";
import { TemplateEditor } from "./templates-editor.js";
import { TopBar, usePage } from "./top-bar.js";
import { html, useEffect, useRef, useState } from "./ui.js";

const FULL_REFRESH_MS = 30_000;
const CHANGE_CHECK_MS = 3_000;
const PAGE_SIZE = 25;

function useLatest(value) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

export function Desk({ token, onSignOut, onRejected }) {
  const api = useRef(null);
  if (api.current === null) api.current = apiClient(token, onRejected);
  const client = api.current;

  const [shop, setShop] = useState(null);
  const [stats, setStats] = useState({});
  const [attention, setAttention] = useState({});
  const [orders, setOrders] = useState({});
  const [attentionFilter, setAttentionFilter] = useState({ reason: "", max_age_hours: "" });
  const [listFilter, setListFilter] = useState({ status: "", search: "" });
  const [cursors, setCursors] = useState([null]);
  const [openId, setOpenId] = useState(null);
  const [detail, setDetail] = useState(null);
  const [updated, setUpdated] = useState(null);
  const [offline, setOffline] = useState(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [live, setLive] = useState(false);
  const [alertsVersion, setAlertsVersion] = useState(0);
  const [analyticsVersion, setAnalyticsVersion] = useState(0);
  const page = usePage();
  const liveOn = useRef(false);

  const view = useLatest({ attentionFilter, listFilter, cursor: cursors[cursors.length - 1], openId });
  const etag = useRef(null);
  const opener = useRef(null);

  const guard = async (work, onError) => {
    try {
      await work();
      return true;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) throw error;
      onError(error);
      return false;
    }
  };

  const loadStats = () =>
    guard(
      async () => setStats({ data: await client.stats() }),
      (error) => setStats((old) => ({ ...old, error: error.message })),
    );
  // A filter may change while an answer is on its way: only the answer to the latest call is shown.
  const calls = useRef({ attention: 0, orders: 0 });
  const latest = async (name, ask, show) => {
    const call = ++calls.current[name];
    const data = await ask();
    if (call === calls.current[name]) show(data);
  };
  const loadAttention = () =>
    guard(
      () =>
        latest(
          "attention",
          () => client.attention({ ...view.current.attentionFilter, limit: 200 }),
          (data) => setAttention({ data }),
        ),
      (error) => setAttention((old) => ({ ...old, error: error.message })),
    );
  const loadOrders = () =>
    guard(
      () =>
        latest(
          "orders",
          () => client.orders({ ...view.current.listFilter, cursor: view.current.cursor, limit: PAGE_SIZE }),
          (data) => setOrders({ data }),
        ),
      (error) => setOrders((old) => ({ ...old, error: error.message })),
    );
  const loadDetail = async () => {
    const id = view.current.openId;
    if (!id) return true;
    return guard(
      async () => {
        const [order, progress] = await Promise.all([client.order(id), client.progress(id)]);
        if (view.current.openId === id) setDetail({ id, order, progress });
      },
      (error) => {
        if (view.current.openId !== id) return;
        const text = error.status === 404 ? "This order does not exist for this shop." : error.message;
        setDetail((old) => ({ ...(old?.id === id ? old : {}), id, error: text }));
      },
    );
  };

  // The attention queue, stats and the open order are read on every refresh (ages grow with time alone);
  // the page of orders only changes with the shop's data, so it is read again only when the revision
  // moved since it was loaded (or on "Refresh"): an idle desk's 30-second refresh skips the costly list.
  const listRevision = useRef(null);
  const refreshAll = async ({ everything = false, known = null } = {}) => {
    try {
      const revision = known ?? (await client.revision(null)).revision; // known: the change check just read it
      const seen = `"${revision}"`;
      etag.current = seen;
      const loads = [loadStats(), loadAttention(), loadDetail()];
      if (everything || listRevision.current !== seen) {
        loads.push(loadOrders().then((ok) => ((listRevision.current = ok ? seen : null), ok)));
      }
      const results = await Promise.all(loads);
      if (results.every(Boolean)) {
        setOffline(null);
        setUpdated(new Date());
      }
    } catch (error) {
      if (error instanceof ApiError && error.status !== 401) setOffline(error.message);
      else if (!(error instanceof ApiError)) throw error;
    }
  };
  const refreshRef = useLatest(refreshAll);

  // Sign-in check (retried by the change check while the server cannot be reached), then the two timers;
  // both stop when the desk goes away (sign-out).
  const connected = useRef(false);
  useEffect(() => {
    let stopped = false;
    const connect = () =>
      client
        .shop()
        .then((found) => {
          if (stopped) return;
          connected.current = true;
          setShop(found);
          setOffline(null);
          refreshRef.current();
        })
        .catch((error) => {
          if (!stopped && error.status !== 401) setOffline(error.message);
        });
    connect();
    const full = setInterval(() => {
      if (!document.hidden && connected.current) refreshRef.current();
      setAlertsVersion((n) => n + 1);
    }, FULL_REFRESH_MS);
    const check = setInterval(async () => {
      if (document.hidden) return;
      if (!connected.current) {
        connect();
        return;
      }
      if (liveOn.current) return; // the stream tells of changes: no need to ask
      try {
        const answer = await client.revision(etag.current);
        if (!answer.notModified) await refreshRef.current({ known: answer.revision });
        else setOffline(null);
      } catch (error) {
        if (error instanceof ApiError && error.status !== 401) setOffline(error.message);
      }
    }, CHANGE_CHECK_MS);
    const visible = () => {
      if (!document.hidden && connected.current) refreshRef.current();
    };
    document.addEventListener("visibilitychange", visible);
    return () => {
      stopped = true;
      clearInterval(full);
      clearInterval(check);
      document.removeEventListener("visibilitychange", visible);
    };
  }, []);

  useLiveRefresh(client, {
    onState: (on) => {
      liveOn.current = on;
      setLive(on);
    },
    onAlerts: () => setAlertsVersion((n) => n + 1),
    ready: () => connected.current,
    refresh: () => refreshRef.current(),
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
