// Keeping the desk fresh without reloading: the sign-in check (retried while the server cannot be reached),
// then live events (live.js) that refresh what changed within a second; while there is no stream, a cheap
// revision check every 3 s (one tiny request answered 304 while nothing changed); and a refresh every 30 s
// either way (ages grow with time alone), or when the tab is shown again. All stop when the desk goes away.

import { ApiError } from "./api.js";
import { useLiveRefresh } from "./live.js";
import { useEffect, useRef } from "./ui.js";

const FULL_REFRESH_MS = 30_000;
const CHANGE_CHECK_MS = 3_000;

/**
 * Runs the desk's refreshes for `client`: `refresh` and `etag` as `useDeskData` gives them; `onShop(shop)`
 * once signed in, `onOffline(words or null)`, `onAlerts()` when the alerts may have changed, and
 * `onLive(true|false)` as the stream goes live or drops.
 */
export function useKeptFresh(client, { refresh, etag, onShop, onOffline, onAlerts, onLive }) {
  const liveOn = useRef(false);

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
          onShop(found);
          onOffline(null);
          refresh.current();
        })
        .catch((error) => {
          if (!stopped && error.status !== 401) onOffline(error.message);
        });
    connect();
    const full = setInterval(() => {
      if (!document.hidden && connected.current) refresh.current();
      onAlerts();
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
        if (!answer.notModified) await refresh.current({ known: answer.revision });
        else onOffline(null);
      } catch (error) {
        if (error instanceof ApiError && error.status !== 401) onOffline(error.message);
      }
    }, CHANGE_CHECK_MS);
    const visible = () => {
      if (!document.hidden && connected.current) refresh.current();
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
      onLive(on);
    },
    onAlerts,
    ready: () => connected.current,
    refresh: () => refresh.current(),
  });
}
