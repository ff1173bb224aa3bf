// Attribution: a run's models side by side per channel, and Markov's removal effects.
import { all, api, instant } from "./api.js";
import { figure } from "./charts.js";
import { el } from "./dom.js";
import { dateTime, number, percent, t } from "./i18n.js";
import { follow } from "./progress.js";

const DAY_MS = 86_400_000;

/** Channels by their credit summed over the models, largest first. */
export function channels(results) {
  const totals = {};
  for (const byDimension of Object.values(results)) {
    for (const credit of byDimension.channel || []) {
      totals[credit.key] = (totals[credit.key] || 0) + credit.conversions;
    }
  }
  return Object.keys(totals).sort((a, b) => totals[b] - totals[a]);
}

function models(run) {
  const names = Object.keys(run.results);
  const keys = channels(run.results);
  const credit = (model, key) => (run.results[model].channel || []).find((c) => c.key === key)?.conversions ?? 0;
  return figure(
    t("modelsSideBySide"),
    {
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "category", data: keys },
      yAxis: { type: "value", name: t("conversions") },
      series: names.map((model) => ({ id: model, name: t(`models.${model}`), type: "bar", data: keys.map((key) => credit(model, key)) })),
    },
    [t("channel"), ...names.map((model) => t(`models.${model}`))],
    keys.map((key) => [key, ...names.map((model) => number(credit(model, key), 1))]),
  );
}

function removal(run) {
  const effects = Object.entries(run.removal_effects || {}).sort((a, b) => b[1] - a[1]);
  if (effects.length === 0) {
    return null;
  }
  return figure(
    t("removalEffects"),
    {
      grid: { left: 120, right: 40, top: 24, bottom: 32 },
      xAxis: { type: "value", axisLabel: { formatter: (v) => percent(v) } },
      yAxis: { type: "category", data: effects.map(([key]) => key), inverse: true },
      series: [{ id: "removal_effects", type: "bar", data: effects.map(([, value]) => value) }],
    },
    [t("channel"), t("removalEffect")],
    effects.map(([key, value]) => [key, percent(value)]),
  );
}

/** Run the models again over the last 30 days, as the shown run was asked, and follow it. */
function runAgain(context, run) {
  const status = el("p", { class: "muted", role: "status" });
  const start = async (event) => {
    event.target.disabled = true;
    const now = new Date();
    const body = {
      from: instant(new Date(now.getTime() - 30 * DAY_MS)),
      to: instant(now),
      ...(run.params.conversion_types ? { conversion_types: run.params.conversion_types } : {}),
      ...(run.params.lookback_days ? { lookback_days: run.params.lookback_days } : {}),
    };
    const started = await api("/v1/attribution-runs", { method: "POST", body });
    const done = await follow(`/v1/attribution-runs/${started.id}`, started, (current) => {
      status.textContent = t("runStatus", { status: t(`refreshStatuses.${current.status}`) });
    });
    window.location.hash = `#/attribution/${done.id}`;
  };
  return el("div", { class: "actions" }, el("button", { type: "button", id: "run-again", onclick: start }, t("runAgain")), status);
}

export async function render(context, id) {
  const runs = await all("/v1/attribution-runs", {}, 50);
  const done = runs.filter((run) => run.status === "succeeded");
  const chosen = id || done[0]?.id;
  if (!chosen) {
    return el("div", { class: "page attribution" }, el("h1", {}, t("attribution")), el("p", {}, t("noRun")));
  }
  const run = await api(`/v1/attribution-runs/${chosen}`);
  return el(
    "div",
    { class: "page attribution", "data-run": run.id },
    el("h1", {}, t("attribution")),
    el(
      "nav",
      { "aria-label": t("runs") },
      el(
        "ul",
        { class: "runs" },
        done.map((other) =>
          el("li", {}, el("a", { href: `#/attribution/${other.id}`, "aria-current": other.id === run.id ? "page" : null }, `${dateTime(other.created_at)} · ${number(other.conversion_count)} ${t("conversions")}`)),
        ),
      ),
    ),
    context.can("editor") ? runAgain(context, run) : null,
    el("p", { class: "muted" }, `${number(run.path_count)} ${t("paths")} · ${number(run.conversion_count)} ${t("conversions")} · ${t("lookback")} ${run.params.lookback_days ?? "—"}`),
    el("section", { "aria-label": t("modelsSideBySide") }, models(run)),
    el("section", { "aria-label": t("removalEffects") }, removal(run)),
  );
}
