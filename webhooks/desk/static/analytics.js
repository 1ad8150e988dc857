// The Analytics page: a range of the shop's days (the last 30 until one is chosen), then one card per chart,
// all from one GET /api/v1/analytics answer.

import { ChartCard } from "./analytics-charts.js";
import { chartsFrom } from "./analytics-data.js";
import { Notice } from "./parts.js";
import { html, useEffect, useMemo, useRef, useState } from "./ui.js";

const QUICK_DAYS = [7, 30, 90];
const DAY_MS = 86_400_000;

/** The day `count - 1` days before `day` (both YYYY-MM-DD), so that the range holds `count` days. */
export function daysBefore(day, count) {
  return new Date(Date.parse(`${day}T00:00:00Z`) - (count - 1) * DAY_MS).toISOString().slice(0, 10);
}

function RangePicker({ shown, today, onRange }) {
  const pick = (field) => (event) => {
    const value = event.currentTarget.value;
    if (value) onRange({ ...shown, [field]: value });
  };
  const length = shown.from && shown.to ? (Date.parse(shown.to) - Date.parse(shown.from)) / DAY_MS + 1 : null;
  return html`
    <form class="range-picker" aria-label="Date range" onSubmit=${(event) => event.preventDefault()}>
      <label>From <input type="date" name="from" value=${shown.from} max=${today ?? undefined} onChange=${pick("from")} /></label>
      <label>To <input type="date" name="to" value=${shown.to} max=${today ?? undefined} onChange=${pick("to")} /></label>
      <div class="quick-range" role="group" aria-label="Quick ranges">
        ${QUICK_DAYS.map(
          (count) => html`<button
            key=${count}
            type="button"
            class="secondary"
            disabled=${!today}
            aria-pressed=${shown.to === today && length === count}
            onClick=${() => onRange({ from: daysBefore(today, count), to: today })}
          >
            ${count} days
          </button>`,
        )}
      </div>
    </form>
  `;
}

export function AnalyticsPage({ api, version }) {
  const [range, setRange] = useState({ from: "", to: "" }); // both empty: the server's default range
  const [today, setToday] = useState(null);
  const [state, setState] = useState({ loading: true });
  const calls = useRef(0);

  useEffect(() => {
    const call = ++calls.current;
    setState((old) => ({ ...old, loading: true }));
    api
      .analytics(range)
      .then((data) => {
        if (call !== calls.current) return; // a newer range was asked for meanwhile
        if (!range.from && !range.to) setToday(data.to);
        setState({ data });
      })
      .catch((error) => {
        if (call !== calls.current || error.status === 401) return;
        setState((old) => ({ data: old.data, error: error.message }));
      });
  }, [range.from, range.to, version]);

  const data = state.data;
  const charts = useMemo(() => (data ? chartsFrom(data) : []), [data]);
  const shown = { from: range.from || data?.from || "", to: range.to || data?.to || "" };
  const rangeText = data ? `${data.from} to ${data.to}` : "";
  return html`
    <section class="panel analytics-head" aria-labelledby="analytics-title">
      <div class="panel-head">
        <div>
          <h2 id="analytics-title">Analytics</h2>
          ${data &&
          html`<p class="muted small range-shown" data-from=${data.from} data-to=${data.to}>
            ${`${data.from} to ${data.to}, the shop's days (${data.timezone})`}
          </p>`}
        </div>
        <${RangePicker} shown=${shown} today=${today} onRange=${setRange} />
      </div>
      ${state.error && html`<${Notice} tone="error" text=${`Could not load the analytics: ${state.error}`} />`}
      ${!data && !state.error && html`<p class="muted">Loading the analytics…</p>`}
    </section>
    ${data &&
    html`<div class="chart-grid" aria-busy=${state.loading ? "true" : "false"}>
      ${charts.map(
        (chart) => html`<${ChartCard} key=${chart.id} chart=${chart} range=${{ from: data.from, to: data.to }} rangeText=${rangeText} />`,
      )}
    </div>`}
  `;
}
