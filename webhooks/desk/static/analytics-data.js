// The analytics answer (GET /api/v1/analytics) turned into one plain description per chart. The chart, its
// table view and its CSV are all drawn from the same description, so the three always show the same numbers.
//
// A chart: {id, title, note, labels (axis), rowHeader, rows (first column of the table and CSV), series
// (drawn: {key, label, values, color, line?, axis?}), extra (table and CSV only), foot (rows under the
// table), stacked, horizontal, flatLabels (few labels, never slanted), axes ({y, y1} titles), summary (a
// sentence), empty}.

import { CHANNELS, INTENTS, STATUSES, statusLabel } from "./format.js";

const STATUS_COLOURS = {
  pending: "#d98e04",
  processing: "#2f6fd0",
  shipped: "#7a4cc2",
  fulfilled: "#2e8b57",
  cancelled: "#8a929c",
};
const ACCENT = "#1f4e8c";
const SECOND = "#0f7c8c";
const SOURCES = [
  ["rules", "Rules", "#2f6fd0"],
  ["ai", "AI", "#7a4cc2"],
  ["carrier", "Carrier", "#0f7c8c"],
];

/** A ratio (0..1) as a percentage with one decimal, the number drawn and shown; null stays null. */
export const percentOf = (ratio) => (ratio === null || ratio === undefined ? null : Math.round(ratio * 1000) / 10);

const sum = (values) => values.reduce((total, value) => total + (value ?? 0), 0);
const allZero = (series) => series.every((one) => one.values.every((value) => !value));
const capital = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);
const counted = (count, one, many) => `${count} ${count === 1 ? one : many}`;

const dayWords = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
/** "2026-11-08" as "Nov 8" for an axis (the day is already the shop's; no zone shifts it). */
export function dayLabel(day) {
  return dayWords.format(new Date(`${day}T00:00:00Z`));
}

function perDay(data, spec) {
  const empty = allZero(spec.series);
  return { labels: data.days.map(dayLabel), rowHeader: "Day", rows: data.days, extra: [], foot: [], empty, ...spec };
}

function ordersPerDay(data) {
  const statuses = STATUSES.filter((status) => status in data.orders_by_status).concat(
    Object.keys(data.orders_by_status).filter((status) => !STATUSES.includes(status)),
  );
  return perDay(data, {
    id: "orders-per-day",
    title: "Orders per day by status",
    note: "Bars: orders that entered each status that day. Line: new orders.",
    series: [
      ...statuses.map((status) => ({
        key: status,
        label: statusLabel(status),
        values: data.orders_by_status[status],
        color: STATUS_COLOURS[status] ?? "#5b6470",
      })),
      { key: "new", label: "New orders", values: data.new_orders, color: "#1b1f24", line: true },
    ],
    stacked: true,
    axes: { y: "Orders" },
    summary: `${counted(sum(data.new_orders), "new order", "new orders")} in this range.`,
  });
}

function daysTaken(data, key, id, title, what) {
  const { buckets, counts, mean } = data[key];
  const total = sum(counts);
  return {
    id,
    title,
    note: `Whole days from the order to ${what}, counted on the day it happened.`,
    labels: buckets,
    rowHeader: "Days",
    rows: buckets,
    series: [{ key: "orders", label: "Orders", values: counts, color: ACCENT }],
    extra: [],
    foot: mean === null || mean === undefined ? [] : [["Mean (days)", mean]],
    axes: { y: "Orders", x: "Days" },
    summary: total ? `Mean ${counted(mean, "day", "days")} over ${counted(total, "order", "orders")}.` : "",
    empty: total === 0,
  };
}

function promisesKept(data) {
  const { kept, broken, kept_share: share } = data.promises;
  const settled = sum(kept) + sum(broken);
  return perDay(data, {
    id: "promises-kept",
    title: "Delivery promises kept per day",
    note: "Promised delivery dates, counted on the day they were settled.",
    series: [
      { key: "kept", label: "Kept", values: kept, color: "#2e8b57" },
      { key: "broken", label: "Broken", values: broken, color: "#b23b3b" },
    ],
    foot: share === null || share === undefined ? [] : [["Kept (%)", percentOf(share)]],
    stacked: true,
    axes: { y: "Promises" },
    summary: settled ? `${percentOf(share)} % of ${counted(settled, "settled promise", "settled promises")} kept.` : "",
  });
}

/** A channel's name on the axis, with "(none)" under it when nothing was counted there: an empty slot
 * must not read as a rate of zero. */
function channelLabel(channel, nothing) {
  const name = CHANNELS[channel] ?? channel;
  return nothing ? [name, "(none)"] : name;
}

/** Channels in a fixed order (the API's known ones first), then any new one the API adds. */
function channelsOf(byChannel) {
  const known = Object.keys(CHANNELS).filter((channel) => channel in byChannel);
  return known.concat(Object.keys(byChannel).filter((channel) => !known.includes(channel)));
}

function notificationRates(data) {
  const channels = channelsOf(data.notifications);
  const of = (field) => channels.map((channel) => data.notifications[channel][field] ?? 0);
  const sent = of("sent");
  return {
    id: "notification-delivery",
    title: "Notification delivery rate by channel",
    note: "Delivered out of sent, with the counts behind each rate.",
    labels: channels.map((channel, index) => channelLabel(channel, !sent[index])),
    rowHeader: "Channel",
    rows: channels.map((channel) => CHANNELS[channel] ?? channel),
    series: [
      {
        key: "delivery_rate",
        label: "Delivery rate (%)",
        values: channels.map((channel) => percentOf(data.notifications[channel].delivery_rate)),
        color: ACCENT,
      },
    ],
    extra: [
      { label: "Sent", values: sent },
      { label: "Delivered", values: of("delivered") },
      { label: "Failed", values: of("failed") },
    ],
    foot: [],
    axes: { y: "%" },
    percent: true,
    flatLabels: true,
    summary: "",
    empty: sum(sent) + sum(of("delivered")) + sum(of("failed")) === 0,
  };
}

function satisfaction(data) {
  const channels = channelsOf(data.satisfaction);
  const of = (field) => channels.map((channel) => data.satisfaction[channel][field] ?? 0);
  const asked = of("asked");
  return {
    id: "satisfaction",
    title: "Satisfaction by channel",
    note: "Average score (1–5, left axis) and the share of requests answered (right axis).",
    labels: channels.map((channel, index) => channelLabel(channel, !asked[index])),
    rowHeader: "Channel",
    rows: channels.map((channel) => CHANNELS[channel] ?? channel),
    series: [
      { key: "average", label: "Average score", values: channels.map((c) => data.satisfaction[c].average ?? null), color: ACCENT },
      {
        key: "response_rate",
        label: "Response rate (%)",
        values: channels.map((c) => percentOf(data.satisfaction[c].response_rate)),
        color: SECOND,
        axis: "y1",
      },
    ],
    extra: [
      { label: "Asked", values: asked },
      { label: "Answered", values: of("answered") },
      { label: "Scored 4–5", values: of("satisfied") },
    ],
    foot: [],
    axes: { y: "Score", y1: "%" },
    flatLabels: true,
    summary: "",
    empty: sum(asked) + sum(of("answered")) === 0,
  };
}

function automaticMoves(data) {
  const series = SOURCES.filter(([key]) => key in data.automatic_moves).map(([key, label, color]) => ({
    key,
    label,
    values: data.automatic_moves[key],
    color,
  }));
  return perDay(data, {
    id: "automatic-moves",
    title: "Automatic status moves per day",
    note: "Status moves made without staff: by the shop's rules, by the AI, or on a carrier's report.",
    series,
    stacked: true,
    axes: { y: "Moves" },
    summary: `${counted(sum(series.flatMap((one) => one.values)), "automatic move", "automatic moves")} in this range.`,
  });
}

function messagesByHour(data) {
  const hours = data.messages_by_hour.map((_, hour) => `${String(hour).padStart(2, "0")}:00`);
  const counts = data.messages_by_hour;
  return {
    id: "messages-by-hour",
    title: "Customer messages by hour of day",
    note: `Messages from customers, by the hour they arrived in the shop's time (${data.timezone}).`,
    labels: hours,
    rowHeader: "Hour",
    rows: hours,
    series: [{ key: "messages", label: "Messages", values: counts, color: ACCENT }],
    extra: [],
    foot: [],
    axes: { y: "Messages" },
    summary: sum(counts) ? `${counted(sum(counts), "message", "messages")} in this range.` : "",
    empty: sum(counts) === 0,
  };
}

function intents(data) {
  const asked = Object.entries(data.intents)
    .filter(([, count]) => count > 0)
    .sort(([a, one], [b, other]) => other - one || a.localeCompare(b));
  const names = asked.map(([intent]) => capital(INTENTS[intent] ?? intent.replaceAll("_", " ")));
  return {
    id: "intents",
    title: "What customers asked about",
    note: "What the bot understood each customer message to ask.",
    labels: names,
    rowHeader: "Topic",
    rows: names,
    series: [{ key: "messages", label: "Messages", values: asked.map(([, count]) => count), color: ACCENT }],
    extra: [],
    foot: [],
    horizontal: true,
    axes: { y: "", x: "Messages" },
    summary: "",
    empty: asked.length === 0,
  };
}

/** Every chart of the page, in the order shown. */
export function chartsFrom(data) {
  return [
    ordersPerDay(data),
    daysTaken(data, "handover_days", "handover-days", "Time to hand over", "its first shipment"),
    daysTaken(data, "delivery_days", "delivery-days", "Time to deliver", "its delivery"),
    promisesKept(data),
    notificationRates(data),
    satisfaction(data),
    automaticMoves(data),
    messagesByHour(data),
    intents(data),
  ];
}

/** The table (and CSV) of a chart: a header row, one row per label, then the rows under it. */
export function tableOf(chart) {
  const columns = [...chart.series, ...chart.extra];
  return {
    head: [chart.rowHeader, ...columns.map((column) => column.label)],
    rows: chart.rows.map((row, index) => [row, ...columns.map((column) => column.values[index] ?? null)]),
    foot: chart.foot,
  };
}
