// One analytics card: the chart (vendored Chart.js, loaded only when this page opens), its table view with
// the same numbers, and a CSV of them. A chart is a description from analytics-data.js.

import { tableOf } from "./analytics-data.js";
import { csvText, downloadCsv } from "./csv.js";
import { Notice } from "./parts.js";
import { html, useEffect, useRef, useState } from "./ui.js";

const CHART_JS = "./vendor/chart-4.6.1.umd.js";
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const BAR_HEIGHT_PX = 26; // a row of the horizontal bar chart: room for its label and a readable bar
const AXIS_ROOM_PX = 70;

let loading = null;

/** The global `Chart` the vendored build defines, loaded once; a failed load is retried on the next call. */
function loadChartJs() {
  loading ??= import(CHART_JS).then(
    () => {
      const Chart = globalThis.Chart;
      Chart.defaults.font.family = FONT;
      Chart.defaults.color = "#5b6470";
      Chart.defaults.borderColor = "#dde2e8";
      return Chart;
    },
    (error) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

function axis(title, extra = {}) {
  return { beginAtZero: true, title: { display: Boolean(title), text: title }, ...extra };
}

/** The Chart.js configuration that draws exactly the description's series. */
export function configOf(chart) {
  const stacked = Boolean(chart.stacked);
  const datasets = chart.series.map((series, index) => ({
    type: series.line ? "line" : "bar",
    label: series.label,
    data: series.values,
    backgroundColor: series.color,
    borderColor: series.color,
    borderWidth: series.line ? 2 : 0,
    pointRadius: series.line ? (point) => (point.raw ? 3 : 0) : 0, // no dots along the axis on quiet days
    yAxisID: chart.horizontal ? undefined : (series.axis ?? "y"),
    stack: series.line ? "line" : stacked ? "bars" : `bars-${index}`,
    order: series.line ? 0 : 1, // the line is drawn over the bars
  }));
  const counts = { ticks: { precision: 0 } };
  const values = chart.percent ? { max: 100 } : counts;
  const scales = chart.horizontal
    ? { x: axis(chart.axes.x, counts), y: { ticks: { autoSkip: false } } }
    : {
        x: {
          stacked,
          title: { display: Boolean(chart.axes.x), text: chart.axes.x ?? "" },
          ticks: chart.flatLabels ? { maxRotation: 0, autoSkip: false } : {},
        },
        y: axis(chart.axes.y, { stacked, ...(chart.axes.y1 ? { suggestedMax: 5 } : values) }),
      };
  if (chart.axes.y1) scales.y1 = axis(chart.axes.y1, { position: "right", max: 100, grid: { drawOnChartArea: false } });
  return {
    type: "bar",
    data: { labels: chart.labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion() ? false : { duration: 250 },
      indexAxis: chart.horizontal ? "y" : "x",
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: {
          display: chart.series.length > 1,
          position: "bottom",
          labels: { boxWidth: 12, boxHeight: 12, sort: (one, other) => one.datasetIndex - other.datasetIndex },
        },
      },
      scales,
    },
  };
}

const cell = (value) => (value === null || value === undefined ? "—" : String(value));

function DataTable({ chart, caption }) {
  const table = tableOf(chart);
  const width = table.head.length;
  return html`
    <div class="table-scroll">
      <table class="data-table">
        <caption class="sr-only">${caption}</caption>
        <thead><tr>${table.head.map((name) => html`<th scope="col">${name}</th>`)}</tr></thead>
        <tbody>
          ${table.rows.map(
            ([label, ...values]) =>
              html`<tr><th scope="row">${label}</th>${values.map((value) => html`<td>${cell(value)}</td>`)}</tr>`,
          )}
        </tbody>
        ${table.foot.length > 0 &&
        html`<tfoot>
          ${table.foot.map(
            ([label, ...values]) => html`<tr>
              <th scope="row">${label}</th>
              ${Array.from({ length: width - 1 }, (_, index) => html`<td>${index < values.length ? cell(values[index]) : ""}</td>`)}
            </tr>`,
          )}
        </tfoot>`}
      </table>
    </div>
  `;
}

/** What the canvas says to a screen reader: the chart in a sentence, and where its numbers are. */
function spoken(chart, rangeText) {
  const what = chart.series.map((series) => series.label).join(", ");
  return `${chart.title}, ${rangeText}: ${chart.horizontal ? "horizontal " : ""}bar chart of ${what}. ${chart.summary} The Table view lists every number.`;
}

export function ChartCard({ chart, range, rangeText }) {
  const [view, setView] = useState("chart");
  const [failed, setFailed] = useState(null);
  const canvas = useRef(null);
  const titleId = `chart-${chart.id}-title`;

  useEffect(() => {
    if (chart.empty) return undefined;
    let drawn = null;
    let gone = false;
    loadChartJs()
      .then((Chart) => {
        if (!gone && canvas.current) drawn = new Chart(canvas.current, configOf(chart));
      })
      .catch(() => !gone && setFailed("The chart library could not be loaded; the Table view has the numbers."));
    return () => {
      gone = true;
      drawn?.destroy();
    };
  }, [chart]);

  const download = () => {
    const table = tableOf(chart);
    downloadCsv(`analytics-${chart.id}-${range.from}-to-${range.to}.csv`, csvText([table.head, ...table.rows, ...table.foot]));
  };
  const height = chart.horizontal ? { height: `${chart.labels.length * BAR_HEIGHT_PX + AXIS_ROOM_PX}px` } : undefined;
  return html`
    <section class="panel chart-card" aria-labelledby=${titleId} data-chart=${chart.id}>
      <div class="chart-head">
        <div>
          <h2 id=${titleId}>${chart.title}</h2>
          <p class="muted small chart-note">${chart.note}</p>
        </div>
        ${!chart.empty &&
        html`<div class="chart-tools" role="group" aria-label=${`${chart.title}: view and download`}>
          <button type="button" class="secondary" aria-pressed=${view === "chart"} onClick=${() => setView("chart")}>Chart</button>
          <button type="button" class="secondary" aria-pressed=${view === "table"} onClick=${() => setView("table")}>Table</button>
          <button type="button" class="secondary" onClick=${download} aria-label=${`Download ${chart.title} as CSV`}>CSV</button>
        </div>`}
      </div>
      ${chart.empty
        ? html`<p class="empty chart-empty">No data in this range.</p>`
        : html`
            ${chart.summary && html`<p class="chart-summary">${chart.summary}</p>`}
            ${failed && html`<${Notice} tone="error" text=${failed} />`}
            <div class="chart-box" hidden=${view !== "chart"} style=${height}>
              <canvas ref=${canvas} role="img" aria-label=${spoken(chart, rangeText)}></canvas>
            </div>
            <div hidden=${view !== "table"}>
              <${DataTable} chart=${chart} caption=${`${chart.title}, ${rangeText}`} />
            </div>
          `}
    </section>
  `;
}
