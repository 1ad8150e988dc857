// Promises kept: how the delivery dates told to customers fared, overall, by lane and by month
// (GET /api/v1/promises/report), for a range of promised days; the last 90 days until one is chosen.

import { Notice } from "./parts.js";
import { html, useEffect, useState } from "./ui.js";

const share = (value) => (value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10} %`);
const days = (value) => (value === null || value === undefined ? "—" : `${value} d`);

function FiguresRow({ name, figures }) {
  return html`
    <tr>
      <th scope="row">${name}</th>
      <td>${share(figures.kept_share)}</td>
      <td>${days(figures.mean_promised_days)}</td>
      <td>${figures.kept}</td>
      <td>${figures.broken}</td>
      <td>${figures.open}</td>
    </tr>
  `;
}

function FiguresTable({ caption, rows }) {
  return html`
    <div class="table-scroll"><table class="promises-table data-table">
      <caption>${caption}</caption>
      <thead>
        <tr><th scope="col"></th><th scope="col">Share kept</th><th scope="col">Mean promised</th>
          <th scope="col">Kept</th><th scope="col">Broken</th><th scope="col">Open</th></tr>
      </thead>
      <tbody>${rows.map(([name, figures]) => html`<${FiguresRow} key=${name} name=${name} figures=${figures} />`)}</tbody>
    </table></div>
  `;
}

export function PromisesReport({ api }) {
  const [range, setRange] = useState({ from: "", to: "" });
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let current = true;
    api
      .promiseReport(range)
      .then((data) => current && (setReport(data), setError(null)))
      .catch((failure) => current && failure.status !== 401 && setError(failure.message));
    return () => {
      current = false;
    };
  }, [range.from, range.to]);

  const pick = (field) => (event) => setRange({ ...range, [field]: event.currentTarget.value });
  return html`
    <section class="panel" aria-labelledby="promises-title">
      <div class="panel-head">
        <h2 id="promises-title">Delivery dates kept</h2>
        <label>From <input type="date" value=${range.from} onChange=${pick("from")} /></label>
        <label>To <input type="date" value=${range.to} onChange=${pick("to")} /></label>
      </div>
      ${error && html`<${Notice} tone="error" text=${`Could not load the promises: ${error}`} />`}
      ${report &&
      html`
        <p class="promises-summary" data-kept-share=${report.kept_share ?? ""}>
          ${`${report.from} – ${report.to}: `}<strong>${share(report.kept_share)}</strong>
          ${` of ${report.kept + report.broken} settled dates kept, ${days(report.mean_promised_days)} promised on average, ${report.open} still open.`}
        </p>
        ${report.by_lane.length > 0 &&
        html`<${FiguresTable} caption="By lane" rows=${report.by_lane.map((row) => [row.lane, row])} />`}
        ${report.by_month.length > 0 &&
        html`<${FiguresTable} caption="By month" rows=${report.by_month.map((row) => [row.month, row])} />`}
      `}
    </section>
  `;
}
