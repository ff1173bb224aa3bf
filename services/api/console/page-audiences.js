// Audiences: each audience's size and tiers, its platform warnings and its export; an
// editor refreshes a segment and watches the refresh finish without reloading.
import { all, api, getKey } from "./api.js";
import { figure } from "./charts.js";
import { el, table } from "./dom.js";
import { dateTime, number, t } from "./i18n.js";
import { follow } from "./progress.js";

const TIERS = ["hot", "warm", "cold"];
/** What the last refresh of each audience said: shown again once the page is redrawn. */
const outcomes = new Map();

/** The audience's CSV, fetched with the key (a plain link would carry none). */
async function download(audience, tier) {
  const response = await fetch(`/v1/audiences/${audience.id}/export${tier ? `?tier=${tier}` : ""}`, {
    headers: { Accept: "text/csv", Authorization: `Bearer ${getKey()}` },
  });
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `${audience.name}.csv` });
  link.click();
  URL.revokeObjectURL(link.href);
}

function history(audience, refreshes) {
  const finished = refreshes.filter((refresh) => refresh.size !== null).reverse();
  if (finished.length === 0) {
    return null;
  }
  return figure(
    t("sizeOverRefreshes"),
    {
      grid: { left: 64, right: 24, top: 16, bottom: 32 },
      xAxis: { type: "category", data: finished.map((refresh) => dateTime(refresh.finished_at || refresh.created_at)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ id: "sizes_over_refreshes", type: "line", step: "end", symbolSize: 8, data: finished.map((refresh) => refresh.size) }],
    },
    [t("when"), t("members"), t("trigger")],
    finished.map((refresh) => [dateTime(refresh.finished_at || refresh.created_at), number(refresh.size), refresh.trigger]),
    { compact: true },
  );
}

function card(context, audience, refreshes) {
  const status = el("p", { class: "muted", role: "status" }, outcomes.get(audience.id));
  const tiers = audience.tier_counts || {};
  const refresh = async () => {
    const started = await api(`/v1/audiences/${audience.id}/refresh`, { method: "POST" });
    const word = (reading) => t(`refreshStatuses.${reading.status}`);
    const done = await follow(`/v1/audiences/${audience.id}/refreshes/${started.id}`, started, (current) => {
      status.textContent = t("refreshing", { status: word(current) });
    });
    outcomes.set(audience.id, t("refreshed", { status: word(done), size: number(done.size) }));
    await context.redraw();
  };
  return el(
    "section",
    { class: "audience", "data-audience": audience.id, "aria-labelledby": `audience-${audience.id}` },
    el("h2", { id: `audience-${audience.id}` }, audience.name),
    el("p", { class: "muted" }, `${t(`audienceKinds.${audience.kind}`)} · ${t("size")} ${number(audience.size)} · ${t("computedAt")} ${dateTime(audience.computed_at)}`),
    audience.platform_warnings.length
      ? el("ul", { class: "warnings" }, audience.platform_warnings.map((warning) => el("li", {}, warning)))
      : null,
    audience.tier_counts
      ? figure(
          t("tiers"),
          {
            grid: { left: 64, right: 24, top: 16, bottom: 32 },
            xAxis: { type: "value", minInterval: 1 },
            yAxis: { type: "category", data: TIERS.map((tier) => t(`tierNames.${tier}`)) },
            series: [{ id: "tiers", type: "bar", data: TIERS.map((tier) => tiers[tier] ?? 0) }],
          },
          [t("tier"), t("members")],
          TIERS.map((tier) => [t(`tierNames.${tier}`), number(tiers[tier] ?? 0)]),
          { compact: true },
        )
      : null,
    refreshes ? history(audience, refreshes) : null,
    el(
      "div",
      { class: "actions" },
      audience.kind === "retargeting" && context.can("editor")
        ? el("button", { type: "button", class: "refresh", onclick: refresh }, t("refresh"))
        : null,
      audience.kind === "retargeting" ? el("button", { type: "button", class: "export", onclick: () => download(audience) }, t("export")) : null,
    ),
    status,
  );
}

export async function render(context) {
  const audiences = await all("/v1/audiences");
  const retargeting = audiences.filter((audience) => audience.kind === "retargeting");
  const refreshes = Object.fromEntries(
    await Promise.all(
      retargeting.map(async (audience) => [audience.id, (await api(`/v1/audiences/${audience.id}/refreshes`, { query: { limit: 20 } })).items]),
    ),
  );
  const sized = audiences.filter((audience) => audience.size !== null);
  return el(
    "div",
    { class: "page audiences" },
    el("h1", {}, t("audiences")),
    sized.length
      ? figure(
          t("sizes"),
          {
            grid: { left: 200, right: 40, top: 16, bottom: 32 },
            xAxis: { type: "value" },
            yAxis: { type: "category", data: sized.map((audience) => audience.name), inverse: true },
            series: [{ id: "sizes", type: "bar", data: sized.map((audience) => audience.size) }],
          },
          [t("audience"), t("members")],
          sized.map((audience) => [audience.name, number(audience.size)]),
        )
      : null,
    audiences.map((audience) => card(context, audience, refreshes[audience.id])),
    table(t("audiences"), [t("audience"), t("kind"), t("members")], audiences.map((a) => [a.name, t(`audienceKinds.${a.kind}`), number(a.size)])),
  );
}
