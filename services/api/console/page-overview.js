// Overview: open alerts first, then the last 30 days' KPI tiles, their daily trend, and
// each campaign against its targets.
import { all, api, instant } from "./api.js";
import { figure } from "./charts.js";
import { el, table } from "./dom.js";
import { dateTime, day, level, money, number, percent, t } from "./i18n.js";

const DAY_MS = 86_400_000;

function tile(word, value, missedBy) {
  return el(
    "div",
    { class: "tile", "data-kpi": word },
    el("span", { class: "tile-label" }, t(`tiles.${word}`)),
    el("strong", { class: "tile-value" }, value),
    missedBy ? el("span", { class: "tile-missed" }, t("belowTarget", { n: missedBy })) : null,
  );
}

function alertList(open) {
  if (open.length === 0) {
    return el("p", { class: "ok" }, t("noOpenAlert"));
  }
  return el(
    "ul",
    { class: "alerts" },
    open.map((alert) =>
      el(
        "li",
        { class: `alert-item level-${alert.level}` },
        el("a", { href: `#/alerts/${alert.id}` }, `${alert.policy_name} · ${t("level")} ${level(alert.level)}`),
        " ",
        el("span", { class: "muted" }, `${t(`statuses.${alert.status}`)} · ${dateTime(alert.opened_at)}`),
        el("p", {}, alert.explanation.summary),
      ),
    ),
  );
}

export async function render(_context) {
  const now = new Date();
  const window30 = { from: instant(new Date(now.getTime() - 30 * DAY_MS)), to: instant(now) };
  const [open, acknowledged, total, daily, campaigns] = await Promise.all([
    all("/v1/alerts", { status: "open", sort: "-opened_at" }),
    all("/v1/alerts", { status: "acknowledged", sort: "-opened_at" }),
    api("/v1/kpis", { query: window30 }),
    api("/v1/kpis", { query: { ...window30, group_by: "day" } }),
    api("/v1/kpis", { query: { ...window30, group_by: "campaign", level: "campaign" } }),
  ]);
  const sums = total.items[0] || { counters: {}, kpis: {} };
  const missed = (name) => campaigns.items.filter((row) => (row.targets_missed || []).includes(name)).length;
  const currency = total.currency;

  const days = daily.items.map((row) => row.group.period_start);
  const impressions = daily.items.map((row) => row.counters.impressions ?? 0);
  const engagement = daily.items.map((row) => row.kpis.engagement_rate);
  const trend = figure(
    t("trend"),
    {
      legend: { top: 0 },
      xAxis: { type: "category", data: days.map(day) },
      yAxis: [
        { type: "value", axisLabel: { formatter: (v) => number(v) } },
        { type: "value", axisLabel: { formatter: (v) => percent(v) } },
      ],
      series: [
        { id: "impressions", name: t("tiles.impressions"), type: "bar", data: impressions },
        { id: "engagement_rate", name: t("tiles.engagement_rate"), type: "line", yAxisIndex: 1, data: engagement },
      ],
    },
    [t("day"), t("tiles.impressions"), t("tiles.engagement_rate")],
    daily.items.map((row, index) => [day(days[index]), number(impressions[index]), percent(engagement[index])]),
  );

  return el(
    "div",
    { class: "page overview" },
    el("h1", {}, t("overview")),
    el("section", { "aria-labelledby": "open-alerts" }, el("h2", { id: "open-alerts" }, t("openAlerts")), alertList([...open, ...acknowledged])),
    el(
      "section",
      { "aria-labelledby": "tiles" },
      el("h2", { id: "tiles" }, t("last30")),
      el(
        "div",
        { class: "tiles" },
        tile("impressions", number(sums.counters.impressions)),
        tile("engagement_rate", percent(sums.kpis.engagement_rate), missed("engagement_rate")),
        tile("ctr", percent(sums.kpis.ctr), missed("ctr")),
        tile("conversions", number(sums.counters.conversions)),
        tile("spend", money(sums.counters.spend, currency)),
        tile("roas", number(sums.kpis.roas, 2), missed("roas")),
      ),
    ),
    el("section", { "aria-label": t("trend") }, trend),
    el(
      "section",
      { "aria-labelledby": "targets" },
      el("h2", { id: "targets" }, t("campaignsTargets")),
      table(
        el("span", { class: "visually-hidden" }, t("campaignsTargets")),
        [t("campaign"), t("tiles.spend"), t("tiles.ctr"), t("tiles.roas"), t("missed")],
        campaigns.items.map((row) => [
          row.group.campaign_id ? row.group.name : t("noCampaign"),
          money(row.counters.spend, currency),
          percent(row.kpis.ctr),
          number(row.kpis.roas, 2),
          (row.targets_missed || []).map((name) => t(`kpi.${name}`)).join(", ") || t("none"),
        ]),
      ),
    ),
  );
}
