// The order desk: sign-in, stats, attention queue, all orders with bulk actions, and the order view.
// Fresh without reloading: live events (live.js) refresh what changed within a second; while there is no
// stream, a cheap revision check every 3 s (one tiny request answered 304 while nothing changed) does; and
// a refresh every 30 s either way (ages grow with time alone).

import { AlertsPanel } from "./alerts.js";
import { ApiError, apiClient, forgetToken, storeToken, takeTokenFromAddress } from "./api.js";
import { ConversationsPanel } from "./conversations.js";
import { BULK_ACTIONS, REASONS, STATUSES, ageText, clockTime, maskedPhone, money, percent, shopTime, statusLabel } from "./format.js";
import { OrderDialog, decisionText } from "./order-dialog.js";
import { connectLive } from "./live.js";
import { Badge, Notice } from "./parts.js";
import { PromisesReport } from "./promises.js";
import { SettingsDialog } from "./settings.js";
import { TemplateEditor } from "./templates-editor.js";
import { html, render, useCallback, useEffect, useRef, useState } from "./ui.js";

const FULL_REFRESH_MS = 30_000;
const CHANGE_CHECK_MS = 3_000;
const LIVE_REFRESH_MS = 150; // events that come together refresh once
const PAGE_SIZE = 25;
const MAX_SELECTION = 100;

function App() {
  const [token, setToken] = useState(() => takeTokenFromAddress());
  const [why, setWhy] = useState(null);

  // A new sign-in link opened in this tab (same page, new fragment) signs in with its token.
  useEffect(() => {
    const follow = () => {
      const fresh = takeTokenFromAddress();
      if (fresh) setToken(fresh);
    };
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);

  const signOut = useCallback((reason) => {
    forgetToken();
    setToken(null);
    setWhy(reason);
  }, []);

  if (!token) {
    return html`<${SignIn}
      why=${why}
      onToken=${(value) => {
        storeToken(value);
        setWhy(null);
        setToken(value);
      }}
    />`;
  }
  return html`<${Desk}
    key=${token}
    token=${token}
    onSignOut=${() => signOut("You signed out.")}
    onRejected=${() => signOut("This sign-in link was not accepted: it is invalid, expired or revoked. Ask for a new one.")}
  />`;
}

function SignIn({ why, onToken }) {
  const [value, setValue] = useState("");
  return html`
    <main class="signin">
      <h1>Order desk</h1>
      ${why && html`<${Notice} tone=${why.startsWith("You signed out") ? "info" : "error"} text=${why} />`}
      <p>
        Open the sign-in link your shop's admin gave you (<code>orderbot dashboard-link --shop SHOP_ID</code> prints
        one), or paste an API token below.
      </p>
      <form
        onSubmit=${(event) => {
          event.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label>
          API token
          <input type="password" autocomplete="off" value=${value} onInput=${(event) => setValue(event.currentTarget.value)} />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </main>
  `;
}

function useLatest(value) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

function Desk({ token, onSignOut, onRejected }) {
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

  // Live events: refresh what they may have changed (once for events that come together).
  useEffect(() => {
    let pending = null;
    const stop = connectLive(client, {
      onState: (on) => {
        liveOn.current = on;
        setLive(on);
      },
      onChange: ({ kind }) => {
        if (kind === "alert" || kind === "reload") setAlertsVersion((n) => n + 1);
        if (pending === null && connected.current) {
          pending = setTimeout(() => {
            pending = null;
            refreshRef.current();
          }, LIVE_REFRESH_MS);
        }
      },
    });
    return () => {
      clearTimeout(pending);
      stop();
    };
  }, []);

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
    <header class="top">
      <div class="top-title">
        <h1 id="desk-title" tabindex="-1">Order desk</h1>
        <span class="shop-name">${shop.name}</span>
      </div>
      <div class="top-actions">
        <span class="updated" aria-live="off">Last updated <time>${updated ? clockTime(updated) : "—"}</time></span>
        <span class="live-state" data-live=${live ? "live" : "polling"}>${live ? "Live" : "Checking every 3 s"}</span>
        <span class="signed-in-as" data-role=${shop.role}>Signed in as ${shop.role}</span>
        ${shop.role === "admin" &&
        html`<button type="button" class="secondary" onClick=${() => setSettingsOpen(true)}>Settings</button>`}
        <button type="button" onClick=${() => refreshAll({ everything: true })}>Refresh</button>
        <button type="button" class="secondary" onClick=${onSignOut}>Sign out</button>
      </div>
    </header>
    <main class="desk">
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

function Section({ id, title, children, extra }) {
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

function Loading({ state, what }) {
  if (state.error && !state.data) return html`<${Notice} tone="error" text=${`Could not load ${what}: ${state.error}`} />`;
  if (!state.data) return html`<p class="muted">Loading ${what}…</p>`;
  if (state.error) return html`<${Notice} tone="error" text=${`Showing earlier ${what}; the last refresh failed: ${state.error}`} />`;
  return null;
}

function Stats({ state }) {
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

function AttentionQueue({ state, filter, onFilter, api, onOpen, onChanged }) {
  const [notice, setNotice] = useState(null);
  const [notifying, setNotifying] = useState(null);
  const [age, setAge] = useState(filter.max_age_hours);
  const items = state.data?.orders ?? [];

  const advance = async (row) => {
    try {
      setNotice({ tone: "ok", text: decisionText(row.number, await api.advance(row.order_id)) });
      await onChanged();
    } catch (error) {
      if (error.status !== 401) setNotice({ tone: "error", text: `Order #${row.number}: ${error.message}` });
    }
  };

  const filters = html`
    <form
      class="filters"
      aria-label="Filter the attention queue"
      onSubmit=${(event) => {
        event.preventDefault();
        onFilter({ ...filter, max_age_hours: age });
      }}
    >
      <label>
        Reason
        <select value=${filter.reason} onChange=${(event) => onFilter({ ...filter, reason: event.currentTarget.value })}>
          <option value="">Any reason</option>
          ${Object.entries(REASONS).map(([key, words]) => html`<option key=${key} value=${key}>${words}</option>`)}
        </select>
      </label>
      <label>
        Waiting over (hours)
        <input
          type="number"
          min="1"
          max="8760"
          step="1"
          placeholder="shop rules"
          value=${age}
          onInput=${(event) => setAge(event.currentTarget.value)}
          onChange=${(event) => onFilter({ ...filter, max_age_hours: event.currentTarget.value })}
        />
      </label>
    </form>
  `;
  return html`
    <${Section}
      id="attention-title"
      title=${state.data ? `Needs attention (${state.data.count})` : "Needs attention"}
      extra=${filters}
    >
      ${notice && html`<${Notice} tone=${notice.tone} text=${notice.text} onDismiss=${() => setNotice(null)} />`}
      <${Loading} state=${state} what="the attention queue" />
      ${state.data && items.length === 0 && html`<p class="empty">Nothing needs attention right now.</p>`}
      ${items.length > 0 &&
      html`
        <table class="rows attention">
          <thead>
            <tr><th>Order</th><th>Status</th><th>Age</th><th>Customer</th><th>Total</th><th>Why</th><th><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            ${items.map(
              (row) => html`
                <tr key=${row.order_id} data-order=${row.number}>
                  <td data-label="Order"><strong>#${row.number}</strong></td>
                  <td data-label="Status"><${Badge} status=${row.status} /></td>
                  <td data-label="Age">${ageText(row.age_hours)}</td>
                  <td data-label="Customer">${row.customer.name || maskedPhone(row.customer.phone) || "—"}</td>
                  <td data-label="Total">${money(row.total, row.currency)}</td>
                  <td data-label="Why">
                    <ul class="reasons">${row.reasons.map((reason) => html`<li key=${reason}>${REASONS[reason] ?? reason}</li>`)}</ul>
                  </td>
                  <td class="row-actions">
                    <button type="button" aria-label=${`Advance order #${row.number}`} onClick=${() => advance(row)}>Advance</button>
                    <button
                      type="button"
                      class="secondary"
                      aria-label=${`Notify the customer of order #${row.number}`}
                      aria-expanded=${notifying === row.order_id}
                      onClick=${() => setNotifying(notifying === row.order_id ? null : row.order_id)}
                    >
                      Notify
                    </button>
                    <button type="button" class="secondary" aria-label=${`Open order #${row.number}`} onClick=${(event) => onOpen(row.order_id, event)}>
                      Open
                    </button>
                    ${notifying === row.order_id &&
                    html`<${QuickNotify}
                      row=${row}
                      api=${api}
                      onDone=${async (text) => {
                        setNotifying(null);
                        setNotice(text);
                        await onChanged();
                      }}
                    />`}
                  </td>
                </tr>
              `,
            )}
          </tbody>
        </table>
      `}
    <//>
  `;
}

function QuickNotify({ row, api, onDone }) {
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  const input = useRef(null);
  useEffect(() => input.current?.focus(), []);
  return html`
    <form
      class="quick-notify"
      aria-label=${`Message for order #${row.number}`}
      onSubmit=${async (event) => {
        event.preventDefault();
        try {
          await api.notify({ order_id: row.order_id, message: text.trim() || undefined });
          onDone({ tone: "ok", text: `Notification queued for order #${row.number}.` });
        } catch (failure) {
          if (failure.status !== 401) setError(failure.message);
        }
      }}
    >
      <label>
        <span>Message <span class="muted small">(optional)</span></span>
        <input ref=${input} type="text" maxlength="2000" value=${text} onInput=${(event) => setText(event.currentTarget.value)} />
      </label>
      <button type="submit">Send</button>
      ${error && html`<${Notice} tone="error" text=${error} />`}
    </form>
  `;
}

function AllOrders({ state, filter, onFilter, cursors, onPage, timeZone, api, onOpen, onChanged }) {
  const [search, setSearch] = useState(filter.search);
  const [selected, setSelected] = useState(() => new Map());
  const orders = state.data?.orders ?? [];

  const toggle = (order, on) => {
    setSelected((old) => {
      const next = new Map(old);
      if (on && next.size < MAX_SELECTION) next.set(order.order_id, order.number);
      if (!on) next.delete(order.order_id);
      return next;
    });
  };
  const pageSelected = orders.length > 0 && orders.every((order) => selected.has(order.order_id));

  const filters = html`
    <div class="filters">
      <label>
        Status
        <select value=${filter.status} onChange=${(event) => onFilter({ ...filter, status: event.currentTarget.value })}>
          <option value="">All statuses</option>
          ${STATUSES.map((status) => html`<option key=${status} value=${status}>${statusLabel(status)}</option>`)}
        </select>
      </label>
      <form
        role="search"
        class="search"
        onSubmit=${(event) => {
          event.preventDefault();
          onFilter({ ...filter, search: search.trim() });
        }}
      >
        <label>
          Search
          <input
            type="search"
            placeholder="Number, name, email, phone"
            value=${search}
            onInput=${(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Search</button>
      </form>
    </div>
  `;
  return html`
    <${Section} id="orders-title" title="All orders" extra=${filters}>
      <${Loading} state=${state} what="orders" />
      ${state.data && orders.length === 0 &&
      html`<p class="empty">${filter.search || filter.status ? "No orders match these filters." : "No orders yet."}</p>`}
      ${selected.size > 0 &&
      html`<${BulkBar}
        selected=${selected}
        api=${api}
        onClear=${() => setSelected(new Map())}
        onChanged=${onChanged}
      />`}
      ${orders.length > 0 &&
      html`
        <table class="rows orders">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select every order on this page"
                  checked=${pageSelected}
                  onChange=${(event) => orders.forEach((order) => toggle(order, event.currentTarget.checked))}
                />
              </th>
              <th>Order</th><th>Status</th><th>Customer</th><th>Total</th><th>Placed <span class="muted">(${timeZone})</span></th><th><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            ${orders.map(
              (order) => html`
                <tr key=${order.order_id} data-order=${order.number}>
                  <td class="select">
                    <input
                      type="checkbox"
                      aria-label=${`Select order #${order.number}`}
                      checked=${selected.has(order.order_id)}
                      disabled=${!selected.has(order.order_id) && selected.size >= MAX_SELECTION}
                      onChange=${(event) => toggle(order, event.currentTarget.checked)}
                    />
                  </td>
                  <td data-label="Order"><strong>#${order.number}</strong></td>
                  <td data-label="Status"><${Badge} status=${order.status} /></td>
                  <td data-label="Customer">${order.customer.name || maskedPhone(order.customer.phone) || "—"}</td>
                  <td data-label="Total">${money(order.total, order.currency)}</td>
                  <td data-label="Placed">${shopTime(order.created_at, timeZone)}</td>
                  <td class="row-actions">
                    <button type="button" class="secondary" aria-label=${`Open order #${order.number}`} onClick=${(event) => onOpen(order.order_id, event)}>
                      Open
                    </button>
                  </td>
                </tr>
              `,
            )}
          </tbody>
        </table>
      `}
      <nav class="pager" aria-label="Pages of orders">
        <button type="button" class="secondary" disabled=${cursors.length < 2} onClick=${() => onPage(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span class="muted">Page ${cursors.length}</span>
        <button
          type="button"
          class="secondary"
          disabled=${!state.data?.next_cursor}
          onClick=${() => onPage([...cursors, state.data.next_cursor])}
        >
          Older →
        </button>
      </nav>
    <//>
  `;
}

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

function BulkBar({ selected, api, onClear, onChanged }) {
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

const root = document.getElementById("root");
root.replaceChildren(); // the "Loading…" placeholder from index.html
render(html`<${App} />`, root);
