// The desk's data: the stats, the attention queue, the page of orders and the open order, each read with
// what the desk shows (filters, page, open order) at the moment of the call, and one refresh that reads
// them all. Kept apart from when to refresh (desk-freshness.js) and from how it is shown (desk.js).

import { ApiError } from "./api.js";
import { useRef, useState } from "./ui.js";

const PAGE_SIZE = 25;

/** A ref that always holds the latest `value`, for callbacks made once that must see the current one. */
export function useLatest(value) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

/**
 * What the desk shows, read with `client`; `view` is a ref to `{attentionFilter, listFilter, cursor, openId}`.
 * `refresh` (a ref to the latest `refreshAll`) reads everything; `etag` holds the revision it last read.
 */
export function useDeskData(client, view) {
  const [stats, setStats] = useState({});
  const [attention, setAttention] = useState({});
  const [orders, setOrders] = useState({});
  const [detail, setDetail] = useState(null);
  const [updated, setUpdated] = useState(null);
  const [offline, setOffline] = useState(null);
  const etag = useRef(null);

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
  const refresh = useLatest(refreshAll);

  return {
    stats, attention, orders, detail, setDetail, updated, offline, setOffline, etag,
    loadAttention, loadOrders, loadDetail, refreshAll, refresh,
  };
}
