// Content: the editorial calendar (a week or a month, by `scheduled_at`, with each item's
// workflow status), the content matrix as a scatter with its quadrant lines, and the
// best-times heatmap (weekday by hour, in the workspace's time zone).
import { all, api, instant } from "./api.js";
import { figure } from "./charts.js";
import { el } from "./dom.js";
import { dayKey, lang, number, percent, t, timeOf, todayKey } from "./i18n.js";

const DAY_MS = 86_400_000;

/**
 * The days the calendar shows, as "YYYY-MM-DD" in the workspace's time zone: the week
 * (Monday first) or the month of `today`.
 */
export function calendarDays(view, today) {
  const [year, month, date] = today.split("-").map(Number);
  const first = new Date(Date.UTC(year, month - 1, view === "month" ? 1 : date));
  if (view === "week") {
    first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7));
  }
  const count = view === "week" ? 7 : new Date(Date.UTC(year, month, 0)).getUTCDate();
  return Array.from({ length: count }, (_, index) =>
    new Date(first.getTime() + index * DAY_MS).toISOString().slice(0, 10),
  );
}

/** A calendar day's heading: its weekday and date. */
function dayLabel(key, options) {
  return new Intl.DateTimeFormat(lang(), { ...options, timeZone: "UTC" }).format(new Date(`${key}T12:00:00Z`));
}

function calendar(view, days, items) {
  const title = dayLabel(days[0], { month: "long", year: "numeric" });
  return el(
    "section",
    { "aria-labelledby": "calendar-title", class: "calendar-section" },
    el("h2", { id: "calendar-title" }, `${t("calendar")} · ${title}`),
    el(
      "div",
      { class: "actions", role: "group", "aria-label": t("calendarView") },
      ["week", "month"].map((name) =>
        el("a", { href: `#/content/${name}`, class: "button", "aria-current": name === view ? "true" : null }, t(`views.${name}`)),
      ),
    ),
    el(
      "ol",
      { class: `calendar ${view}` },
      // The month's first day in its weekday's column (Monday first).
      Array.from({ length: (new Date(`${days[0]}T12:00:00Z`).getUTCDay() + 6) % 7 }, () =>
        el("li", { class: "calendar-pad", "aria-hidden": "true" }),
      ),
      days.map((key) => {
        const scheduled = items.filter((item) => dayKey(item.scheduled_at) === key);
        return el(
          "li",
          { class: "calendar-day", "data-day": key },
          el("span", { class: "calendar-date" }, dayLabel(key, { weekday: "short", day: "numeric" })),
          el(
            "ul",
            {},
            scheduled.map((item) =>
              el(
                "li",
                { class: `calendar-item status-${item.status}`, "data-item": item.id },
                `${timeOf(item.scheduled_at)} ${item.title || item.format} `,
                el("span", { class: "badge" }, t(`contentStatuses.${item.status}`)),
              ),
            ),
          ),
        );
      }),
    ),
  );
}

function matrix(report) {
  const points = report.items.filter((item) => item.engagement_rate !== null && item.conversion_rate !== null);
  const quadrants = ["viral", "star", "targeted", "generic"].filter((q) => points.some((p) => p.quadrant === q));
  const lines = [];
  if (report.thresholds.engagement_rate !== null) {
    lines.push({ xAxis: report.thresholds.engagement_rate, name: t("engagementThreshold") });
  }
  if (report.thresholds.conversion_rate !== null) {
    lines.push({ yAxis: report.thresholds.conversion_rate, name: t("conversionThreshold") });
  }
  return figure(
    t("matrix"),
    {
      legend: { top: 0 },
      tooltip: { trigger: "item", formatter: (item) => `${item.data[2]}: ${percent(item.data[0])} / ${percent(item.data[1])}` },
      xAxis: { type: "value", name: t("tiles.engagement_rate"), nameLocation: "middle", nameGap: 28, axisLabel: { formatter: (v) => percent(v) } },
      yAxis: { type: "value", name: t("conversionRate"), axisLabel: { formatter: (v) => percent(v) } },
      series: quadrants.map((quadrant, index) => ({
        id: quadrant,
        name: t(`quadrants.${quadrant}`),
        type: "scatter",
        symbolSize: 10,
        label: { show: true, position: "right", formatter: (item) => (item.data[3] ? item.data[2] : ""), fontSize: 10 },
        labelLayout: { hideOverlap: true },
        // Each quadrant's two most seen items are named on the chart; all are in the table.
        data: points
          .filter((p) => p.quadrant === quadrant)
          .sort((a, b) => b.impressions - a.impressions)
          .map((p, rank) => [p.engagement_rate, p.conversion_rate, p.title || p.format, rank < 2]),
        markLine: index === 0 ? { symbol: "none", lineStyle: { type: "dashed", color: "#57606a" }, label: { formatter: (m) => m.name, position: "insideEndTop" }, data: lines } : undefined,
      })),
    },
    [t("item"), t("quadrant"), t("tiles.engagement_rate"), t("conversionRate"), t("tiles.impressions")],
    report.items.map((item) => [item.title || item.format, t(`quadrants.${item.quadrant}`), percent(item.engagement_rate), percent(item.conversion_rate), number(item.impressions)]),
  );
}

function heatmap(report) {
  const hours = Array.from({ length: 24 }, (_, hour) => `${hour}h`);
  // ISO weekdays (1 is Monday), named by the API in the workspace's language; the
  // axis holds them from index 0, Monday at the bottom.
  const names = Object.fromEntries(report.slots.map((slot) => [slot.weekday, slot.weekday_name]));
  const weekdays = Array.from({ length: 7 }, (_, index) => names[index + 1] || dayLabel(new Date(Date.UTC(2026, 0, 5 + index)).toISOString().slice(0, 10), { weekday: "long" }));
  const cells = report.slots.filter((slot) => slot.engagement_rate !== null);
  const rates = cells.map((slot) => slot.engagement_rate);
  return figure(
    t("bestTimes"),
    {
      tooltip: { trigger: "item", formatter: (item) => `${weekdays[item.data[1]]} ${item.data[0]}h: ${percent(item.data[2])}` },
      grid: { left: 90, right: 24, top: 24, bottom: 72 },
      xAxis: { type: "category", data: hours, splitArea: { show: true } },
      yAxis: { type: "category", data: weekdays, splitArea: { show: true } },
      // Viridis: ordered in lightness, read the same under colour-vision deficiencies.
      visualMap: {
        min: Math.min(...rates, 0),
        max: Math.max(...rates, 0.01),
        calculable: true,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        inRange: { color: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"] },
        formatter: (v) => percent(v),
      },
      series: [{ id: "best_times", type: "heatmap", data: cells.map((slot) => [slot.hour, slot.weekday - 1, slot.engagement_rate]) }],
    },
    [t("weekday"), t("hour"), t("items"), t("tiles.engagement_rate")],
    report.top.map((slot) => [weekdays[slot.weekday - 1], `${slot.hour}h`, number(slot.items), percent(slot.engagement_rate)]),
  );
}

export async function render(_context, view = "month") {
  const shown = view === "week" ? "week" : "month";
  const days = calendarDays(shown, todayKey());
  // A day either side: the days are the workspace's, the query's bounds instants.
  const from = instant(new Date(Date.parse(`${days[0]}T00:00:00Z`) - DAY_MS));
  const to = instant(new Date(Date.parse(`${days[days.length - 1]}T00:00:00Z`) + 2 * DAY_MS));
  const [items, matrixReport, best] = await Promise.all([
    all("/v1/content-items", { scheduled_from: from, scheduled_to: to, sort: "scheduled_at" }),
    api("/v1/kpis/content-matrix"),
    api("/v1/kpis/best-times"),
  ]);
  return el(
    "div",
    { class: "page content" },
    el("h1", {}, t("content")),
    calendar(shown, days, items),
    el("div", { class: "grid" }, el("section", { "aria-label": t("matrix") }, matrix(matrixReport)), el("section", { "aria-label": t("bestTimes") }, heatmap(best))),
  );
}
