// Audiences: each audience's size and tiers, its platform warnings and its export; an
// editor refreshes a segment and watches the refresh finish without reloading.
import { all, api, getKey } from "./api.js";
import { figure } from "./charts.js";
import { el, table } from "./dom.js";
import { dateTime, number, t } from "./i18n.js";

const TIERS = ["hot", "warm", "cold"];
const POLL_MS = 1000;
/** What the last refresh of each audience said: shown again once the page is redrawn. */
const outcomes = new Map();

/** Poll a refresh until it is no longer queued or running, showing its status. */
async function follow(context, audience, refresh, status) {
  let current = refresh;
  while (current.status === "queued" || current.status === "running") {
    status.textContent = t("refreshing", { status: t(`refreshStatuses.${current.status}`) });
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await api(`/v1/audiences/${audience.id}/refreshes/${current.id}`);
  }
  outcomes.set(audience.id, t("refreshed", { status: t(`refreshStatuses.${current.status}`), size: number(current.size) }));
  await context.redraw();
}

/** The audience's CSV, fetched with the key (a plain link would carry none). */
async function download(audience, tier) {
  const response = await fetch(`/v1/audiences/${audience.id}/export${tier ? `?tier=${tier}` : ""}`, {
    headers: { Accept: "text/csv", Authorization: `Bearer ${getKey()}` },
  });
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `${audience.name}.csv` });
  link.click();
  URL.revokeObjectURL(link.href);
}

function card(context, audience) {
  const status = el("p", { class: "muted", role: "status" }, outcomes.get(audience.id));
  const tiers = audience.tier_counts || {};
  const refresh = async () => {
    const started = await api(`/v1/audiences/${audience.id}/refresh`, { method: "POST" });
    await follow(context, audience, started, status);
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
    audiences.map((audience) => card(context, audience)),
    table(t("audiences"), [t("audience"), t("kind"), t("members")], audiences.map((a) => [a.name, t(`audienceKinds.${a.kind}`), number(a.size)])),
  );
}
