// Campaigns: the list, and one campaign's KPIs by platform and format, its funnel "from
// like to lead" with reference ranges and the leak, its budget pacing (spend against the
// linear pace) and the reallocation suggested.
import { all, api, instant } from "./api.js";
import { PALETTE, figure } from "./charts.js";
import { el, table } from "./dom.js";
import { dateTime, day, money, number, percent, t } from "./i18n.js";

function list(campaigns) {
  return table(
    t("campaigns"),
    [t("campaign"), t("status"), t("budget"), t("period")],
    campaigns.map((campaign) => [
      el("a", { href: `#/campaigns/${campaign.id}` }, campaign.name),
      t(`campaignStatuses.${campaign.status}`),
      money(campaign.budget, campaign.currency),
      `${dateTime(campaign.starts_at)} → ${dateTime(campaign.ends_at)}`,
    ]),
  );
}

function byGroup(word, report, currency) {
  const name = (row) => row.group.platform || row.group.format || "—";
  return figure(
    t(word),
    {
      legend: { top: 0 },
      xAxis: { type: "category", data: report.items.map(name) },
      yAxis: { type: "value", axisLabel: { formatter: (v) => percent(v) } },
      series: [
        { id: "ctr", name: t("tiles.ctr"), type: "bar", data: report.items.map((row) => row.kpis.ctr) },
        { id: "engagement_rate", name: t("tiles.engagement_rate"), type: "bar", data: report.items.map((row) => row.kpis.engagement_rate) },
      ],
    },
    [t(word === "byPlatform" ? "platform" : "format"), t("tiles.impressions"), t("clicks"), t("tiles.ctr"), t("tiles.engagement_rate"), "CPM", t("tiles.spend")],
    report.items.map((row) => [
      name(row),
      number(row.counters.impressions),
      number(row.counters.clicks),
      percent(row.kpis.ctr),
      percent(row.kpis.engagement_rate),
      money(row.kpis.cpm, currency),
      money(row.counters.spend, currency),
    ]),
  );
}

function funnel(report) {
  const stages = report.stages.filter((stage) => stage.count !== null);
  return figure(
    t("funnel"),
    {
      tooltip: { trigger: "item" },
      series: [
        {
          id: "funnel",
          type: "funnel",
          sort: "none",
          minSize: "8%",
          label: { show: true, position: "inside", formatter: (item) => `${item.name}: ${number(item.value)}` },
          data: stages.map((stage, index) => ({
            name: stage.label,
            value: stage.count,
            itemStyle: stage.name === report.leak ? { color: PALETTE[3], borderColor: "#000", borderWidth: 2 } : { color: PALETTE[index % 3] },
          })),
        },
      ],
    },
    [t("stage"), t("count"), t("passRate"), t("reference"), t("position")],
    report.stages.map((stage) => [
      stage.name === report.leak ? `${stage.label} (${t("leak")})` : stage.label,
      number(stage.count),
      percent(stage.pass_rate),
      stage.reference ? `${percent(stage.reference.low)} – ${percent(stage.reference.high)}` : "—",
      stage.position ? t(`positions.${stage.position}`) : "—",
    ]),
  );
}

/** Spend to date each day, and where a linear pace from start to end would be. */
export function pacing(budget, daily) {
  const start = new Date(budget.starts_at).getTime();
  const end = new Date(budget.ends_at).getTime();
  const total = Number(budget.budget);
  let spent = 0;
  return daily.items.map((row) => {
    spent += Number(row.counters.spend || 0);
    const at = new Date(row.group.period_start).getTime() + 86_400_000;
    const pace = Math.min(1, Math.max(0, (at - start) / (end - start))) * total;
    return { day: row.group.period_start, spent: Math.round(spent * 100) / 100, pace: Math.round(pace * 100) / 100 };
  });
}

function pacingChart(budget, daily) {
  const points = pacing(budget, daily);
  return figure(
    t("pacing"),
    {
      legend: { top: 0 },
      xAxis: { type: "category", data: points.map((p) => day(p.day)) },
      yAxis: { type: "value", axisLabel: { formatter: (v) => money(v, budget.currency) } },
      series: [
        { id: "spend", name: t("cumulativeSpend"), type: "line", data: points.map((p) => p.spent), areaStyle: { opacity: 0.15 } },
        { id: "pace", name: t("linearPace"), type: "line", lineStyle: { type: "dashed" }, data: points.map((p) => p.pace) },
      ],
    },
    [t("day"), t("cumulativeSpend"), t("linearPace")],
    points.map((p) => [day(p.day), money(p.spent, budget.currency), money(p.pace, budget.currency)]),
  );
}

function reallocation(budget) {
  if (budget.reallocation.length === 0) {
    return el("p", {}, t("noReallocation"));
  }
  return table(
    t("reallocation"),
    [t("platform"), t("format"), t("tiles.spend"), t("rankedBy", { kpi: budget.ranked_by }), t("currentShare"), t("suggestedShare"), t("suggestedSpend")],
    budget.reallocation.map((line) => [
      line.platform,
      line.format,
      money(line.spend, budget.currency),
      typeof line.value === "string" ? money(line.value, budget.currency) : number(line.value, 2),
      percent(line.current_share),
      percent(line.suggested_share),
      money(line.suggested_spend, budget.currency),
    ]),
  );
}

async function detail(id) {
  const campaign = await api(`/v1/campaigns/${id}`);
  const scope = { campaign_id: id };
  const until = instant(new Date());
  const from = campaign.starts_at && campaign.starts_at < until ? campaign.starts_at : null;
  const [platforms, formats, funnelReport, budgets, daily] = await Promise.all([
    api("/v1/kpis", { query: { ...scope, group_by: "platform" } }),
    api("/v1/kpis", { query: { ...scope, group_by: "format" } }),
    api("/v1/kpis/funnel", { query: scope }),
    api("/v1/kpis/budget", { query: scope }),
    from ? api("/v1/kpis", { query: { ...scope, group_by: "day", from, to: until } }) : null,
  ]);
  const budget = budgets.items.find((item) => item.campaign_id === id);
  return el(
    "div",
    { class: "page campaign", "data-campaign": id },
    el("p", {}, el("a", { href: "#/campaigns" }, `← ${t("campaigns")}`)),
    el("h1", {}, campaign.name),
    el("p", { class: "muted" }, `${t(`campaignStatuses.${campaign.status}`)} · ${t("budget")} ${money(campaign.budget, campaign.currency)}`),
    el("div", { class: "grid" }, byGroup("byPlatform", platforms, campaign.currency), byGroup("byFormat", formats, campaign.currency)),
    el("section", { "aria-label": t("funnel") }, funnel(funnelReport)),
    budget && daily && budget.budget && budget.ends_at
      ? el(
          "section",
          { "aria-labelledby": "pacing-title" },
          el("h2", { id: "pacing-title" }, `${t("pacing")} · ${number(budget.pacing, 2)}`),
          pacingChart(budget, daily),
          el("h2", {}, t("reallocation")),
          reallocation(budget),
        )
      : null,
  );
}

export async function render(_context, id) {
  if (id) {
    return detail(id);
  }
  const campaigns = await all("/v1/campaigns");
  return el("div", { class: "page campaigns" }, el("h1", {}, t("campaigns")), list(campaigns));
}
