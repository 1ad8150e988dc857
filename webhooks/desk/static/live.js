// Live updates: the shop's changes from GET /api/v1/events (Server-Sent Events), so an open desk shows a change
// made anywhere within a second, without polling.
//
// An EventSource cannot send the token, so each connection first asks POST /events/ticket (with the token)
// for a ticket that opens the stream for a minute. The browser reconnects by itself when a stream breaks,
// sending Last-Event-ID, and the server resumes after it; when that reconnection is refused (its ticket
// expired, the server restarted), a new ticket is asked for and the last id is passed along, so nothing is
// lost or repeated. While there is no stream the desk keeps polling (desk-freshness.js); `onState` says which.
// Every event is also dispatched on `window` as `orderbot:live` ({kind, data}), for any screen to follow.

import { useEffect } from "./ui.js";

export const LIVE_EVENT = "orderbot:live";
const LIVE_REFRESH_MS = 150; // events that come together refresh once
const KINDS = ["order", "message", "delivery", "alert", "reset"];
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

/**
 * Opens the stream for `api`'s token. `onChange({kind, data})` hears every event, and `{kind: "reload"}`
 * when the desk must reload everything (first connection, or it was away longer than the server keeps);
 * `onState(true|false)` tells whether the stream is live. Returns a function that closes it.
 */
export function connectLive(api, { onChange, onState }) {
  let source = null;
  let lastId = null;
  let stopped = false;
  let timer = null;
  let failures = 0;

  const retry = () => {
    onState(false);
    if (stopped) return;
    timer = setTimeout(open, RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]);
    failures += 1;
  };

  const open = async () => {
    if (stopped) return;
    let ticket;
    try {
      ticket = (await api.eventsTicket()).ticket;
    } catch (error) {
      if (error.status !== 401) retry(); // a 401 signs the desk out: nothing to reconnect
      return;
    }
    if (stopped) return;
    const params = new URLSearchParams({ ticket });
    if (lastId !== null) params.set("last_event_id", lastId);
    const opened = new EventSource(`/api/v1/events?${params}`);
    source = opened;
    opened.addEventListener("ready", (event) => {
      failures = 0;
      if (event.lastEventId) lastId = event.lastEventId;
      onState(true);
      if (!JSON.parse(event.data).resumed) onChange({ kind: "reload", data: {} });
    });
    for (const kind of KINDS) {
      opened.addEventListener(kind, (event) => {
        lastId = event.lastEventId || lastId;
        const data = JSON.parse(event.data);
        window.dispatchEvent(new CustomEvent(LIVE_EVENT, { detail: { kind, data } }));
        onChange(kind === "reset" ? { kind: "reload", data } : { kind, data });
      });
    }
    opened.addEventListener("renew", () => {
      // the server ends every stream after a while: reconnect with a new ticket, resuming after lastId
      opened.close();
      source = null;
      open();
    });
    opened.onerror = () => {
      if (opened !== source) return;
      onState(false);
      if (opened.readyState === EventSource.CLOSED) {
        source = null;
        retry(); // refused: a new ticket, then resume after lastId
      } // else the browser is reconnecting by itself, with Last-Event-ID
    };
  };

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
    source = null;
  };
}

/**
 * The desk's use of the stream while it is shown: `onState` as it goes live or drops, `onAlerts()` for an
 * alert (or a reload), and once `ready()` (signed in), one `refresh()` for events that come together.
 * Closed when the desk goes away.
 */
export function useLiveRefresh(api, { onState, onAlerts, ready, refresh }) {
  useEffect(() => {
    let pending = null;
    const stop = connectLive(api, {
      onState,
      onChange: ({ kind }) => {
        if (kind === "alert" || kind === "reload") onAlerts();
        if (pending === null && ready()) {
          pending = setTimeout(() => {
            pending = null;
            refresh();
          }, LIVE_REFRESH_MS);
        }
      },
    });
    return () => {
      clearTimeout(pending);
      stop();
    };
  }, []);
}
